/**
 * Live quality: the model's gate metric on live requests whose true outcome arrived later.
 *
 * - **Labels** are uploaded as JSON Lines under the data bucket's `labels/` — one line per answered
 *   request: `{"requestId": "…", "at": "…", "label": 37}` (one record) or `"labels": [37, -4, …]` (a batch,
 *   in the request's order; `null` for a record whose outcome is unknown). `requestId` and `at` are the
 *   predict response's own fields; `at` is optional but finds the capture directly (without it the capture
 *   hours of the whole window are searched). A label is the value of the column the target is read from
 *   (`dataset.target`, or `dataset.label.from` for a derived label — the delay in minutes, not 0/1).
 * - **Join**: a label meets its request's capture (`capture/<day>/<hour>/<requestId>.jsonl`). Only
 *   captured requests can be joined — at `serving.capturePercent` 10, nine labels in ten find no capture;
 *   the report counts them, they are not errors.
 * - **Verdict**: the gate metric (`gate.metric`) of the captured predictions against the labels, overall
 *   and per model version, once at least `monitoring.minLabelledRows` rows joined; fewer, and the labels
 *   stay pending for the next check (nothing is judged on a handful of rows, nothing is dropped).
 * - The joined rows are kept (`monitoring/<name>/labelled/<time>.jsonl`): the retrain trigger adds the
 *   ones newer than the newest validated data to what it trains on (`monitoring.retrain.includeCapturedData`).
 *
 * A line that is not a label, or a label whose count does not match its request's records, is named in
 * the report (object, line, why); the labels file stays where it is.
 */
import { z } from 'zod';
import type { PlatformConfig } from '../../../config/schema';
import type { TargetSpec } from '../features/transform-spec';
import { ARTIFACT_PREFIX } from '../layout';
import { GATE_SCORERS, type GateMetric } from '../metrics/evaluate';
import { captureHourPrefix, SAFE_REQUEST_ID, type CaptureRecord } from '../serving/capture';
import type { RawRecord } from '../serving/request';
import { captureHourPrefixes, type DriftWindow, type SkippedCapture } from './drift-check';

/** A label's value as uploaded: the target column's value, or null when unknown. */
const labelValue = z.union([z.number(), z.boolean(), z.string(), z.null()]);

/** One line of a labels file. */
const labelLineSchema = z
  .strictObject({
    requestId: z.string().regex(SAFE_REQUEST_ID, 'the predict response\'s requestId (letters, digits, "-", "_", ".")'),
    at: z.iso.datetime({ offset: true }).optional(),
    label: labelValue.optional(),
    labels: z.array(labelValue).min(1).optional(),
  })
  .refine((l) => (l.label !== undefined) !== (l.labels !== undefined), { message: 'exactly one of "label" (one record) or "labels" (a batch, in request order)' });

/** The labels of one answered request. */
export interface RequestLabels {
  readonly requestId: string;
  /** The predict response's `at`, when the uploader kept it. */
  readonly at?: string;
  /** One value per record of the request, in order. */
  readonly values: ReadonlyArray<number | boolean | string | null>;
}

/** A problem with one line of a labels object, or with a label that could not be joined. */
export interface LabelProblem {
  readonly key: string;
  /** 1-based line, when the problem is one line. */
  readonly line?: number;
  readonly reason: string;
}

/** Parse a labels object (JSON Lines; blank lines skipped). Bad lines are problems, never thrown. */
export function parseLabelLines(text: string, key: string): { labels: RequestLabels[]; problems: LabelProblem[] } {
  const labels: RequestLabels[] = [];
  const problems: LabelProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      problems.push({ key, line: i + 1, reason: `not JSON: ${(error as Error).message}` });
      return;
    }
    const parsed = labelLineSchema.safeParse(json);
    if (!parsed.success) {
      problems.push({ key, line: i + 1, reason: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; ') });
      return;
    }
    const { requestId, at, label, labels: batch } = parsed.data;
    labels.push({ requestId, ...(at ? { at } : {}), values: batch ?? [label ?? null] });
  });
  return { labels, problems };
}

/** The capture hour folders the labels' requests can be in: each label's own hour, or the whole window for labels without `at`. */
export function labelCaptureHours(labels: readonly RequestLabels[], window: DriftWindow): string[] {
  const hours = new Set<string>();
  let searchWindow = false;
  for (const l of labels) {
    if (l.at) hours.add(captureHourPrefix(new Date(l.at)));
    else searchWindow = true;
  }
  if (searchWindow) for (const h of captureHourPrefixes(window)) hours.add(h);
  return [...hours].sort();
}

/** One captured record with its label: a training row, and a scored prediction. */
export interface LabelledRow {
  readonly requestId: string;
  /** When the request was answered. */
  readonly at: string;
  readonly modelVersion: number;
  readonly record: RawRecord;
  /** The target column's value (numeric; booleans as 0/1). */
  readonly label: number;
  readonly prediction: number;
  /** Binary tasks: p(1). */
  readonly probability?: number;
}

/** The target column's value as a number: numbers, booleans (1/0), numeric strings, "true"/"false". */
function numericLabel(value: number | boolean | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = value.trim().toLowerCase();
  if (text === 'true') return 1;
  if (text === 'false') return 0;
  const n = text === '' ? Number.NaN : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** What joining labels with captures came to. */
export interface LabelJoin {
  readonly rows: LabelledRow[];
  /** Labelled requests that were not captured (sampling) or whose capture is outside the hours read. */
  readonly notCaptured: number;
  /** A few of their request ids, to look up. */
  readonly notCapturedSample: string[];
  readonly problems: LabelProblem[];
}

/** Join labels with the captured requests by request id. The first label of a request counts; a repeat is a problem. */
export function joinLabels(labels: ReadonlyArray<RequestLabels & { readonly key: string }>, captures: readonly CaptureRecord[]): LabelJoin {
  const byId = new Map<string, CaptureRecord>();
  for (const c of captures) byId.set(c.requestId, c);
  const seen = new Set<string>();
  const rows: LabelledRow[] = [];
  const problems: LabelProblem[] = [];
  const notCapturedSample: string[] = [];
  let notCaptured = 0;
  for (const l of labels) {
    if (seen.has(l.requestId)) {
      problems.push({ key: l.key, reason: `request ${l.requestId} is labelled more than once: the first label counts` });
      continue;
    }
    seen.add(l.requestId);
    const capture = byId.get(l.requestId);
    if (!capture) {
      notCaptured++;
      if (notCapturedSample.length < 5) notCapturedSample.push(l.requestId);
      continue;
    }
    const instances = capture.request.instances;
    if (instances.length !== l.values.length) {
      problems.push({ key: l.key, reason: `request ${l.requestId} had ${instances.length} record(s), its label line gives ${l.values.length}` });
      continue;
    }
    l.values.forEach((value, i) => {
      if (value === null) return;
      const label = numericLabel(value);
      if (label === undefined) {
        problems.push({ key: l.key, reason: `request ${l.requestId}, record ${i}: label ${JSON.stringify(value)} is not a number or boolean` });
        return;
      }
      const probability = capture.response.probabilities?.[i]?.[1];
      rows.push({ requestId: l.requestId, at: capture.at, modelVersion: capture.modelVersion, record: instances[i]!, label, prediction: capture.response.predictions[i]!, ...(probability !== undefined ? { probability } : {}) });
    });
  }
  return { rows, notCaptured, notCapturedSample, problems };
}

/** The gate metric of some labelled rows. */
export interface QualityValue {
  readonly rows: number;
  readonly value: number;
}

/** Live quality overall and per served version. */
export interface LiveQualityResult extends QualityValue {
  readonly metric: GateMetric;
  readonly byVersion: Readonly<Record<string, QualityValue>>;
}

/** The gate metric of the rows: the label read as the target (derived labels thresholded), p(1) for binary tasks. */
export function liveQuality(rows: readonly LabelledRow[], options: { readonly task: PlatformConfig['dataset']['task']; readonly target: TargetSpec; readonly metric: GateMetric }): LiveQualityResult {
  const { target, metric } = options;
  const score = (subset: readonly LabelledRow[]): QualityValue => {
    const y = new Float64Array(subset.length);
    const p = new Float64Array(subset.length);
    subset.forEach((r, i) => {
      y[i] = target.kind === 'column' ? r.label : (target.op === '>' ? r.label > target.threshold : target.op === '>=' ? r.label >= target.threshold : target.op === '<' ? r.label < target.threshold : r.label <= target.threshold) ? 1 : 0;
      p[i] = options.task === 'binary' ? (r.probability ?? r.prediction) : r.prediction;
    });
    return { rows: subset.length, value: GATE_SCORERS[metric](y, p) };
  };
  const versions = new Map<number, LabelledRow[]>();
  for (const r of rows) versions.set(r.modelVersion, [...(versions.get(r.modelVersion) ?? []), r]);
  return { metric, ...score(rows), byVersion: Object.fromEntries([...versions].sort(([a], [b]) => a - b).map(([v, subset]) => [String(v), score(subset)])) };
}

/** The live-quality report written under `monitoring/<name>/quality/reports/`. */
export interface QualityReport {
  readonly at: string;
  readonly environment: string;
  readonly modelName: string;
  /** Labels objects read (uploaded since the last verdict). */
  readonly labelObjects: readonly string[];
  readonly labelled: number;
  readonly notCaptured: number;
  readonly notCapturedSample: readonly string[];
  /** At most 20 problems, and how many there were. */
  readonly problems: readonly LabelProblem[];
  readonly problemCount: number;
  readonly skippedCaptures: readonly SkippedCapture[];
  readonly result?: LiveQualityResult;
  /** Where the joined rows were kept (with a verdict). */
  readonly labelledKey?: string;
  readonly noVerdict?: string;
}

/** Where the next live-quality check starts reading labels objects. */
export interface QualityState {
  /** ISO time: objects last modified at or after it may still be unjudged. */
  readonly labelsCheckedUntil: string;
  /** The objects at or after that time that were already judged. */
  readonly judgedKeys?: readonly string[];
}

/**
 * How far back from a listing the mark stays: S3 stamps an object with the time its upload began, so a
 * large labels file still uploading during a check appears later with an earlier time than files judged then.
 */
export const LABELS_SETTLE_MS = 15 * 60_000;

/** A listed labels object. */
export interface LabelsObject {
  readonly key: string;
  readonly lastModified: Date;
}

/** Whether a listed labels object is still to be judged under `state` (no state: everything since `since`). */
export function isUnjudged(o: LabelsObject, state: QualityState | undefined, since: Date): boolean {
  const mark = state ? Date.parse(state.labelsCheckedUntil) : since.getTime();
  return o.lastModified.getTime() >= mark && !(state?.judgedKeys ?? []).includes(o.key);
}

/**
 * The state after a verdict on `judged`: the mark moves to the newest judged object's time, but no closer
 * than {@link LABELS_SETTLE_MS} to the listing (and never back); the objects at or after it that were judged,
 * now or before, are remembered.
 */
export function qualityStateAfter(input: { readonly previous?: QualityState; readonly since: Date; readonly listed: readonly LabelsObject[]; readonly judged: readonly LabelsObject[]; readonly listedAt: Date }): QualityState {
  const previousMark = input.previous ? Date.parse(input.previous.labelsCheckedUntil) : input.since.getTime();
  const newest = Math.max(previousMark, ...input.judged.map((o) => o.lastModified.getTime()));
  const mark = Math.max(previousMark, Math.min(newest, input.listedAt.getTime() - LABELS_SETTLE_MS));
  const judged = new Set([...(input.previous?.judgedKeys ?? []), ...input.judged.map((o) => o.key)]);
  return { labelsCheckedUntil: new Date(mark).toISOString(), judgedKeys: input.listed.filter((o) => o.lastModified.getTime() >= mark && judged.has(o.key)).map((o) => o.key) };
}

/** One quality check as a pure step: join, then a verdict once enough rows joined. */
export function checkLiveQuality(input: {
  readonly at: Date;
  readonly environment: string;
  readonly modelName: string;
  readonly labelObjects: readonly string[];
  readonly labels: ReadonlyArray<RequestLabels & { readonly key: string }>;
  readonly parseProblems: readonly LabelProblem[];
  readonly captures: readonly CaptureRecord[];
  readonly skippedCaptures: readonly SkippedCapture[];
  readonly task: PlatformConfig['dataset']['task'];
  readonly target: TargetSpec;
  readonly metric: GateMetric;
  readonly minRows: number;
}): { report: QualityReport; rows: LabelledRow[] } {
  const join = joinLabels(input.labels, input.captures);
  const problems = [...input.parseProblems, ...join.problems];
  const base = {
    at: input.at.toISOString(),
    environment: input.environment,
    modelName: input.modelName,
    labelObjects: input.labelObjects,
    labelled: join.rows.length,
    notCaptured: join.notCaptured,
    notCapturedSample: join.notCapturedSample,
    problems: problems.slice(0, 20),
    problemCount: problems.length,
    skippedCaptures: input.skippedCaptures,
  };
  if (join.rows.length < input.minRows) {
    return {
      report: { ...base, noVerdict: `${join.rows.length} labelled captured rows; a live-quality verdict needs at least ${input.minRows} (monitoring.minLabelledRows): these labels stay pending for the next check` },
      rows: join.rows,
    };
  }
  return { report: { ...base, result: liveQuality(join.rows, input) }, rows: join.rows };
}

/** Key of a quality report: `monitoring/<name>/quality/reports/<time>.json`. */
export function qualityReportKey(name: string, at: string): string {
  return `${ARTIFACT_PREFIX.monitoring}${name}/quality/reports/${at.replace(/[:.]/g, '-')}.json`;
}

/** Key of the quality check's state: `monitoring/<name>/quality/state.json`. */
export function qualityStateKey(name: string): string {
  return `${ARTIFACT_PREFIX.monitoring}${name}/quality/state.json`;
}

/** Prefix of the kept labelled rows: `monitoring/<name>/labelled/`. */
export function labelledPrefix(name: string): string {
  return `${ARTIFACT_PREFIX.monitoring}${name}/labelled/`;
}

/** Key of the labelled rows of one verdict: `monitoring/<name>/labelled/<time>.jsonl` (keys sort by time). */
export function labelledRowsKey(name: string, at: string): string {
  return `${labelledPrefix(name)}${at.replace(/[:.]/g, '-')}.jsonl`;
}

/** The stored form of labelled rows: JSON Lines. */
export function labelledLines(rows: readonly LabelledRow[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** Read kept labelled rows back; a line that is not one is a problem, never thrown. */
export function parseLabelledLines(text: string, key: string): { rows: LabelledRow[]; problems: LabelProblem[] } {
  const rows: LabelledRow[] = [];
  const problems: LabelProblem[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const row = JSON.parse(line) as LabelledRow;
      if (typeof row?.label !== 'number' || typeof row.record !== 'object' || row.record === null) throw new Error('no "label" number or "record" object');
      rows.push(row);
    } catch (error) {
      problems.push({ key, line: i + 1, reason: `not a labelled row: ${(error as Error).message}` });
    }
  });
  return { rows, problems };
}

/**
 * One drift check, as pure steps around the drift statistics (`lambda/core/drift`): which window to
 * read, the captured records of it compared with the champion's baseline, the report, and the metrics
 * the alarms watch.
 *
 * - Window: from the end of the last check (its state document) to now, or `windowHours` back when there
 *   was none or it is older than that; captures are read hour folder by hour folder
 *   (`capture/<day>/<hour>/`), and records outside the window are left out.
 * - Fewer than `minRows` captured rows (config `monitoring.minRows`) give no verdict: the report says so,
 *   only `DriftRows` is emitted (a missing verdict is "no data" to the alarms, not a breach), and the window
 *   is not closed — the next check reads from the same start, so a quiet endpoint's rows add up (within
 *   `windowHours`) instead of being judged a handful at a time, where sampling noise alone reads as drift.
 * - Each captured record is counted once per row of its batch; a capture object that is not a capture
 *   record (damaged, foreign) is skipped and named in the report — nothing is lost, the object stays.
 */
import { computeDrift, type DriftResult } from '../drift/compute-drift';
import type { DriftBaseline, DriftMethod } from '../drift/drift-baseline';
import { addRecords, newWindowSketch } from '../drift/window-sketch';
import { ARTIFACT_PREFIX } from '../layout';
import { captureHourPrefix, type CaptureRecord } from '../serving/capture';
import { MONITORING_METRICS } from './monitoring-metrics';

/** What the last check left for the next one. */
export interface DriftState {
  /** ISO end of the last window that got a verdict. */
  readonly checkedUntil: string;
}

/** The window of a check. */
export interface DriftWindow {
  readonly from: Date;
  readonly to: Date;
}

/** The window from the last check (or `windowHours` back) to `now`. */
export function driftWindow(now: Date, windowHours: number, state?: DriftState): DriftWindow {
  const earliest = now.getTime() - windowHours * 3_600_000;
  const last = state ? Date.parse(state.checkedUntil) : Number.NaN;
  const from = Number.isFinite(last) && last >= earliest && last < now.getTime() ? last : earliest;
  return { from: new Date(from), to: now };
}

/** The capture hour folders a window spans, oldest first. */
export function captureHourPrefixes(window: DriftWindow): string[] {
  const out: string[] = [];
  const hour = 3_600_000;
  for (let t = Math.floor(window.from.getTime() / hour) * hour; t < window.to.getTime(); t += hour) out.push(captureHourPrefix(new Date(t)));
  return out;
}

/** A capture object that could not be read as capture records. */
export interface SkippedCapture {
  readonly key: string;
  readonly reason: string;
}

/** The drift report written under `monitoring/<name>/drift/`. */
export interface DriftReport {
  readonly at: string;
  readonly environment: string;
  readonly modelName: string;
  /** The champion whose baseline the window was compared with. */
  readonly modelVersion: number;
  readonly window: { readonly from: string; readonly to: string };
  /** Captured rows compared. */
  readonly rows: number;
  readonly captures: number;
  readonly skipped: readonly SkippedCapture[];
  /** Absent when the window had fewer than `minRows` rows. */
  readonly result?: DriftResult;
  /** Why there is no result. */
  readonly noVerdict?: string;
}

/** Options of {@link checkDrift}. */
export interface DriftCheckOptions {
  /** `monitoring.minRows`: rows a verdict needs. */
  readonly minRows: number;
  readonly datasetDriftShare: number;
  /** `monitoring.columnDriftThreshold`: the distance methods' threshold (p-value tests keep 0.05). */
  readonly columnDriftThreshold: number;
}

/** Compare the window's captured records with the baseline. */
export function checkDrift(input: {
  readonly baseline: DriftBaseline;
  readonly captures: readonly CaptureRecord[];
  readonly skipped?: readonly SkippedCapture[];
  readonly window: DriftWindow;
  readonly modelName: string;
  readonly modelVersion: number;
  readonly environment: string;
  readonly options: DriftCheckOptions;
}): DriftReport {
  const { window } = input;
  const inWindow = input.captures.filter((c) => {
    const at = Date.parse(c.at);
    return at >= window.from.getTime() && at < window.to.getTime();
  });
  const sketch = newWindowSketch(input.baseline);
  let rows = 0;
  for (const capture of inWindow) {
    addRecords(sketch, capture.request.instances);
    rows += capture.request.instances.length;
  }
  const base = {
    at: window.to.toISOString(),
    environment: input.environment,
    modelName: input.modelName,
    modelVersion: input.modelVersion,
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    rows,
    captures: inWindow.length,
    skipped: input.skipped ?? [],
  };
  const { minRows } = input.options;
  if (rows < minRows) return { ...base, noVerdict: `${rows} captured rows in the window; a verdict needs at least ${minRows} (monitoring.minRows): the next check reads from the same start` };
  const distance = input.options.columnDriftThreshold;
  const thresholds: Partial<Record<DriftMethod, number>> = { wasserstein: distance, jensenshannon: distance };
  return { ...base, result: computeDrift(input.baseline, sketch, { datasetDriftShare: input.options.datasetDriftShare, thresholds }) };
}

/** One metric document of a drift check: the metrics under one set of dimensions. */
export interface DriftMetricDocument {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: ReadonlyArray<{ readonly name: string; readonly value: number; readonly unit: 'Count' | 'None' }>;
}

/** The metrics of a report: per column (drifted, score, PSI) and for the dataset (share, rows). */
export function driftMetrics(report: DriftReport): DriftMetricDocument[] {
  const environment = report.environment;
  const dataset: DriftMetricDocument = {
    dimensions: { environment },
    metrics: [
      { name: MONITORING_METRICS.driftRows, value: report.rows, unit: 'Count' },
      ...(report.result ? [{ name: MONITORING_METRICS.datasetDriftShare, value: report.result.driftedShare, unit: 'None' as const }] : []),
    ],
  };
  if (!report.result) return [dataset];
  const columns = Object.entries(report.result.columns).map(
    ([column, drift]): DriftMetricDocument => ({
      dimensions: { environment, column },
      metrics: [
        { name: MONITORING_METRICS.columnDrifted, value: drift.drifted ? 1 : 0, unit: 'Count' },
        ...(Number.isFinite(drift.score) ? [{ name: MONITORING_METRICS.driftScore, value: drift.score, unit: 'None' as const }] : []),
        ...(Number.isFinite(drift.psi) ? [{ name: MONITORING_METRICS.psi, value: drift.psi, unit: 'None' as const }] : []),
      ],
    }),
  );
  return [...columns, dataset];
}

/** Key of a drift report: `monitoring/<name>/drift/reports/<time>.json`. */
export function driftReportKey(name: string, at: string): string {
  return `${ARTIFACT_PREFIX.monitoring}${name}/drift/reports/${at.replace(/[:.]/g, '-')}.json`;
}

/** Key of the drift check's state: `monitoring/<name>/drift/state.json`. */
export function driftStateKey(name: string): string {
  return `${ARTIFACT_PREFIX.monitoring}${name}/drift/state.json`;
}

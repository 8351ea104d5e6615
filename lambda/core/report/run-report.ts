/**
 * The HTML run report: one self-contained file (inline CSS, charts as inline SVG, no script, no URL)
 * with a run's outcome, stage timeline, validation summary and data profile, drift (the baseline fixed
 * from the training data and, for a retrain, the drift report that triggered it), holdout metrics
 * against the naive baseline and the champion with the gate's reasons, feature importance, and the
 * lineage of the version it registered. It renders whatever documents exist and says what is missing and why, so a
 * run that failed or was rejected at any stage still gets a report. Pure: no AWS import, no I/O.
 */
import { PSI_MODERATE, PSI_SIGNIFICANT, type ColumnDrift } from '../drift/compute-drift';
import type { DriftBaseline, DriftColumnBaseline } from '../drift/drift-baseline';
import { METRIC_DIRECTION } from '../metrics/evaluate';
import type { DriftReport } from '../monitoring/drift-check';
import type { VersionManifest } from '../registry/registry';
import { STAGES, type RunRecord, type StageName } from '../runs/run-record';
import type { Evaluation } from '../stages/evaluate-stage';
import type { DatasetProfile } from '../validation/dataset-validator';
import type { ValidationReport } from '../validation/report';
import { escapeHtml, flatten, formatBytes, formatDuration, formatInstant, formatNumber, formatPercent, formatValue } from './format';
import { distributionComparison, driftMethodName, driftRule, isPValueMethod, referenceHistogram } from './drift-section';
import { barChart, histogramChart, pairedBarChart, thresholdChart, timelineChart, type BarDatum, type ThresholdBar, type TimelineSpan } from './svg-charts';

/** Features drawn per importance chart; the rest are counted below it. */
export const MAX_IMPORTANCE_BARS = 30;

/** Expectation results listed in the validation table; the rest are counted below it. */
const MAX_EXPECTATION_ROWS = 100;

/**
 * The drift report that started a retrain run (the newest with a verdict at or before the run's start),
 * or why there is none.
 */
export type TriggeringDrift = { readonly key: string; readonly report: DriftReport } | { readonly missing: string };

/** The documents of one run, as far as they exist. */
export interface RunReportInput {
  /** The run record (`runs/<runId>/run.json`). */
  readonly run: RunRecord;
  /** The validation report (`runs/<runId>/validate/report.json`); absent without a validation gate or before it ran. */
  readonly validation?: ValidationReport;
  /** The profile of valid data (`runs/<runId>/validate/profile.json`). */
  readonly profile?: DatasetProfile;
  /** The evaluation (`runs/<runId>/evaluate/evaluation.json`). */
  readonly evaluation?: Evaluation;
  /** The drift baseline of the run's training split (`runs/<runId>/features/drift-baseline.json`, or its registered copy). */
  readonly driftBaseline?: DriftBaseline;
  /** For a run that drift started (trigger kind `drift`): the report that triggered it, or why it is absent. */
  readonly triggeringDrift?: TriggeringDrift;
  /** The manifest of the version the run registered (`registry/<name>/<version>/manifest.json`). */
  readonly manifest?: VersionManifest;
  /** Documents that exist but could not be read, one sentence each. */
  readonly problems?: readonly string[];
  /** When the report was made (ISO 8601). */
  readonly generatedAt: string;
}

const STYLE = `
:root{color-scheme:light;--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--ok:#15803d;--bad:#b91c1c;--warn:#a16207}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0;background:#f9fafb}
main{max-width:980px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.25rem;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:1.05rem;margin:20px 0 6px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}table.kv td code,dd code,.wrap{overflow-wrap:anywhere}td code,th[scope=row] code{white-space:nowrap}
table{border-collapse:collapse;margin:8px 0 16px;width:100%}caption{text-align:left;font-weight:600;padding:4px 0;color:var(--fg)}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:12px 0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;padding:1px 10px;border-radius:10px;font-weight:600;font-size:.9rem;color:#fff;background:var(--muted)}
.badge.succeeded,.badge.valid,.badge.deploy,.badge.pass{background:var(--ok)}.badge.failed,.badge.invalid,.badge.reject,.badge.fail{background:var(--bad)}
.badge.rejected,.badge.running{background:var(--warn)}
.missing{border-left:4px solid var(--warn);background:#fefce8;padding:8px 12px;margin:12px 0}.missing h2{margin-top:4px}.missing ul{margin:4px 0;padding-left:20px}
.absent{color:var(--muted);font-style:italic}.gate-tag{font-size:.75rem;color:#fff;background:#4b5563;border-radius:6px;padding:0 5px;margin-left:6px}
svg.chart{display:block;max-width:100%;height:auto;font-size:12px;margin:8px 0 4px}
svg .bar-label,svg .bar-value,svg .tick{fill:var(--fg)}svg .group-heading{font-weight:600;fill:var(--fg)}svg .axis{stroke:#9ca3af;stroke-width:1}
svg .bar{fill:#64748b}svg .bar.candidate{fill:#2563eb}svg .bar.baseline{fill:#9ca3af}svg .bar.champion{fill:#d97706}
svg .bar.importance-model{fill:#0d9488}svg .bar.importance-permutation{fill:#7c3aed}
svg .bar.stage-succeeded{fill:#16a34a}svg .bar.stage-failed{fill:#dc2626}svg .bar.stage-running{fill:#eab308}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.legend i.candidate{background:#2563eb}.legend i.baseline{background:#9ca3af}.legend i.champion{background:#d97706}
.badge.drift{background:var(--bad)}.badge.no-drift{background:var(--ok)}
svg.spark{display:inline-block;margin:0;font-size:10px}svg .bar.hist{fill:#0d9488}svg .bar.hist.other{fill:#9ca3af}
svg .bar.drifted,svg .bar.psi-significant{fill:#dc2626}svg .bar.not-drifted,svg .bar.psi-stable{fill:#64748b}svg .bar.psi-moderate{fill:#d97706}
svg .threshold{stroke:#111827;stroke-width:2;stroke-dasharray:3 2}svg .band-edge{stroke:#6b7280;stroke-width:1}
svg .band-stable{fill:#f0fdf4}svg .band-moderate{fill:#fefce8}svg .band-significant{fill:#fef2f2}
.legend i.drifted{background:#dc2626}.legend i.not-drifted{background:#64748b}.legend i.threshold{height:0;border-top:2px dashed #111827;vertical-align:3px}
svg .bar.reference{fill:#94a3b8}svg .bar.current{fill:#2563eb}svg .bar.current.drifted{fill:#dc2626}svg .bar-label.other{font-style:italic}
.legend i.reference{background:#94a3b8}.legend i.current{background:#2563eb}.legend i.current-drifted{background:#dc2626}
figure.compare{margin:12px 0}figure.compare figcaption{font-weight:600}
.legend i.band-stable{background:#dcfce7}.legend i.band-moderate{background:#fef3c7}.legend i.band-significant{background:#fee2e2}
footer{color:var(--muted);font-size:.85rem;margin-top:32px}
`;

const h = escapeHtml;

function badge(text: string, className = text): string {
  return `<span class="badge ${h(className)}">${h(text)}</span>`;
}

function facts(rows: ReadonlyArray<readonly [string, string | undefined]>): string {
  const items = rows.filter((r): r is readonly [string, string] => r[1] !== undefined);
  return `<dl class="facts">${items.map(([k, v]) => `<dt>${h(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

/** A table with a caption; the first cell of each row is its header. `kv` tables (field, value) wrap long values anywhere. */
function table(caption: string, head: readonly string[], rows: readonly string[][], numeric: ReadonlySet<number> = new Set(), kind: 'data' | 'kv' = 'data'): string {
  const th = head.map((c, i) => `<th scope="col"${numeric.has(i) ? ' class="num"' : ''}>${h(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td${numeric.has(i) ? ' class="num"' : ''}>${c}</td>`)).join('')}</tr>`).join('');
  return `<table${kind === 'kv' ? ' class="kv"' : ''}><caption>${h(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${h(title)}</h2>${body}</section>`;
}

function absent(text: string): string {
  return `<p class="absent">${h(text)}</p>`;
}

function s3Uri(bucket: unknown, key: unknown): string {
  return `s3://${String(bucket)}/${String(key)}`;
}

function durationBetween(start: string | undefined, end: string | undefined): string | undefined {
  if (!start || !end) return undefined;
  return formatDuration(Date.parse(end) - Date.parse(start));
}

/** Why a stage's document is absent, from what the run record says. */
function whyMissing(run: RunRecord, stage: StageName, document: string): string {
  const entry = run.stages[stage];
  if (entry?.status === 'failed') return `failed in ${stage}: ${entry.error?.name ?? 'error'} — ${entry.error?.cause || 'no cause recorded'}`;
  if (entry?.status === 'running') return `not written yet: the ${stage} stage is still running`;
  if (entry?.status === 'succeeded') return `the ${stage} stage succeeded, but its ${document} is not in the artifact bucket (deleted, or written elsewhere)`;
  const laterRan = STAGES.slice(STAGES.indexOf(stage) + 1).some((s) => run.stages[s] !== undefined);
  if (laterRan) return stage === 'validate' ? 'skipped: this environment has no validation gate' : `skipped: the ${stage} stage did not run`;
  const outcome = run.outcome ?? {};
  if (run.status === 'rejected') return 'not reached: the evaluation gate rejected the candidate, so no version was registered';
  if (run.status === 'failed') {
    const failed = typeof outcome.failedStage === 'string' ? outcome.failedStage : 'an earlier stage';
    return `not reached: the run failed in ${failed}${typeof outcome.error === 'string' ? ` (${outcome.error})` : ''}`;
  }
  if (run.status === 'running') return 'not written yet: the run is still running';
  return `the ${stage} stage did not run`;
}

function outcomeSentence(run: RunRecord): string {
  const o = run.outcome ?? {};
  switch (run.status) {
    case 'succeeded':
      return o.version !== undefined ? `Registered ${formatValue(o.model ?? 'the model')} v${formatValue(o.version)} as ${formatValue(o.stage ?? 'candidate')}.` : 'The run succeeded.';
    case 'rejected':
      return 'The evaluation gate rejected the candidate: no version was registered.';
    case 'failed': {
      const stage = typeof o.failedStage === 'string' ? o.failedStage : '?';
      const error = typeof o.error === 'string' ? o.error : 'error';
      const cause = typeof o.cause === 'string' && o.cause ? o.cause : error === 'ValidationFailed' ? 'the data did not pass validation (see the validation summary)' : '';
      return `Failed in ${stage}: ${error}${cause ? ` — ${cause}` : ''}`;
    }
    case 'running': {
      const current = STAGES.filter((s) => run.stages[s]?.status === 'running').at(-1);
      return current ? `Running: at the ${current} stage.` : 'Running.';
    }
  }
}

function summarySection(input: RunReportInput): string {
  const { run } = input;
  const t = run.trigger;
  return (
    `<header><h1>Run <code>${h(run.runId)}</code> ${badge(run.status)}</h1><p class="outcome">${h(outcomeSentence(run))}</p>` +
    facts([
      ['data', `<code>${h(s3Uri(t.bucket, t.key))}</code>${t.versionId ? ` (version <code>${h(t.versionId)}</code>)` : ''}`],
      ['trigger', h(t.kind)],
      ['started', h(run.startedAt)],
      ['finished', run.finishedAt ? h(run.finishedAt) : undefined],
      ['took', durationBetween(run.startedAt, run.finishedAt)],
    ]) +
    `</header>`
  );
}

function missingSection(input: RunReportInput): string {
  const { run } = input;
  const items: string[] = [];
  if (!input.validation) items.push(`Validation summary — ${whyMissing(run, 'validate', 'report')}`);
  if (!input.evaluation) items.push(`Metrics and feature importance — ${whyMissing(run, 'evaluate', 'evaluation')}`);
  if (!input.manifest) items.push(`Lineage — ${whyMissing(run, 'register', 'registry manifest')}`);
  for (const problem of input.problems ?? []) items.push(problem);
  if (items.length === 0) return '';
  return `<aside class="missing" aria-labelledby="missing-h"><h2 id="missing-h">Not in this report</h2><ul>${items.map((i) => `<li>${h(i)}</li>`).join('')}</ul></aside>`;
}

function timelineSection(input: RunReportInput): string {
  const { run } = input;
  const origin = Date.parse(run.startedAt);
  const openEnd = Date.parse(run.finishedAt ?? input.generatedAt);
  const spans: TimelineSpan[] = [];
  const rows: string[][] = [];
  for (const stage of STAGES) {
    const entry = run.stages[stage];
    if (!entry) {
      rows.push([h(stage), '<span class="absent">not reached</span>', '', '']);
      continue;
    }
    const start = Date.parse(entry.startedAt) - origin;
    const end = (entry.finishedAt ? Date.parse(entry.finishedAt) : openEnd) - origin;
    if (Number.isFinite(start) && Number.isFinite(end)) spans.push({ label: stage, start, end: Math.max(start, end), status: entry.status });
    const error = entry.error ? `<code>${h(entry.error.name)}</code>: ${h(entry.error.cause)}` : '';
    rows.push([h(stage), badge(entry.status), h(entry.durationMs !== undefined ? formatDuration(entry.durationMs) : durationBetween(entry.startedAt, entry.finishedAt) ?? ''), error]);
  }
  const chart =
    spans.length > 0
      ? timelineChart({ id: 'chart-timeline', title: 'Stage timeline', description: `When each of ${spans.length} stages ran, from the start of the run, coloured by status.`, spans })
      : absent('No stage has started yet.');
  return section('timeline', 'Stages', chart + table('Stages of the run', ['stage', 'status', 'took', 'error'], rows, new Set([2])));
}

function profileTable(profile: DatasetProfile): string {
  const rows = Object.entries(profile.columns ?? {}).map(([name, c]) => {
    const n = c.numeric;
    // Datetime statistics are epoch milliseconds: shown as instants.
    const stat = (v: unknown): string => (c.type === 'datetime' ? formatInstant(v) : formatNumber(v));
    const top = c.categorical
      ? Object.entries(c.categorical.frequencies ?? {})
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([v, count]) => `${h(v)} (${h(formatNumber(count))})`)
          .join(', ')
      : '';
    const distinct = c.categorical ? `${formatNumber(c.categorical.distinct)}${c.categorical.truncated ? '+' : ''}` : '';
    return [
      `<code>${h(name)}</code>`,
      h(c.type),
      h(formatNumber(c.count)),
      h(formatNumber(c.nullCount)),
      h(formatNumber(c.invalidCount)),
      h(n ? stat(n.min) : ''),
      h(n ? stat(n.quantiles?.p50) : ''),
      h(n ? stat(n.mean) : ''),
      h(n ? stat(n.max) : ''),
      h(distinct),
      top,
    ];
  });
  return table(`Profile of the data (${formatNumber(profile.rowCount)} rows)`, ['column', 'type', 'rows', 'nulls', 'invalid', 'min', 'median', 'mean', 'max', 'distinct', 'most frequent'], rows, new Set([2, 3, 4, 5, 6, 7, 8, 9]));
}

function validationSection(input: RunReportInput): string {
  const report = input.validation;
  if (!report) return section('validation', 'Validation', absent(`No validation report: ${whyMissing(input.run, 'validate', 'report')}.`));
  const stats = report.statistics;
  const parts: string[] = [
    facts([
      ['verdict', badge(report.verdict)],
      ['file', `<code>${h(report.source?.name)}</code> (${h(report.source?.format)}, ${h(formatBytes(report.source?.bytes))})`],
      ['rows', h(formatNumber(report.rowCount))],
      ['columns', h((report.columns ?? []).join(', '))],
      ['expectations', stats ? h(`${formatNumber(stats.successfulExpectations)} of ${formatNumber(stats.evaluatedExpectations)} met (${formatNumber(stats.successPercent)}%)`) : undefined],
      ['validated', report.meta ? h(`${report.meta.validatedAt} in ${formatDuration(report.meta.durationMs)} (${report.meta.engine})`) : undefined],
    ]),
  ];
  const failures = report.failures ?? [];
  if (failures.length > 0) {
    parts.push(
      table(
        'Why the data is invalid',
        ['kind', 'message', 'rows', 'sample rows'],
        failures.map((f) => [`<code>${h(f.kind)}</code>`, h(f.message), h(f.count !== undefined ? formatNumber(f.count) : ''), h((f.samples ?? []).slice(0, 5).map((s) => s.row).join(', '))]),
        new Set([2]),
      ),
    );
  }
  const warnings = report.warnings ?? [];
  if (warnings.length > 0) parts.push(`<h3>Warnings</h3><ul>${warnings.map((w) => `<li>${h(w)}</li>`).join('')}</ul>`);
  const results = report.results ?? [];
  if (results.length > 0) {
    // Failed expectations first: they are what a reader looks for.
    const ordered = [...results].sort((a, b) => Number(a.success) - Number(b.success)).slice(0, MAX_EXPECTATION_ROWS);
    const rows = ordered.map((r) => {
      const column = r.kwargs?.column;
      const samples = (r.result?.partialUnexpectedList ?? []).slice(0, 3).map((s) => `row ${s.row}: ${formatValue(s.value)}`).join('; ');
      const unexpected =
        r.result?.unexpectedCount !== undefined ? `${formatNumber(r.result.unexpectedCount)} (${formatNumber(r.result.unexpectedPercent)}%)` : r.result?.observedValue !== undefined ? `observed ${formatValue(r.result.observedValue)}` : '';
      return [`<code>${h(r.expectationType)}</code>`, column !== undefined ? `<code>${h(formatValue(column))}</code>` : '', badge(r.success ? 'pass' : 'fail'), h(unexpected), samples ? `<span class="wrap">${h(samples)}</span>` : ''];
    });
    parts.push(table('Expectations', ['expectation', 'column', 'result', 'unexpected', 'samples'], rows, new Set([3])));
    if (results.length > ordered.length) parts.push(`<p>… and ${h(formatNumber(results.length - ordered.length))} more expectations, all listed in the report JSON.</p>`);
  }
  if (input.profile) parts.push(profileTable(input.profile));
  else if (report.verdict === 'invalid') parts.push(absent('No profile: profiles are written for valid data only.'));
  return section('validation', 'Validation', parts.join(''));
}

/** The entries of a map in a document whose values are objects (a damaged document has fewer, never a crash). */
function documentEntries<T>(map: unknown): Array<[string, T]> {
  if (map === null || typeof map !== 'object') return [];
  return Object.entries(map as Record<string, unknown>).filter((e): e is [string, T] => e[1] !== null && typeof e[1] === 'object');
}

/** Why the run has no drift baseline, from what its features stage recorded. */
function whyNoBaseline(run: RunRecord): string {
  const features = run.stages.features;
  if (features?.status === 'succeeded' && features.outputs?.driftBaselineKey === undefined) {
    return 'the features stage recorded none (runs made before drift baselines existed have none)';
  }
  return whyMissing(run, 'features', 'drift baseline');
}

function baselinePart(input: RunReportInput): string {
  const heading = '<h3>Drift baseline of the training data</h3>';
  const baseline = input.driftBaseline;
  if (!baseline) return heading + absent(`No drift baseline: ${whyNoBaseline(input.run)}.`);
  const columns = documentEntries<DriftColumnBaseline>(baseline.columns);
  if (columns.length === 0) return heading + absent('The drift baseline has no columns: the model reads no input other than datetimes.');
  const rows = columns.map(([name, c], i) => {
    const histogram = referenceHistogram(c);
    const chart = histogram
      ? histogramChart({
          id: `chart-drift-reference-${i}`,
          title: `Reference distribution of ${name}`,
          description: histogram.summary,
          bins: histogram.bins,
          ...(histogram.ends ? { ends: histogram.ends } : {}),
          ...(histogram.fullHeight !== undefined ? { fullHeight: histogram.fullHeight } : {}),
        })
      : '<span class="absent">none stored</span>';
    return [
      `<code>${h(name)}</code>`,
      h(c.kind),
      h(driftMethodName(c.method)),
      h(`drift if ${driftRule(c.method, c.threshold)}`),
      h(formatNumber(c.threshold)),
      h(formatNumber(c.count)),
      h(formatNumber(c.nullCount)),
      h(formatNumber(c.uniqueCount)),
      chart,
    ];
  });
  return (
    heading +
    `<p>Fixed from the training split when the features stage ran: per monitored column, the drift method (chosen from the reference alone, as Evidently's defaults), its threshold, and the bins live inputs are counted on. ` +
    `The drift check compares live inputs with the baseline registered with the serving version; it may replace the distance thresholds with <code>monitoring.columnDriftThreshold</code>.</p>` +
    table(`Monitored columns (${columns.length}) and the drift method fixed for each`, ['column', 'kind', 'method', 'rule', 'threshold', 'reference rows', 'nulls', 'distinct', 'reference distribution'], rows, new Set([4, 5, 6, 7]))
  );
}

/** A drift window's length in hours (" (6 h)"), or nothing when its ends are not times. */
function windowLength(from: unknown, to: unknown): string {
  const ms = Date.parse(String(to)) - Date.parse(String(from));
  return Number.isFinite(ms) && ms >= 0 ? ` (${formatNumber(Number((ms / 3_600_000).toFixed(1)))} h)` : '';
}

function scoreBar(name: string, c: ColumnDrift): ThresholdBar {
  return { label: name, value: c.score, threshold: c.threshold, className: c.drifted ? 'drifted' : 'not-drifted', ...(c.drifted ? { flag: 'drifted' } : {}) };
}

function triggerPart(input: RunReportInput): string {
  const heading =
    '<h3>The drift that triggered this run</h3><p>A retrain starts on an alarm (drift, or live quality where labels arrive); this is the drift check’s newest verdict before the run started.</p>';
  const kind = input.run.trigger?.kind;
  if (kind !== 'drift') return absent(`Started by ${String(kind ?? 'an unknown trigger')}, not by drift: no drift report triggered this run.`);
  const trigger = input.triggeringDrift;
  if (!trigger) return heading + absent('No triggering drift report: the drift reports were not read for this report.');
  if ('missing' in trigger) return heading + absent(`No triggering drift report: ${trigger.missing}.`);
  const { report, key } = trigger;
  const result = report.result;
  if (!result) return heading + absent(`The drift report ${key} has no verdict: ${report.noVerdict ?? 'no reason recorded'}.`);
  const columns = documentEntries<ColumnDrift>(result.columns);
  const window = report.window ?? { from: undefined, to: undefined };
  const parts: string[] = [
    facts([
      ['report', `<code>${h(key)}</code>`],
      ['compared with', h(`${report.modelName} v${formatValue(report.modelVersion)}'s drift baseline (${report.environment})`)],
      ['window', h(`${formatValue(window.from)} to ${formatValue(window.to)}${windowLength(window.from, window.to)}`)],
      ['rows', h(`${formatNumber(report.rows)} captured rows in ${formatNumber(report.captures)} captures${(report.skipped ?? []).length > 0 ? `, ${formatNumber(report.skipped.length)} capture objects skipped` : ''}`)],
      ['dataset drift', `${result.datasetDrift ? badge('drift') : badge('no drift', 'no-drift')} ${h(`${formatNumber(result.driftedCount)} of ${formatNumber(columns.length)} columns drifted: share ${formatNumber(result.driftedShare)}, dataset drift from ${formatNumber(result.datasetDriftShare)}`)}`],
    ]),
    thresholdChart({
      id: 'chart-drift-share',
      title: 'Share of drifted columns against the dataset drift threshold',
      description: `${formatNumber(result.driftedCount)} of ${formatNumber(columns.length)} columns drifted (share ${formatNumber(result.driftedShare)}); the dataset drifts from a share of ${formatNumber(result.datasetDriftShare)}.`,
      groups: [
        {
          domain: [0, 1],
          bars: [{ label: 'drifted share', value: result.driftedShare, threshold: result.datasetDriftShare, className: result.datasetDrift ? 'drifted' : 'not-drifted', ...(result.datasetDrift ? { flag: 'dataset drift' } : {}) }],
        },
      ],
    }),
  ];
  if (columns.length === 0) return heading + parts.join('') + absent('The report has no columns.');
  const tests = columns.filter(([, c]) => isPValueMethod(c.method));
  const distances = columns.filter(([, c]) => !isPValueMethod(c.method));
  const drifted = columns.filter(([, c]) => c.drifted).map(([name]) => name);
  parts.push(
    `<p class="legend"><span><i class="drifted"></i>drifted</span><span><i class="not-drifted"></i>not drifted</span><span><i class="threshold"></i>the column's threshold</span></p>`,
    thresholdChart({
      id: 'chart-drift-scores',
      title: 'Drift score per column against its threshold',
      description: `${drifted.length} of ${columns.length} columns drifted${drifted.length > 0 ? `: ${drifted.join(', ')}` : ''}. P-values drift when at or under the threshold, distances when at or above it.`,
      groups: [
        ...(tests.length > 0 ? [{ heading: 'p-value tests (drift when the p-value is under the threshold)', domain: [0, 1] as const, bars: tests.map(([n, c]) => scoreBar(n, c)) }] : []),
        ...(distances.length > 0 ? [{ heading: 'distances (drift when the distance reaches the threshold)', bars: distances.map(([n, c]) => scoreBar(n, c)) }] : []),
      ],
    }),
  );
  parts.push(
    table(
      'Drift per column in the window',
      ['column', 'method', 'score', 'rule', 'verdict', 'PSI', 'PSI band', 'reference rows', 'window rows', 'window nulls'],
      columns.map(([name, c]) => [
        `<code>${h(name)}</code>`,
        h(driftMethodName(c.method)),
        h(formatNumber(c.score)),
        h(`drift if ${driftRule(c.method, c.threshold)}`),
        c.drifted ? badge('drifted', 'drift') : badge('ok', 'no-drift'),
        h(formatNumber(c.psi)),
        h(c.psiBand ?? 'n/a'),
        h(formatNumber(c.referenceCount)),
        h(formatNumber(c.currentCount)),
        h(formatNumber(c.currentNullCount)),
      ]),
      new Set([2, 5, 7, 8, 9]),
    ),
  );
  const psiTop = Math.max(PSI_SIGNIFICANT * 1.2, ...columns.map(([, c]) => (Number.isFinite(c.psi) ? c.psi : 0)));
  parts.push(
    `<p class="legend"><span><i class="band-stable"></i>stable (PSI under ${h(formatNumber(PSI_MODERATE))})</span><span><i class="band-moderate"></i>moderate (${h(formatNumber(PSI_MODERATE))} to ${h(formatNumber(PSI_SIGNIFICANT))})</span><span><i class="band-significant"></i>significant (from ${h(formatNumber(PSI_SIGNIFICANT))})</span></p>`,
    thresholdChart({
      id: 'chart-drift-psi',
      title: 'Population stability index per column',
      description: `PSI of each column's window against its reference; under ${PSI_MODERATE} is stable, from ${PSI_SIGNIFICANT} significant.`,
      groups: [
        {
          domain: [0, psiTop],
          bands: [
            { from: 0, to: PSI_MODERATE, className: 'band-stable', label: `stable: PSI under ${PSI_MODERATE}` },
            { from: PSI_MODERATE, to: PSI_SIGNIFICANT, className: 'band-moderate', label: `moderate: PSI from ${PSI_MODERATE} to ${PSI_SIGNIFICANT}` },
            { from: PSI_SIGNIFICANT, to: Number.POSITIVE_INFINITY, className: 'band-significant', label: `significant: PSI from ${PSI_SIGNIFICANT}` },
          ],
          bars: columns.map(([name, c]) => ({ label: name, value: c.psi, className: `psi-${c.psiBand ?? 'stable'}`, ...(c.psiBand && c.psiBand !== 'stable' ? { flag: c.psiBand } : {}) })),
        },
      ],
    }),
  );
  parts.push(comparisonPart(columns));
  return heading + parts.join('');
}

/** Reference against window shares per column, on the cells the baseline fixes; the old note for reports that keep scores only. */
function comparisonPart(columns: ReadonlyArray<readonly [string, ColumnDrift]>): string {
  const compared = columns.map(([name, c]) => [name, c, distributionComparison(c)] as const);
  // Drift reports written before the window's distribution was kept have scores only.
  if (compared.every(([, , comparison]) => comparison === undefined)) {
    return absent("Reference vs current distributions: the drift report keeps each column's scores, not the window's distribution, so they cannot be drawn.");
  }
  const figures = compared.map(([name, c, comparison], i) => {
    const caption = `<figcaption>Reference vs current: <code>${h(name)}</code> ${c.drifted ? badge('drifted', 'drift') : badge('ok', 'no-drift')}</figcaption>`;
    const body = comparison
      ? pairedBarChart({
          id: `chart-drift-compare-${i}`,
          title: `Reference vs current distribution of ${name}${c.drifted ? ' (drifted)' : ''}`,
          description: comparison.summary,
          bars: comparison.bars,
          drifted: c.drifted === true,
          ...(comparison.fullScale !== undefined ? { fullScale: comparison.fullScale } : {}),
        })
      : absent('The report keeps no window distribution for this column.');
    return `<figure class="compare">${caption}${body}</figure>`;
  });
  return (
    '<h4>Reference vs current distribution per column</h4>' +
    '<p>Shares of the reference and of the window on the cells the baseline fixes: a numerical column’s PSI bins, a categorical one’s categories. Missing values are left out of the shares.</p>' +
    `<p class="legend"><span><i class="reference"></i>reference</span><span><i class="current"></i>current window</span><span><i class="current-drifted"></i>current window of a drifted column</span></p>` +
    figures.join('')
  );
}

function driftSection(input: RunReportInput): string {
  return section('drift', 'Drift', baselinePart(input) + triggerPart(input));
}

function direction(metric: string): string {
  const d = (METRIC_DIRECTION as Readonly<Record<string, 'lower' | 'higher'>>)[metric];
  return d ? `${d} is better` : '';
}

function metricsSection(input: RunReportInput): string {
  const evaluation = input.evaluation;
  if (!evaluation) return section('metrics', 'Metrics and gate', absent(`No evaluation: ${whyMissing(input.run, 'evaluate', 'evaluation')}.`));
  const gate = evaluation.gate;
  const champion = evaluation.champion;
  const names = [...new Set([...Object.keys(evaluation.metrics ?? {}), ...Object.keys(evaluation.baseline ?? {}), ...Object.keys(champion?.metrics ?? {})])];
  const parts: string[] = [];
  if (gate) {
    parts.push(
      facts([
        ['decision', badge(gate.decision)],
        ['gate metric', `<code>${h(gate.metric)}</code> (${h(direction(gate.metric))})`],
        ['candidate', h(formatNumber(gate.candidate))],
        ['baseline', h(formatNumber(gate.baseline))],
        ['champion', gate.champion ? h(`v${gate.champion.version}: ${formatNumber(gate.champion.value)}`) : h('none yet')],
        ['improvement', gate.improvement !== undefined ? h(`${formatPercent(gate.improvement)} vs the champion`) : undefined],
      ]),
    );
    parts.push(`<h3>Gate reasons</h3><ul class="reasons">${(gate.reasons ?? []).map((r) => `<li>${h(r)}</li>`).join('')}</ul>`);
  }
  const championHead = champion ? `champion v${champion.version}` : 'champion';
  const rows = names.map((name) => {
    const c = evaluation.metrics?.[name];
    const b = evaluation.baseline?.[name];
    const delta = typeof c === 'number' && typeof b === 'number' && Number.isFinite(c - b) ? `${c - b >= 0 ? '+' : '−'}${formatNumber(Math.abs(c - b))}` : 'n/a';
    return [
      `<code>${h(name)}</code>${name === gate?.metric ? '<span class="gate-tag">gate</span>' : ''}`,
      h(direction(name)),
      h(formatNumber(c)),
      h(formatNumber(b)),
      h(champion ? formatNumber(champion.metrics?.[name]) : 'none'),
      h(delta),
    ];
  });
  parts.push(
    table(
      `Holdout metrics on ${formatNumber(evaluation.testRows)} test rows: candidate, naive baseline${champion ? ` and champion v${champion.version}` : ''}`,
      ['metric', 'direction', 'candidate', 'baseline', championHead, 'candidate − baseline'],
      rows,
      new Set([2, 3, 4, 5]),
    ),
  );
  const series = (name: string): BarDatum[] => [
    { label: 'candidate', value: evaluation.metrics?.[name], className: 'candidate' },
    { label: 'baseline', value: evaluation.baseline?.[name], className: 'baseline' },
    ...(champion ? [{ label: championHead, value: champion.metrics?.[name], className: 'champion' }] : []),
  ];
  if (names.length > 0) {
    parts.push(
      `<p class="legend"><span><i class="candidate"></i>candidate</span><span><i class="baseline"></i>naive baseline</span>${champion ? `<span><i class="champion"></i>${h(championHead)}</span>` : ''}</p>`,
    );
    parts.push(
      barChart({
        id: 'chart-metrics',
        title: 'Holdout metrics: candidate vs baseline vs champion',
        description: `${names.length} metrics, each with its own scale: ${names.join(', ')}.`,
        groups: names.map((name) => ({ heading: `${name}${direction(name) ? ` (${direction(name)})` : ''}`, bars: series(name) })),
        scale: 'per-group',
      }),
    );
  }
  const notes = evaluation.notes ?? [];
  if (notes.length > 0) parts.push(`<h3>Notes</h3><ul>${notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>`);
  return section('metrics', 'Metrics and gate', parts.join(''));
}

function importanceChart(id: string, title: string, description: string, className: string, entries: ReadonlyArray<{ feature: string; importance: number }>): string {
  if (entries.length === 0) return absent(`${title}: none recorded (see the notes above).`);
  const sorted = [...entries].sort((a, b) => (Number.isFinite(b.importance) ? b.importance : -Infinity) - (Number.isFinite(a.importance) ? a.importance : -Infinity));
  const shown = sorted.slice(0, MAX_IMPORTANCE_BARS);
  const chart = barChart({
    id,
    title,
    description: `${description} ${shown.length} of ${entries.length} features, most important first.`,
    groups: [{ bars: shown.map((e) => ({ label: e.feature, value: e.importance, className })) }],
    scale: 'shared',
  });
  const more = sorted.length > shown.length ? `<p>… and ${h(formatNumber(sorted.length - shown.length))} less important features.</p>` : '';
  return `<h3>${h(title)}</h3>${chart}${more}`;
}

function importanceSection(input: RunReportInput): string {
  const evaluation = input.evaluation;
  if (!evaluation) return section('importance', 'Feature importance', absent(`No feature importance: ${whyMissing(input.run, 'evaluate', 'evaluation')}.`));
  const metric = evaluation.gate?.metric;
  return section(
    'importance',
    'Feature importance',
    importanceChart(
      'chart-importance-model',
      'Model importance',
      "The model's own importance: total split gain for gradient-boosted trees, coefficient magnitude on the standardised scale for linear models.",
      'importance-model',
      evaluation.importance?.model ?? [],
    ) +
      importanceChart(
        'chart-importance-permutation',
        'Permutation importance',
        `How much the holdout ${metric ?? 'gate metric'} worsens when one feature's values are shuffled (negative: shuffling helped).`,
        'importance-permutation',
        evaluation.importance?.permutation ?? [],
      ),
  );
}

function lineageSection(input: RunReportInput): string {
  const manifest = input.manifest;
  if (!manifest) return section('lineage', 'Lineage', absent(`No registered version: ${whyMissing(input.run, 'register', 'registry manifest')}.`));
  const data = (manifest.data ?? {}) as Record<string, unknown>;
  const rows = flatten(manifest)
    .filter(([key]) => key !== 'files')
    .map(([key, value]) => [`<code>${h(key)}</code>`, `<code>${h(formatValue(value))}</code>`]);
  return section(
    'lineage',
    'Lineage',
    `<p>Registered as <strong>${h(manifest.name)} v${h(manifest.version)}</strong> at ${h(manifest.registeredAt)}` +
      (data.bucket !== undefined ? `, trained on <code>${h(s3Uri(data.bucket, data.key))}</code>` : '') +
      `. Files: ${(manifest.files ?? []).map((f) => `<code>${h(f)}</code>`).join(', ')}.</p>` +
      table('Version manifest', ['field', 'value'], rows, new Set(), 'kv'),
  );
}

function recordSection(input: RunReportInput): string {
  const params = flatten(input.run.params ?? {});
  const metrics = Object.entries(input.run.metrics ?? {});
  if (params.length === 0 && metrics.length === 0) return '';
  return section(
    'record',
    'Run record',
    (params.length > 0 ? table('Parameters', ['parameter', 'value'], params.map(([k, v]) => [`<code>${h(k)}</code>`, `<code>${h(formatValue(v))}</code>`]), new Set(), 'kv') : '') +
      (metrics.length > 0 ? table('Recorded metrics', ['metric', 'value'], metrics.map(([k, v]) => [`<code>${h(k)}</code>`, h(formatNumber(v))]), new Set([1])) : ''),
  );
}

/**
 * Render a run's report as one self-contained HTML document. Never throws on missing documents: each
 * absent part says why it is absent.
 */
export function renderRunReport(input: RunReportInput): string {
  const { run } = input;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may load: the report is one file, readable offline and safe to open from anywhere.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>Run ${h(run.runId)} — ${h(run.status)} · mlops run report</title>`,
    `<style>${STYLE}</style></head><body><main>`,
    summarySection(input),
    missingSection(input),
    timelineSection(input),
    validationSection(input),
    driftSection(input),
    metricsSection(input),
    importanceSection(input),
    lineageSection(input),
    recordSection(input),
    `<footer>Generated ${h(input.generatedAt)} by <code>mlops report</code>.</footer>`,
    '</main></body></html>',
    '',
  ].join('\n');
}

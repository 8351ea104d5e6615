/**
 * Drift Lambda (level 3+), run on `monitoring.schedule` by EventBridge: reads the requests captured since
 * the last check, compares them with the champion's drift baseline (`lambda/core/monitoring/drift-check.ts`
 * over `lambda/core/drift`), writes the report under `monitoring/<name>/drift/reports/`, emits per-column and
 * dataset drift metrics as EMF (namespace `MLOps/<name>`, service `drift`) for the alarms, and records where
 * the window ended. Without a champion, or a champion without a baseline, it reports why and does nothing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { auditRecorder } from '../aws/audit-recorder';
import { s3Client } from '../aws/clients';
import { captureReader } from '../aws/capture-reader';
import { readNewLabels } from '../aws/label-reader';
import { s3ArtifactStore } from '../aws/s3-artifact-store';
import { s3RegistryStore } from '../aws/s3-registry-store';
import type { DriftBaseline } from '../core/drift/drift-baseline';
import type { TransformSpec } from '../core/features/transform-spec';
import { DATA_PREFIX } from '../core/layout';
import { captureHourPrefixes, checkDrift, driftMetrics, driftReportKey, driftStateKey, driftWindow, type DriftReport, type DriftState } from '../core/monitoring/drift-check';
import { DRIFT_BASELINE_FILE } from '../core/monitoring/drift-reference';
import { checkLiveQuality, labelCaptureHours, labelledLines, labelledRowsKey, qualityReportKey, qualityStateAfter, qualityStateKey, type QualityReport, type QualityState } from '../core/monitoring/live-quality';
import { DRIFT_SERVICE, MONITORING_METRICS } from '../core/monitoring/monitoring-metrics';
import { getChampion, versionKey } from '../core/registry/registry';
import { driftEnvSchema } from '../env/drift-env';

const env = driftEnvSchema.parse(process.env);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
const store = s3RegistryStore(s3Client(), env.ARTIFACT_BUCKET);
const artifacts = s3ArtifactStore(s3Client(), env.ARTIFACT_BUCKET);
const audit = auditRecorder({ enabled: env.GOVERNANCE === 'on', client: s3Client(), bucket: env.ARTIFACT_BUCKET, environment: env.ENVIRONMENT_NAME });

/** Reads capture hour folders (each once per invocation). */
type CaptureHours = ReturnType<typeof captureReader>;

/** What one live-quality check did. */
export type QualityCheckResult = { readonly checked: false; readonly reason: string } | { readonly checked: true; readonly reportKey: string; readonly report: QualityReport };

/** What one drift check did. */
export type DriftOnlyResult = { readonly checked: false; readonly reason: string } | { readonly checked: true; readonly reportKey: string; readonly report: DriftReport };

/** What one check did: drift, and live quality when labels arrived. */
export type DriftCheckResult = DriftOnlyResult & { readonly quality?: QualityCheckResult };

/** Emit the report's metrics: one EMF document per column, one for the dataset. */
function emit(report: DriftReport): void {
  for (const document of driftMetrics(report)) {
    const metrics = new Metrics({ namespace: `MLOps/${env.PLATFORM_NAME}`, serviceName: DRIFT_SERVICE, defaultDimensions: { ...document.dimensions } });
    for (const m of document.metrics) metrics.addMetric(m.name, m.unit === 'Count' ? MetricUnit.Count : MetricUnit.NoUnit, m.value);
    metrics.publishStoredMetrics();
  }
}

/**
 * Live quality: labels uploaded since the last verdict, joined with their captured requests, scored with
 * the gate metric; the joined rows are kept for retraining. Without enough rows the labels stay pending.
 */
async function checkQuality(champion: number, now: Date, captures: CaptureHours): Promise<QualityCheckResult> {
  const name = env.PLATFORM_NAME;
  let state = await store.get<QualityState>(qualityStateKey(name));
  const since = new Date(now.getTime() - env.WINDOW_HOURS * 3_600_000);
  if (!state) {
    // The first check pins where labels start, so labels pending below minLabelledRows are never aged out.
    state = { labelsCheckedUntil: since.toISOString(), judgedKeys: [] };
    await store.put(qualityStateKey(name), state);
  }
  const read = await readNewLabels(s3Client(), env.DATA_BUCKET, state, since);
  if (read.objects.length === 0) return { checked: false, reason: `no labels uploaded under s3://${env.DATA_BUCKET}/${DATA_PREFIX.labels} since the last verdict` };
  const spec = await store.get<TransformSpec>(versionKey(name, champion, 'transform-spec.json'));
  if (!spec) return { checked: false, reason: `champion v${champion} has no transform-spec.json` };
  const firstUpload = read.objects[0]!.lastModified.getTime();
  const searched = { from: new Date(Math.min(firstUpload, now.getTime()) - env.WINDOW_HOURS * 3_600_000), to: now };
  const { records, skipped } = await captures(labelCaptureHours(read.labels, searched));
  const { report: checked, rows } = checkLiveQuality({
    at: now,
    environment: env.ENVIRONMENT_NAME,
    modelName: name,
    labelObjects: read.objects.map((o) => o.key),
    labels: read.labels,
    parseProblems: read.problems,
    captures: records,
    skippedCaptures: skipped,
    task: spec.task,
    target: spec.target,
    metric: env.GATE_METRIC,
    minRows: env.MIN_LABELLED_ROWS,
  });
  let report = checked;
  if (report.result) {
    const labelledKey = labelledRowsKey(name, report.at);
    await artifacts.putBytes(labelledKey, new TextEncoder().encode(labelledLines(rows)));
    report = { ...report, labelledKey };
  }
  const reportKey = qualityReportKey(name, report.at);
  await store.put(reportKey, report);
  if (report.result) {
    const metrics = new Metrics({ namespace: `MLOps/${env.PLATFORM_NAME}`, serviceName: DRIFT_SERVICE, defaultDimensions: { environment: env.ENVIRONMENT_NAME } });
    metrics.addMetric(MONITORING_METRICS.liveQuality, MetricUnit.NoUnit, report.result.value);
    metrics.addMetric(MONITORING_METRICS.labelledRows, MetricUnit.Count, report.result.rows);
    metrics.publishStoredMetrics();
    await store.put(qualityStateKey(name), qualityStateAfter({ previous: state, since, listed: read.listed, judged: read.objects, listedAt: read.listedAt }));
    await audit({
      kind: 'quality',
      decision: 'measured',
      subject: { model: name, version: champion },
      reason: `live ${report.result.metric} ${report.result.value.toPrecision(4)} on ${report.result.rows} labelled captured rows`,
      evidence: { reportKey, labelledKey: report.labelledKey, byVersion: report.result.byVersion },
      by: 'drift-check',
    });
  }
  for (const p of report.problems) logger.warn('label problem', { ...p });
  logger.info('live quality checked', { reportKey, labelled: report.labelled, notCaptured: report.notCaptured, problems: report.problemCount, ...(report.result ? { metric: report.result.metric, value: report.result.value } : { noVerdict: report.noVerdict }) });
  return { checked: true, reportKey, report };
}

/** Lambda entry point (the scheduled event carries nothing the check needs). */
export async function handler(): Promise<DriftCheckResult> {
  const name = env.PLATFORM_NAME;
  const champion = await getChampion(store, name);
  if (!champion) {
    logger.info('no champion yet: nothing serves, nothing to compare');
    return { checked: false, reason: `'${name}' has no champion yet` };
  }
  // Live quality does not wait for the drift verdict, nor fails it: its own errors are logged and reported.
  // The two read the capture hours through one reader, so an hour both need is read once.
  const now = new Date();
  const captures = captureReader(s3Client(), env.ARTIFACT_BUCKET);
  const quality = await checkQuality(champion.version, now, captures).catch((error: unknown): QualityCheckResult => {
    logger.error('live-quality check failed', { error: error as Error });
    return { checked: false, reason: `live-quality check failed: ${(error as Error).message}` };
  });
  const drift = await checkDriftOf(champion.version, now, captures);
  return { ...drift, quality };
}

/** The drift check of the champion's inputs. */
async function checkDriftOf(version: number, now: Date, captures: CaptureHours): Promise<DriftOnlyResult> {
  const name = env.PLATFORM_NAME;
  const baseline = await store.get<DriftBaseline>(versionKey(name, version, DRIFT_BASELINE_FILE));
  if (!baseline) {
    logger.warn('the champion has no drift baseline (registered before baselines existed); retrain to get one', { version: version });
    return { checked: false, reason: `champion v${version} has no ${DRIFT_BASELINE_FILE}` };
  }
  const state = await store.get<DriftState>(driftStateKey(name));
  const window = driftWindow(now, env.WINDOW_HOURS, state);
  const { records, skipped } = await captures(captureHourPrefixes(window));
  for (const s of skipped) logger.warn('capture object skipped', { ...s });
  const report = checkDrift({
    baseline,
    captures: records,
    skipped,
    window,
    modelName: name,
    modelVersion: version,
    environment: env.ENVIRONMENT_NAME,
    options: { minRows: env.MIN_ROWS, datasetDriftShare: env.DATASET_DRIFT_SHARE, columnDriftThreshold: env.COLUMN_DRIFT_THRESHOLD },
  });
  const reportKey = driftReportKey(name, report.at);
  await store.put(reportKey, report);
  emit(report);
  // Without a verdict the window stays open: the next check reads from the same start.
  if (report.result) await store.put(driftStateKey(name), { checkedUntil: report.window.to } satisfies DriftState);
  if (report.result) {
    const drifted = Object.entries(report.result.columns).filter(([, c]) => c.drifted).map(([c]) => c);
    await audit({
      kind: 'drift',
      decision: report.result.datasetDrift ? 'drift' : 'no-drift',
      subject: { model: name, version: version },
      reason: `${report.result.driftedCount} of ${Object.keys(report.result.columns).length} columns drifted (share ${report.result.driftedShare.toFixed(2)}, dataset drift from ${report.result.datasetDriftShare})${drifted.length > 0 ? `: ${drifted.join(', ')}` : ''}`,
      evidence: { reportKey, rows: report.rows, window: report.window },
      by: 'drift-check',
    });
  }
  logger.info('drift checked', {
    reportKey,
    version: version,
    rows: report.rows,
    ...(report.result ? { driftedShare: report.result.driftedShare, datasetDrift: report.result.datasetDrift, drifted: Object.entries(report.result.columns).filter(([, c]) => c.drifted).map(([c]) => c) } : { noVerdict: report.noVerdict }),
  });
  return { checked: true, reportKey, report };
}

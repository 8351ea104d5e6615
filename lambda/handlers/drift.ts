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
import { readCaptures } from '../aws/capture-reader';
import { s3RegistryStore } from '../aws/s3-registry-store';
import type { DriftBaseline } from '../core/drift/drift-baseline';
import { captureHourPrefixes, checkDrift, driftMetrics, driftReportKey, driftStateKey, driftWindow, type DriftReport, type DriftState } from '../core/monitoring/drift-check';
import { DRIFT_BASELINE_FILE } from '../core/monitoring/drift-reference';
import { DRIFT_SERVICE } from '../core/monitoring/monitoring-metrics';
import { getChampion, versionKey } from '../core/registry/registry';
import { driftEnvSchema } from '../env/drift-env';

const env = driftEnvSchema.parse(process.env);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
const store = s3RegistryStore(s3Client(), env.ARTIFACT_BUCKET);
const audit = auditRecorder({ enabled: env.GOVERNANCE === 'on', client: s3Client(), bucket: env.ARTIFACT_BUCKET, environment: env.ENVIRONMENT_NAME });

/** What one check did. */
export type DriftCheckResult = { readonly checked: false; readonly reason: string } | { readonly checked: true; readonly reportKey: string; readonly report: DriftReport };

/** Emit the report's metrics: one EMF document per column, one for the dataset. */
function emit(report: DriftReport): void {
  for (const document of driftMetrics(report)) {
    const metrics = new Metrics({ namespace: `MLOps/${env.PLATFORM_NAME}`, serviceName: DRIFT_SERVICE, defaultDimensions: { ...document.dimensions } });
    for (const m of document.metrics) metrics.addMetric(m.name, m.unit === 'Count' ? MetricUnit.Count : MetricUnit.NoUnit, m.value);
    metrics.publishStoredMetrics();
  }
}

/** Lambda entry point (the scheduled event carries nothing the check needs). */
export async function handler(): Promise<DriftCheckResult> {
  const name = env.PLATFORM_NAME;
  const champion = await getChampion(store, name);
  if (!champion) {
    logger.info('no champion yet: nothing serves, nothing to compare');
    return { checked: false, reason: `'${name}' has no champion yet` };
  }
  const baseline = await store.get<DriftBaseline>(versionKey(name, champion.version, DRIFT_BASELINE_FILE));
  if (!baseline) {
    logger.warn('the champion has no drift baseline (registered before baselines existed); retrain to get one', { version: champion.version });
    return { checked: false, reason: `champion v${champion.version} has no ${DRIFT_BASELINE_FILE}` };
  }
  const now = new Date();
  const state = await store.get<DriftState>(driftStateKey(name));
  const window = driftWindow(now, env.WINDOW_HOURS, state);
  const { records, skipped } = await readCaptures(s3Client(), env.ARTIFACT_BUCKET, captureHourPrefixes(window));
  for (const s of skipped) logger.warn('capture object skipped', { ...s });
  const report = checkDrift({
    baseline,
    captures: records,
    skipped,
    window,
    modelName: name,
    modelVersion: champion.version,
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
      subject: { model: name, version: champion.version },
      reason: `${report.result.driftedCount} of ${Object.keys(report.result.columns).length} columns drifted (share ${report.result.driftedShare.toFixed(2)}, dataset drift from ${report.result.datasetDriftShare})${drifted.length > 0 ? `: ${drifted.join(', ')}` : ''}`,
      evidence: { reportKey, rows: report.rows, window: report.window },
      by: 'drift-check',
    });
  }
  logger.info('drift checked', {
    reportKey,
    version: champion.version,
    rows: report.rows,
    ...(report.result ? { driftedShare: report.result.driftedShare, datasetDrift: report.result.datasetDrift, drifted: Object.entries(report.result.columns).filter(([, c]) => c.drifted).map(([c]) => c) } : { noVerdict: report.noVerdict }),
  });
  return { checked: true, reportKey, report };
}

/**
 * `mlops runs` (the recent runs of an environment) and `mlops runs show ID` (one run's stages, timings,
 * metrics, outcome and gate reasons), read from the run records in the artifact bucket.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ARTIFACT_PREFIX } from '../../lambda/core/layout';
import { runRecordKey, STAGES, type RunRecord } from '../../lambda/core/runs/run-record';
import { ArtifactNotFoundError } from '../../lambda/core/stages/artifact-store';
import type { ValidationReport } from '../../lambda/core/validation/report';
import { s3ArtifactStore } from '../../lambda/aws/s3-artifact-store';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { EXIT } from '../errors';
import { colour, type Output } from '../output';

/** Read every run record of a bucket, newest first. */
export async function listRuns(client: S3Client, artifactBucket: string, limit: number): Promise<RunRecord[]> {
  const folders = await s3RegistryStore(client, artifactBucket).listFolders(ARTIFACT_PREFIX.runs);
  const store = s3ArtifactStore(client, artifactBucket);
  const records: RunRecord[] = [];
  for (const runId of folders) {
    try {
      records.push(await store.getJson<RunRecord>(runRecordKey(runId)));
    } catch (error) {
      // A run folder without a record yet (a run that is just starting) is not listed.
      if (!(error instanceof ArtifactNotFoundError)) throw error;
    }
  }
  return records.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1)).slice(0, limit);
}

function statusText(status: string): string {
  return status === 'succeeded' ? colour.green(status) : status === 'running' ? colour.yellow(status) : colour.red(status);
}

function outcomeText(r: RunRecord): string {
  const o = r.outcome ?? {};
  if (o.version !== undefined) return `v${String(o.version)} ${String(o.stage ?? '')}`.trim();
  if (o.decision === 'reject') return 'gate rejected';
  if (o.error !== undefined) return `${String(o.error)} in ${String(o.failedStage ?? '?')}`;
  return '';
}

/** `mlops runs`: a table of recent runs. */
export async function runsCommand(client: S3Client, artifactBucket: string, options: { limit?: number; json?: boolean }, output: Output): Promise<number> {
  const runs = await listRuns(client, artifactBucket, options.limit ?? 20);
  if (options.json) {
    output.out(JSON.stringify(runs, null, 2));
    return EXIT.ok;
  }
  if (runs.length === 0) {
    output.out('no runs yet: upload data (mlops upload FILE) or start one (mlops run FILE)');
    return EXIT.ok;
  }
  output.out(['RUN', 'STATUS', 'STARTED', 'SECONDS', 'DATA', 'OUTCOME'].join('\t'));
  for (const r of runs) {
    const seconds = r.finishedAt ? ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(0) : '';
    output.out([r.runId, statusText(r.status), r.startedAt, seconds, r.trigger.key, outcomeText(r)].join('\t'));
  }
  return EXIT.ok;
}

/** `mlops runs show ID`: one run in detail. */
export async function runShowCommand(client: S3Client, artifactBucket: string, runId: string, options: { json?: boolean }, output: Output): Promise<number> {
  const store = s3ArtifactStore(client, artifactBucket);
  let record: RunRecord;
  try {
    record = await store.getJson<RunRecord>(runRecordKey(runId));
  } catch (error) {
    if (!(error instanceof ArtifactNotFoundError)) throw error;
    // Not found is an answer, not a usage error: exit 1, as report and models show do.
    output.err(`mlops: run ${runId} not found in s3://${artifactBucket}/${ARTIFACT_PREFIX.runs} (list them with: mlops runs)`);
    return EXIT.failed;
  }
  if (options.json) {
    output.out(JSON.stringify(record, null, 2));
    return EXIT.ok;
  }
  output.out(`${colour.bold(record.runId)}  ${statusText(record.status)}  ${outcomeText(record)}`);
  output.out(`  data: s3://${record.trigger.bucket}/${record.trigger.key}${record.trigger.versionId ? ` (version ${record.trigger.versionId})` : ''}  trigger: ${record.trigger.kind}`);
  for (const stage of STAGES) {
    const s = record.stages[stage];
    if (!s) continue;
    const took = s.durationMs !== undefined ? `${(s.durationMs / 1000).toFixed(1)} s` : '';
    output.out(`  ${stage.padEnd(9)} ${s.status.padEnd(9)} ${took}${s.error ? `  ${colour.red(s.error.name)}: ${s.error.cause}` : ''}`);
  }
  const metrics = Object.entries(record.metrics);
  if (metrics.length > 0) output.out(`  metrics: ${metrics.map(([k, v]) => `${k} ${Number.isInteger(v) ? String(v) : v.toPrecision(5)}`).join(', ')}`);
  // Bad data: say why, from the validation report (each failure is one sentence a user can act on).
  const validate = record.stages.validate?.outputs;
  if (validate?.verdict === 'invalid' && typeof validate.reportKey === 'string') {
    try {
      const report = await store.getJson<ValidationReport>(validate.reportKey);
      for (const failure of report.failures) {
        const rows = failure.samples?.length ? ` (rows ${failure.samples.map((s) => s.row).join(', ')}${(failure.count ?? 0) > failure.samples.length ? ', …' : ''})` : '';
        output.out(`  ${colour.red('invalid')}: ${failure.message}${rows}`);
      }
      output.out(`  report: s3://${artifactBucket}/${validate.reportKey}`);
    } catch (error) {
      if (!(error instanceof ArtifactNotFoundError)) throw error;
    }
  }
  const reasons = (record.stages.evaluate?.outputs?.reasons ?? []) as string[];
  for (const reason of reasons) output.out(`  gate: ${reason}`);
  return EXIT.ok;
}

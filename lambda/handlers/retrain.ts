/**
 * Retrain trigger (level 4): EventBridge delivers "CloudWatch Alarm State Change" events of the drift and
 * live-quality alarms. The guardrails decide (`lambda/core/retrain/retrain-decision.ts`: ALARM only, no
 * run executing, cooldown, weekly cap); a start runs the training pipeline with trigger `drift` on the
 * newest validated data. Every decision, start or skip, is recorded under `monitoring/<name>/retrain/`.
 * The gate still judges the new model against the champion: a retrain cannot deploy a worse model.
 */
import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { auditRecorder } from '../aws/audit-recorder';
import { s3Client, sfnClient } from '../aws/clients';
import { s3RegistryStore } from '../aws/s3-registry-store';
import { copyObject, getText, listObjects, putJson } from '../aws/s3-store';
import { DATA_PREFIX } from '../core/layout';
import { labelledPrefix, parseLabelledLines, type LabelledRow } from '../core/monitoring/live-quality';
import { admitLabelledRows, csvHeader, isValidatedDataKey, labelColumn, labelledAfterKey, labelledCsv, retrainClaimKey, retrainFolder, retrainFolderOf, retrainParts, validatedRunFolder, type RetrainManifest } from '../core/retrain/retrain-data';
import { parseDatasetSchema } from '../core/validation/dataset-schema';
import { decideRetrain, retrainPrefix, retrainRecordKey, type RetrainRecord } from '../core/retrain/retrain-decision';
import { retrainEnvSchema } from '../env/retrain-env';

const env = retrainEnvSchema.parse(process.env);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
const store = s3RegistryStore(s3Client(), env.ARTIFACT_BUCKET);
/** The data bucket as a JSON store: manifests and claims under `retrain/` (a claim is written only if absent). */
const dataStore = s3RegistryStore(s3Client(), env.DATA_BUCKET);
const dataset = parseDatasetSchema(env.DATASET_SCHEMA);
const audit = auditRecorder({ enabled: env.GOVERNANCE === 'on', client: s3Client(), bucket: env.ARTIFACT_BUCKET, environment: env.ENVIRONMENT_NAME });

/** The fields of the alarm event the trigger reads. */
const alarmEventSchema = z.object({
  /** EventBridge's event id: the same on each retry of one delivery. */
  id: z.string().optional(),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: z.object({ alarmName: z.string().min(1), state: z.object({ value: z.string(), reason: z.string().optional() }) }),
});

/** What the trigger decided. */
export type RetrainResult = RetrainRecord & { readonly recordKey: string };

/** The newest validated run's data: every data file of its `validated/<runId>/` folder, in key order, and when it was written. */
async function newestValidated(): Promise<{ keys: string[]; at: Date } | undefined> {
  const listed = await listObjects(s3Client(), env.DATA_BUCKET, DATA_PREFIX.validated);
  let newest: { key: string; at: number } | undefined;
  for (const o of listed) {
    const at = o.lastModified?.getTime() ?? 0;
    const folder = validatedRunFolder(o.key);
    if (folder && isValidatedDataKey(folder, o.key) && (!newest || at > newest.at)) newest = { key: o.key, at };
  }
  if (!newest) return undefined;
  const folder = validatedRunFolder(newest.key)!;
  const files = listed.filter((o) => isValidatedDataKey(folder, o.key));
  return { keys: files.map((o) => o.key), at: new Date(Math.max(...files.map((o) => o.lastModified?.getTime() ?? 0))) };
}

/** Captured rows kept by the live-quality check after the `startAfter` key, oldest first, and the last key read. */
async function labelledAfter(startAfter: string): Promise<{ rows: LabelledRow[]; lastKey?: string }> {
  const listed = await listObjects(s3Client(), env.ARTIFACT_BUCKET, labelledPrefix(env.PLATFORM_NAME), { startAfter });
  const rows: LabelledRow[] = [];
  for (const o of listed) {
    const parsed = parseLabelledLines(await getText(s3Client(), env.ARTIFACT_BUCKET, o.key), o.key);
    for (const p of parsed.problems) logger.warn('labelled row skipped', { ...p });
    rows.push(...parsed.rows);
  }
  return { rows, ...(listed.length > 0 ? { lastKey: listed.at(-1)!.key } : {}) };
}

/** Where the labelled rows not in the newest validated data start: its retrain manifest's mark, or the data's time. */
async function labelledStart(validated: { keys: string[]; at: Date }): Promise<string> {
  const folder = retrainFolderOf(validated.keys);
  if (folder) {
    const manifest = await dataStore.get<Partial<RetrainManifest>>(`${folder}_manifest.json`).catch(() => undefined);
    if (typeof manifest?.labelledAfter === 'string') return manifest.labelledAfter;
  }
  return labelledAfterKey(env.PLATFORM_NAME, validated.at);
}

/** The header of a CSV object (its first 64 KiB), or undefined. */
async function headerOf(key: string): Promise<string[] | undefined> {
  return csvHeader(await getText(s3Client(), env.DATA_BUCKET, key, { range: 'bytes=0-65535' }), dataset.delimiter);
}

/** What a retrain runs on: the pipeline input's data fields, and what the record says about it. */
interface TrainingData {
  readonly input: { readonly key: string; readonly parts?: { readonly prefix: string; readonly marker: '_manifest.json' } };
  readonly description: string;
}

/**
 * Pick the training data: the newest validated data, plus (with `includeCapturedData`) the captured rows
 * labelled since it was written that the dataset's schema admits, assembled as a part folder under
 * `retrain/<runId>/`. Undefined when another trigger of the same episode claimed the folder first.
 */
async function trainingData(runId: string, validated: { keys: string[]; at: Date }, eventId: string, now: Date): Promise<TrainingData | undefined> {
  const target = labelColumn(dataset);
  const labelled = env.INCLUDE_CAPTURED_DATA === 'true' ? await labelledAfter(await labelledStart(validated)) : { rows: [] };
  let header: string[] | undefined;
  let notes = '';
  let rows: LabelledRow[] = [];
  if (labelled.rows.length > 0) {
    header = validated.keys.every((k) => k.toLowerCase().endsWith('.csv')) ? await headerOf(validated.keys[0]!) : undefined;
    if (!header) notes = `; ${labelled.rows.length} labelled captured rows left out: the validated data is not CSV, and a dataset's parts share one format`;
    else if (!header.includes(target)) {
      notes = `; ${labelled.rows.length} labelled captured rows left out: the validated CSV has no ${target} column`;
      header = undefined;
    } else {
      const admitted = admitLabelledRows(labelled.rows, dataset);
      rows = admitted.kept;
      if (admitted.leftOut > 0) notes = `; ${admitted.leftOut} labelled captured rows outside the dataset's schema left out (${admitted.reasons.join('; ')})`;
      if (rows.length === 0) header = undefined;
    }
  }
  const where = `s3://${env.DATA_BUCKET}/${validated.keys.length === 1 ? validated.keys[0]! : validatedRunFolder(validated.keys[0]!)!}`;
  if (!header && validated.keys.length === 1) return { input: { key: validated.keys[0]! }, description: `${where}${notes}` };
  // The alarms of one episode fire together: the first trigger claims the run (a retry of the same event keeps its claim).
  const claim = { eventId, at: now.toISOString() };
  if (!(await dataStore.putIfAbsent(retrainClaimKey(runId), claim)) && (await dataStore.get<typeof claim>(retrainClaimKey(runId)))?.eventId !== eventId) return undefined;
  const folder = retrainFolder(runId, createHash('sha256').update(eventId).digest('hex').slice(0, 8));
  const plan = retrainParts(folder, validated.keys, header !== undefined);
  for (const c of plan.copies) await copyObject(s3Client(), { bucket: env.DATA_BUCKET, key: c.from }, { bucket: env.DATA_BUCKET, key: c.to });
  if (plan.captured && header) {
    await s3Client().send(new PutObjectCommand({ Bucket: env.DATA_BUCKET, Key: plan.captured, Body: labelledCsv(rows, header, target, dataset.delimiter), ContentType: 'text/csv' }));
  }
  // Labelled rows this dataset did not take start after the last one it read (or now, when it read none).
  const manifest: RetrainManifest = { parts: plan.names, labelledAfter: labelled.lastKey ?? labelledAfterKey(env.PLATFORM_NAME, now) };
  await putJson(s3Client(), env.DATA_BUCKET, plan.manifest, manifest);
  return {
    input: { key: plan.manifest, parts: { prefix: folder, marker: '_manifest.json' } },
    description: `s3://${env.DATA_BUCKET}/${folder} (${where}${plan.captured ? ` + ${rows.length} labelled captured rows` : ''})${notes}`,
  };
}

/** The decisions of the last 8 days (enough for the cooldown and the weekly cap): keys sort by time. */
async function recentHistory(now: Date): Promise<RetrainRecord[]> {
  const prefix = retrainPrefix(env.PLATFORM_NAME);
  const since = `${prefix}${new Date(now.getTime() - 8 * 24 * 3_600_000).toISOString().replace(/[:.]/g, '-')}`;
  const listed = await listObjects(s3Client(), env.ARTIFACT_BUCKET, prefix, { startAfter: since });
  const records = await Promise.all(listed.map((o) => store.get<RetrainRecord>(o.key)));
  return records.filter((r): r is RetrainRecord => r !== undefined);
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<RetrainResult> {
  const parsed = alarmEventSchema.safeParse(event);
  if (!parsed.success) throw new Error(`not a CloudWatch Alarm State Change event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const alarm = { name: parsed.data.detail.alarmName, state: parsed.data.detail.state.value };
  const now = new Date();
  const running = await sfnClient().send(new ListExecutionsCommand({ stateMachineArn: env.STATE_MACHINE_ARN, statusFilter: 'RUNNING', maxResults: 10 }));
  const verdict = decideRetrain({
    now,
    alarm,
    running: (running.executions ?? []).map((e) => e.name ?? e.executionArn ?? '?'),
    history: await recentHistory(now),
    policy: { cooldownHours: env.COOLDOWN_HOURS, maxPerWeek: env.MAX_PER_WEEK },
  });
  let record: RetrainRecord;
  if (!verdict.start) {
    record = { at: now.toISOString(), decision: 'skipped', rule: verdict.rule, reason: verdict.reason, alarm: alarm.name };
  } else {
    const validated = await newestValidated();
    if (!validated) {
      record = { at: now.toISOString(), decision: 'skipped', rule: 'no-data', reason: `no validated data under s3://${env.DATA_BUCKET}/${DATA_PREFIX.validated} to retrain on`, alarm: alarm.name };
    } else {
      // One name per cooldown period (at least an hour): the alarms of one drift episode fire together and
      // their triggers run concurrently, so all but the first find the execution already exists.
      const periodMs = Math.max(1, env.COOLDOWN_HOURS) * 3_600_000;
      const period = new Date(Math.floor(now.getTime() / periodMs) * periodMs).toISOString().replace(/[-:.TZ]/g, '').slice(0, 12);
      const runId = `run-${env.PLATFORM_NAME}-drift-${period}-${createHash('sha256').update(validated.keys.join('\n')).digest('hex').slice(0, 6)}`;
      const data = await trainingData(runId, validated, parsed.data.id ?? `${alarm.name}@${now.toISOString()}`, now);
      if (!data) {
        record = { at: now.toISOString(), decision: 'skipped', rule: 'running', reason: `another alarm of the same drift episode already claimed ${runId}`, alarm: alarm.name, runId };
      } else {
        try {
          await sfnClient().send(new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: runId, input: JSON.stringify({ runId, bucket: env.DATA_BUCKET, ...data.input, trigger: 'drift' }) }));
          record = { at: now.toISOString(), decision: 'started', rule: 'started', reason: `${verdict.reason}; retraining on ${data.description}`, alarm: alarm.name, runId };
        } catch (error) {
          if (!(error instanceof ExecutionAlreadyExists)) throw error;
          record = { at: now.toISOString(), decision: 'skipped', rule: 'running', reason: `another alarm of the same drift episode already started ${runId}`, alarm: alarm.name, runId };
        }
      }
    }
  }
  const recordKey = retrainRecordKey(env.PLATFORM_NAME, record);
  await store.put(recordKey, record);
  await audit({
    at: record.at,
    kind: 'retrain',
    decision: record.decision,
    subject: { model: env.PLATFORM_NAME, alarm: alarm.name, ...(record.runId ? { runId: record.runId } : {}) },
    reason: record.reason,
    evidence: { rule: record.rule, recordKey },
    by: record.decision === 'started' ? 'retrain-trigger' : `guardrail:${record.rule}`,
  });
  logger.info(record.decision === 'started' ? 'retrain started' : 'retrain skipped', { ...record, recordKey });
  return { ...record, recordKey };
}

/**
 * Retrain trigger (level 4): EventBridge delivers "CloudWatch Alarm State Change" events of the drift and
 * live-quality alarms. The guardrails decide (`lambda/core/retrain/retrain-decision.ts`: ALARM only, no
 * run executing, cooldown, weekly cap); a start runs the training pipeline with trigger `drift` on the
 * newest validated data. Every decision, start or skip, is recorded under `monitoring/<name>/retrain/`.
 * The gate still judges the new model against the champion: a retrain cannot deploy a worse model.
 */
import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { auditRecorder } from '../aws/audit-recorder';
import { s3Client, sfnClient } from '../aws/clients';
import { s3RegistryStore } from '../aws/s3-registry-store';
import { copyObject, listObjects, putJson } from '../aws/s3-store';
import { DATA_PREFIX } from '../core/layout';
import { labelledPrefix, parseLabelledLines, type LabelledRow } from '../core/monitoring/live-quality';
import { csvHeader, isValidatedDataKey, labelledAfterKey, labelledCsv, retrainFolder, retrainParts, validatedRunFolder } from '../core/retrain/retrain-data';
import { decideRetrain, retrainPrefix, retrainRecordKey, type RetrainRecord } from '../core/retrain/retrain-decision';
import { retrainEnvSchema } from '../env/retrain-env';

const env = retrainEnvSchema.parse(process.env);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
const store = s3RegistryStore(s3Client(), env.ARTIFACT_BUCKET);
const audit = auditRecorder({ enabled: env.GOVERNANCE === 'on', client: s3Client(), bucket: env.ARTIFACT_BUCKET, environment: env.ENVIRONMENT_NAME });

/** The fields of the alarm event the trigger reads. */
const alarmEventSchema = z.object({
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
  const keys = listed.filter((o) => isValidatedDataKey(folder, o.key)).map((o) => o.key);
  const at = Math.max(...listed.filter((o) => keys.includes(o.key)).map((o) => o.lastModified?.getTime() ?? 0));
  return { keys, at: new Date(at) };
}

/** Captured rows labelled after `after` (kept by the live-quality check), oldest first. */
async function labelledSince(after: Date): Promise<LabelledRow[]> {
  const listed = await listObjects(s3Client(), env.ARTIFACT_BUCKET, labelledPrefix(env.PLATFORM_NAME), { startAfter: labelledAfterKey(env.PLATFORM_NAME, after) });
  const rows: LabelledRow[] = [];
  for (const o of listed) {
    const text = await (await s3Client().send(new GetObjectCommand({ Bucket: env.ARTIFACT_BUCKET, Key: o.key }))).Body!.transformToString();
    const parsed = parseLabelledLines(text, o.key);
    for (const p of parsed.problems) logger.warn('labelled row skipped', { ...p });
    rows.push(...parsed.rows);
  }
  return rows;
}

/** The header of a CSV object (its first 64 KiB), or undefined. */
async function headerOf(key: string): Promise<string[] | undefined> {
  const head = await s3Client().send(new GetObjectCommand({ Bucket: env.DATA_BUCKET, Key: key, Range: 'bytes=0-65535' }));
  return csvHeader(await head.Body!.transformToString());
}

/** What a retrain runs on: the pipeline input's data fields, and what the record says about it. */
interface TrainingData {
  readonly input: { readonly key: string; readonly parts?: { readonly prefix: string; readonly marker: '_manifest.json' } };
  readonly description: string;
}

/**
 * Pick the training data: the newest validated data, plus (with `includeCapturedData`) the captured rows
 * labelled since it was written, assembled as a part folder under `retrain/<runId>/`.
 */
async function trainingData(runId: string, validated: { keys: string[]; at: Date }): Promise<TrainingData> {
  const labelled = env.INCLUDE_CAPTURED_DATA === 'true' ? await labelledSince(validated.at) : [];
  let header: string[] | undefined;
  let leftOut = '';
  if (labelled.length > 0) {
    header = validated.keys.every((k) => k.toLowerCase().endsWith('.csv')) ? await headerOf(validated.keys[0]!) : undefined;
    if (!header) leftOut = `; ${labelled.length} labelled captured rows left out: the validated data is not CSV, and a dataset's parts share one format`;
    else if (!header.includes(env.TARGET_COLUMN)) {
      leftOut = `; ${labelled.length} labelled captured rows left out: the validated CSV has no ${env.TARGET_COLUMN} column`;
      header = undefined;
    }
  }
  const where = `s3://${env.DATA_BUCKET}/${validated.keys.length === 1 ? validated.keys[0]! : validatedRunFolder(validated.keys[0]!)!}`;
  if (!header && validated.keys.length === 1) return { input: { key: validated.keys[0]! }, description: `${where}${leftOut}` };
  const plan = retrainParts(runId, validated.keys, header !== undefined);
  for (const c of plan.copies) await copyObject(s3Client(), { bucket: env.DATA_BUCKET, key: c.from }, { bucket: env.DATA_BUCKET, key: c.to });
  if (plan.captured && header) {
    await s3Client().send(new PutObjectCommand({ Bucket: env.DATA_BUCKET, Key: plan.captured, Body: labelledCsv(labelled, header, env.TARGET_COLUMN), ContentType: 'text/csv' }));
  }
  await putJson(s3Client(), env.DATA_BUCKET, plan.manifest, { parts: plan.names });
  const folder = retrainFolder(runId);
  return {
    input: { key: plan.manifest, parts: { prefix: folder, marker: '_manifest.json' } },
    description: `s3://${env.DATA_BUCKET}/${folder} (${where}${plan.captured ? ` + ${labelled.length} labelled captured rows` : ''})${leftOut}`,
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
      // Concurrent triggers of one episode may each assemble the same folder (same name, same content); the
      // execution name lets only one run start.
      const data = await trainingData(runId, validated);
      try {
        await sfnClient().send(new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: runId, input: JSON.stringify({ runId, bucket: env.DATA_BUCKET, ...data.input, trigger: 'drift' }) }));
        record = { at: now.toISOString(), decision: 'started', rule: 'started', reason: `${verdict.reason}; retraining on ${data.description}`, alarm: alarm.name, runId };
      } catch (error) {
        if (!(error instanceof ExecutionAlreadyExists)) throw error;
        record = { at: now.toISOString(), decision: 'skipped', rule: 'running', reason: `another alarm of the same drift episode already started ${runId}`, alarm: alarm.name, runId };
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

/**
 * Retrain trigger (level 4): EventBridge delivers "CloudWatch Alarm State Change" events of the drift and
 * live-quality alarms. The guardrails decide (`lambda/core/retrain/retrain-decision.ts`: ALARM only, no
 * run executing, cooldown, weekly cap); a start runs the training pipeline with trigger `drift` on the
 * newest validated data. Every decision, start or skip, is recorded under `monitoring/<name>/retrain/`.
 * The gate still judges the new model against the champion: a retrain cannot deploy a worse model.
 */
import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { ExecutionAlreadyExists, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { auditRecorder } from '../aws/audit-recorder';
import { s3Client, sfnClient } from '../aws/clients';
import { s3RegistryStore } from '../aws/s3-registry-store';
import { listObjects } from '../aws/s3-store';
import { DATA_PREFIX } from '../core/layout';
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

/** The newest data object that passed validation (`validated/<runId>/…`), or undefined. Part folders' markers are not data. */
async function newestValidated(): Promise<string | undefined> {
  let newest: { key: string; at: number } | undefined;
  for (const o of await listObjects(s3Client(), env.DATA_BUCKET, DATA_PREFIX.validated)) {
    const at = o.lastModified?.getTime() ?? 0;
    if (!/\/(_[^/]*|\.[^/]*)$/.test(o.key) && (!newest || at > newest.at)) newest = { key: o.key, at };
  }
  return newest?.key;
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
    const key = await newestValidated();
    if (!key) {
      record = { at: now.toISOString(), decision: 'skipped', rule: 'no-data', reason: `no validated data under s3://${env.DATA_BUCKET}/${DATA_PREFIX.validated} to retrain on`, alarm: alarm.name };
    } else {
      // One name per cooldown period (at least an hour): the alarms of one drift episode fire together and
      // their triggers run concurrently, so all but the first find the execution already exists.
      const periodMs = Math.max(1, env.COOLDOWN_HOURS) * 3_600_000;
      const period = new Date(Math.floor(now.getTime() / periodMs) * periodMs).toISOString().replace(/[-:.TZ]/g, '').slice(0, 12);
      const runId = `run-${env.PLATFORM_NAME}-drift-${period}-${createHash('sha256').update(key).digest('hex').slice(0, 6)}`;
      try {
        await sfnClient().send(new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name: runId, input: JSON.stringify({ runId, bucket: env.DATA_BUCKET, key, trigger: 'drift' }) }));
        record = { at: now.toISOString(), decision: 'started', rule: 'started', reason: `${verdict.reason}; retraining on s3://${env.DATA_BUCKET}/${key}`, alarm: alarm.name, runId };
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

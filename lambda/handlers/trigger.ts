/**
 * Trigger Lambda (level 2+): an EventBridge "Object Created" event from the data bucket's `incoming/`
 * starts one training-pipeline execution. The execution name is derived from bucket, key and version
 * id, so a duplicated or replayed event starts nothing new (`ExecutionAlreadyExists` is success).
 *
 * What an object starts is decided by `classifyIncomingKey` (core): a data file starts a single-file
 * run; a part folder's `_SUCCESS` or `_manifest.json` starts a run over the folder's parts; a `part-*`
 * file and any `_`/`.` file start nothing (the reason says why).
 */
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { sfnClient } from '../aws/clients';
import { z } from 'zod';
import { executionName } from '../core/runs/execution-name';
import { classifyIncomingKey, partsExecutionName } from '../core/validation/dataset-parts';
import { triggerEnvSchema } from '../env/trigger-env';

const env = triggerEnvSchema.parse(process.env);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });

/** The EventBridge event for an S3 object created (the fields the trigger reads). */
export const objectCreatedEventSchema = z.object({
  'detail-type': z.literal('Object Created'),
  source: z.literal('aws.s3'),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), 'version-id': z.string().optional(), size: z.number().optional() }),
  }),
});

/** The trigger's answer. */
export interface TriggerResult {
  readonly started: boolean;
  readonly executionName: string;
  readonly reason: string;
}

/** The event is not an S3 Object Created event for `incoming/`. */
export class InvalidTriggerEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidTriggerEventError';
  }
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<TriggerResult> {
  const parsed = objectCreatedEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidTriggerEventError(`not an S3 Object Created event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { cause: parsed.error });
  }
  const { bucket, object } = parsed.data.detail;
  // Unlike S3 event notifications to SQS/SNS/Lambda, the EventBridge event carries the key as it is
  // (not URL-encoded): a '+' in a key is a '+'.
  const key = object.key;
  const kind = classifyIncomingKey(key);
  if (kind.kind === 'ignored') {
    logger.info('object starts no run', { key, reason: kind.reason });
    return { started: false, executionName: '', reason: kind.reason };
  }
  const versionId = object['version-id'];
  const name = kind.kind === 'parts' ? partsExecutionName(bucket.name, key, versionId) : executionName(bucket.name, key, versionId);
  const input = {
    runId: name,
    bucket: bucket.name,
    key,
    ...(versionId ? { versionId } : {}),
    trigger: 'upload',
    ...(kind.kind === 'parts' ? { parts: { prefix: kind.prefix, marker: kind.marker } } : {}),
  };
  try {
    await sfnClient().send(new StartExecutionCommand({ stateMachineArn: env.STATE_MACHINE_ARN, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) {
      logger.info('duplicate event: the execution exists', { executionName: name, key });
      return { started: false, executionName: name, reason: `duplicate: an execution for this ${kind.kind === 'parts' ? 'marker' : 'object'} version exists` };
    }
    throw error;
  }
  logger.info('pipeline started', { executionName: name, key, ...(kind.kind === 'parts' ? { parts: kind.prefix } : {}) });
  return { started: true, executionName: name, reason: 'started' };
}

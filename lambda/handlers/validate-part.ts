/**
 * Validate-part Lambda: one item of the state machine's Distributed Map. Validates one part of a
 * part-file dataset with the core validator, writes its mergeable state to
 * `runs/<runId>/validate/parts/<index>.json`, and returns only a small summary (Step Functions keeps
 * payloads under 256 KB). Bad data is not an error here: the merge judges the whole dataset.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { s3Client } from '../aws/clients';
import { putJson, s3ObjectSource } from '../aws/s3-store';
import { DATA_PREFIX } from '../core/layout';
import { summarizePart, validatePart, type PartSummary } from '../core/validation/part-validation';
import { partStateKey } from '../core/validation/parts-stage';
import { parseDatasetSchema } from '../core/validation/dataset-schema';
import { validateEnvSchema } from '../env/validate-env';
import { parsePipelineEvent, runInputSchema } from '../events/pipeline-event';

const env = validateEnvSchema.parse(process.env);
const dataset = parseDatasetSchema(env.DATASET_SCHEMA);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });

/** The event: the run and one part (the Map's item selector builds it). */
export const validatePartEventSchema = z.object({
  runId: runInputSchema.shape.runId,
  part: z.object({
    index: z.number().int().nonnegative(),
    key: z.string().refine((k) => k.startsWith(DATA_PREFIX.incoming) || k.startsWith(DATA_PREFIX.retrain), `a key under ${DATA_PREFIX.incoming} or ${DATA_PREFIX.retrain}`),
    versionId: z.string().min(1).optional(),
    bytes: z.number().int().nonnegative(),
  }),
});

/** Lambda entry point. */
export async function handler(event: unknown): Promise<PartSummary> {
  const { runId, part } = parsePipelineEvent(validatePartEventSchema, event, 'validate-part');
  const client = s3Client();
  const source = s3ObjectSource(client, { bucket: env.DATA_BUCKET, key: part.key, ...(part.versionId ? { versionId: part.versionId } : {}) }, part.bytes);
  const validation = await validatePart(part.index, source, dataset);
  const stateKey = partStateKey(runId, part.index);
  await putJson(client, env.ARTIFACT_BUCKET, stateKey, validation);
  const summary = summarizePart(validation, stateKey);
  logger.info('part validated', { runId, ...summary });
  return summary;
}

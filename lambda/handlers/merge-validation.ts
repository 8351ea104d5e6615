/**
 * Merge-validation Lambda: after the Distributed Map validated every part of a part-file dataset, merge
 * their states in part order into one report and profile (shaped as a single file's), copy every part
 * to `validated/` or — when the dataset is invalid — to `quarantine/`, record the validate stage, and
 * return the validate stage's result, so the verdict and the later stages are the same for both kinds.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { auditRecorder } from '../aws/audit-recorder';
import { s3Client } from '../aws/clients';
import { validationDecision } from '../core/governance/audit-trail';
import { mergeAndRecordParts, partFolderOf } from '../aws/dataset-parts';
import { s3ArtifactStore } from '../aws/s3-artifact-store';
import { mapLimited } from '../core/concurrency';
import type { PartValidation } from '../core/validation/part-validation';
import { partStateKey, partsListKey, type PartsList } from '../core/validation/parts-stage';
import { parseDatasetSchema } from '../core/validation/dataset-schema';
import type { ValidationStageResult } from '../core/validation/stage';
import { validateEnvSchema } from '../env/validate-env';
import { InvalidPipelineEventError, datasetPartsSchema, parsePipelineEvent, runInputSchema } from '../events/pipeline-event';

const env = validateEnvSchema.parse(process.env);
const dataset = parseDatasetSchema(env.DATASET_SCHEMA);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
/** Verdicts to the audit trail (governance level). */
const audit = auditRecorder({ enabled: env.GOVERNANCE === 'on', client: s3Client(), bucket: env.ARTIFACT_BUCKET, environment: env.ENVIRONMENT_NAME });

/** The event: the pipeline's input for a part-file dataset (the parts' states are read from S3). */
export const mergeValidationEventSchema = runInputSchema.extend({ parts: datasetPartsSchema });

/** Part states read at once. */
const READ_CONCURRENCY = 16;

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ValidationStageResult> {
  const input = parsePipelineEvent(mergeValidationEventSchema, event, 'merge-validation');
  if (input.bucket !== env.DATA_BUCKET) {
    throw new InvalidPipelineEventError(`merge-validation reads only the data bucket ${env.DATA_BUCKET}, got ${input.bucket}`);
  }
  // The key must be the marker of the described folder (a mismatched input is refused before any copy).
  partFolderOf(input);
  const client = s3Client();
  const artifacts = s3ArtifactStore(client, env.ARTIFACT_BUCKET);
  const list = await artifacts.getJson<PartsList>(partsListKey(input.runId));
  const validations = await mapLimited(list.parts, READ_CONCURRENCY, (_part, i) => artifacts.getJson<PartValidation>(partStateKey(input.runId, i)));
  const trigger = { kind: input.trigger, bucket: input.bucket, key: input.key, ...(input.versionId ? { versionId: input.versionId } : {}) };
  const result = await mergeAndRecordParts({ client, buckets: { data: env.DATA_BUCKET, artifacts: env.ARTIFACT_BUCKET }, artifacts, runId: input.runId, trigger, list, validations, dataset });
  await audit(validationDecision(env.PLATFORM_NAME, input.runId, list.prefix, result));
  logger.info('part validations merged', { runId: input.runId, prefix: list.prefix, parts: list.parts.length, verdict: result.verdict, rowCount: result.rowCount, failures: result.failures });
  return result;
}

/**
 * Validate stage Lambda: parse the event and environment, run the validation stage on the S3 object,
 * return the verdict the pipeline branches on. Bad data is a verdict, not an error; a bad event or a
 * storage failure is a named error.
 *
 * A part-file dataset (`parts` in the event) is validated here part after part with the same core the
 * state machine's Distributed Map runs in parallel (list → validate each → merge), for callers that run
 * one stage at a time; the state machine itself sends part-file datasets to the Map.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { parseDatasetSchema } from '../core/validation/dataset-schema';
import { DATA_PREFIX } from '../core/layout';
import { runValidationStage, type ValidationStageResult } from '../core/validation/stage';
import { auditRecorder } from '../aws/audit-recorder';
import { validationDecision } from '../core/governance/audit-trail';
import { s3Client } from '../aws/clients';
import { copyObject, putJson, s3DatasetSource } from '../aws/s3-store';
import { listDatasetParts, mergeAndRecordParts, partFolderOf, partSources } from '../aws/dataset-parts';
import { validatePart, type PartValidation } from '../core/validation/part-validation';
import { partsListKey } from '../core/validation/parts-stage';
import { validateEnvSchema } from '../env/validate-env';
import { s3ArtifactStore } from '../aws/s3-artifact-store';
import { stageStarted, stageSucceeded, type RunTrigger } from '../core/runs/run-record';
import { updateRun } from '../core/runs/run-store';
import { InvalidPipelineEventError, parsePipelineEvent, runInputSchema } from '../events/pipeline-event';

const env = validateEnvSchema.parse(process.env);
const dataset = parseDatasetSchema(env.DATASET_SCHEMA);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
/** Verdicts to the audit trail (governance level); a failed validation is also recorded by the pipeline's outcome step. */
const audit = auditRecorder({ enabled: env.GOVERNANCE === 'on', client: s3Client(), bucket: env.ARTIFACT_BUCKET, environment: env.ENVIRONMENT_NAME });

/** Record a validation verdict. */
async function auditVerdict(runId: string, dataKey: string, result: Pick<ValidationStageResult, 'verdict' | 'reportKey' | 'rowCount' | 'failures'>): Promise<void> {
  await audit(validationDecision(env.PLATFORM_NAME, runId, dataKey, result));
}

/**
 * The event: the run and the object to validate (the pipeline's input). The bucket defaults to the data
 * bucket, and the key must be an upload — or, for a retrain (trigger `drift`, level 4), data that passed
 * validation before (`validated/…`) or the dataset a retrain assembled (`retrain/…`), checked again
 * against today's schema.
 */
export const validateEventSchema = runInputSchema
  .extend({
    bucket: z.string().min(3).optional(),
    key: z.string().min(1),
  })
  .superRefine((event, ctx) => {
    const under = (prefix: string): boolean => event.key.startsWith(prefix) && event.key.length > prefix.length;
    if (under(DATA_PREFIX.incoming) || (event.trigger === 'drift' && (under(DATA_PREFIX.validated) || under(DATA_PREFIX.retrain)))) return;
    ctx.addIssue({
      code: 'custom',
      path: ['key'],
      message: `a key under ${DATA_PREFIX.incoming} (uploads are validated from there)${event.trigger === 'drift' ? ` or ${DATA_PREFIX.validated} or ${DATA_PREFIX.retrain} (a retrain)` : ''}`,
    });
  });

/** The validate handler's input. */
export type ValidateEvent = z.infer<typeof validateEventSchema>;

/** The event did not have the shape the stage needs (the pipeline's event error). */
export { InvalidPipelineEventError as InvalidEventError };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ValidationStageResult> {
  const input = parsePipelineEvent(validateEventSchema, event, 'validate');
  const { runId, key, versionId } = input;
  const bucket = input.bucket ?? env.DATA_BUCKET;
  if (bucket !== env.DATA_BUCKET) {
    throw new InvalidPipelineEventError(`validate reads only the data bucket ${env.DATA_BUCKET}, got ${bucket}`);
  }
  const client = s3Client();
  const artifacts = s3ArtifactStore(client, env.ARTIFACT_BUCKET);
  const trigger = { kind: input.trigger, bucket, key, ...(versionId ? { versionId } : {}) };
  if (input.parts) return validateParts({ ...input, bucket }, trigger);
  const ref = { bucket, key, ...(versionId ? { versionId } : {}) };
  const source = await s3DatasetSource(client, ref);
  // Recorded once the object is found: a missing object files nothing (the pipeline's Catch records it).
  await updateRun(artifacts, runId, trigger, (r, at) => stageStarted(r, 'validate', at));
  const pinned = { ...ref, ...(source.versionId ? { versionId: source.versionId } : {}) };
  const { profile: _profile, ...result } = await runValidationStage({
    runId,
    source,
    dataset,
    store: {
      putArtifactJson: (k, v) => putJson(client, env.ARTIFACT_BUCKET, k, v),
      putDataJson: (k, v) => putJson(client, env.DATA_BUCKET, k, v),
      copySourceTo: (k) => copyObject(client, pinned, { bucket: env.DATA_BUCKET, key: k }),
    },
  });
  await updateRun(artifacts, runId, trigger, (r, at) =>
    stageSucceeded(r, 'validate', at, { outputs: { verdict: result.verdict, reportKey: result.reportKey, rowCount: result.rowCount }, metrics: { rowsValidated: result.rowCount } }),
  );
  await auditVerdict(runId, key, result);
  logger.info('validation finished', { runId, key, verdict: result.verdict, rowCount: result.rowCount, failures: result.failures });
  return result;
}

/** A part-file dataset in one invocation: the Distributed Map's three steps, one after the other. */
async function validateParts(input: ValidateEvent & { bucket: string }, trigger: RunTrigger): Promise<ValidationStageResult> {
  const client = s3Client();
  const artifacts = s3ArtifactStore(client, env.ARTIFACT_BUCKET);
  const folder = partFolderOf(input);
  const parts = await listDatasetParts(client, folder);
  await updateRun(artifacts, input.runId, trigger, (r, at) => stageStarted(r, 'validate', at));
  const list = { prefix: folder.prefix, markerKey: input.key, parts };
  await artifacts.putJson(partsListKey(input.runId), list);
  const sources = partSources(client, env.DATA_BUCKET, parts);
  const validations: PartValidation[] = [];
  for (const [i, source] of sources.entries()) validations.push(await validatePart(i, source, dataset));
  const result = await mergeAndRecordParts({ client, buckets: { data: env.DATA_BUCKET, artifacts: env.ARTIFACT_BUCKET }, artifacts, runId: input.runId, trigger, list, validations, dataset });
  await auditVerdict(input.runId, folder.prefix, result);
  logger.info('validation finished', { runId: input.runId, prefix: folder.prefix, parts: parts.length, verdict: result.verdict, rowCount: result.rowCount, failures: result.failures });
  return result;
}

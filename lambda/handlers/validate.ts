/**
 * Validate stage Lambda: parse the event and environment, run the validation stage on the S3 object,
 * return the verdict the pipeline branches on. Bad data is a verdict, not an error; a bad event or a
 * storage failure is a named error.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { parseDatasetSchema } from '../core/validation/dataset-schema';
import { DATA_PREFIX } from '../core/layout';
import { runValidationStage, type ValidationStageResult } from '../core/validation/stage';
import { s3Client } from '../aws/clients';
import { copyObject, putJson, s3DatasetSource } from '../aws/s3-store';
import { validateEnvSchema } from '../env/validate-env';
import { s3ArtifactStore } from '../aws/s3-artifact-store';
import { stageStarted, stageSucceeded } from '../core/runs/run-record';
import { updateRun } from '../core/runs/run-store';

const env = validateEnvSchema.parse(process.env);
const dataset = parseDatasetSchema(env.DATASET_SCHEMA);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });

/** The event: the object to validate (from the pipeline's input) and the run it belongs to. */
export const validateEventSchema = z.object({
  // Not `.` or `..`: as a key segment those resolve out of `runs/<runId>/` in stores that normalise paths.
  runId: z.string().regex(/^(?!\.\.?$)[A-Za-z0-9._-]{1,80}$/, 'letters, digits, dot, dash or underscore (1–80), not "." or ".."'),
  bucket: z.string().min(3).optional(),
  key: z
    .string()
    .min(1)
    .refine((k) => k.startsWith(DATA_PREFIX.incoming) && k.length > DATA_PREFIX.incoming.length, `a key under ${DATA_PREFIX.incoming} (uploads are validated from there)`),
  versionId: z.string().min(1).optional(),
  trigger: z.enum(['upload', 'manual', 'drift']).default('manual'),
});

/** The validate handler's input. */
export type ValidateEvent = z.infer<typeof validateEventSchema>;

/** The event did not have the shape the stage needs. */
export class InvalidEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidEventError';
  }
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ValidationStageResult> {
  const parsed = validateEventSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new InvalidEventError(`validate event is invalid: ${problems}`, { cause: parsed.error });
  }
  const { runId, key, versionId } = parsed.data;
  const bucket = parsed.data.bucket ?? env.DATA_BUCKET;
  if (bucket !== env.DATA_BUCKET) {
    throw new InvalidEventError(`validate reads only the data bucket ${env.DATA_BUCKET}, got ${bucket}`);
  }
  const client = s3Client();
  const artifacts = s3ArtifactStore(client, env.ARTIFACT_BUCKET);
  const trigger = { kind: parsed.data.trigger, bucket, key, ...(versionId ? { versionId } : {}) };
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
  logger.info('validation finished', { runId, key, verdict: result.verdict, rowCount: result.rowCount, failures: result.failures });
  return result;
}

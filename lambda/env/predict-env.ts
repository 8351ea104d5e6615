/**
 * The environment contract of the predict Lambda (the endpoint of every serving engine: it scores in
 * process for engine `lambda` and fronts the version's SageMaker endpoint otherwise): the serving stack sets
 * these variables from config with {@link predictEnvironment}, the handler parses `process.env` with
 * {@link predictEnvSchema} once at module scope.
 */
import { z } from 'zod';
import type { PlatformConfig } from '../../config/schema';

/** An optional positive integer variable: unset or empty means "not set" (CloudFormation cannot unset). */
const optionalPositiveInt = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()))
  .pipe(z.string().regex(/^[1-9]\d*$/, 'a registry version number (a positive integer), or empty for the champion').transform(Number).optional());

/** Variables the predict handler reads. */
export const predictEnvSchema = z.object({
  /** The artifact bucket: the registry is read from it, captures are written to it. */
  ARTIFACT_BUCKET: z.string().min(3),
  /** The config's `name`: registry name and metric namespace `MLOps/<name>`. */
  PLATFORM_NAME: z.string().min(1),
  /** The config's `environment`: the metrics' `environment` dimension. */
  ENVIRONMENT_NAME: z.string().min(1),
  /** The config's `dataset` section as JSON (nullability and `unknownColumns` of the request contract). */
  DATASET_SCHEMA: z.string().min(2),
  /** `serving.engine`: `lambda` scores in the function; the SageMaker engines call the version's endpoint. */
  SERVING_ENGINE: z.enum(['lambda', 'sagemaker-serverless', 'sagemaker-realtime']).default('lambda'),
  /** SageMaker engines: longest wait for the endpoint's answer, in milliseconds. */
  ENDPOINT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** `on` at the governance level: batches may ask for per-prediction explanations (`"explain": true`). */
  EXPLANATIONS: z.enum(['on', 'off']).default('off'),
  /** `serving.maxBatch`. */
  MAX_BATCH: z.coerce.number().int().min(1).max(10000).default(100),
  /** `serving.capturePercent`. */
  CAPTURE_PERCENT: z.coerce.number().min(0).max(100).default(10),
  /** Serve this registry version only (set at deploy); unset or empty: the current champion. */
  MODEL_VERSION: optionalPositiveInt,
  /** Longest time between two reads of the champion pointer, in seconds (ignored when pinned). */
  CHAMPION_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Longest wait for a capture write before answering anyway, in milliseconds. */
  CAPTURE_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).default(1000),
  POWERTOOLS_SERVICE_NAME: z.string().default('predict'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** The parsed environment of the predict Lambda. */
export type PredictEnv = z.infer<typeof predictEnvSchema>;

/** The variables of the predict Lambda for one environment's config (the construct's `environment`). */
export function predictEnvironment(
  config: Pick<PlatformConfig, 'name' | 'environment' | 'dataset' | 'serving'>,
  artifactBucket: string,
  options: { readonly modelVersion?: number } = {},
): z.input<typeof predictEnvSchema> & Record<string, string> {
  return {
    ARTIFACT_BUCKET: artifactBucket,
    PLATFORM_NAME: config.name,
    ENVIRONMENT_NAME: config.environment,
    DATASET_SCHEMA: JSON.stringify(config.dataset),
    SERVING_ENGINE: config.serving.engine,
    MAX_BATCH: String(config.serving.maxBatch),
    CAPTURE_PERCENT: String(config.serving.capturePercent),
    ...(options.modelVersion !== undefined ? { MODEL_VERSION: String(options.modelVersion) } : {}),
    POWERTOOLS_SERVICE_NAME: 'predict',
  };
}

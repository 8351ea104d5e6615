/**
 * The environment contract of the training pipeline's stage Lambdas (features, train, evaluate,
 * register, record-failure): the construct sets these variables, each handler parses them once.
 */
import { z } from 'zod';

/** Variables every pipeline stage reads. `PLATFORM_CONFIG` is the stage view of the config as JSON. */
export const stageEnvSchema = z.object({
  DATA_BUCKET: z.string().min(3),
  ARTIFACT_BUCKET: z.string().min(3),
  PLATFORM_CONFIG: z.string().min(2),
  /** Version of the platform code that runs (package version), for lineage. */
  CODE_VERSION: z.string().default('unknown'),
  /** `on` at the governance level: decisions are recorded in the audit trail (`audit/`), versions get model cards. */
  GOVERNANCE: z.enum(['on', 'off']).default('off'),
  POWERTOOLS_SERVICE_NAME: z.string().default('pipeline'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** The parsed environment of a stage Lambda. */
export type StageEnv = z.infer<typeof stageEnvSchema>;

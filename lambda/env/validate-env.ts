/**
 * The environment contract of the validate stage's Lambdas — validate (one file), validate-part and
 * merge-validation (a part-file dataset): the construct sets these variables from config, each handler
 * parses `process.env` with the same schema once at module scope.
 */
import { z } from 'zod';

/** Variables the validate handler reads. `DATASET_SCHEMA` is the config's `dataset` section as JSON. */
export const validateEnvSchema = z.object({
  DATA_BUCKET: z.string().min(3),
  ARTIFACT_BUCKET: z.string().min(3),
  DATASET_SCHEMA: z.string().min(2),
  /** The config's `name` and `environment` (the audit trail's subject and environment). */
  PLATFORM_NAME: z.string().min(1).default('unknown'),
  ENVIRONMENT_NAME: z.string().min(1).default('unknown'),
  /** `on` at the governance level: decisions are recorded in the audit trail (`audit/`). */
  GOVERNANCE: z.enum(['on', 'off']).default('off'),
  POWERTOOLS_SERVICE_NAME: z.string().default('validate'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** The parsed environment of the validate Lambda. */
export type ValidateEnv = z.infer<typeof validateEnvSchema>;

/**
 * The environment contract of the retrain trigger Lambda (capability `retraining`, level 4): the
 * monitoring stack sets these variables from config, the handler parses them once at module scope.
 */
import { z } from 'zod';

/** Variables the retrain trigger reads. */
export const retrainEnvSchema = z.object({
  /** The training pipeline the trigger starts. */
  STATE_MACHINE_ARN: z.string().min(1),
  /** The data bucket: the training data is the newest run's data under `validated/`; assembled datasets go to `retrain/`. */
  DATA_BUCKET: z.string().min(3),
  /** `monitoring.retrain.includeCapturedData`: add the captured rows labelled since that data was written. */
  INCLUDE_CAPTURED_DATA: z.enum(['true', 'false']).default('true'),
  /** The config's `dataset` section as JSON: the label column, the CSV delimiter, and the checks labelled captures must pass. */
  DATASET_SCHEMA: z.string().min(2),
  /** The artifact bucket: retrain decisions under `monitoring/<name>/retrain/`, labelled captures under `monitoring/<name>/labelled/`. */
  ARTIFACT_BUCKET: z.string().min(3),
  /** The config's `name`. */
  PLATFORM_NAME: z.string().min(1),
  /** The config's `environment`. */
  ENVIRONMENT_NAME: z.string().min(1),
  /** `monitoring.retrain.cooldownHours`. */
  COOLDOWN_HOURS: z.coerce.number().int().min(0).max(720),
  /** `monitoring.retrain.maxPerWeek`. */
  MAX_PER_WEEK: z.coerce.number().int().min(1).max(100),
  /** `on` at the governance level: decisions are recorded in the audit trail (`audit/`), versions get model cards. */
  GOVERNANCE: z.enum(['on', 'off']).default('off'),
  POWERTOOLS_SERVICE_NAME: z.string().default('retrain'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** The parsed environment of the retrain trigger. */
export type RetrainEnv = z.infer<typeof retrainEnvSchema>;

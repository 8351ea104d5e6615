/**
 * The environment contract of the drift Lambda (capability `driftMonitoring`): the monitoring stack sets
 * these variables from config, the handler parses them once at module scope.
 */
import { z } from 'zod';

/** Variables the drift handler reads. */
export const driftEnvSchema = z.object({
  /** The artifact bucket: registry (champion, baseline), captures, and `monitoring/` for reports. */
  ARTIFACT_BUCKET: z.string().min(3),
  /** The data bucket: labels uploaded under `labels/` (live quality). */
  DATA_BUCKET: z.string().min(3),
  /** `gate.metric`: live quality is the gate metric on labelled captures. */
  GATE_METRIC: z.enum(['rmse', 'mae', 'r2', 'mape', 'auc', 'logloss', 'accuracy', 'f1']),
  /** `monitoring.minLabelledRows`: labelled captured rows a live-quality verdict needs. */
  MIN_LABELLED_ROWS: z.coerce.number().int().min(1).default(200),
  /** The config's `name`: registry name and metric namespace `MLOps/<name>`. */
  PLATFORM_NAME: z.string().min(1),
  /** The config's `environment`: the metrics' `environment` dimension. */
  ENVIRONMENT_NAME: z.string().min(1),
  /** `monitoring.windowHours`: the longest window a check reads. */
  WINDOW_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  /** `monitoring.minRows`: captured rows a verdict needs. */
  MIN_ROWS: z.coerce.number().int().min(1).default(500),
  /** `monitoring.datasetDriftShare`. */
  DATASET_DRIFT_SHARE: z.coerce.number().gt(0).lte(1).default(0.5),
  /** `monitoring.columnDriftThreshold`: the distance methods' threshold. */
  COLUMN_DRIFT_THRESHOLD: z.coerce.number().positive().default(0.1),
  /** `on` at the governance level: decisions are recorded in the audit trail (`audit/`), versions get model cards. */
  GOVERNANCE: z.enum(['on', 'off']).default('off'),
  POWERTOOLS_SERVICE_NAME: z.string().default('drift'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** The parsed environment of the drift Lambda. */
export type DriftEnv = z.infer<typeof driftEnvSchema>;

/**
 * The environment contract of the A/B decision Lambda (strategy `abTest`): the serving stack sets these
 * variables, the handler parses them once at module scope.
 */
import { z } from 'zod';

/** Variables the A/B decision handler reads. */
export const abDecisionEnvSchema = z.object({
  /** The artifact bucket holding the registry (the A/B record, stages, deploy history). */
  ARTIFACT_BUCKET: z.string().min(3),
  /** The config's `name`: the registry's model name and metric namespace `MLOps/<name>`. */
  PLATFORM_NAME: z.string().min(1),
  /** The config's `environment`: the metrics' `environment` dimension. */
  ENVIRONMENT_NAME: z.string().min(1),
  /** The predict function (name or ARN) whose alias the decision moves. */
  PREDICT_FUNCTION_NAME: z.string().min(1),
  /** The alias the Function URL serves. */
  PREDICT_ALIAS: z.string().min(1).default('live'),
  /** The predict handler's Powertools service name: the `service` dimension of its metrics. */
  PREDICT_SERVICE_NAME: z.string().min(1).default('predict'),
  /** `on` at the governance level: decisions are recorded in the audit trail (`audit/`). */
  GOVERNANCE: z.enum(['on', 'off']).default('off'),
  POWERTOOLS_SERVICE_NAME: z.string().default('ab-decision'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** The parsed environment of the A/B decision Lambda. */
export type AbDecisionEnv = z.infer<typeof abDecisionEnvSchema>;

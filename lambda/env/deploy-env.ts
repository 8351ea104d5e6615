/**
 * The environment contract of the deploy Lambda (the deploy state machine's steps): the serving stack
 * sets these variables, the handler parses them once at module scope.
 */
import { z } from 'zod';

/** Variables the deploy handler reads. */
export const deployEnvSchema = z.object({
  /** The artifact bucket holding the registry. */
  ARTIFACT_BUCKET: z.string().min(3),
  /** The config's `name`: the registry's model name and metric namespace `MLOps/<name>`. */
  PLATFORM_NAME: z.string().min(1),
  /** The config's `environment`. */
  ENVIRONMENT_NAME: z.string().min(1),
  /** `serving.engine`: which model documents can be served. */
  SERVING_ENGINE: z.enum(['lambda', 'sagemaker-serverless', 'sagemaker-realtime']),
  /**
   * How a version reaches the endpoint: `promote` (champion pointer), `canary` (CodeDeploy shifts the
   * alias) or `abTest` (the alias gives the challenger a share until the A/B decision).
   */
  DEPLOY_STRATEGY: z.enum(['promote', 'canary', 'abTest']),
  /** The predict function (name or ARN); required by the `canary` and `abTest` strategies. */
  PREDICT_FUNCTION_NAME: z.string().min(1).optional(),
  /** The alias the Function URL serves. */
  PREDICT_ALIAS: z.string().min(1).default('live'),
  /** Strategy `abTest`: `serving.deployment.abTest.challengerPercent`, the challenger's share. */
  AB_TEST_PERCENT: z.coerce.number().int().min(1).max(50).default(10),
  /** Strategy `abTest`: `serving.deployment.abTest.windowHours`. */
  AB_TEST_WINDOW_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  /** Strategy `abTest`: `serving.deployment.abTest.margin`. */
  AB_TEST_MARGIN: z.coerce.number().nonnegative().default(0.01),
  /** Strategy `abTest`: challenger requests needed for a promotion. */
  AB_TEST_MIN_REQUESTS: z.coerce.number().int().min(1).default(100),
  /** `on` at the governance level: decisions are recorded in the audit trail (`audit/`), versions get model cards. */
  GOVERNANCE: z.enum(['on', 'off']).default('off'),
  POWERTOOLS_SERVICE_NAME: z.string().default('deploy'),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** The parsed environment of the deploy Lambda. */
export type DeployEnv = z.infer<typeof deployEnvSchema>;

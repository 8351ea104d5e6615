/**
 * Deploy Lambda: the steps of the deploy state machine that touch the registry or the predict function.
 *
 * - `prepare`: check the requested version and plan the deployment (strategy from the environment);
 * - `publish` (strategy `canary`): publish a predict version pinned to the model, and the AppSpec that
 *   CodeDeploy shifts the alias with;
 * - `complete`: the version becomes the champion; the deployment is recorded;
 * - `rolled-back`: CodeDeploy stopped the canary and moved the alias back; the version is archived with
 *   the deployment's error as evidence.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { s3Client } from '../aws/clients';
import { emitStageMetrics } from '../aws/stage-metrics';
import { lambdaClient, publishPinnedVersion, type PublishedPredictVersion } from '../aws/predict-publisher';
import { s3RegistryStore } from '../aws/s3-registry-store';
import { completeDeployment, prepareDeployment, recordRollback, type DeployPlan } from '../core/deploy/deployment';
import { deployEnvSchema } from '../env/deploy-env';
import { parsePipelineEvent } from '../events/pipeline-event';

const env = deployEnvSchema.parse(process.env);
const registry = s3RegistryStore(s3Client(), env.ARTIFACT_BUCKET);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });

const planSchema = z.object({
  modelName: z.string(),
  version: z.number().int().positive(),
  strategy: z.enum(['promote', 'canary']),
  previousVersion: z.number().int().positive().optional(),
  alreadyServing: z.boolean(),
  requestedBy: z.string(),
  reason: z.string(),
  runId: z.string().optional(),
});

/** The deploy state machine's input, as every step receives it (with the plan once prepared). */
const requestSchema = z.object({
  version: z.coerce.number().int().positive(),
  requestedBy: z.string().min(1).default('unknown'),
  reason: z.string().default('deployed by request'),
  runId: z.string().min(1).optional(),
});

const eventSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('prepare'), request: requestSchema }),
  z.object({ action: z.literal('publish'), plan: planSchema }),
  z.object({ action: z.literal('complete'), plan: planSchema, deployment: z.record(z.string(), z.unknown()).optional() }),
  z.object({
    action: z.literal('rolled-back'),
    plan: planSchema,
    // getDeployment's DeploymentInfo, as Step Functions returns it (PascalCase).
    deployment: z.object({ DeploymentId: z.string().optional(), Status: z.string().optional(), ErrorInformation: z.object({ Code: z.string().optional(), Message: z.string().optional() }).passthrough().optional() }).passthrough(),
  }),
]);

/** What each step hands back to the state machine. */
export type DeployStepResult = DeployPlan | PublishedPredictVersion | { readonly version: number; readonly stage: string };

/** Lambda entry point. */
export async function handler(event: unknown): Promise<DeployStepResult> {
  const input = parsePipelineEvent(eventSchema, event, 'deploy');
  const namespace = `MLOps/${env.PLATFORM_NAME}`;
  switch (input.action) {
    case 'prepare': {
      const plan = await prepareDeployment(
        registry,
        env.PLATFORM_NAME,
        { ...input.request, ...(input.request.runId ? { runId: input.request.runId } : {}) },
        { strategy: env.DEPLOY_STRATEGY, servingEngine: env.SERVING_ENGINE },
      );
      logger.info('deployment planned', { ...plan });
      return plan;
    }
    case 'publish': {
      if (!env.PREDICT_FUNCTION_NAME) throw new Error('PREDICT_FUNCTION_NAME is not set: the canary strategy publishes versions of the predict function');
      const published = await publishPinnedVersion(lambdaClient(), {
        functionName: env.PREDICT_FUNCTION_NAME,
        alias: env.PREDICT_ALIAS,
        modelVersion: input.plan.version,
        description: `model ${input.plan.modelName} v${input.plan.version} (${input.plan.reason})`.slice(0, 256),
      });
      logger.info('predict version published', { ...published, appSpec: undefined });
      return published;
    }
    case 'complete': {
      const { stage } = await completeDeployment(registry, input.plan, input.deployment);
      emitStageMetrics(namespace, env.ENVIRONMENT_NAME, 'deploy', [
        { name: 'Deployments', value: 1 },
        { name: 'DeployedVersion', value: input.plan.version },
      ]);
      logger.info('deployed', { version: input.plan.version, previousVersion: input.plan.previousVersion, strategy: input.plan.strategy });
      return { version: input.plan.version, stage: stage.stage };
    }
    case 'rolled-back': {
      const info = input.deployment;
      const message = info.ErrorInformation?.Message ?? `the deployment ended ${info.Status ?? 'without succeeding'}`;
      const { stage } = await recordRollback(registry, input.plan, { ...info, message });
      emitStageMetrics(namespace, env.ENVIRONMENT_NAME, 'deploy', [{ name: 'Rollbacks', value: 1 }]);
      logger.warn('deployment rolled back', { version: input.plan.version, deploymentId: info.DeploymentId, message });
      return { version: input.plan.version, stage: stage.stage };
    }
  }
}

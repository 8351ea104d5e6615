/**
 * Deploy Lambda: the steps of the deploy state machine that touch the registry or the predict function.
 *
 * - `prepare`: check the requested version and plan the deployment (strategy from the environment);
 * - `publish` (strategies `canary`, `abTest`): publish a predict version pinned to the model, and the
 *   AppSpec that CodeDeploy shifts the alias with;
 * - `start-ab-test` (strategy `abTest`): write the A/B record, then route `live`: the champion's version
 *   stays primary, the published version gets `AB_TEST_PERCENT`% (refused while a test runs);
 * - `complete`: the version becomes the champion; the deployment is recorded;
 * - `rolled-back`: CodeDeploy stopped the canary and moved the alias back; the version is archived with
 *   the deployment's error as evidence.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { lambdaClient, s3Client } from '../aws/clients';
import { auditRecorder } from '../aws/audit-recorder';
import { emitStageMetrics } from '../aws/stage-metrics';
import { publishPinnedVersion, routeAlias, type AliasRoute, type PublishedPredictVersion } from '../aws/predict-publisher';
import { s3RegistryStore } from '../aws/s3-registry-store';
import { abandonAbTest, assertNoAbTestRunning, startAbTest, type AbTestRecord } from '../core/deploy/ab-test';
import { completeDeployment, prepareDeployment, recordRollback, type DeployPlan } from '../core/deploy/deployment';
import { deployEnvSchema } from '../env/deploy-env';
import { parsePipelineEvent } from '../events/pipeline-event';

const env = deployEnvSchema.parse(process.env);
const registry = s3RegistryStore(s3Client(), env.ARTIFACT_BUCKET);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
const audit = auditRecorder({ enabled: env.GOVERNANCE === 'on', client: s3Client(), bucket: env.ARTIFACT_BUCKET, environment: env.ENVIRONMENT_NAME });

const planSchema = z.object({
  modelName: z.string(),
  version: z.number().int().positive(),
  strategy: z.enum(['promote', 'canary', 'abTest']),
  previousVersion: z.number().int().positive().optional(),
  alreadyServing: z.boolean(),
  requestedBy: z.string(),
  reason: z.string(),
  runId: z.string().optional(),
  endpoint: z.object({ name: z.string(), configName: z.string(), modelName: z.string(), previousName: z.string().optional() }).optional(),
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
  z.object({
    action: z.literal('start-ab-test'),
    plan: planSchema,
    // The publish step's result.
    publish: z.object({ currentVersion: z.string().min(1), targetVersion: z.string().min(1), modelVersion: z.number().int().positive() }).passthrough(),
  }),
  z.object({ action: z.literal('complete'), plan: planSchema, deployment: z.record(z.string(), z.unknown()).optional() }),
  z.object({
    action: z.literal('rolled-back'),
    plan: planSchema,
    // getDeployment's DeploymentInfo, as Step Functions returns it (PascalCase).
    deployment: z.object({ DeploymentId: z.string().optional(), Status: z.string().optional(), ErrorInformation: z.object({ Code: z.string().optional(), Message: z.string().optional() }).passthrough().optional() }).passthrough(),
  }),
]);

/** What each step hands back to the state machine. */
export type DeployStepResult = DeployPlan | PublishedPredictVersion | AbTestRecord | { readonly version: number; readonly stage: string };

function predictFunctionName(strategy: string): string {
  if (!env.PREDICT_FUNCTION_NAME) throw new Error(`PREDICT_FUNCTION_NAME is not set: the ${strategy} strategy publishes versions of the predict function`);
  return env.PREDICT_FUNCTION_NAME;
}

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
        { strategy: env.DEPLOY_STRATEGY, servingEngine: env.SERVING_ENGINE, environment: env.ENVIRONMENT_NAME },
      );
      // Refuse before anything is published: one A/B test at a time (the start step checks again).
      if (plan.strategy === 'abTest' && !plan.alreadyServing) await assertNoAbTestRunning(registry, env.PLATFORM_NAME);
      logger.info('deployment planned', { ...plan });
      return plan;
    }
    case 'publish': {
      const published = await publishPinnedVersion(lambdaClient(), {
        functionName: predictFunctionName(input.plan.strategy),
        alias: env.PREDICT_ALIAS,
        modelVersion: input.plan.version,
        description: `model ${input.plan.modelName} v${input.plan.version} (${input.plan.reason})`.slice(0, 256),
      });
      logger.info('predict version published', { ...published, appSpec: undefined });
      return published;
    }
    case 'start-ab-test': {
      const { plan, publish } = input;
      if (publish.modelVersion !== plan.version) throw new Error(`the published predict version serves v${publish.modelVersion}, the plan deploys v${plan.version}`);
      // The record first: an alias routed without a record would never be decided. If routing fails, the
      // record is closed as abandoned (the challenger never served) and the step fails with the cause.
      const record = await startAbTest(registry, plan, {
        championLambdaVersion: publish.currentVersion,
        challengerLambdaVersion: publish.targetVersion,
        percent: env.AB_TEST_PERCENT,
        windowHours: env.AB_TEST_WINDOW_HOURS,
        margin: env.AB_TEST_MARGIN,
        minRequests: env.AB_TEST_MIN_REQUESTS,
      });
      let route: AliasRoute;
      try {
        route = await routeAlias(lambdaClient(), {
          functionName: predictFunctionName(plan.strategy),
          alias: env.PREDICT_ALIAS,
          expectPrimary: publish.currentVersion,
          route: { functionVersion: publish.currentVersion, additionalVersionWeights: { [publish.targetVersion]: env.AB_TEST_PERCENT / 100 } },
        });
      } catch (error) {
        await abandonAbTest(registry, record, error instanceof Error ? error.message : String(error));
        throw error;
      }
      emitStageMetrics(namespace, env.ENVIRONMENT_NAME, 'deploy', [{ name: 'AbTestsStarted', value: 1 }]);
      logger.info('A/B test started', { challenger: record.challenger, champion: record.champion, percent: record.percent, endsAt: record.endsAt, route });
      return record;
    }
    case 'complete': {
      const { stage } = await completeDeployment(registry, input.plan, input.deployment);
      emitStageMetrics(namespace, env.ENVIRONMENT_NAME, 'deploy', [
        { name: 'Deployments', value: 1 },
        { name: 'DeployedVersion', value: input.plan.version },
      ]);
      await audit({
        kind: 'deployment',
        decision: 'deployed',
        subject: { model: input.plan.modelName, version: input.plan.version, ...(input.plan.runId ? { runId: input.plan.runId } : {}) },
        reason: input.plan.reason,
        evidence: { strategy: input.plan.strategy, ...(input.plan.previousVersion !== undefined ? { previousVersion: input.plan.previousVersion } : {}), ...(input.deployment ? { deployment: input.deployment } : {}) },
        by: input.plan.requestedBy,
      });
      logger.info('deployed', { version: input.plan.version, previousVersion: input.plan.previousVersion, strategy: input.plan.strategy });
      return { version: input.plan.version, stage: stage.stage };
    }
    case 'rolled-back': {
      const info = input.deployment;
      const message = info.ErrorInformation?.Message ?? `the deployment ended ${info.Status ?? 'without succeeding'}`;
      const { stage } = await recordRollback(registry, input.plan, { ...info, message });
      emitStageMetrics(namespace, env.ENVIRONMENT_NAME, 'deploy', [{ name: 'Rollbacks', value: 1 }]);
      await audit({
        kind: 'rollback',
        decision: 'rolled-back',
        subject: { model: input.plan.modelName, version: input.plan.version, ...(input.plan.runId ? { runId: input.plan.runId } : {}) },
        reason: message,
        evidence: { strategy: input.plan.strategy, deployment: info },
        by: 'codedeploy:alarms',
      });
      logger.warn('deployment rolled back', { version: input.plan.version, deploymentId: info.DeploymentId, message });
      return { version: input.plan.version, stage: stage.stage };
    }
  }
}

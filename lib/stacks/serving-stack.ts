/**
 * The inference endpoint of one environment and the way models reach it.
 *
 * Whatever the serving engine, clients call one API: the predict Lambda's Function URL. With engine
 * `lambda` it scores in process; with `sagemaker-serverless` or `sagemaker-realtime` it applies the
 * version's transform spec and calls the version's own SageMaker endpoint, which the deploy state machine
 * creates (`lambda/core/sagemaker/endpoint.ts` explains why one per version) and retires.
 *
 * - The predict Lambda behind a Function URL with `AWS_IAM` auth (callers sign with SigV4; no public
 *   access), on the alias `live`. The version CloudFormation publishes serves the champion, re-read at most
 *   once a minute (`lambda/core/serving/model-cache.ts`); until a champion exists it answers 503 saying what
 *   to do. It may read its model's registry folder and write sampled requests under `capture/`, nothing else.
 * - The deploy state machine (`lib/constructs/deploy-state-machine.ts`) through which every deployment goes,
 *   with its deploy Lambda (registry folder read/write; with a canary, publish rights on the predict function).
 * - With `autoDeploy` (level 3+): the canary release (`lib/constructs/predict-release.ts`) — a deployed
 *   version is published pinned to its model and CodeDeploy shifts `live` to it under rollback alarms.
 * - With `abTesting` and `serving.deployment.abTest` set: deployments are A/B tests instead of canaries —
 *   the published version gets the challenger's share of `live` beside the champion, and the scheduled
 *   A/B decision (`lib/constructs/ab-test-decision.ts`) promotes or rolls it back on per-version live
 *   metrics. The canary release stays: its deployment group still guards `cdk deploy`s of the function.
 */
import { CfnOutput, Duration, RemovalPolicy, Size, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Alias, FunctionUrlAuthType, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/schema';
import { ARTIFACT_PREFIX } from '../../lambda/core/layout';
import { deployEnvSchema } from '../../lambda/env/deploy-env';
import { predictEnvironment, predictEnvSchema, type PredictEnv } from '../../lambda/env/predict-env';
import type { DeployStrategy } from '../../lambda/core/deploy/deployment';
import { AbTestDecision } from '../constructs/ab-test-decision';
import { DeployStateMachine } from '../constructs/deploy-state-machine';
import { PredictRelease } from '../constructs/predict-release';
import { StageFunction } from '../constructs/stage-function';
import { hasEndpoint, type Capabilities } from '../maturity';
import { endpointStem } from '../../lambda/core/sagemaker/endpoint';
import { SERVING_STACK_OUTPUTS } from '../stack-outputs';

/** Properties of a {@link ServingStack}. */
export interface ServingStackProps extends StackProps {
  /** The artifact bucket: the registry is read from it, captured requests written to it. */
  readonly artifactBucket: IBucket;
  /** The serving view of the config. */
  readonly config: Pick<PlatformConfig, 'name' | 'environment' | 'dataset' | 'serving'>;
  /** The environment's capabilities: `autoDeploy` adds the canary release, `abTesting` the A/B test (with `serving.deployment.abTest`). */
  readonly capabilities: Capabilities;
  /** Retention of the predict function's log group. */
  readonly logRetention: RetentionDays;
  /**
   * Whether the environment is throwaway: then the log group goes with the stack.
   * @default false
   */
  readonly disposable?: boolean;
  /**
   * Log level of the predict function's logger.
   * @default 'INFO'
   */
  readonly logLevel?: PredictEnv['POWERTOOLS_LOG_LEVEL'];
}

/** The name of an environment's deploy state machine: `<name>-<env>-deploy`. */
export function deployStateMachineName(config: Pick<PlatformConfig, 'name' | 'environment'>): string {
  return `${config.name}-${config.environment}-deploy`;
}

/** The alias the Function URL serves and deployments move. */
export const PREDICT_ALIAS = 'live';

/**
 * How deployments reach the endpoint in an environment: `abTest` with `abTesting` and
 * `serving.deployment.abTest` set, else `canary` with `autoDeploy`, else `promote`.
 */
export function deployStrategy(capabilities: Capabilities, serving: Pick<PlatformConfig['serving'], 'deployment'>): DeployStrategy {
  if (capabilities.autoDeploy && capabilities.abTesting && serving.deployment.abTest) return 'abTest';
  return capabilities.autoDeploy ? 'canary' : 'promote';
}

/** Whether versions serve on SageMaker real-time endpoints with SageMaker's data capture on. */
export function servesWithDataCapture(serving: Pick<PlatformConfig['serving'], 'engine' | 'capturePercent'>): boolean {
  return serving.engine === 'sagemaker-realtime' && serving.capturePercent > 0;
}

/** The predict function, its alias and Function URL, and the deploy state machine. */
export class ServingStack extends Stack {
  /** Whether an environment with these capabilities has an endpoint (any deployment mode on). */
  static hasResources(capabilities: Capabilities): boolean {
    return hasEndpoint(capabilities);
  }

  /** The predict Lambda. */
  readonly predict: StageFunction<typeof predictEnvSchema>;
  /** The alias `live`, which the Function URL serves. */
  readonly alias: Alias;
  /** Its Function URL (`AWS_IAM` auth). */
  readonly url: FunctionUrl;
  /** The deploy Lambda (the deploy state machine's steps). */
  readonly deployFunction: StageFunction<typeof deployEnvSchema>;
  /** The deploy state machine. */
  readonly deploy: DeployStateMachine;
  /** The canary release; present with `autoDeploy`. */
  readonly release?: PredictRelease;
  /** The scheduled A/B decision; present with strategy `abTest`. */
  readonly abDecision?: AbTestDecision;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    const { config } = props;
    const engine = config.serving.engine;
    this.predict = new StageFunction(this, 'Predict', {
      handler: 'predict',
      description:
        engine === 'lambda'
          ? "Predicts with the environment's model (transform spec + model from the registry); samples requests to capture/"
          : "Predicts through the model version's SageMaker endpoint after its transform spec; samples requests to capture/",
      environmentSchema: predictEnvSchema,
      environment: { ...predictEnvironment(config, props.artifactBucket.bucketName), EXPLANATIONS: props.capabilities.governance ? 'on' : 'off', POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO' },
      memorySize: Size.mebibytes(config.serving.memoryMb),
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      logRemovalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.predict.grantReadObjects(props.artifactBucket, `${ARTIFACT_PREFIX.registry}${config.name}/`);
    this.predict.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.capture);
    const stem = endpointStem(config.name, config.environment);
    if (engine !== 'lambda') {
      this.predict.function.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'InvokeModelVersionEndpoints',
          actions: ['sagemaker:InvokeEndpoint'],
          resources: [Stack.of(this).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: `${stem}-*` })],
        }),
      );
      Validations.of(this.predict.function.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint/${stem}-*]`,
        reason: `Each model version has its own endpoint ${stem}-v<version>, created at deploy time: the pattern names this environment's endpoints only`,
      });
    }
    this.alias = new Alias(this, 'PredictAlias', {
      aliasName: PREDICT_ALIAS,
      version: this.predict.function.currentVersion,
      description: 'The version the Function URL serves (deployments with a canary move it)',
    });
    this.url = this.alias.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(this, SERVING_STACK_OUTPUTS.predictUrl, { value: this.url.url, description: 'The predict endpoint (POST JSON, SigV4-signed: service lambda)' });

    const logRemovalPolicy = props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const strategy = deployStrategy(props.capabilities, config.serving);
    const abTest = strategy === 'abTest' ? config.serving.deployment.abTest : undefined;
    // Canary and A/B test both publish versions pinned to a model (and keep the deployment group for `cdk deploy`s).
    const publishesVersions = strategy !== 'promote';
    if (publishesVersions) {
      this.release = new PredictRelease(this, 'Release', { alias: this.alias, name: config.name, environment: config.environment, deployment: config.serving.deployment });
    }
    this.deployFunction = new StageFunction(this, 'Deploy', {
      handler: 'deploy',
      description: {
        promote: 'Deploy steps: check the version, make it the champion in the registry',
        canary: 'Deploy steps: check the version, publish a predict version pinned to it, record the canary outcome in the registry',
        abTest: 'Deploy steps: check the version, publish a predict version pinned to it, start its A/B test against the champion',
      }[strategy],
      environmentSchema: deployEnvSchema,
      environment: {
        ARTIFACT_BUCKET: props.artifactBucket.bucketName,
        PLATFORM_NAME: config.name,
        ENVIRONMENT_NAME: config.environment,
        SERVING_ENGINE: config.serving.engine,
        DEPLOY_STRATEGY: strategy,
        ...(publishesVersions ? { PREDICT_FUNCTION_NAME: this.predict.function.functionName } : {}),
        ...(abTest ? { AB_TEST_PERCENT: abTest.challengerPercent, AB_TEST_WINDOW_HOURS: abTest.windowHours, AB_TEST_MARGIN: abTest.margin } : {}),
        PREDICT_ALIAS: PREDICT_ALIAS,
        GOVERNANCE: props.capabilities.governance ? 'on' : 'off',
        POWERTOOLS_SERVICE_NAME: 'deploy',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      timeout: Duration.minutes(3),
      logRetention: props.logRetention,
      logRemovalPolicy,
    });
    const registryFolder = `${ARTIFACT_PREFIX.registry}${config.name}/`;
    this.deployFunction.grantReadObjects(props.artifactBucket, registryFolder);
    this.deployFunction.grantWriteObjects(props.artifactBucket, registryFolder);
    // Governance: deployments and rollbacks go to the audit trail.
    if (props.capabilities.governance) this.deployFunction.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.audit);
    if (publishesVersions) {
      const fn = this.predict.function;
      this.deployFunction.function.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'PublishPinnedPredictVersions',
          actions: ['lambda:GetFunction', 'lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration', 'lambda:PublishVersion'],
          resources: [fn.functionArn],
        }),
      );
      this.deployFunction.function.addToRolePolicy(
        abTest
          ? new iam.PolicyStatement({ sid: 'RouteServingAlias', actions: ['lambda:GetAlias', 'lambda:UpdateAlias'], resources: [this.alias.functionArn] })
          : new iam.PolicyStatement({ sid: 'ReadServingAlias', actions: ['lambda:GetAlias'], resources: [this.alias.functionArn] }),
      );
    }
    if (abTest) {
      this.abDecision = new AbTestDecision(this, 'AbDecision', {
        artifactBucket: props.artifactBucket,
        name: config.name,
        environment: config.environment,
        alias: this.alias,
        logRetention: props.logRetention,
        logRemovalPolicy,
        ...(props.capabilities.governance ? { audit: true } : {}),
        ...(props.logLevel ? { logLevel: props.logLevel } : {}),
      });
    }
    this.deploy = new DeployStateMachine(this, 'DeployModel', {
      stateMachineName: deployStateMachineName(config),
      deploy: this.deployFunction,
      ...(abTest ? { abTest: { percent: abTest.challengerPercent, windowHours: abTest.windowHours } } : {}),
      ...(engine !== 'lambda'
        ? {
            endpoint: {
              engine,
              settings: config.serving.sagemaker,
              stem,
              ...(servesWithDataCapture(config.serving)
                ? {
                    dataCapture: {
                      percent: config.serving.capturePercent,
                      destination: props.artifactBucket.s3UrlForObject(ARTIFACT_PREFIX.endpointCapture),
                      ...(props.artifactBucket.encryptionKey ? { kmsKey: props.artifactBucket.encryptionKey } : {}),
                    },
                  }
                : {}),
              // Longer than the fronts' champion TTL (60 s), so no warm front still calls the old endpoint.
              retireAfter: Duration.seconds(120),
            },
          }
        : {}),
      ...(this.release && !abTest
        ? { canary: { deploymentGroup: this.release.deploymentGroup, deploymentConfig: this.release.deploymentConfig, canaryMinutes: config.serving.deployment.canaryMinutes } }
        : {}),
      logRetention: props.logRetention,
      logRemovalPolicy,
    });
    new CfnOutput(this, SERVING_STACK_OUTPUTS.deployStateMachineArn, {
      value: this.deploy.stateMachine.stateMachineArn,
      description: 'The deploy state machine (mlops deploy starts it; the level 2+ pipeline runs it)',
    });
  }
}

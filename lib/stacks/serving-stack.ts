/**
 * The inference endpoint of one environment (engine `lambda`): the predict Lambda behind a Function URL
 * with `AWS_IAM` auth (callers sign with SigV4; no public access), serving the model the registry names —
 * the champion, re-read at most once a minute (see `lambda/core/serving/model-cache.ts`). It may read its
 * model's registry folder and write sampled requests under `capture/`, nothing else. How a version becomes
 * the one served (manual deploy, approval, canary) is the deploy flows' part; until a champion exists the
 * endpoint answers 503 with what to do.
 */
import { CfnOutput, Duration, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import { FunctionUrlAuthType, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/schema';
import { ARTIFACT_PREFIX } from '../../lambda/core/layout';
import { predictEnvironment, predictEnvSchema, type PredictEnv } from '../../lambda/env/predict-env';
import { StageFunction } from '../constructs/stage-function';
import { hasEndpoint, type Capabilities } from '../maturity';
import { SERVING_STACK_OUTPUTS } from '../stack-outputs';

/** Properties of a {@link ServingStack}. */
export interface ServingStackProps extends StackProps {
  /** The artifact bucket: the registry is read from it, captured requests written to it. */
  readonly artifactBucket: IBucket;
  /** The serving view of the config. */
  readonly config: Pick<PlatformConfig, 'name' | 'environment' | 'dataset' | 'serving'>;
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

/** The predict function and its Function URL. */
export class ServingStack extends Stack {
  /** Whether an environment with these capabilities has an endpoint (any deployment mode on). */
  static hasResources(capabilities: Capabilities): boolean {
    return hasEndpoint(capabilities);
  }

  /** The predict Lambda. */
  readonly predict: StageFunction<typeof predictEnvSchema>;
  /** Its Function URL (`AWS_IAM` auth). */
  readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (config.serving.engine !== 'lambda') {
      // Not a silent fallback: the SageMaker endpoints are not built yet.
      throw new Error(`serving.engine '${config.serving.engine}' is not available yet; set serving.engine to 'lambda' in ${config.environment}'s config`);
    }
    this.predict = new StageFunction(this, 'Predict', {
      handler: 'predict',
      description: "Predicts with the environment's model (transform spec + model from the registry); samples requests to capture/",
      environmentSchema: predictEnvSchema,
      environment: { ...predictEnvironment(config, props.artifactBucket.bucketName), POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO' },
      memorySize: Size.mebibytes(config.serving.memoryMb),
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      logRemovalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.predict.grantReadObjects(props.artifactBucket, `${ARTIFACT_PREFIX.registry}${config.name}/`);
    this.predict.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.capture);
    this.url = this.predict.function.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    new CfnOutput(this, SERVING_STACK_OUTPUTS.predictUrl, { value: this.url.url, description: 'The predict endpoint (POST JSON, SigV4-signed: service lambda)' });
  }
}

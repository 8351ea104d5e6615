/**
 * The training pipeline of one environment: its stage functions and (next) the Step Functions state
 * machine that runs them. Today it holds the validate stage.
 */
import { Duration, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { DatasetConfig } from '../../config/schema';
import { ARTIFACT_PREFIX, DATA_PREFIX } from '../../lambda/core/layout';
import { validateEnvSchema, type ValidateEnv } from '../../lambda/env/validate-env';
import { StageFunction } from '../constructs/stage-function';
import type { Capabilities } from '../maturity';

/** Properties of a {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  /** The environment's capabilities (from `lib/maturity.ts`): they decide which stages exist. */
  readonly capabilities: Capabilities;

  /** The data bucket (`incoming/`, `validated/`, `quarantine/`). */
  readonly dataBucket: IBucket;

  /** The artifact bucket (`runs/` and the rest). */
  readonly artifactBucket: IBucket;

  /** The config's `dataset` section: what validation checks files against. */
  readonly dataset: DatasetConfig;

  /** Retention of every stage function's log group (config `storage.logRetentionDays`). */
  readonly logRetention: RetentionDays;

  /**
   * Whether the environment is throwaway (config `disposable`): then log groups go with the stack.
   * @default false - log groups are retained when the stack is deleted
   */
  readonly disposable?: boolean;

  /**
   * Log level of the stage functions' structured logger.
   * @default 'INFO'
   */
  readonly logLevel?: ValidateEnv['POWERTOOLS_LOG_LEVEL'];
}

/** Memory of the validate stage: 1769 MiB is where Lambda gives a full vCPU, which streaming parsing uses. */
export const VALIDATE_MEMORY = Size.mebibytes(1769);

/** Timeout of the validate stage: Lambda's maximum, for multi-GB files streamed from S3. */
export const VALIDATE_TIMEOUT = Duration.minutes(15);

/**
 * Stage functions and the training pipeline of one environment.
 *
 * - validate stage (capability `validationGate`, level 1+): reads `incoming/` of the data bucket, copies
 *   a rejected file to `quarantine/` and an accepted one to `validated/`, writes its report and profile to
 *   `runs/` of the artifact bucket. Its role may do exactly that and nothing else.
 */
export class PipelineStack extends Stack {
  /**
   * Whether a pipeline stack for these capabilities holds any resource. CloudFormation rejects a template
   * without resources, so the platform omits the stack otherwise. Once the training state machine lands
   * (every level: `trainingPipeline` is locked on) this is always true.
   */
  static hasResources(capabilities: Capabilities): boolean {
    return capabilities.validationGate;
  }

  /** The validate stage; absent when the `validationGate` capability is off. */
  readonly validateStage?: StageFunction<typeof validateEnvSchema>;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const logRemovalPolicy = props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logLevel = props.logLevel ?? 'INFO';

    if (props.capabilities.validationGate) {
      const validate = new StageFunction(this, 'ValidateStage', {
        handler: 'validate',
        description: 'Validates an uploaded dataset file against the dataset schema; quarantines it when invalid',
        environmentSchema: validateEnvSchema,
        environment: {
          DATA_BUCKET: props.dataBucket.bucketName,
          ARTIFACT_BUCKET: props.artifactBucket.bucketName,
          DATASET_SCHEMA: JSON.stringify(props.dataset),
          POWERTOOLS_SERVICE_NAME: 'validate',
          POWERTOOLS_LOG_LEVEL: logLevel,
        },
        memorySize: VALIDATE_MEMORY,
        timeout: VALIDATE_TIMEOUT,
        logRetention: props.logRetention,
        logRemovalPolicy,
      });
      validate.grantReadObjects(props.dataBucket, DATA_PREFIX.incoming);
      validate.grantWriteObjects(props.dataBucket, DATA_PREFIX.quarantine);
      validate.grantWriteObjects(props.dataBucket, DATA_PREFIX.validated);
      validate.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);
      this.validateStage = validate;
    }

    // Next: the training state machine (Step Functions) is built here from the stage functions above,
    // in its own construct (lib/constructs/), with the validate stage as its first task when present.
  }
}

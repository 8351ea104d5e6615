/**
 * The training pipeline of one environment: its stage functions, the Step Functions state machine that
 * runs them, and (level 2+) the EventBridge rule and trigger that start it on every upload.
 */
import { CfnOutput, Duration, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { Rule } from 'aws-cdk-lib/aws-events';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { StageConfig } from '../../config/schema';
import { ARTIFACT_PREFIX, DATA_PREFIX } from '../../lambda/core/layout';
import { stageEnvSchema } from '../../lambda/env/stage-env';
import { triggerEnvSchema } from '../../lambda/env/trigger-env';
import { validateEnvSchema, type ValidateEnv } from '../../lambda/env/validate-env';
import { listPartsEnvSchema } from '../../lambda/env/list-parts-env';
import { SageMakerTraining } from '../constructs/sagemaker-training';
import { StageFunction } from '../constructs/stage-function';
import { TrainingPipeline, type PartsValidationProps, type PipelineDeployment } from '../constructs/training-pipeline';
import { PIPELINE_STACK_OUTPUTS } from '../stack-outputs';
import type { Capabilities } from '../maturity';

/** Properties of a {@link PipelineStack}. */
export interface PipelineStackProps extends StackProps {
  /** The environment's capabilities (from `lib/maturity.ts`): they decide which stages exist. */
  readonly capabilities: Capabilities;

  /** The data bucket (`incoming/`, `validated/`, `quarantine/`). */
  readonly dataBucket: IBucket;

  /** The artifact bucket (`runs/` and the rest). */
  readonly artifactBucket: IBucket;

  /** The stage view of the config (name, environment, dataset, features, model, gate). */
  readonly config: StageConfig;

  /** The platform's code version (package version), recorded in every model's lineage. */
  readonly codeVersion: string;

  /** Retention of every stage function's log group (config `storage.logRetentionDays`). */
  readonly logRetention: RetentionDays;

  /**
   * Whether the environment is throwaway (config `disposable`): then log groups go with the stack.
   * @default false - log groups are retained when the stack is deleted
   */
  readonly disposable?: boolean;

  /**
   * The name of the serving stack's deploy state machine: the pipeline runs it after approval
   * (`approvalDeploy`) or at once (`autoDeploy`). By name, not by reference: no export ties the stacks, and
   * the platform orders the serving stack first. Without it (or with `manualDeploy`) a run ends at registration.
   * @default - runs end `Registered`
   */
  readonly deployStateMachineName?: string;

  /**
   * Whether versions serve on SageMaker real-time endpoints with data capture (`serving.engine`
   * 'sagemaker-realtime', `serving.capturePercent` > 0): the model role may then write `endpoint-capture/`.
   * @default false
   */
  readonly endpointDataCapture?: boolean;

  /** `serving.deployment.approvalTimeoutHours`: how long a level-2 run waits for a decision. @default 168 */
  readonly approvalTimeoutHours?: number;

  /**
   * Log level of the stage functions' structured logger.
   * @default 'INFO'
   */
  readonly logLevel?: ValidateEnv['POWERTOOLS_LOG_LEVEL'];
}

export { PIPELINE_STACK_OUTPUTS } from '../stack-outputs';

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
 * - part-file validation (with the validate stage): list-parts, validate-part (the Distributed Map's
 *   item) and merge-validation, each granted only the prefixes it reads or writes.
 */
export class PipelineStack extends Stack {
  /**
   * Whether a pipeline stack for these capabilities holds any resource. CloudFormation rejects a template
   * without resources, so the platform omits the stack otherwise. Once the training state machine lands
   * (every level: `trainingPipeline` is locked on) this is always true.
   */
  static hasResources(capabilities: Capabilities): boolean {
    return capabilities.trainingPipeline || capabilities.validationGate;
  }

  /** The validate stage; absent when the `validationGate` capability is off. */
  readonly validateStage?: StageFunction<typeof validateEnvSchema>;
  /** The part-file validate stage (list, validate one part, merge); with the validate stage. */
  readonly partsValidation?: PartsValidationProps;
  /** The training state machine. */
  readonly pipeline: TrainingPipeline;
  /** Starts the pipeline on uploads; present with the `s3Trigger` capability. */
  readonly trigger?: StageFunction<typeof triggerEnvSchema>;

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
          DATASET_SCHEMA: JSON.stringify(props.config.dataset),
          PLATFORM_NAME: props.config.name,
          ENVIRONMENT_NAME: props.config.environment,
          GOVERNANCE: props.capabilities.governance ? 'on' : 'off',
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
      // Level 4: a retrain runs on the newest validated data, which the validate stage then reads.
      if (props.capabilities.autoRetrain) validate.grantReadObjects(props.dataBucket, DATA_PREFIX.validated);
      validate.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);
      if (props.capabilities.governance) validate.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.audit);
      // The run record (runs/<runId>/run.json) is read-modify-write.
      validate.grantReadObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);
      this.validateStage = validate;
      this.partsValidation = this.partsValidationStage(props, logLevel, logRemovalPolicy);
    }

    const { config } = props;
    const stageEnvironment = {
      DATA_BUCKET: props.dataBucket.bucketName,
      ARTIFACT_BUCKET: props.artifactBucket.bucketName,
      PLATFORM_CONFIG: JSON.stringify(config),
      CODE_VERSION: props.codeVersion,
      GOVERNANCE: props.capabilities.governance ? 'on' : 'off',
      POWERTOOLS_LOG_LEVEL: logLevel,
    } as const;
    const stage = (id: string, handler: string, description: string, size: { memory: Size; timeout: Duration }): StageFunction<typeof stageEnvSchema> =>
      new StageFunction(this, id, {
        handler,
        description,
        environmentSchema: stageEnvSchema,
        environment: { ...stageEnvironment, POWERTOOLS_SERVICE_NAME: handler },
        memorySize: size.memory,
        timeout: size.timeout,
        logRetention: props.logRetention,
        logRemovalPolicy,
      });
    const heavy = { memory: Size.mebibytes(config.model.memoryMb), timeout: Duration.minutes(config.model.timeoutMinutes) };
    const light = { memory: Size.mebibytes(512), timeout: Duration.minutes(1) };
    const features = stage('FeaturesStage', 'features', 'Fits the transform spec on the training split; writes matrices and spec', heavy);
    // Engine lambda trains in a stage function; engine sagemaker runs SageMaker's built-in XGBoost.
    const train =
      config.model.engine === 'sagemaker'
        ? new SageMakerTraining(this, 'SageMakerTraining', {
            artifactBucket: props.artifactBucket,
            model: config.model,
            task: config.dataset.task,
            ...(props.endpointDataCapture ? { endpointDataCapture: true } : {}),
          })
        : stage('TrainStage', 'train', 'Trains the configured model in the Lambda', heavy);
    const evaluate = stage('EvaluateStage', 'evaluate', 'Holdout metrics vs baseline and champion; the gate decision', heavy);
    const register = stage('RegisterStage', 'register', 'Registers an immutable model version with lineage', light);
    const recordOutcome = stage('RecordOutcome', 'record-outcome', 'Records failures, bad data and gate rejections in the run record', light);

    // Every stage reads and writes its run's folder (the run record is read-modify-write).
    for (const fn of [features, evaluate, register, recordOutcome, ...(train instanceof StageFunction ? [train] : [])]) {
      fn.grantReadObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);
      fn.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);
    }
    for (const fn of [features, evaluate]) {
      fn.grantReadObjects(props.dataBucket, DATA_PREFIX.validated);
      fn.grantReadObjects(props.dataBucket, DATA_PREFIX.incoming);
    }
    evaluate.grantReadObjects(props.artifactBucket, ARTIFACT_PREFIX.registry);
    // The SageMaker path: the features stage looks up a SageMaker champion to score on the same holdout.
    if (train instanceof SageMakerTraining) features.grantReadObjects(props.artifactBucket, ARTIFACT_PREFIX.registry);
    // Governance: the gate's decisions and failed validations go to the audit trail.
    if (props.capabilities.governance) for (const fn of [evaluate, recordOutcome]) fn.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.audit);
    register.grantReadObjects(props.artifactBucket, ARTIFACT_PREFIX.registry);
    register.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.registry);

    let deployment: PipelineDeployment | undefined;
    const deployStateMachine = props.deployStateMachineName ? StateMachine.fromStateMachineName(this, 'DeployStateMachine', props.deployStateMachineName) : undefined;
    if (deployStateMachine && props.capabilities.autoDeploy) {
      deployment = { mode: 'auto', deployStateMachine };
    } else if (deployStateMachine && props.capabilities.approvalDeploy) {
      const approval = stage('ApprovalStage', 'approval', 'Files the approval request (task token) beside a registered version; records its expiry', light);
      approval.grantReadObjects(props.artifactBucket, `${ARTIFACT_PREFIX.registry}${config.name}/`);
      approval.grantWriteObjects(props.artifactBucket, `${ARTIFACT_PREFIX.registry}${config.name}/`);
      deployment = { mode: 'approval', approval, approvalTimeout: Duration.hours(props.approvalTimeoutHours ?? 168), deployStateMachine };
    }
    this.pipeline = new TrainingPipeline(this, 'TrainingPipeline', {
      ...(deployment ? { deployment } : {}),
      ...(this.validateStage ? { validate: this.validateStage } : {}),
      ...(this.partsValidation ? { parts: this.partsValidation } : {}),
      features,
      train,
      evaluate,
      register,
      recordOutcome,
      logRetention: props.logRetention,
      logRemovalPolicy,
    });

    new CfnOutput(this, PIPELINE_STACK_OUTPUTS.stateMachineArn, {
      value: this.pipeline.stateMachine.stateMachineArn,
      description: 'The training pipeline (mlops run starts it; mlops runs reads its records)',
    });

    if (props.capabilities.s3Trigger) {
      const trigger = new StageFunction(this, 'Trigger', {
        handler: 'trigger',
        description: 'Starts one training run per uploaded object version (duplicates start nothing)',
        environmentSchema: triggerEnvSchema,
        environment: { STATE_MACHINE_ARN: this.pipeline.stateMachine.stateMachineArn, POWERTOOLS_SERVICE_NAME: 'trigger', POWERTOOLS_LOG_LEVEL: logLevel },
        memorySize: Size.mebibytes(256),
        timeout: Duration.seconds(30),
        logRetention: props.logRetention,
        logRemovalPolicy,
      });
      this.pipeline.stateMachine.grantStartExecution(trigger);
      new Rule(this, 'UploadRule', {
        description: 'An object created under incoming/ of the data bucket starts the training pipeline',
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [props.dataBucket.bucketName] }, object: { key: [{ prefix: DATA_PREFIX.incoming }] } },
        },
        targets: [new LambdaFunction(trigger.function, { retryAttempts: 4 })],
      });
      this.trigger = trigger;
    }
  }

  /**
   * The functions that validate a part-file dataset in parallel, each allowed exactly what it does:
   * - list-parts lists `incoming/` (and reads a manifest there), writes the part list and the run record under `runs/`;
   * - validate-part reads one part from `incoming/` and writes its state under `runs/`;
   * - merge-validation reads the parts' states under `runs/`, copies the parts from `incoming/` to
   *   `validated/` or `quarantine/` (with the report), writes report, profile and run record under `runs/`.
   */
  private partsValidationStage(props: PipelineStackProps, logLevel: ValidateEnv['POWERTOOLS_LOG_LEVEL'], logRemovalPolicy: RemovalPolicy): PartsValidationProps {
    const common = { logRetention: props.logRetention, logRemovalPolicy };
    const validateEnvironment = {
      DATA_BUCKET: props.dataBucket.bucketName,
      ARTIFACT_BUCKET: props.artifactBucket.bucketName,
      DATASET_SCHEMA: JSON.stringify(props.config.dataset),
      PLATFORM_NAME: props.config.name,
      ENVIRONMENT_NAME: props.config.environment,
      GOVERNANCE: props.capabilities.governance ? 'on' : 'off',
      POWERTOOLS_LOG_LEVEL: logLevel,
    } as const;
    const listParts = new StageFunction(this, 'ListParts', {
      handler: 'list-parts',
      description: 'Lists the parts of a part-file dataset (folder with _SUCCESS, or _manifest.json) for parallel validation',
      environmentSchema: listPartsEnvSchema,
      environment: { DATA_BUCKET: props.dataBucket.bucketName, ARTIFACT_BUCKET: props.artifactBucket.bucketName, POWERTOOLS_SERVICE_NAME: 'list-parts', POWERTOOLS_LOG_LEVEL: logLevel },
      memorySize: Size.mebibytes(512),
      timeout: Duration.minutes(2),
      ...common,
    });
    listParts.grantReadObjects(props.dataBucket, DATA_PREFIX.incoming);
    listParts.grantReadObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);
    listParts.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);

    const validatePart = new StageFunction(this, 'ValidatePart', {
      handler: 'validate-part',
      description: 'Validates one part of a part-file dataset (one Distributed Map item); writes its mergeable state',
      environmentSchema: validateEnvSchema,
      environment: { ...validateEnvironment, POWERTOOLS_SERVICE_NAME: 'validate-part' },
      memorySize: VALIDATE_MEMORY,
      timeout: VALIDATE_TIMEOUT,
      ...common,
    });
    validatePart.grantReadObjects(props.dataBucket, DATA_PREFIX.incoming);
    validatePart.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);

    const mergeValidation = new StageFunction(this, 'MergeValidation', {
      handler: 'merge-validation',
      description: 'Merges the parts validations into one report and profile; copies every part to validated/ or quarantine/',
      environmentSchema: validateEnvSchema,
      environment: { ...validateEnvironment, POWERTOOLS_SERVICE_NAME: 'merge-validation' },
      memorySize: VALIDATE_MEMORY,
      timeout: VALIDATE_TIMEOUT,
      ...common,
    });
    mergeValidation.grantReadObjects(props.dataBucket, DATA_PREFIX.incoming);
    mergeValidation.grantWriteObjects(props.dataBucket, DATA_PREFIX.quarantine);
    mergeValidation.grantWriteObjects(props.dataBucket, DATA_PREFIX.validated);
    mergeValidation.grantReadObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);
    if (props.capabilities.governance) mergeValidation.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.audit);
    mergeValidation.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.runs);
    // Level 4: a retrain's assembled dataset (validated data plus labelled captures) is a part folder under retrain/.
    if (props.capabilities.autoRetrain) for (const fn of [listParts, validatePart, mergeValidation]) fn.grantReadObjects(props.dataBucket, DATA_PREFIX.retrain);
    return { listParts, validatePart, mergeValidation };
  }
}

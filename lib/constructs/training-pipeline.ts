/**
 * The training pipeline as a Step Functions standard workflow:
 * validate → features → train → evaluate → register.
 *
 * Every task passes the whole state to its Lambda and keeps the result under the stage's name
 * (`$.validate`, `$.features`, …). Transient Lambda errors are retried with exponential backoff and
 * jitter; any other error is caught, recorded in the run record by the record-outcome Lambda (stage,
 * error name, cause), and the run ends in a named Fail state. Bad data ends in `ValidationFailed`;
 * a gate rejection is a success path ending in `GateRejected`. What follows registration depends on the
 * deployment mode ({@link PipelineDeployment}): nothing (`Registered`; `mlops deploy` later), a wait for
 * approval then the deploy state machine (level 2), or the deploy state machine at once (level 3+).
 * Execution logging (all events) and X-Ray tracing are on.
 *
 * With the validation gate, a run whose input names a part-file dataset (`$.parts`) is validated by
 * ListParts → a Distributed Map of ValidatePart (one child execution per part) → MergeValidation, whose
 * result takes the single-file Validate task's place at `$.validate`.
 */
import { Duration, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct } from 'constructs';
import type { StageName } from '../../lambda/core/runs/run-record';
import { SAGEMAKER_RETRY, SageMakerTraining, TRANSIENT_SAGEMAKER_ERRORS } from './sagemaker-training';
import type { StageFunction } from './stage-function';

/** Lambda errors worth retrying: the service's own failures and throttling, not the handler's. */
export const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/** Retry policy for transient errors: 2 s, 4 s, 8 s (±jitter), then give up. */
export const TRANSIENT_RETRY = { interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 } as const;

/**
 * Part-file validations run at once by the Distributed Map when the props do not say: each is one
 * Lambda of up to `dataset.maxFileMb`; 50 keeps a large dataset from taking most of an account's default
 * 1,000 concurrent executions (the rest of the platform shares them) while still validating 50 parts at a time.
 */
export const DEFAULT_PARTS_CONCURRENCY = 50;

/** Names of the Fail states a crashed stage ends in. */
export const STAGE_FAIL_STATES: Readonly<Record<StageName, string>> = {
  validate: 'ValidationStageFailed',
  features: 'FeaturesFailed',
  train: 'TrainingFailed',
  evaluate: 'EvaluationFailed',
  register: 'RegistrationFailed',
};

/** Properties of a {@link TrainingPipeline}. */
export interface TrainingPipelineProps {
  /**
   * The validate stage; present when the `validationGate` capability is on.
   * @default - no validation gate: the features stage reads the upload directly
   */
  readonly validate?: StageFunction;
  /**
   * The validate stage for part-file datasets (runs whose input has `parts`): list the parts, validate
   * each in a Distributed Map, merge. Used only with {@link TrainingPipelineProps.validate}.
   * @default - no part-file path: every run goes to the single-file validate task
   */
  readonly parts?: PartsValidationProps;
  /** The features stage. */
  readonly features: StageFunction;
  /** The train stage: a Lambda (engine `lambda`), or SageMaker training and scoring (engine `sagemaker`). */
  readonly train: StageFunction | SageMakerTraining;
  /** The evaluate stage. */
  readonly evaluate: StageFunction;
  /** The register stage. */
  readonly register: StageFunction;
  /** Records failures, bad data and gate rejections in the run record. */
  readonly recordOutcome: StageFunction;
  /** Retention of the execution log group. */
  readonly logRetention: RetentionDays;
  /**
   * What happens to the execution log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Longest a run may take before Step Functions stops it, approval wait and deployment included.
   * @default Duration.hours(2), plus the approval timeout and an hour for the deployment when there are
   */
  readonly timeout?: Duration;
  /**
   * What happens after registration.
   * @default - nothing: the run ends `Registered`, a version is deployed by hand
   */
  readonly deployment?: PipelineDeployment;
}

/**
 * How a registered version is deployed by the pipeline: after an approval (the run waits on a task token
 * the approval Lambda files beside the version; `mlops models approve|reject` resumes it), or at once. Both
 * run the serving stack's deploy state machine as a nested execution and wait for it.
 */
export type PipelineDeployment =
  | { readonly mode: 'approval'; readonly approval: StageFunction; readonly approvalTimeout: Duration; readonly deployStateMachine: sfn.IStateMachine }
  | { readonly mode: 'auto'; readonly deployStateMachine: sfn.IStateMachine };

/** Names of the states that end a run after registration. */
export const DEPLOY_OUTCOME_STATES = {
  registered: 'Registered',
  deployed: 'Deployed',
  deployFailed: 'DeploymentFailed',
  approvalRejected: 'ApprovalRejected',
  approvalExpired: 'ApprovalExpired',
} as const;

/** The functions that validate a part-file dataset in parallel. */
export interface PartsValidationProps {
  /** Lists the parts (folder or manifest) and writes `runs/<runId>/validate/parts.json`. */
  readonly listParts: StageFunction;
  /** Validates one part (one Map item) and writes its mergeable state. */
  readonly validatePart: StageFunction;
  /** Merges the parts' states into the validate stage's result; quarantines every part when invalid. */
  readonly mergeValidation: StageFunction;
  /**
   * Parts validated at once.
   * @default DEFAULT_PARTS_CONCURRENCY
   */
  readonly maxConcurrency?: number;
}

/** A run's time limit: two hours of training, plus the approval wait and an hour of deployment when there are. */
function defaultTimeout(deployment: PipelineDeployment | undefined): Duration {
  if (!deployment) return Duration.hours(2);
  const approval = deployment.mode === 'approval' ? deployment.approvalTimeout.toMinutes() : 0;
  return Duration.minutes(180 + approval);
}

/** The training state machine and its execution log group. */
export class TrainingPipeline extends Construct {
  /** The state machine. */
  readonly stateMachine: sfn.StateMachine;
  /** Where executions log every event. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);

    // One recorded failure per stage, however many of its states can fail into it.
    const failures = new Map<StageName, sfn.IChainable>();
    const failureOf = (stage: StageName): sfn.IChainable => {
      let chain = failures.get(stage);
      if (!chain) {
        const fail = new sfn.Fail(this, STAGE_FAIL_STATES[stage], { error: `${stage}Failed`, causePath: '$.error.Cause' });
        const record = this.recordTask(`Record${STAGE_FAIL_STATES[stage]}`, props.recordOutcome, { outcome: 'stage-failed', stage });
        record.addCatch(fail, { resultPath: '$.recordError' });
        chain = record.next(fail);
        failures.set(stage, chain);
      }
      return chain;
    };
    const stageTask = (stage: StageName, fn: StageFunction, stateName: string, resultPath = `$.${stage}`): tasks.LambdaInvoke => {
      const task = new tasks.LambdaInvoke(this, stateName, {
        lambdaFunction: fn.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath,
        comment: `${stage} stage`,
      });
      task.addRetry({ errors: [...TRANSIENT_LAMBDA_ERRORS], ...TRANSIENT_RETRY, jitterStrategy: sfn.JitterType.FULL });
      task.addCatch(failureOf(stage), { resultPath: '$.error' });
      return task;
    };

    const features = stageTask('features', props.features, 'Features');
    const evaluate = stageTask('evaluate', props.evaluate, 'Evaluate');
    const register = stageTask('register', props.register, 'Register');

    const afterRegister = this.deploymentChain(props.deployment);
    const gateRejected = new sfn.Succeed(this, 'GateRejected', { comment: 'The candidate did not pass the evaluation gate' });
    const recordRejection = this.recordTask('RecordGateRejected', props.recordOutcome, { outcome: 'gate-rejected' });
    recordRejection.addCatch(gateRejected, { resultPath: '$.recordError' });
    const gate = new sfn.Choice(this, 'GateDecision')
      .when(sfn.Condition.stringEquals('$.evaluate.decision', 'reject'), recordRejection.next(gateRejected))
      .otherwise(register.next(afterRegister));
    evaluate.next(gate);
    let training: sfn.IChainable;
    if (props.train instanceof SageMakerTraining) {
      // Train → CreateScoringModel → ScoreHoldout (→ ScoreChampion when the champion is a SageMaker
      // model) → Evaluate. A failed job or call ends the run like a crashed train (or evaluate) Lambda.
      const sm = props.train;
      const guarded = <T extends sfn.TaskStateBase>(task: T, stage: StageName): T => {
        task.addRetry({ errors: [...TRANSIENT_SAGEMAKER_ERRORS], ...SAGEMAKER_RETRY, jitterStrategy: sfn.JitterType.FULL });
        task.addCatch(failureOf(stage), { resultPath: '$.error' });
        return task;
      };
      const scoreChampion = guarded(sm.scoringJob('ScoreChampion', 'champion'), 'evaluate');
      training = features
        .next(guarded(sm.trainingJob('Train'), 'train'))
        .next(guarded(sm.createModel('CreateScoringModel'), 'train'))
        .next(guarded(sm.scoringJob('ScoreHoldout', 'candidate'), 'train'))
        .next(
          new sfn.Choice(this, 'ChampionScoring', { comment: 'A champion trained by SageMaker scores the same holdout with its own model' })
            .when(sfn.Condition.isPresent('$.features.sagemaker.champion'), scoreChampion.next(evaluate))
            .otherwise(evaluate),
        );
    } else {
      training = features.next(stageTask('train', props.train, 'Train')).next(evaluate);
    }

    let definition: sfn.IChainable;
    if (props.validate) {
      const validate = stageTask('validate', props.validate, 'Validate');
      const validationFailed = new sfn.Fail(this, 'ValidationFailed', { error: 'ValidationFailed', cause: 'The data did not pass validation; see the report under runs/<runId>/validate/' });
      const recordInvalid = this.recordTask('RecordValidationFailed', props.recordOutcome, { outcome: 'validation-failed' });
      recordInvalid.addCatch(validationFailed, { resultPath: '$.recordError' });
      const verdict = new sfn.Choice(this, 'ValidationVerdict')
        .when(sfn.Condition.stringEquals('$.validate.verdict', 'invalid'), recordInvalid.next(validationFailed))
        .otherwise(training);
      if (props.parts) {
        const parts = this.partsValidation(props.parts, stageTask, failureOf('validate'));
        definition = new sfn.Choice(this, 'DatasetKind', { comment: 'A part-file dataset (input has parts) is validated part by part in parallel' })
          .when(sfn.Condition.isPresent('$.parts'), parts.next(verdict))
          .otherwise(validate.next(verdict));
      } else {
        definition = validate.next(verdict);
      }
    } else {
      definition = training;
    }

    this.logGroup = new LogGroup(this, 'ExecutionLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: props.timeout ?? defaultTimeout(props.deployment),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: 'mlops-platform training pipeline: validate → features → train → evaluate → register',
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Step Functions log delivery (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray tracing (xray:Put*, GetSampling*) accept no resource narrower than *',
    });
    // CDK grants invoke on each function and on `<arn>:*` (its versions and aliases). cdk-nag names each
    // finding after the function's logical id, which is final only at synthesis: acknowledge them then.
    const functions = [
      props.validate,
      ...(props.validate && props.parts ? [props.parts.listParts, props.parts.validatePart, props.parts.mergeValidation] : []),
      props.features,
      props.train instanceof SageMakerTraining ? undefined : props.train,
      props.evaluate,
      props.register,
      props.recordOutcome,
      props.deployment?.mode === 'approval' ? props.deployment.approval : undefined,
    ].filter((f): f is StageFunction => f !== undefined);
    const mapPolicy = this.stateMachine.node.tryFindChild('DistributedMapPolicy');
    this.node.addValidation({
      validate: () => {
        const stack = Stack.of(this);
        for (const fn of functions) {
          const logicalId = stack.resolve(stack.getLogicalId(fn.function.node.defaultChild as CfnResource)) as string;
          Validations.of(this.stateMachine.role).acknowledge({
            id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
            reason: `lambda:InvokeFunction on ${fn.node.id}'s ARN with ':*' lets Step Functions call that stage's versions and aliases; it names one function of this pipeline`,
          });
        }
        const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
        const statements = policy ? (stack.resolve(policy.document.toJSON()) as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement : [];
        if (props.deployment) {
          // The nested deploy execution: CDK grants DescribeExecution/StopExecution on `execution:<deploy machine name>*`.
          for (const statement of statements) {
            for (const resource of ([] as unknown[]).concat(statement.Resource)) {
              const flat = flattenCfnReference(resource);
              if (!flat.includes(':execution:')) continue;
              Validations.of(this.stateMachine.role).acknowledge({
                id: `AwsSolutions-IAM5[Resource::${flat}]`,
                reason: `${([] as string[]).concat(statement.Action).join(', ')} on executions of the deploy state machine only: the pipeline runs one per registered version and follows it (.sync), and execution names are made at run time`,
              });
            }
          }
        }
        if (props.train instanceof SageMakerTraining) {
          // CDK scopes the SageMaker task grants to `training-job/*`, `model/*` and `transform-job/*` when
          // the names come from the state (here: per run, from the features stage). The ids are taken from
          // the role's policy as it renders (concrete or pseudo account and region).
          for (const statement of statements) {
            for (const resource of ([] as unknown[]).concat(statement.Resource)) {
              const flat = flattenCfnReference(resource);
              if (!/:sagemaker:.*:(training-job|model|transform-job)\/\*$/.test(flat)) continue;
              Validations.of(this.stateMachine.role).acknowledge({
                id: `AwsSolutions-IAM5[Resource::${flat}]`,
                reason: `${([] as string[]).concat(statement.Action).join(', ')}: SageMaker job and model names are made per run by the features stage (unique forever), so no narrower ARN is known at deploy time`,
              });
            }
          }
        }
        if (mapPolicy instanceof iam.Policy) {
          // The Distributed Map's child executions are executions of this state machine: CDK grants
          // Describe/Stop on `execution:<name>:*` and Redrive on `execution:<name>/<label>:*`. The ids
          // are taken from the policy as it renders (concrete or pseudo account and region).
          const document = stack.resolve(mapPolicy.document.toJSON()) as { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
          for (const statement of document.Statement) {
            const actions = ([] as string[]).concat(statement.Action);
            for (const resource of ([] as unknown[]).concat(statement.Resource)) {
              const flat = flattenCfnReference(resource);
              if (!flat.includes(':execution:')) continue;
              Validations.of(mapPolicy).acknowledge({
                id: `AwsSolutions-IAM5[Resource::${flat}]`,
                reason: `${actions.join(', ')} on child executions of this one state machine only: the ValidateParts Distributed Map starts one per part, with names generated at run time`,
              });
            }
          }
        }
        return [];
      },
    });
  }

  /** The states after Register: see {@link PipelineDeployment}. */
  private deploymentChain(deployment: PipelineDeployment | undefined): sfn.IChainable {
    if (!deployment) return new sfn.Succeed(this, DEPLOY_OUTCOME_STATES.registered, { comment: 'A new model version is in the registry; mlops deploy serves it' });
    const deployed = new sfn.Succeed(this, DEPLOY_OUTCOME_STATES.deployed, { comment: 'The new version serves' });
    const deployFailed = new sfn.Fail(this, DEPLOY_OUTCOME_STATES.deployFailed, { error: 'DeploymentFailed', causePath: '$.error.Cause' });
    const deploy = (requestedBy: string): tasks.StepFunctionsStartExecution => {
      const task = new tasks.StepFunctionsStartExecution(this, 'Deploy', {
        comment: 'run the deploy state machine for the registered version and wait for it',
        stateMachine: deployment.deployStateMachine,
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        associateWithParent: true,
        input: sfn.TaskInput.fromObject({
          version: sfn.JsonPath.numberAt('$.register.version'),
          requestedBy: sfn.JsonPath.stringAt(requestedBy),
          reason: sfn.JsonPath.format('registered by run {}', sfn.JsonPath.stringAt('$.runId')),
          runId: sfn.JsonPath.stringAt('$.runId'),
        }),
        resultSelector: { 'executionArn.$': '$.ExecutionArn', 'status.$': '$.Status' },
        resultPath: '$.deploy',
      });
      task.addCatch(deployFailed, { resultPath: '$.error' });
      return task;
    };
    if (deployment.mode === 'auto') {
      // Who asked: the run itself.
      return new sfn.Pass(this, 'DeployRequester', { parameters: { 'by.$': "States.Format('run {}', $.runId)" }, resultPath: '$.requester' }).next(deploy('$.requester.by')).next(deployed);
    }
    const request = new tasks.LambdaInvoke(this, 'WaitForApproval', {
      comment: 'file the approval request (task token) beside the version; mlops models approve|reject resumes the run',
      lambdaFunction: deployment.approval.function,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        action: 'request',
        taskToken: sfn.JsonPath.taskToken,
        runId: sfn.JsonPath.stringAt('$.runId'),
        version: sfn.JsonPath.numberAt('$.register.version'),
        timeoutHours: deployment.approvalTimeout.toHours({ integral: false }),
      }),
      taskTimeout: sfn.Timeout.duration(deployment.approvalTimeout),
      resultPath: '$.approval',
    });
    request.addRetry({ errors: [...TRANSIENT_LAMBDA_ERRORS], ...TRANSIENT_RETRY, jitterStrategy: sfn.JitterType.FULL });
    const expired = new sfn.Succeed(this, DEPLOY_OUTCOME_STATES.approvalExpired, { comment: 'Nobody decided in time; the version stays a candidate (mlops deploy can still serve it)' });
    const recordExpiry = new tasks.LambdaInvoke(this, 'RecordApprovalExpired', {
      lambdaFunction: deployment.approval.function,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      payload: sfn.TaskInput.fromObject({ action: 'expire', runId: sfn.JsonPath.stringAt('$.runId'), version: sfn.JsonPath.numberAt('$.register.version') }),
      resultPath: '$.recorded',
    });
    recordExpiry.addRetry({ errors: [...TRANSIENT_LAMBDA_ERRORS], ...TRANSIENT_RETRY, jitterStrategy: sfn.JitterType.FULL });
    recordExpiry.addCatch(expired, { resultPath: '$.recordError' });
    request.addCatch(recordExpiry.next(expired), { errors: [sfn.Errors.TIMEOUT], resultPath: '$.error' });
    request.addCatch(deployFailed, { resultPath: '$.error' });
    const rejected = new sfn.Succeed(this, DEPLOY_OUTCOME_STATES.approvalRejected, { comment: 'The approver rejected the version; it is archived' });
    return request.next(
      new sfn.Choice(this, 'ApprovalDecision')
        .when(sfn.Condition.stringEquals('$.approval.decision', 'approved'), deploy('$.approval.by').next(deployed))
        .otherwise(rejected),
    );
  }

  /**
   * ListParts → ValidateParts (a Distributed Map over the listed parts, one ValidatePart Lambda per part)
   * → MergeValidation, whose result lands at `$.validate` exactly as the single-file Validate task's.
   * The Map iterates over the list ListParts returns (`ItemsPath`), not over an S3 `ItemReader`: the
   * list is capped (MAX_PARTS) to fit the state's payload limit, and the local interpreter runs it.
   */
  private partsValidation(
    parts: PartsValidationProps,
    stageTask: (stage: StageName, fn: StageFunction, stateName: string, resultPath?: string) => tasks.LambdaInvoke,
    failed: sfn.IChainable,
  ): sfn.Chain {
    const list = stageTask('validate', parts.listParts, 'ListParts', '$.partList');
    const validatePart = new tasks.LambdaInvoke(this, 'ValidatePart', {
      lambdaFunction: parts.validatePart.function,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      comment: 'validate one part; its state goes to runs/<runId>/validate/parts/<index>.json',
    });
    validatePart.addRetry({ errors: [...TRANSIENT_LAMBDA_ERRORS], ...TRANSIENT_RETRY, jitterStrategy: sfn.JitterType.FULL });
    const map = new sfn.DistributedMap(this, 'ValidateParts', {
      comment: 'validate every part in parallel (one child execution per part)',
      itemsPath: sfn.JsonPath.stringAt('$.partList.parts'),
      itemSelector: { runId: sfn.JsonPath.stringAt('$.runId'), part: sfn.JsonPath.objectAt('$$.Map.Item.Value') },
      maxConcurrency: parts.maxConcurrency ?? DEFAULT_PARTS_CONCURRENCY,
      // Child executions run a part for up to 15 minutes: longer than an Express workflow may run.
      mapExecutionType: sfn.StateMachineType.STANDARD,
      // The merge reads the parts' states from S3; the summaries would only grow the state.
      resultPath: sfn.JsonPath.DISCARD,
      label: 'ValidateParts',
    });
    // Transient Lambda errors are retried inside each child (ValidatePart); a child that still fails
    // fails the Map (States.ExceedToleratedFailureThreshold), which is caught and recorded like a stage.
    map.itemProcessor(validatePart);
    map.addCatch(failed, { resultPath: '$.error' });
    const merge = stageTask('validate', parts.mergeValidation, 'MergeValidation');
    return list.next(map).next(merge);
  }

  /** A task that sends the whole state plus outcome fields to the record-outcome Lambda. */
  private recordTask(id: string, fn: StageFunction, fields: Record<string, string>): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this, id, {
      lambdaFunction: fn.function,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      payload: sfn.TaskInput.fromObject({ ...fields, state: sfn.JsonPath.entirePayload }),
      resultPath: '$.recorded',
    });
    task.addRetry({ errors: [...TRANSIENT_LAMBDA_ERRORS], ...TRANSIENT_RETRY, jitterStrategy: sfn.JitterType.FULL });
    return task;
  }
}

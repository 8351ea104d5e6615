/**
 * The training pipeline as a Step Functions standard workflow:
 * validate → features → train → evaluate → register.
 *
 * Every task passes the whole state to its Lambda and keeps the result under the stage's name
 * (`$.validate`, `$.features`, …). Transient Lambda errors are retried with exponential backoff and
 * jitter; any other error is caught, recorded in the run record by the record-outcome Lambda (stage,
 * error name, cause), and the run ends in a named Fail state. Bad data ends in `ValidationFailed`;
 * a gate rejection is a success path ending in `GateRejected`; a registered model ends in `Registered`
 * (the deploy issue continues from there). Execution logging (all events) and X-Ray tracing are on.
 */
import { Duration, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { StageName } from '../../lambda/core/runs/run-record';
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
  /** The features stage. */
  readonly features: StageFunction;
  /** The train stage (engine `lambda`). */
  readonly train: StageFunction;
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
   * Longest a run may take before Step Functions stops it.
   * @default Duration.hours(2)
   */
  readonly timeout?: Duration;
}

/** The training state machine and its execution log group. */
export class TrainingPipeline extends Construct {
  /** The state machine. */
  readonly stateMachine: sfn.StateMachine;
  /** Where executions log every event. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);

    const stageTask = (stage: StageName, fn: StageFunction, stateName: string): tasks.LambdaInvoke => {
      const task = new tasks.LambdaInvoke(this, stateName, {
        lambdaFunction: fn.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath: `$.${stage}`,
        comment: `${stage} stage`,
      });
      task.addRetry({ errors: [...TRANSIENT_LAMBDA_ERRORS], ...TRANSIENT_RETRY, jitterStrategy: sfn.JitterType.FULL });
      const fail = new sfn.Fail(this, STAGE_FAIL_STATES[stage], { error: `${stage}Failed`, causePath: '$.error.Cause' });
      const record = this.recordTask(`Record${STAGE_FAIL_STATES[stage]}`, props.recordOutcome, { outcome: 'stage-failed', stage });
      record.addCatch(fail, { resultPath: '$.recordError' });
      task.addCatch(record.next(fail), { resultPath: '$.error' });
      return task;
    };

    const features = stageTask('features', props.features, 'Features');
    const train = stageTask('train', props.train, 'Train');
    const evaluate = stageTask('evaluate', props.evaluate, 'Evaluate');
    const register = stageTask('register', props.register, 'Register');

    const registered = new sfn.Succeed(this, 'Registered', { comment: 'A new model version is in the registry' });
    const gateRejected = new sfn.Succeed(this, 'GateRejected', { comment: 'The candidate did not pass the evaluation gate' });
    const recordRejection = this.recordTask('RecordGateRejected', props.recordOutcome, { outcome: 'gate-rejected' });
    recordRejection.addCatch(gateRejected, { resultPath: '$.recordError' });
    const gate = new sfn.Choice(this, 'GateDecision')
      .when(sfn.Condition.stringEquals('$.evaluate.decision', 'reject'), recordRejection.next(gateRejected))
      .otherwise(register.next(registered));
    const training = features.next(train).next(evaluate).next(gate);

    let definition: sfn.IChainable;
    if (props.validate) {
      const validate = stageTask('validate', props.validate, 'Validate');
      const validationFailed = new sfn.Fail(this, 'ValidationFailed', { error: 'ValidationFailed', cause: 'The data did not pass validation; see the report under runs/<runId>/validate/' });
      const recordInvalid = this.recordTask('RecordValidationFailed', props.recordOutcome, { outcome: 'validation-failed' });
      recordInvalid.addCatch(validationFailed, { resultPath: '$.recordError' });
      definition = validate.next(
        new sfn.Choice(this, 'ValidationVerdict')
          .when(sfn.Condition.stringEquals('$.validate.verdict', 'invalid'), recordInvalid.next(validationFailed))
          .otherwise(training),
      );
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
      timeout: props.timeout ?? Duration.hours(2),
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
    const functions = [props.validate, props.features, props.train, props.evaluate, props.register, props.recordOutcome].filter((f): f is StageFunction => f !== undefined);
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
        return [];
      },
    });
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

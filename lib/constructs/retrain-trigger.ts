/**
 * Continuous training (capability `retraining`, level 4): an EventBridge rule on "CloudWatch Alarm State
 * Change" events of the given alarms (drift per column, dataset drift, live quality) invokes the retrain
 * trigger (`lambda/handlers/retrain.ts`), which applies the guardrails of `monitoring.retrain` and starts the
 * training pipeline with trigger `drift` on the newest validated data, plus (with `includeCapturedData`)
 * the captured requests labelled since, assembled under the data bucket's `retrain/` — or records why not.
 *
 * Least privilege: start and list executions of the one pipeline, read the data bucket's
 * `validated/`, write its `retrain/`, read the model's labelled captures, read and write the model's
 * `monitoring/<name>/retrain/` decisions.
 */
import { Duration, Size, type RemovalPolicy } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/schema';
import { ARTIFACT_PREFIX, DATA_PREFIX } from '../../lambda/core/layout';
import { labelledPrefix } from '../../lambda/core/monitoring/live-quality';
import { retrainPrefix } from '../../lambda/core/retrain/retrain-decision';
import { retrainEnvSchema } from '../../lambda/env/retrain-env';
import { StageFunction } from './stage-function';

/** Properties of a {@link RetrainTrigger}. */
export interface RetrainTriggerProps {
  readonly config: Pick<PlatformConfig, 'name' | 'environment' | 'monitoring' | 'dataset'>;
  /** The alarms whose change to ALARM may start a retrain. */
  readonly alarms: readonly IAlarm[];
  /** The training pipeline. */
  readonly pipeline: IStateMachine;
  readonly dataBucket: IBucket;
  readonly artifactBucket: IBucket;
  readonly logRetention: RetentionDays;
  /**
   * Governance: record each decision in the audit trail (`audit/`).
   * @default false
   */
  readonly audit?: boolean;
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The alarm rule and the retrain trigger Lambda. */
export class RetrainTrigger extends Construct {
  readonly trigger: StageFunction<typeof retrainEnvSchema>;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: RetrainTriggerProps) {
    super(scope, id);
    const { config } = props;
    const { retrain } = config.monitoring;
    this.trigger = new StageFunction(this, 'Function', {
      handler: 'retrain',
      description: `Retrain trigger: a drift or quality alarm starts the training pipeline (cooldown ${retrain.cooldownHours} h, at most ${retrain.maxPerWeek} a week)`,
      environmentSchema: retrainEnvSchema,
      environment: {
        STATE_MACHINE_ARN: props.pipeline.stateMachineArn,
        DATA_BUCKET: props.dataBucket.bucketName,
        INCLUDE_CAPTURED_DATA: retrain.includeCapturedData ? 'true' : 'false',
        DATASET_SCHEMA: JSON.stringify(config.dataset),
        ARTIFACT_BUCKET: props.artifactBucket.bucketName,
        PLATFORM_NAME: config.name,
        ENVIRONMENT_NAME: config.environment,
        COOLDOWN_HOURS: retrain.cooldownHours,
        MAX_PER_WEEK: retrain.maxPerWeek,
        GOVERNANCE: props.audit ? 'on' : 'off',
        POWERTOOLS_SERVICE_NAME: 'retrain',
      },
      // Assembling a dataset copies the validated files (server-side) and writes the labelled captures.
      memorySize: Size.mebibytes(512),
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
    });
    props.pipeline.grantStartExecution(this.trigger.function);
    this.trigger.function.addToRolePolicy(new iam.PolicyStatement({ sid: 'SeeRunningRuns', actions: ['states:ListExecutions'], resources: [props.pipeline.stateMachineArn] }));
    this.trigger.grantReadObjects(props.dataBucket, DATA_PREFIX.validated);
    this.trigger.grantReadObjects(props.dataBucket, DATA_PREFIX.retrain);
    this.trigger.grantWriteObjects(props.dataBucket, DATA_PREFIX.retrain);
    if (retrain.includeCapturedData) this.trigger.grantReadObjects(props.artifactBucket, labelledPrefix(config.name));
    const decisions = retrainPrefix(config.name);
    this.trigger.grantReadObjects(props.artifactBucket, decisions);
    this.trigger.grantWriteObjects(props.artifactBucket, decisions);
    if (props.audit) this.trigger.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.audit);
    this.rule = new Rule(this, 'AlarmRule', {
      description: `Drift and quality alarms of ${config.name} (${config.environment}) going to ALARM start a retrain`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: props.alarms.map((a) => a.alarmArn),
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [new LambdaFunction(this.trigger.function, { retryAttempts: 2 })],
    });
  }
}

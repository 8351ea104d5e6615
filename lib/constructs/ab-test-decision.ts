/**
 * The A/B test's decision (strategy `abTest`): the `ab-decision` Lambda on an EventBridge schedule
 * (every 15 minutes by default). Each look reads the running test from the registry, gathers both
 * versions' live metrics from CloudWatch, and promotes the challenger, rolls it back, or waits
 * (`lambda/core/deploy/ab-test.ts` holds the rule).
 *
 * Its role: `cloudwatch:GetMetricData` (resource `*`: the action supports no resource-level permission),
 * `lambda:GetAlias` / `lambda:UpdateAlias` on the serving alias only, and its model's registry folder
 * (read and write), nothing else.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Alias } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARTIFACT_PREFIX } from '../../lambda/core/layout';
import { abDecisionEnvSchema, type AbDecisionEnv } from '../../lambda/env/ab-decision-env';
import { StageFunction } from './stage-function';

/** How often the decision looks, unless told otherwise. */
export const AB_DECISION_SCHEDULE = 'rate(15 minutes)';

/** Properties of an {@link AbTestDecision}. */
export interface AbTestDecisionProps {
  /** The artifact bucket holding the registry. */
  readonly artifactBucket: IBucket;
  /** The config's `name` (registry model name, metric namespace `MLOps/<name>`). */
  readonly name: string;
  /** The config's `environment` (the metrics' `environment` dimension). */
  readonly environment: string;
  /** The serving alias the decision moves (with its function). */
  readonly alias: Alias;
  /**
   * The predict handler's Powertools service name (the `service` dimension of its metrics).
   * @default 'predict'
   */
  readonly predictServiceName?: string;
  /**
   * How often the decision looks at a running test.
   * @default Schedule.expression('rate(15 minutes)')
   */
  readonly schedule?: Schedule;
  readonly logRetention: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default 'INFO' */
  readonly logLevel?: AbDecisionEnv['POWERTOOLS_LOG_LEVEL'];
  /**
   * Governance: record each decision in the audit trail (`audit/`).
   * @default false
   */
  readonly audit?: boolean;
}

/** The scheduled A/B decision Lambda and its rule. */
export class AbTestDecision extends Construct {
  /** The decision Lambda. */
  readonly decision: StageFunction<typeof abDecisionEnvSchema>;
  /** The EventBridge schedule that runs it. */
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: AbTestDecisionProps) {
    super(scope, id);
    this.decision = new StageFunction(this, 'Function', {
      handler: 'ab-decision',
      description: 'A/B test decision: champion vs challenger on live per-version metrics; promotes, rolls back or waits',
      environmentSchema: abDecisionEnvSchema,
      environment: {
        ARTIFACT_BUCKET: props.artifactBucket.bucketName,
        PLATFORM_NAME: props.name,
        ENVIRONMENT_NAME: props.environment,
        PREDICT_FUNCTION_NAME: props.alias.version.lambda.functionName,
        PREDICT_ALIAS: props.alias.aliasName,
        PREDICT_SERVICE_NAME: props.predictServiceName ?? 'predict',
        GOVERNANCE: props.audit ? 'on' : 'off',
        POWERTOOLS_SERVICE_NAME: 'ab-decision',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
    });
    const registryFolder = `${ARTIFACT_PREFIX.registry}${props.name}/`;
    this.decision.grantReadObjects(props.artifactBucket, registryFolder);
    this.decision.grantWriteObjects(props.artifactBucket, registryFolder);
    if (props.audit) this.decision.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.audit);
    this.decision.function.addToRolePolicy(new iam.PolicyStatement({ sid: 'RouteServingAlias', actions: ['lambda:GetAlias', 'lambda:UpdateAlias'], resources: [props.alias.functionArn] }));
    // GetMetricData has no resource-level permissions: '*' is the only resource IAM accepts for it.
    this.decision.function.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadLiveMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    Validations.of(this.decision.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" only for cloudwatch:GetMetricData, which supports no resource-level permissions (the queries name their namespace and dimensions), ' +
        'and for the X-Ray actions of active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords), which support none either.',
    });
    this.rule = new Rule(this, 'Schedule', {
      description: `Looks at the running A/B test of ${props.name} (${props.environment}) and decides it when its evidence allows`,
      schedule: props.schedule ?? Schedule.expression(AB_DECISION_SCHEDULE),
      targets: [new LambdaFunction(this.decision.function, { retryAttempts: 0 })],
    });
  }
}

/**
 * Safe releases of the predict Lambda (engine `lambda`, capability `autoDeploy`): a CodeDeploy deployment
 * group on the serving alias that shifts traffic as a canary (config `serving.deployment.canaryPercent`
 * for `canaryMinutes`, then the rest) and rolls back on its alarms:
 *
 * - error rate: the share of requests the endpoint answered with a 5xx (the predict handler's EMF metric
 *   `ServerErrors`, 0 or 1 per request, averaged per minute), above `rollbackAlarms.errorRatePercent`;
 * - p99 latency: the predict handler's EMF `Latency`, above `rollbackAlarms.p99LatencyMs` in a minute;
 * - function errors: any invocation of the alias that crashed or timed out (Lambda's own `Errors`).
 *
 * The same group also guards `cdk deploy`s that change the function: CloudFormation moves the alias
 * through CodeDeploy (the alias gets CodeDeploy's update policy).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaDeploymentConfig, LambdaDeploymentGroup, TrafficRouting } from 'aws-cdk-lib/aws-codedeploy';
import type { Alias } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/schema';

/** Properties of a {@link PredictRelease}. */
export interface PredictReleaseProps {
  /** The alias the Function URL serves. */
  readonly alias: Alias;
  /** The config's `name` (metric namespace `MLOps/<name>`) and `environment`. */
  readonly name: string;
  readonly environment: string;
  /** `serving.deployment`. */
  readonly deployment: PlatformConfig['serving']['deployment'];
  /** The predict handler's Powertools service name (a dimension of its metrics). @default 'predict' */
  readonly serviceName?: string;
}

/** The deployment group, its canary config and its rollback alarms. */
export class PredictRelease extends Construct {
  readonly deploymentGroup: LambdaDeploymentGroup;
  readonly deploymentConfig: LambdaDeploymentConfig;
  /** The alarms that stop a canary and roll it back. */
  readonly alarms: readonly IAlarm[];

  constructor(scope: Construct, id: string, props: PredictReleaseProps) {
    super(scope, id);
    const { deployment } = props;
    const dimensionsMap = { service: props.serviceName ?? 'predict', environment: props.environment };
    const namespace = `MLOps/${props.name}`;
    const minute = Duration.minutes(1);
    const errorRate = new Alarm(this, 'ErrorRateAlarm', {
      alarmDescription: `More than ${deployment.rollbackAlarms.errorRatePercent}% of predict requests answered 5xx in a minute: a canary rolls back`,
      metric: new Metric({ namespace, metricName: 'ServerErrors', dimensionsMap, statistic: 'Average', period: minute }),
      threshold: deployment.rollbackAlarms.errorRatePercent / 100,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const latency = new Alarm(this, 'LatencyAlarm', {
      alarmDescription: `Predict p99 latency above ${deployment.rollbackAlarms.p99LatencyMs} ms in a minute: a canary rolls back`,
      metric: new Metric({ namespace, metricName: 'Latency', dimensionsMap, statistic: 'p99', period: minute }),
      threshold: deployment.rollbackAlarms.p99LatencyMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const crashes = new Alarm(this, 'FunctionErrorsAlarm', {
      alarmDescription: 'An invocation of the predict alias crashed or timed out: a canary rolls back',
      metric: props.alias.metricErrors({ statistic: 'Sum', period: minute }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [errorRate, latency, crashes];

    this.deploymentConfig = new LambdaDeploymentConfig(this, 'Canary', {
      trafficRouting: TrafficRouting.timeBasedCanary({ interval: Duration.minutes(deployment.canaryMinutes), percentage: deployment.canaryPercent }),
    });
    this.deploymentGroup = new LambdaDeploymentGroup(this, 'DeploymentGroup', {
      alias: props.alias,
      deploymentConfig: this.deploymentConfig,
      alarms: [...this.alarms],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    Validations.of(this.deploymentGroup.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason: "CodeDeploy's own service role for Lambda deployments: the AWS-managed 'Limited' policy lets it read and shift aliases, invoke hooks named CodeDeployHook_* and publish to SNS topics named CodeDeployTopic_*; it is what AWS documents for this role",
    });
  }
}

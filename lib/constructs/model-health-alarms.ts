/**
 * The alarms that say a deployed model is unhealthy; all but the per-column ones notify the alert topic (on
 * ALARM and OK) — a column's drift reaches people through the composite, so a drifting dataset sends one
 * message rather than one per column:
 *
 * - one per feature column on `ColumnDrifted` (the drift Lambda's verdict under the column's method and
 *   `monitoring.columnDriftThreshold`), named `<name>-<env>-drift-<column>`;
 * - dataset drift: `DatasetDriftShare` ≥ `monitoring.datasetDriftShare`, named `<name>-<env>-dataset-drift`;
 * - live quality (with `monitoring.qualityThreshold`): the gate metric on labelled captures worse than the
 *   threshold, named `<name>-<env>-live-quality`;
 * - the endpoint: 5xx share above `serving.deployment.rollbackAlarms.errorRatePercent` and p99 latency above
 *   `p99LatencyMs`, over 5 minutes (the canary's own alarms watch single minutes for rollbacks);
 * - a composite `<name>-<env>-model-unhealthy`: any of them.
 *
 * The drift alarms' period is the drift schedule's interval: one verdict per period; no verdict (no traffic,
 * no check yet) is not a breach. Fixed names let level 4's retrain rule match the drift and quality alarms.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, AlarmRule, AlarmState, ComparisonOperator, CompositeAlarm, Metric, TreatMissingData, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/schema';
import { configDriftColumns } from '../../lambda/core/monitoring/drift-reference';
import { DRIFT_SERVICE, MONITORING_METRICS, PREDICT_METRICS } from '../../lambda/core/monitoring/monitoring-metrics';

/** Gate metrics where a larger value is worse. */
const ERROR_METRICS: ReadonlySet<string> = new Set(['rmse', 'mae', 'mape', 'logloss']);

/** Properties of {@link ModelHealthAlarms}. */
export interface ModelHealthAlarmsProps {
  readonly config: Pick<PlatformConfig, 'name' | 'environment' | 'features' | 'monitoring' | 'gate' | 'serving' | 'dataset'>;
  /** Where alarms notify. */
  readonly topic: ITopic;
}

/** The interval of an EventBridge schedule expression, for alarm periods: rate(n unit) as given, cron one hour. */
export function scheduleInterval(expression: string): Duration {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!rate) return Duration.hours(1);
  const n = Number(rate[1]);
  const unit = rate[2]!;
  const interval = unit.startsWith('minute') ? Duration.minutes(n) : unit.startsWith('hour') ? Duration.hours(n) : Duration.days(n);
  // CloudWatch alarm periods: a multiple of 60 s, at most a day.
  return Duration.seconds(Math.min(86_400, Math.max(60, Math.round(interval.toSeconds() / 60) * 60)));
}

/** The per-column, dataset, quality and endpoint alarms and their composite. */
export class ModelHealthAlarms extends Construct {
  /** Per feature column, by column name. */
  readonly columnAlarms: ReadonlyMap<string, Alarm>;
  readonly datasetDrift: Alarm;
  readonly liveQuality?: Alarm;
  readonly endpointErrors: Alarm;
  readonly endpointLatency: Alarm;
  readonly unhealthy: CompositeAlarm;
  /** The alarms that start retraining at level 4: dataset drift, each column, live quality. */
  readonly retrainAlarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ModelHealthAlarmsProps) {
    super(scope, id);
    const { config } = props;
    const prefix = `${config.name}-${config.environment}`;
    const namespace = `MLOps/${config.name}`;
    const period = scheduleInterval(config.monitoring.schedule);
    const drift = { service: DRIFT_SERVICE, environment: config.environment };
    const notify = new SnsAction(props.topic);
    const watch = (alarm: Alarm): Alarm => {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      return alarm;
    };

    const columns = new Map<string, Alarm>();
    for (const column of configDriftColumns(config)) {
      const alarm = new Alarm(this, `Drift${column.replace(/[^A-Za-z0-9]/g, '')}${columns.size}`, {
        alarmName: `${prefix}-drift-${column.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
        alarmDescription: `Live inputs of column '${column}' drifted from the champion's training data (its drift test, threshold ${config.monitoring.columnDriftThreshold})`,
        metric: new Metric({ namespace, metricName: MONITORING_METRICS.columnDrifted, dimensionsMap: { ...drift, column }, statistic: 'Maximum', period }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      columns.set(column, alarm);
    }
    this.columnAlarms = columns;
    this.datasetDrift = watch(
      new Alarm(this, 'DatasetDrift', {
        alarmName: `${prefix}-dataset-drift`,
        alarmDescription: `At least ${config.monitoring.datasetDriftShare * 100}% of the feature columns drifted (monitoring.datasetDriftShare)`,
        metric: new Metric({ namespace, metricName: MONITORING_METRICS.datasetDriftShare, dimensionsMap: drift, statistic: 'Maximum', period }),
        threshold: config.monitoring.datasetDriftShare,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    const quality = config.monitoring.qualityThreshold;
    if (quality !== undefined) {
      const worseIsHigher = ERROR_METRICS.has(config.gate.metric);
      this.liveQuality = watch(
        new Alarm(this, 'LiveQuality', {
          alarmName: `${prefix}-live-quality`,
          alarmDescription: `Live ${config.gate.metric} on labelled requests is ${worseIsHigher ? 'above' : 'below'} ${quality} (monitoring.qualityThreshold)`,
          metric: new Metric({ namespace, metricName: MONITORING_METRICS.liveQuality, dimensionsMap: drift, statistic: 'Average', period }),
          threshold: quality,
          comparisonOperator: worseIsHigher ? ComparisonOperator.GREATER_THAN_THRESHOLD : ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const endpoint = { service: 'predict', environment: config.environment };
    const { rollbackAlarms } = config.serving.deployment;
    const fiveMinutes = Duration.minutes(5);
    this.endpointErrors = watch(
      new Alarm(this, 'EndpointErrors', {
        alarmName: `${prefix}-endpoint-errors`,
        alarmDescription: `More than ${rollbackAlarms.errorRatePercent}% of predict requests answered 5xx over 5 minutes`,
        metric: new Metric({ namespace, metricName: PREDICT_METRICS.serverErrors, dimensionsMap: endpoint, statistic: 'Average', period: fiveMinutes }),
        threshold: rollbackAlarms.errorRatePercent / 100,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    this.endpointLatency = watch(
      new Alarm(this, 'EndpointLatency', {
        alarmName: `${prefix}-endpoint-latency`,
        alarmDescription: `Predict p99 latency above ${rollbackAlarms.p99LatencyMs} ms over 5 minutes`,
        metric: new Metric({ namespace, metricName: PREDICT_METRICS.latency, dimensionsMap: endpoint, statistic: 'p99', period: fiveMinutes }),
        threshold: rollbackAlarms.p99LatencyMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    this.retrainAlarms = [this.datasetDrift, ...columns.values(), ...(this.liveQuality ? [this.liveQuality] : [])];
    const all: IAlarm[] = [...this.retrainAlarms, this.endpointErrors, this.endpointLatency];
    this.unhealthy = new CompositeAlarm(this, 'ModelUnhealthy', {
      compositeAlarmName: `${prefix}-model-unhealthy`,
      alarmDescription: 'The model is unhealthy: its inputs drifted, its live quality fell, or the endpoint fails or is slow',
      alarmRule: AlarmRule.anyOf(...all.map((a) => AlarmRule.fromAlarm(a, AlarmState.ALARM))),
    });
    this.unhealthy.addAlarmAction(notify);
    this.unhealthy.addOkAction(notify);
  }
}

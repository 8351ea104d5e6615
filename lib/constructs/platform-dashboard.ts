/**
 * The environment's CloudWatch dashboard `<name>-<env>`: pipeline runs and failures, validation failures
 * and gate rejections, the holdout metric of each run, the endpoint's requests, errors and latency (p50 and
 * p99, and predictions per model version), drift per column over time with the dataset drift share against
 * its threshold, and the state of every model-health alarm.
 */
import { Duration } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, HorizontalAnnotation, MathExpression, Metric, TextWidget, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/schema';
import { configDriftColumns } from '../../lambda/core/monitoring/drift-reference';
import { DRIFT_SERVICE, MONITORING_METRICS, PIPELINE_METRICS, PREDICT_METRICS } from '../../lambda/core/monitoring/monitoring-metrics';

/** Properties of a {@link PlatformDashboard}. */
export interface PlatformDashboardProps {
  readonly config: Pick<PlatformConfig, 'name' | 'environment' | 'features' | 'monitoring' | 'gate' | 'dataset'>;
  /** The alarms whose state the dashboard shows. */
  readonly alarms: readonly IAlarm[];
  /** The drift alarms' period (the drift schedule's interval). */
  readonly driftPeriod: Duration;
}

/** The dashboard. */
export class PlatformDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PlatformDashboardProps) {
    super(scope, id);
    const { config } = props;
    const namespace = `MLOps/${config.name}`;
    const environment = config.environment;
    const day = Duration.days(1);
    const fiveMinutes = Duration.minutes(5);
    const stage = (name: string, stageName: string, statistic = 'Sum', period = day): Metric =>
      new Metric({ namespace, metricName: name, dimensionsMap: { service: stageName, environment, stage: stageName }, statistic, period });
    const predict = (name: string, statistic: string, label: string): Metric =>
      new Metric({ namespace, metricName: name, dimensionsMap: { service: 'predict', environment }, statistic, period: fiveMinutes, label });
    const drift = (name: string, column?: string): Metric =>
      new Metric({
        namespace,
        metricName: name,
        dimensionsMap: { service: DRIFT_SERVICE, environment, ...(column !== undefined ? { column } : {}) },
        statistic: 'Maximum',
        period: props.driftPeriod,
        ...(column !== undefined ? { label: column } : {}),
      });
    const columns = configDriftColumns(config);

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${config.name}-${environment}`, defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(new TextWidget({ markdown: `# ${config.name} · ${environment}\nPipeline runs, the endpoint and drift of live inputs (mlops-platform).`, width: 24, height: 2 }));
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Pipeline runs (per day)', left: [stage(PIPELINE_METRICS.runsSucceeded, 'pipeline'), stage(PIPELINE_METRICS.runsFailed, 'pipeline')], width: 8 }),
      new GraphWidget({ title: 'Validation failures and gate rejections (per day)', left: [stage(PIPELINE_METRICS.validationFailures, 'pipeline'), stage(PIPELINE_METRICS.gateRejections, 'pipeline')], width: 8 }),
      new GraphWidget({ title: `Holdout ${config.gate.metric} of each run`, left: [stage(`Holdout_${config.gate.metric}`, 'evaluate', 'Average')], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Endpoint: requests and 5xx share',
        left: [predict(PREDICT_METRICS.latency, 'SampleCount', 'requests')],
        right: [predict(PREDICT_METRICS.serverErrors, 'Average', '5xx share')],
        width: 8,
      }),
      new GraphWidget({ title: 'Endpoint latency (ms)', left: [predict(PREDICT_METRICS.latency, 'p50', 'p50'), predict(PREDICT_METRICS.latency, 'p99', 'p99')], width: 8 }),
      new GraphWidget({
        title: 'Predictions per model version',
        left: [
          new MathExpression({
            expression: `SEARCH('{${namespace},environment,modelVersion,service} MetricName="${PREDICT_METRICS.predictions}" environment="${environment}"', 'Sum', 300)`,
            usingMetrics: {},
            label: 'v',
            period: fiveMinutes,
          }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Drift score per column (the method’s statistic)', left: columns.map((c) => drift(MONITORING_METRICS.driftScore, c)), width: 8 }),
      new GraphWidget({
        title: 'PSI per column',
        left: columns.map((c) => drift(MONITORING_METRICS.psi, c)),
        leftAnnotations: [{ value: 0.1, label: 'moderate' }, { value: 0.25, label: 'significant' }] satisfies HorizontalAnnotation[],
        width: 8,
      }),
      new GraphWidget({
        title: 'Share of drifted columns',
        left: [drift(MONITORING_METRICS.datasetDriftShare)],
        leftAnnotations: [{ value: config.monitoring.datasetDriftShare, label: 'dataset drift' }],
        leftYAxis: { min: 0, max: 1 },
        width: 8,
      }),
    );
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Model health alarms', alarms: [...props.alarms], width: 24 }));
  }
}

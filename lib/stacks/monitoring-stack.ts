/**
 * Monitoring of one environment (capability `driftMonitoring`, level 3+): the scheduled drift check, the
 * KMS-encrypted alert topic with the configured email subscriptions, the model-health alarms (drift per column, dataset drift,
 * live quality, endpoint errors and latency, and their composite), the CloudWatch dashboard, and at level
 * 4 the retrain trigger those alarms start. Wiring
 * only: each part is a construct of its own.
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/schema';
import { AlertTopic } from '../constructs/alert-topic';
import { DriftMonitor } from '../constructs/drift-monitor';
import { ModelHealthAlarms, scheduleInterval } from '../constructs/model-health-alarms';
import { PlatformDashboard } from '../constructs/platform-dashboard';
import { RetrainTrigger } from '../constructs/retrain-trigger';
import type { Capabilities } from '../maturity';

/** Properties of a {@link MonitoringStack}. */
export interface MonitoringStackProps extends StackProps {
  readonly config: Pick<PlatformConfig, 'name' | 'environment' | 'dataset' | 'features' | 'monitoring' | 'gate' | 'serving' | 'alerts'>;
  /** The artifact bucket: the drift check reads the registry and captures there and writes `monitoring/`. */
  readonly artifactBucket: IBucket;
  /** The data bucket: the drift check reads labels (`labels/`); a retrain trains on its validated data. */
  readonly dataBucket: IBucket;
  /** Retention of the drift and retrain functions' log groups. */
  readonly logRetention: RetentionDays;
  /**
   * Continuous training (capability `autoRetrain`, level 4): the training pipeline the drift and quality
   * alarms restart.
   * @default - alarms alert people only
   */
  readonly retrain?: { readonly pipeline: IStateMachine };
  /**
   * Governance (capability `governance`, level 4): drift verdicts and retrain decisions go to the audit trail.
   * @default false
   */
  readonly audit?: boolean;
  /**
   * Whether the environment is throwaway: then the topic's key goes with the stack.
   * @default false
   */
  readonly disposable?: boolean;
}

/** The alert topic, the model-health alarms and the dashboard. */
export class MonitoringStack extends Stack {
  /** Whether an environment with these capabilities monitors its model. */
  static hasResources(capabilities: Capabilities): boolean {
    return capabilities.driftMonitoring;
  }

  readonly alerts: AlertTopic;
  readonly drift: DriftMonitor;
  readonly health: ModelHealthAlarms;
  readonly dashboard: PlatformDashboard;
  /** Present with `retrain`. */
  readonly retrainTrigger?: RetrainTrigger;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.alerts = new AlertTopic(this, 'Alerts', {
      prefix: `${config.name}-${config.environment}`,
      emails: config.alerts.emails,
      removalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.drift = new DriftMonitor(this, 'Drift', {
      artifactBucket: props.artifactBucket,
      dataBucket: props.dataBucket,
      config,
      logRetention: props.logRetention,
      logRemovalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      ...(props.audit ? { audit: true } : {}),
    });
    this.health = new ModelHealthAlarms(this, 'Health', { config, topic: this.alerts.topic });
    if (props.retrain) {
      this.retrainTrigger = new RetrainTrigger(this, 'Retrain', {
        config,
        alarms: this.health.retrainAlarms,
        pipeline: props.retrain.pipeline,
        dataBucket: props.dataBucket,
        artifactBucket: props.artifactBucket,
        logRetention: props.logRetention,
        logRemovalPolicy: props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
        ...(props.audit ? { audit: true } : {}),
      });
    }
    this.dashboard = new PlatformDashboard(this, 'Dashboard', {
      config,
      alarms: [this.health.unhealthy, this.health.datasetDrift, ...(this.health.liveQuality ? [this.health.liveQuality] : []), this.health.endpointErrors, this.health.endpointLatency, ...this.health.columnAlarms.values()],
      driftPeriod: scheduleInterval(config.monitoring.schedule),
    });
  }
}

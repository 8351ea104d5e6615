/**
 * The scheduled drift check (capability `driftMonitoring`): the drift Lambda (`lambda/handlers/drift.ts`)
 * on `monitoring.schedule`, comparing the requests captured since its last look with the champion's drift
 * baseline and emitting the metrics the model-health alarms watch; and live quality, joining the labels
 * uploaded to the data bucket's `labels/` with those captures. It may read its model's registry folder, the
 * captures and the labels, and read and write its own `monitoring/<name>/` folder — nothing else.
 */
import { Duration, Size, type RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { PlatformConfig } from '../../config/schema';
import { ARTIFACT_PREFIX, DATA_PREFIX } from '../../lambda/core/layout';
import { DRIFT_SERVICE } from '../../lambda/core/monitoring/monitoring-metrics';
import { driftEnvSchema, type DriftEnv } from '../../lambda/env/drift-env';
import { StageFunction } from './stage-function';

/** Properties of a {@link DriftMonitor}. */
export interface DriftMonitorProps {
  /** The artifact bucket: registry, captures, `monitoring/`. */
  readonly artifactBucket: IBucket;
  /** The data bucket: labels (`labels/`), read only. */
  readonly dataBucket: IBucket;
  readonly config: Pick<PlatformConfig, 'name' | 'environment' | 'monitoring' | 'gate'>;
  readonly logRetention: RetentionDays;
  /**
   * Governance: record each decision in the audit trail (`audit/`).
   * @default false
   */
  readonly audit?: boolean;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default 'INFO' */
  readonly logLevel?: DriftEnv['POWERTOOLS_LOG_LEVEL'];
}

/** The drift Lambda and its schedule. */
export class DriftMonitor extends Construct {
  readonly check: StageFunction<typeof driftEnvSchema>;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    const { config } = props;
    this.check = new StageFunction(this, 'Function', {
      handler: 'drift',
      description: "Drift check: captured requests since the last look vs the champion's drift baseline; report and metrics",
      environmentSchema: driftEnvSchema,
      environment: {
        ARTIFACT_BUCKET: props.artifactBucket.bucketName,
        DATA_BUCKET: props.dataBucket.bucketName,
        GATE_METRIC: config.gate.metric,
        MIN_LABELLED_ROWS: config.monitoring.minLabelledRows,
        PLATFORM_NAME: config.name,
        ENVIRONMENT_NAME: config.environment,
        WINDOW_HOURS: config.monitoring.windowHours,
        MIN_ROWS: config.monitoring.minRows,
        DATASET_DRIFT_SHARE: config.monitoring.datasetDriftShare,
        COLUMN_DRIFT_THRESHOLD: config.monitoring.columnDriftThreshold,
        GOVERNANCE: props.audit ? 'on' : 'off',
        POWERTOOLS_SERVICE_NAME: DRIFT_SERVICE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      // Hours of captured JSON lines are read and sketched in memory.
      memorySize: Size.mebibytes(1024),
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      ...(props.logRemovalPolicy ? { logRemovalPolicy: props.logRemovalPolicy } : {}),
    });
    this.check.grantReadObjects(props.artifactBucket, `${ARTIFACT_PREFIX.registry}${config.name}/`);
    this.check.grantReadObjects(props.artifactBucket, ARTIFACT_PREFIX.capture);
    this.check.grantReadObjects(props.dataBucket, DATA_PREFIX.labels);
    this.check.grantReadObjects(props.artifactBucket, `${ARTIFACT_PREFIX.monitoring}${config.name}/`);
    this.check.grantWriteObjects(props.artifactBucket, `${ARTIFACT_PREFIX.monitoring}${config.name}/`);
    if (props.audit) this.check.grantWriteObjects(props.artifactBucket, ARTIFACT_PREFIX.audit);
    this.rule = new Rule(this, 'Schedule', {
      description: `Drift check of ${config.name} (${config.environment}) on ${config.monitoring.schedule}`,
      schedule: Schedule.expression(config.monitoring.schedule),
      targets: [new LambdaFunction(this.check.function, { retryAttempts: 0 })],
    });
  }
}

/**
 * The monitoring stack in the template, per level: the KMS-encrypted TLS-only alert topic with the
 * configured emails, the model-health alarms with thresholds and periods from config, the composite, and
 * the dashboard's widgets; absent below level 3.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/platform';
import { scheduleInterval } from '../../lib/constructs/model-health-alarms';
import { configDriftColumns } from '../../lambda/core/monitoring/drift-reference';
import { configAtLevel, rawConfig, testApp } from './helpers';

function monitored(changes: Record<string, unknown> = {}) {
  const dev = rawConfig('dev') as Record<string, Record<string, unknown>>;
  return configAtLevel(3, {
    monitoring: { ...dev.monitoring, schedule: 'rate(30 minutes)', columnDriftThreshold: 0.15, datasetDriftShare: 0.4, qualityThreshold: 35 },
    alerts: { emails: ['oncall@example.com', 'ml@example.com'] },
    ...changes,
  });
}

describe('the monitoring stack (level 3)', () => {
  const app = testApp();
  const [platform] = buildApp(app, [monitored()]);
  const template = Template.fromStack(platform!.monitoring!);
  // The columns drift is checked on: the feature columns but the datetime (date).
  const columns = configDriftColumns(platform!.config);

  test('the alert topic: its own rotating KMS key that CloudWatch may use, TLS-only, one email subscription per address', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'CloudWatchAlarmsPublishToTheAlertTopic', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'flights-level3-alerts', KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: { Protocol: string; Endpoint: string } }).Properties);
    expect(subscriptions.map((s) => `${s.Protocol}:${s.Endpoint}`).sort()).toEqual(['email:ml@example.com', 'email:oncall@example.com']);
  });

  test('an alarm per feature column on ColumnDrifted, over the drift schedule’s interval, feeding the composite', () => {
    for (const column of columns) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `flights-level3-drift-${column}`,
        MetricName: 'ColumnDrifted',
        Namespace: 'MLOps/flights',
        Dimensions: Match.arrayWith([{ Name: 'column', Value: column }, { Name: 'environment', Value: 'level3' }, { Name: 'service', Value: 'drift' }]),
        Statistic: 'Maximum',
        Period: 1800,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    expect(columns).toEqual(['origin', 'destination', 'distance']);
    expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'flights-level3-drift-date' } })).toEqual({});
  });

  test('dataset drift, live quality (RMSE: above is worse) and the endpoint alarms carry the config’s thresholds and notify the topic', () => {
    const topic = { Ref: Match.stringLikeRegexp('^AlertsTopic') };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'flights-level3-dataset-drift', MetricName: 'DatasetDriftShare', Threshold: 0.4, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [topic], OKActions: [topic] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'flights-level3-live-quality', MetricName: 'LiveQuality', Threshold: 35, ComparisonOperator: 'GreaterThanThreshold', Period: 1800 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'flights-level3-endpoint-errors', MetricName: 'ServerErrors', Statistic: 'Average', Threshold: 0.01, Period: 300, Dimensions: [{ Name: 'environment', Value: 'level3' }, { Name: 'service', Value: 'predict' }] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'flights-level3-endpoint-latency', MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 1000, Period: 300 });
  });

  test('the composite "model unhealthy" is ALARM when any of them is, and notifies', () => {
    const composite = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'))[0] as { Properties: { AlarmName: string; AlarmRule: unknown; AlarmActions: unknown[] } };
    expect(composite.Properties.AlarmName).toBe('flights-level3-model-unhealthy');
    const rule = JSON.stringify(composite.Properties.AlarmRule);
    expect(rule.match(/ALARM\(/g)).toHaveLength(columns.length + 4);
    expect(rule).toContain(' OR ');
    expect(composite.Properties.AlarmActions).toHaveLength(1);
  });

  test('the dashboard shows pipeline runs, validation failures, the endpoint, drift per column and the alarms', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as { Properties: { DashboardName: string; DashboardBody: unknown } };
    expect(dashboard.Properties.DashboardName).toBe('flights-level3');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Pipeline runs', 'Validation failures and gate rejections', 'Endpoint: requests and 5xx share', 'Endpoint latency (ms)', 'Predictions per model version', 'Drift score per column', 'PSI per column', 'Share of drifted columns', 'Model health alarms']) {
      expect(body).toContain(title);
    }
    for (const metric of ['RunsSucceeded', 'RunsFailed', 'ValidationFailures', 'DriftScore', 'DatasetDriftShare']) expect(body).toContain(metric);
  });

  test('the drift check runs on monitoring.schedule with the thresholds from config, reading the registry, captures and labels, writing only monitoring/<name>/', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 minutes)', State: 'ENABLED' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PLATFORM_NAME: 'flights',
          ENVIRONMENT_NAME: 'level3',
          WINDOW_HOURS: '24',
          DATASET_DRIFT_SHARE: '0.4',
          COLUMN_DRIFT_THRESHOLD: '0.15',
          GATE_METRIC: 'rmse',
          MIN_LABELLED_ROWS: '200',
          DATA_BUCKET: Match.anyValue(),
          POWERTOOLS_SERVICE_NAME: 'drift',
        }),
      },
      Tags: Match.arrayWith([{ Key: 'mlops:handler', Value: 'drift' }]),
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement);
    const writes = statements.filter((st) => [st.Action].flat().includes('s3:PutObject')).map((st) => JSON.stringify(st.Resource));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/\/monitoring\/flights\/\*"/);
    expect(objectGrants(template, 'DriftFunctionRole', 's3:GetObject').filter((r) => r.includes('DataBucket'))).toEqual([expect.stringMatching(/"\/labels\/\*"/)]);
  });

  test('cdk-nag finds nothing unacknowledged', () => {
    expect(() => app.synth()).not.toThrow();
  });
});

test('no quality threshold: no live-quality alarm; AUC would alarm below it', () => {
  const [without] = buildApp(testApp(), [monitored({ monitoring: { schedule: 'rate(1 hour)' } })]);
  expect(Template.fromStack(without!.monitoring!).findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'flights-level3-live-quality' } })).toEqual({});
  const staging = rawConfig('staging') as Record<string, Record<string, unknown>>;
  const [auc] = buildApp(testApp(), [configAtLevel(3, { ...staging, monitoring: { qualityThreshold: 0.65 } })]);
  Template.fromStack(auc!.monitoring!).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'LiveQuality', Threshold: 0.65, ComparisonOperator: 'LessThanThreshold' });
});

test('levels 0–2 have no monitoring stack', () => {
  for (const level of [0, 1, 2] as const) expect(buildApp(testApp(), [configAtLevel(level)])[0]!.monitoring).toBeUndefined();
});

test('scheduleInterval: rate expressions as given (within CloudWatch’s 1 minute – 1 day), cron as one hour', () => {
  expect(['rate(1 minute)', 'rate(15 minutes)', 'rate(2 hours)', 'rate(1 day)', 'rate(3 days)', 'cron(0 * * * ? *)'].map((e) => scheduleInterval(e).toSeconds())).toEqual([60, 900, 7200, 86400, 86400, 3600]);
});

/** Each object ARN (as JSON) a policy of the role `rolePrefix` grants `action` on: CDK merges statements, so resources are read one by one. */
function objectGrants(template: Template, rolePrefix: string, action: string): string[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith(rolePrefix))
    .flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement)
    .filter((st) => [st.Action].flat().includes(action))
    .flatMap((st) => [st.Resource].flat().map((r) => JSON.stringify(r)));
}

describe('continuous training (level 4)', () => {
  const app = testApp();
  const [platform] = buildApp(app, [configAtLevel(4, { monitoring: { retrain: { cooldownHours: 12, maxPerWeek: 2, includeCapturedData: true } } })]);
  const template = Template.fromStack(platform!.monitoring!);

  test('a rule on the drift and quality alarms going to ALARM invokes the retrain trigger, with the guardrails from config', () => {
    const rule = Object.values(template.findResources('AWS::Events::Rule')).map((r) => (r as { Properties: { EventPattern?: { source: string[]; 'detail-type': string[]; resources: unknown[]; detail: unknown } } }).Properties).find((p) => p.EventPattern);
    expect(rule!.EventPattern).toMatchObject({ source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { state: { value: ['ALARM'] } } });
    // The dataset-drift alarm and one per feature column (no quality threshold in this config).
    expect(rule!.EventPattern!.resources).toHaveLength(1 + configDriftColumns(platform!.config).length);
    expect(JSON.stringify(rule!.EventPattern!.resources)).not.toMatch(/Endpoint(Errors|Latency)/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ COOLDOWN_HOURS: '12', MAX_PER_WEEK: '2', PLATFORM_NAME: 'flights', INCLUDE_CAPTURED_DATA: 'true', DATASET_SCHEMA: JSON.stringify(platform!.config.dataset) }) },
      Tags: Match.arrayWith([{ Key: 'mlops:handler', Value: 'retrain' }]),
    });
  });

  test('the trigger may start and list executions of the training pipeline only', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement);
    const states = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('states:')));
    expect(states.flatMap((s) => [s.Action].flat()).sort()).toEqual(['states:ListExecutions', 'states:StartExecution']);
    for (const s of states) expect(JSON.stringify(s.Resource)).toMatch(/flights-level4-pipeline/);
  });

  test('the trigger reads the validated data, the labelled captures and retrain/ (manifests, claims), and writes only retrain/ and its decisions (and the audit trail)', () => {
    const writes = objectGrants(template, 'RetrainFunctionRole', 's3:PutObject');
    expect(writes.map((w) => /"(\/[^"]*\*)"/.exec(w)![1]).sort()).toEqual(['/audit/*', '/monitoring/flights/retrain/*', '/retrain/*']);
    expect(writes.find((w) => w.includes('"/retrain/*"'))).toMatch(/DataBucket/);
    const reads = objectGrants(template, 'RetrainFunctionRole', 's3:GetObject');
    expect(reads.map((r) => /"(\/[^"]*\*)"/.exec(r)![1]).sort()).toEqual(['/monitoring/flights/labelled/*', '/monitoring/flights/retrain/*', '/retrain/*', '/validated/*']);
  });

  test('without includeCapturedData the trigger cannot read the labelled captures', () => {
    const [bare] = buildApp(testApp(), [configAtLevel(4, { monitoring: { retrain: { cooldownHours: 12, maxPerWeek: 2, includeCapturedData: false } } })]);
    const t = Template.fromStack(bare!.monitoring!);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ INCLUDE_CAPTURED_DATA: 'false' }) } });
    expect(objectGrants(t, 'RetrainFunctionRole', 's3:GetObject').join()).not.toMatch(/labelled/);
  });

  test('level 3 has no retrain trigger', () => {
    expect(buildApp(testApp(), [configAtLevel(3)])[0]!.monitoring!.retrainTrigger).toBeUndefined();
  });
});

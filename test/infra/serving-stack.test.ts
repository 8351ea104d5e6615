/**
 * The inference endpoint in the template (engine `lambda`): the predict function's alias `live` behind a
 * Function URL with AWS_IAM auth, its environment from the config's serving view, S3 access only to its
 * model's registry folder (read) and `capture/` (write), the URL as a stack output; every level has one
 * (each level has a deployment mode); the deploy state machine at every level, and at level 3+ the
 * CodeDeploy canary on the alias with its rollback alarms; with `abTest` set at level 3 the A/B test instead
 * (the deploy state machine's abTest branch, the scheduled decision Lambda and its IAM), cdk-nag clean; a
 * SageMaker serving engine is refused at synth until it is built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { DeployStateMachine } from '../../lib/constructs/deploy-state-machine';
import { buildApp } from '../../lib/platform';
import { SERVING_STACK_OUTPUTS } from '../../lib/stack-outputs';
import { MATURITY_LEVELS } from '../../lib/maturity';
import { acknowledgements, configAtLevel, rawConfig, testApp } from './helpers';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOf = (policies: Record<string, unknown>): Statement[] =>
  Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
const actionsOf = (s: Statement): string[] => ([] as string[]).concat(s.Action);

/** The deploy state machine's ASL, tokens replaced by `TOKEN`. */
function deployAsl(template: Template): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } };
  return JSON.parse(machine.Properties.DefinitionString['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as { StartAt: string; States: Record<string, Record<string, unknown>> };
}

/** `config/dev.json` at level 3 with `serving.deployment.abTest` set. */
function abTestConfig(abTest: Record<string, unknown> = { challengerPercent: 20, windowHours: 48, margin: 0.02 }) {
  const dev = rawConfig('dev') as { serving: Record<string, unknown> };
  return configAtLevel(3, { serving: { ...dev.serving, deployment: { abTest } } });
}

describe('the serving stack', () => {
  const [platform] = buildApp(testApp(), [configAtLevel(3)]);
  const template = Template.fromStack(platform!.serving!);

  test('the predict function\'s alias live sits behind a Function URL with AWS_IAM auth; the URL is an output', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', Qualifier: 'live', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PredictFunction'), 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', FunctionName: { Ref: Match.stringLikeRegexp('^PredictFunction') }, FunctionVersion: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PredictFunctionCurrentVersion'), 'Version'] } });
    template.hasOutput(SERVING_STACK_OUTPUTS.predictUrl, { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PredictAliasFunctionUrl'), 'FunctionUrl'] } });
  });

  test('level 3: CodeDeploy shifts the alias as a canary (percent and minutes from config), rolling back on the error, latency and crash alarms', () => {
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', { ComputePlatform: 'Lambda', TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 10, CanaryInterval: 10 } } });
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const ids = (prefix: string): string => Object.keys(alarms).find((id) => id.startsWith(prefix))!;
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: { Ref: Match.stringLikeRegexp('^ReleaseCanary') },
      AlarmConfiguration: { Enabled: true, Alarms: [{ Name: { Ref: ids('ReleaseErrorRateAlarm') } }, { Name: { Ref: ids('ReleaseLatencyAlarm') } }, { Name: { Ref: ids('ReleaseFunctionErrorsAlarm') } }] },
      AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
    });
    // The alias moves through CodeDeploy on `cdk deploy` as well.
    template.hasResource('AWS::Lambda::Alias', { UpdatePolicy: { CodeDeployLambdaAliasUpdate: Match.objectLike({}) } });
    // Thresholds from serving.deployment.rollbackAlarms, on the predict handler's EMF metrics.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MLOps/flights',
      MetricName: 'ServerErrors',
      Statistic: 'Average',
      Threshold: 0.01,
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'environment', Value: 'level3' }, { Name: 'service', Value: 'predict' }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'MLOps/flights', MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 1000, Period: 60 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Threshold: 0 });
  });

  test('the deploy state machine: prepare, then publish → CodeDeploy canary → poll → complete or record the rollback', () => {
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { StateMachineName: string; DefinitionString: { 'Fn::Join': [string, unknown[]] } } };
    expect(machine.Properties.StateMachineName).toBe('flights-level3-deploy');
    const text = machine.Properties.DefinitionString['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
    const asl = JSON.parse(text) as { StartAt: string; States: Record<string, Record<string, unknown>> };
    expect(asl.StartAt).toBe('Prepare');
    expect(asl.States.Publish!.Next).toBe('StartCanary');
    expect(asl.States.StartCanary).toMatchObject({
      Resource: 'arn:TOKEN:states:::aws-sdk:codedeploy:createDeployment',
      Parameters: { Revision: { RevisionType: 'AppSpecContent', AppSpecContent: { 'Content.$': '$.publish.appSpec' } } },
      Next: 'WaitForCanary',
    });
    expect(asl.States.CheckCanary).toMatchObject({ Resource: 'arn:TOKEN:states:::aws-sdk:codedeploy:getDeployment', ResultSelector: { 'Info.$': '$.DeploymentInfo' } });
    expect(asl.States.CanaryStatus).toMatchObject({
      Choices: [
        { Variable: '$.canaryStatus.Info.Status', StringEquals: 'Succeeded', Next: 'CompleteCanary' },
        { Or: [{ Variable: '$.canaryStatus.Info.Status', StringEquals: 'Failed' }, { Variable: '$.canaryStatus.Info.Status', StringEquals: 'Stopped' }], Next: 'RecordRollback' },
      ],
      Default: 'WaitForCanary',
    });
    expect(asl.States.RecordRollback!.Next).toBe('RolledBack');
    template.hasOutput(SERVING_STACK_OUTPUTS.deployStateMachineArn, { Value: { Ref: Match.stringLikeRegexp('^DeployModelStateMachine') } });
  });

  test('the deploy Lambda may publish versions of the predict function and read its alias, nothing broader', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Sid?: string; Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement,
    );
    const publish = statements.find((s) => s.Sid === 'PublishPinnedPredictVersions')!;
    expect(([] as string[]).concat(publish.Action).sort()).toEqual(['lambda:GetFunction', 'lambda:GetFunctionConfiguration', 'lambda:PublishVersion', 'lambda:UpdateFunctionConfiguration']);
    expect(JSON.stringify(publish.Resource)).toMatch(/^\{"Fn::GetAtt":\["PredictFunction[0-9A-F]{8}","Arn"\]\}$/);
    const lambdaActions = statements.flatMap((s) => ([] as string[]).concat(s.Action)).filter((a) => a.startsWith('lambda:') && a !== 'lambda:InvokeFunction');
    expect(new Set(lambdaActions)).toEqual(new Set(['lambda:GetFunction', 'lambda:GetFunctionConfiguration', 'lambda:PublishVersion', 'lambda:UpdateFunctionConfiguration', 'lambda:GetAlias']));
  });

  test('levels 0–2 have the deploy state machine without a canary: the version is promoted in the registry', () => {
    for (const level of [0, 1, 2] as const) {
      const [p] = buildApp(testApp(), [configAtLevel(level)]);
      const t = Template.fromStack(p!.serving!);
      t.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
      t.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DEPLOY_STRATEGY: 'promote' }) } });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DEPLOY_STRATEGY: 'canary', PREDICT_ALIAS: 'live' }) } });
  });

  test("its environment is the config's serving view (numbers as text), memory from serving.memoryMb", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Environment: {
        Variables: Match.objectLike({ PLATFORM_NAME: 'flights', ENVIRONMENT_NAME: 'level3', MAX_BATCH: '100', CAPTURE_PERCENT: '10', CHAMPION_TTL_SECONDS: '60', POWERTOOLS_SERVICE_NAME: 'predict' }),
      },
      Tags: Match.arrayWith([{ Key: 'mlops:handler', Value: 'predict' }]),
    });
  });

  test("S3: read its model's registry folder, write capture/, nothing else", () => {
    const predictPolicies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('PredictRole')).map(([, p]) => p);
    expect(predictPolicies).toHaveLength(1);
    const statements = predictPolicies.flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }> } } }).Properties.PolicyDocument.Statement,
    );
    const isList = (s: { Action: string | string[] }): boolean => ([] as string[]).concat(s.Action).join() === 's3:ListBucket';
    // Listing is on the bucket, limited by condition to the model's registry folder.
    const lists = statements.filter(isList);
    expect(lists.length).toBe(1);
    expect(JSON.stringify(lists[0]!.Condition)).toContain('registry/flights/');
    const s3 = statements.filter((s) => !isList(s) && ([] as string[]).concat(s.Action).some((a) => a.startsWith('s3:')));
    const byAccess = s3.map((s) => ({ actions: ([] as string[]).concat(s.Action).sort().join(','), resources: JSON.stringify(s.Resource) }));
    expect(byAccess.every((s) => /\/registry\/flights\/\*|\/capture\/\*/.test(s.resources))).toBe(true);
    expect(byAccess.find((s) => s.resources.includes('/capture/*'))?.actions).toMatch(/s3:PutObject/);
    expect(byAccess.filter((s) => s.resources.includes('/registry/flights/*')).every((s) => !s.actions.includes('s3:PutObject'))).toBe(true);
  });

  test('every level has an endpoint (each has a deployment mode)', () => {
    for (const level of MATURITY_LEVELS) {
      const [p] = buildApp(testApp(), [configAtLevel(level)]);
      expect(p!.serving?.stackName).toBe(`flights-level${level}-serving`);
    }
  });

  test('level 3 without abTest: no A/B decision, no schedule, the deploy Lambda only reads the alias', () => {
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('AbDecision'))).toEqual([]);
    expect(JSON.stringify(deployAsl(template).States)).not.toContain('StartAbTest');
    expect(statementsOf(template.findResources('AWS::IAM::Policy')).flatMap(actionsOf)).not.toContain('lambda:UpdateAlias');
  });
});

describe('the serving stack with an A/B test (level 3, serving.deployment.abTest)', () => {
  const app = testApp();
  const [platform] = buildApp(app, [abTestConfig()]);
  const template = Template.fromStack(platform!.serving!);
  const decisionId = (): string => Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('AbDecisionFunction'))!;

  test('the deploy Lambda runs strategy abTest with the share, window and margin from config', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DEPLOY_STRATEGY: 'abTest', AB_TEST_PERCENT: '20', AB_TEST_WINDOW_HOURS: '48', AB_TEST_MARGIN: '0.02', AB_TEST_MIN_REQUESTS: '100', PREDICT_ALIAS: 'live' }) },
      Tags: Match.arrayWith([{ Key: 'mlops:handler', Value: 'deploy' }]),
    });
  });

  test('the deploy state machine: prepare → has a champion? → publish → start the A/B test → AbTestStarted; no champion → complete', () => {
    const asl = deployAsl(template);
    expect(asl.States.AlreadyServingCheck).toMatchObject({ Default: 'HasChampion' });
    expect(asl.States.HasChampion).toMatchObject({ Choices: [{ Variable: '$.plan.previousVersion', IsPresent: true, Next: 'Publish' }], Default: 'Complete' });
    expect(asl.States.Publish).toMatchObject({ Parameters: { action: 'publish', 'plan.$': '$.plan' }, ResultPath: '$.publish', Next: 'StartAbTest' });
    expect(asl.States.StartAbTest).toMatchObject({
      Parameters: { action: 'start-ab-test', 'plan.$': '$.plan', 'publish.$': '$.publish' },
      ResultPath: '$.abTest',
      Next: 'AbTestStarted',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'DeployFailed' }],
    });
    expect(asl.States.AbTestStarted).toMatchObject({ Type: 'Succeed' });
    expect(asl.States.Complete!.Next).toBe('Deployed');
    // No CodeDeploy canary in the deploy path (the deployment group still guards cdk deploys).
    expect(Object.keys(asl.States)).not.toContain('StartCanary');
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 1);
  });

  test('the deploy Lambda may read and route the alias (UpdateAlias on the alias ARN only) and publish versions', () => {
    const deployPolicy = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('DeployRole'));
    const deployStatements = statementsOf(Object.fromEntries(deployPolicy));
    const routeAlias = deployStatements.find((s) => s.Sid === 'RouteServingAlias')!;
    expect(actionsOf(routeAlias).sort()).toEqual(['lambda:GetAlias', 'lambda:UpdateAlias']);
    expect(JSON.stringify(routeAlias.Resource)).toMatch(/^\{"Ref":"PredictAlias[0-9A-F]{8}"\}$/);
    expect(deployStatements.find((s) => s.Sid === 'PublishPinnedPredictVersions')).toBeDefined();
  });

  test('the decision Lambda runs every 15 minutes on an EventBridge schedule', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [decisionId(), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [decisionId(), 'Arn'] } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PLATFORM_NAME: 'flights', ENVIRONMENT_NAME: 'level3', PREDICT_FUNCTION_NAME: { Ref: Match.stringLikeRegexp('^PredictFunction') }, PREDICT_ALIAS: 'live', PREDICT_SERVICE_NAME: 'predict' }) },
      Tags: Match.arrayWith([{ Key: 'mlops:handler', Value: 'ab-decision' }]),
    });
  });

  test("the decision Lambda's role: GetMetricData (resource *), GetAlias/UpdateAlias on the alias, its model's registry folder, nothing else", () => {
    const policies = Object.fromEntries(Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('AbDecisionFunctionRole')));
    expect(Object.keys(policies)).toHaveLength(1);
    const statements = statementsOf(policies);
    expect(statements.find((s) => s.Sid === 'ReadLiveMetrics')).toEqual({ Sid: 'ReadLiveMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' });
    const alias = statements.find((s) => s.Sid === 'RouteServingAlias')!;
    expect(actionsOf(alias).sort()).toEqual(['lambda:GetAlias', 'lambda:UpdateAlias']);
    expect(JSON.stringify(alias.Resource)).toMatch(/^\{"Ref":"PredictAlias[0-9A-F]{8}"\}$/);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.every((s) => JSON.stringify(s.Resource).includes('/registry/flights/*') || JSON.stringify(s.Condition).includes('registry/flights/'))).toBe(true);
    const everyAction = new Set(statements.flatMap(actionsOf));
    expect([...everyAction].filter((a) => !/^(s3:|kms:|logs:|xray:)/.test(a)).sort()).toEqual(['cloudwatch:GetMetricData', 'lambda:GetAlias', 'lambda:UpdateAlias']);
  });

  test('cdk-nag stays clean; GetMetricData on * is acknowledged on the decision role with its reason', () => {
    const assembly = app.synth();
    expect(existsSync(join(assembly.directory, VALIDATION_REPORT_FILE))).toBe(true);
    const report = JSON.parse(readFileSync(join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
    const rules = acknowledgements(app).get('flights-level3-serving/AbDecision/Function/Role')!;
    expect(rules.get('AwsSolutions-IAM5[Resource::*]')).toMatch(/cloudwatch:GetMetricData, which supports no resource-level permissions/);
  });

  test('a deploy state machine given both a canary and an A/B test is refused', () => {
    const serving = platform!.serving!;
    const { deploymentGroup, deploymentConfig } = serving.release!;
    expect(
      () =>
        new DeployStateMachine(serving, 'Both', {
          deploy: serving.deployFunction,
          canary: { deploymentGroup, deploymentConfig, canaryMinutes: 10 },
          abTest: { percent: 10, windowHours: 24 },
          logRetention: RetentionDays.ONE_WEEK,
        }),
    ).toThrow(/Both: canary and abTest were both given; a deployment uses one strategy/);
  });

  test('abTest without the abTesting capability deploys by canary', () => {
    const dev = rawConfig('dev') as { serving: Record<string, unknown> };
    const [p] = buildApp(testApp(), [configAtLevel(3, { serving: { ...dev.serving, deployment: { abTest: {} } }, overrides: { abTesting: false } })]);
    const t = Template.fromStack(p!.serving!);
    t.resourceCountIs('AWS::Events::Rule', 0);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DEPLOY_STRATEGY: 'canary' }) } });
  });
});

test('per-prediction explanations are offered at the governance level only (EXPLANATIONS on the predict function)', () => {
  for (const [level, expected] of [[3, 'off'], [4, 'on']] as const) {
    const [p] = buildApp(testApp(), [configAtLevel(level)]);
    Template.fromStack(p!.serving!).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EXPLANATIONS: expected }) },
      Tags: Match.arrayWith([{ Key: 'mlops:handler', Value: 'predict' }]),
    });
  }
});

/**
 * The inference endpoint in the template (engine `lambda`): the predict function's alias `live` behind a
 * Function URL with AWS_IAM auth, its environment from the config's serving view, S3 access only to its
 * model's registry folder (read) and `capture/` (write), the URL as a stack output; every level has one
 * (each level has a deployment mode); the deploy state machine at every level, and at level 3+ the
 * CodeDeploy canary on the alias with its rollback alarms; a SageMaker serving engine is refused at synth
 * until it is built.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/platform';
import { SERVING_STACK_OUTPUTS } from '../../lib/stack-outputs';
import { MATURITY_LEVELS } from '../../lib/maturity';
import { configAtLevel, rawConfig, testApp } from './helpers';

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

  test('a SageMaker serving engine is refused at synth, naming the field to change', () => {
    const dev = rawConfig('dev') as { model: Record<string, unknown>; serving: Record<string, unknown> };
    const config = configAtLevel(3, { model: { ...dev.model, engine: 'sagemaker', algorithm: 'xgboost' }, serving: { ...dev.serving, engine: 'sagemaker-realtime' } });
    expect(() => buildApp(testApp(), [config])).toThrow(/serving\.engine 'sagemaker-realtime' is not available yet; set serving\.engine to 'lambda'/);
  });
});

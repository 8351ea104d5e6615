/**
 * The SageMaker serving engines in the templates: the predict Lambda fronts one endpoint per model
 * version, and the deploy state machine creates, waits for, and retires those endpoints — per engine and
 * level, least privilege, and cdk-nag clean.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/platform';
import { validateConfig } from '../../config/schema';
import { configAtLevel, rawConfig, testApp } from './helpers';

type Engine = 'sagemaker-serverless' | 'sagemaker-realtime';

function sagemakerConfig(level: 1 | 2 | 3, engine: Engine, serving: Record<string, unknown> = {}) {
  const dev = rawConfig('dev') as { model: Record<string, unknown>; serving: Record<string, unknown> };
  return configAtLevel(level, { model: { ...dev.model, engine: 'sagemaker', algorithm: 'xgboost' }, serving: { ...dev.serving, engine, ...serving } });
}

type Asl = { StartAt: string; States: Record<string, Record<string, unknown>> };

/** The deploy state machine's ASL, with every CloudFormation token as the string TOKEN. */
function deployAsl(template: Template): Asl {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } };
  return JSON.parse(machine.Properties.DefinitionString['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as Asl;
}

type Statement = { Action: string | string[]; Resource: unknown; Sid?: string; Condition?: unknown };
const statements = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
const withAction = (template: Template, action: string): Statement[] => statements(template).filter((s) => [s.Action].flat().includes(action));
const arnPattern = (kind: string, stem: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${kind}/${stem}-*`]] });

describe.each(['sagemaker-serverless', 'sagemaker-realtime'] as const)('serving.engine %s at level 3 (canary)', (engine) => {
  const app = testApp();
  const [platform] = buildApp(app, [sagemakerConfig(3, engine, { capturePercent: 20 })]);
  const serving = Template.fromStack(platform!.serving!);
  const asl = deployAsl(serving);

  test('the predict Lambda fronts the endpoints: engine in its environment, InvokeEndpoint on this environment’s endpoints only', () => {
    serving.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SERVING_ENGINE: engine, CAPTURE_PERCENT: '20' }) }, Tags: Match.arrayWith([{ Key: 'mlops:handler', Value: 'predict' }]) });
    expect(withAction(serving, 'sagemaker:InvokeEndpoint')).toEqual([{ Sid: 'InvokeModelVersionEndpoints', Effect: 'Allow', Action: 'sagemaker:InvokeEndpoint', Resource: arnPattern('endpoint', 'flights-level3') }]);
    // The Function URL stays the one API, IAM-authenticated.
    serving.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', Qualifier: 'live' });
  });

  test('deploy: prepare → the version’s endpoint config → endpoint → wait until InService → the canary on the front → retire the previous endpoint', () => {
    expect(asl.States.AlreadyServingCheck).toMatchObject({ Default: 'CreateEndpointConfig' });
    expect(asl.States.CreateEndpointConfig).toMatchObject({ Resource: 'arn:TOKEN:states:::aws-sdk:sagemaker:createEndpointConfig', Next: 'CreateEndpoint', Parameters: { 'EndpointConfigName.$': '$.plan.endpoint.configName' } });
    expect(asl.States.CreateEndpoint).toMatchObject({ Parameters: { 'EndpointName.$': '$.plan.endpoint.name', 'EndpointConfigName.$': '$.plan.endpoint.configName' }, Next: 'WaitForEndpoint' });
    expect(asl.States.WaitForEndpoint).toMatchObject({ Type: 'Wait', Seconds: 30, Next: 'DescribeEndpoint' });
    expect(asl.States.EndpointStatus).toMatchObject({
      Choices: [
        { Variable: '$.endpointStatus.EndpointStatus', StringEquals: 'InService', Next: 'Publish' },
        { Variable: '$.endpointStatus.EndpointStatus', StringEquals: 'Failed', Next: 'EndpointFailed' },
      ],
      Default: 'WaitForEndpoint',
    });
    expect(asl.States.EndpointFailed).toMatchObject({ Type: 'Pass', ResultPath: '$.error', Next: 'DeleteNewEndpoint' });
    expect(asl.States.DeleteNewEndpoint).toMatchObject({ Next: 'DeleteNewEndpointConfig' });
    expect(asl.States.DeleteNewEndpointConfig).toMatchObject({ Next: 'DeployFailed' });
    // After the canary: the previous endpoint goes once no warm front follows the old champion.
    expect(asl.States.CompleteCanary).toMatchObject({ Next: 'HasPreviousEndpoint', Catch: [{ Next: 'DeployFailed' }] });
    expect(asl.States.HasPreviousEndpoint).toMatchObject({ Choices: [{ Variable: '$.plan.endpoint.previousName', IsPresent: true, Next: 'WaitBeforeRetiring' }], Default: 'Deployed' });
    expect(asl.States.WaitBeforeRetiring).toMatchObject({ Seconds: 120, Next: 'DescribePreviousEndpoint' });
    expect(asl.States.DeletePreviousEndpointConfig).toMatchObject({ Parameters: { 'EndpointConfigName.$': '$.previousEndpoint.EndpointConfigName' }, Next: 'Deployed', Catch: [{ Next: 'DeployedPreviousEndpointKept' }] });
    // A rollback deletes the endpoint it created; a failure after creation too.
    expect(asl.States.RecordRollback).toMatchObject({ Next: 'DeleteRolledBackEndpoint' });
    expect(asl.States.DeleteRolledBackEndpointConfig).toMatchObject({ Next: 'RolledBack' });
    for (const state of ['Publish', 'StartCanary', 'DescribeEndpoint']) expect(asl.States[state]).toMatchObject({ Catch: [{ Next: 'DeleteNewEndpoint' }] });
  });

  test('the endpoint config carries the engine’s settings from config', () => {
    const parameters = asl.States.CreateEndpointConfig!.Parameters as Record<string, unknown>;
    const expected = {
      'sagemaker-serverless': {
        variant: { VariantName: 'AllTraffic', 'ModelName.$': '$.plan.endpoint.modelName', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
        // Serverless endpoints have no data capture: the front Lambda captures.
        capture: undefined,
      },
      'sagemaker-realtime': {
        variant: { VariantName: 'AllTraffic', 'ModelName.$': '$.plan.endpoint.modelName', InitialVariantWeight: 1, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        capture: {
          EnableCapture: true,
          InitialSamplingPercentage: 20,
          DestinationS3Uri: 's3://TOKEN/endpoint-capture/',
          KmsKeyId: 'TOKEN',
          CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
          CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
        },
      },
    }[engine];
    expect(parameters.ProductionVariants).toEqual([expected.variant]);
    expect(parameters.DataCaptureConfig).toEqual(expected.capture);
  });

  test('the deploy role may create, describe and delete this environment’s endpoints and configs only', () => {
    const byAction = (action: string) => withAction(serving, action).map((s) => s.Resource);
    expect(byAction('sagemaker:CreateEndpointConfig')).toEqual([arnPattern('endpoint-config', 'flights-level3')]);
    expect(byAction('sagemaker:CreateEndpoint')).toEqual([expect.arrayContaining([arnPattern('endpoint', 'flights-level3'), arnPattern('endpoint-config', 'flights-level3')])]);
    expect((byAction('sagemaker:CreateEndpoint')[0] as unknown[]).length).toBe(2);
    for (const action of ['sagemaker:DescribeEndpoint', 'sagemaker:DeleteEndpoint']) expect(new Set(byAction(action).map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify(arnPattern('endpoint', 'flights-level3'))]));
    expect(new Set(byAction('sagemaker:DeleteEndpointConfig').map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify(arnPattern('endpoint-config', 'flights-level3'))]));
    expect(statements(serving).flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('sagemaker:') && !/^sagemaker:(Create|Describe|Delete)Endpoint(Config)?$|^sagemaker:InvokeEndpoint$/.test(a))).toEqual([]);
  });

  test('the model role may write SageMaker’s data capture only with real-time capture on', () => {
    const pipeline = Template.fromStack(platform!.pipeline!);
    const sids = statements(pipeline).map((s) => s.Sid);
    expect(sids.includes('WriteEndpointDataCapture')).toBe(engine === 'sagemaker-realtime');
  });

  test('cdk-nag finds nothing unacknowledged (synth throws otherwise)', () => {
    expect(() => app.synth()).not.toThrow();
  });
});

describe('SageMaker serving at levels 1–2 (promote)', () => {
  test.each([1, 2] as const)('level %i: the version’s endpoint is created, the champion moves, the previous endpoint is retired', (level) => {
    const [platform] = buildApp(testApp(), [sagemakerConfig(level, 'sagemaker-realtime', { capturePercent: 0 })]);
    const asl = deployAsl(Template.fromStack(platform!.serving!));
    expect(asl.States.EndpointStatus).toMatchObject({ Choices: [expect.objectContaining({ Next: 'Complete' }), expect.anything()] });
    expect(asl.States.Complete).toMatchObject({ Next: 'HasPreviousEndpoint' });
    expect(Object.keys(asl.States)).not.toContain('StartCanary');
    // capturePercent 0: no data capture at all.
    expect(asl.States.CreateEndpointConfig!.Parameters).not.toHaveProperty('DataCaptureConfig');
  });
});

describe('config: the engine combinations that work, the others refused with the field to change', () => {
  const dev = rawConfig('dev') as Record<string, Record<string, unknown>>;
  const problems = (model: Record<string, unknown>, serving: Record<string, unknown>) =>
    validateConfig({ ...dev, model: { ...dev.model, ...model }, serving: { ...dev.serving, ...serving } }).issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  test.each([
    [{ engine: 'lambda', algorithm: 'gbdt' }, { engine: 'lambda' }],
    [{ engine: 'lambda', algorithm: 'linear' }, { engine: 'lambda' }],
    [{ engine: 'sagemaker', algorithm: 'xgboost' }, { engine: 'sagemaker-serverless' }],
    [{ engine: 'sagemaker', algorithm: 'xgboost' }, { engine: 'sagemaker-realtime' }],
  ])('model %j served by %j: valid', (model, serving) => {
    expect(problems(model, serving)).toEqual([]);
  });

  test.each([
    [{ engine: 'lambda', algorithm: 'gbdt' }, { engine: 'sagemaker-serverless' }, /^serving\.engine: .*'lambda' for models trained by engine 'lambda'/],
    [{ engine: 'lambda', algorithm: 'linear' }, { engine: 'sagemaker-realtime' }, /^serving\.engine: .*'lambda' for models trained by engine 'lambda'/],
    [{ engine: 'sagemaker', algorithm: 'xgboost' }, { engine: 'lambda' }, /^serving\.engine: .*'sagemaker-serverless' or 'sagemaker-realtime' for models trained by model\.engine 'sagemaker'/],
    [{ engine: 'sagemaker', algorithm: 'xgboost' }, { engine: 'sagemaker-realtime', deployment: { abTest: { challengerPercent: 10 } } }, /^serving\.deployment\.abTest: .*no abTest with a SageMaker serving engine/],
  ])('model %j served by %j: refused', (model, serving, message) => {
    expect(problems(model, serving)).toEqual([expect.stringMatching(message)]);
  });
});

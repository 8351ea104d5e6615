/**
 * The local Lambda control plane, called with the real `@aws-sdk/client-lambda` over HTTP: the deploy
 * Lambda's sequence (GetFunctionConfiguration → UpdateFunctionConfiguration → waitUntilFunctionUpdatedV2 →
 * PublishVersion → GetAlias / UpdateAlias), function names as names and ARNs, the service's own errors as
 * the SDK raises them, and weighted routing of an alias (with an injected `random`).
 */
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  LambdaClient,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../../local/identity';
import { type AliasChangeEvent, LambdaControlPlane, LambdaServiceError } from '../../../local/lambda-control-plane';

const NAME = 'mlops-dev-predict';
const ARN = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${NAME}`;

async function started(options: ConstructorParameters<typeof LambdaControlPlane>[0] = {}): Promise<{ plane: LambdaControlPlane; lambda: LambdaClient; events: AliasChangeEvent[]; url: string }> {
  const plane = new LambdaControlPlane(options);
  const events: AliasChangeEvent[] = [];
  plane.onAliasChange((e) => events.push(e));
  plane.register({ name: NAME, handler: 'predict', environment: { MODEL_NAME: 'flights', MODEL_VERSION: '1' } });
  plane.createAlias(NAME, 'live', plane.createVersion(NAME));
  const url = await plane.listen();
  const lambda = new LambdaClient({ endpoint: url, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return { plane, lambda, events, url };
}

describe('the local Lambda control plane through the AWS SDK', () => {
  let plane: LambdaControlPlane;
  let lambda: LambdaClient;
  let events: AliasChangeEvent[];
  let url: string;

  beforeEach(async () => {
    ({ plane, lambda, events, url } = await started());
  });

  afterEach(async () => {
    lambda.destroy();
    await plane.close();
  });

  test('the deploy sequence: read, update (merge MODEL_VERSION), wait, publish, shift the alias', async () => {
    // Prepare
    const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: NAME }));
    expect(before).toMatchObject({ FunctionName: NAME, FunctionArn: ARN, Version: '$LATEST', Handler: 'predict', State: 'Active', LastUpdateStatus: 'Successful' });

    // Act
    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: { ...before.Environment!.Variables, MODEL_VERSION: '2' } }, RevisionId: before.RevisionId }),
    );
    const waited = await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: NAME });
    const published = await lambda.send(new PublishVersionCommand({ FunctionName: NAME, CodeSha256: updated.CodeSha256 }));
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: NAME, Name: 'live' }));
    const shifted = await lambda.send(new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { [published.Version!]: 0.1 } }, RevisionId: alias.RevisionId }));

    // Assess
    expect(updated).toMatchObject({ LastUpdateStatus: 'InProgress', Environment: { Variables: { MODEL_NAME: 'flights', MODEL_VERSION: '2' } } });
    expect(waited.state).toBe('SUCCESS');
    expect(published).toMatchObject({ Version: '2', FunctionArn: `${ARN}:2`, Environment: { Variables: { MODEL_VERSION: '2' } } });
    expect(alias).toMatchObject({ Name: 'live', FunctionVersion: '1', AliasArn: `${ARN}:live` });
    expect(alias.RoutingConfig).toBeUndefined();
    expect(shifted).toMatchObject({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } });
    expect(events.map((e) => [e.alias, e.before, e.after])).toEqual([
      ['live', undefined, { functionVersion: '1', additionalVersionWeights: {} }],
      ['live', { functionVersion: '1', additionalVersionWeights: {} }, { functionVersion: '1', additionalVersionWeights: { '2': 0.1 } }],
    ]);
    // Each version keeps its own environment.
    expect(plane.route(NAME, '1').environment.MODEL_VERSION).toBe('1');
    expect(plane.route(NAME, '2').environment.MODEL_VERSION).toBe('2');
  });

  test('qualified reads: a version, an alias (its primary version), by name, ARN, partial ARN and qualified ARN', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: { MODEL_VERSION: '2' } } }));
    await lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    await lambda.send(new PublishVersionCommand({ FunctionName: NAME }));

    const byVersion = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: NAME, Qualifier: '2' }));
    const byAlias = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: ARN, Qualifier: 'live' }));
    const byPartial = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${LOCAL_ACCOUNT}:function:${NAME}:1` }));
    const byQualifiedArn = await lambda.send(new GetFunctionCommand({ FunctionName: `${ARN}:live` }));
    const byNameAndQualifier = await lambda.send(new GetAliasCommand({ FunctionName: ARN, Name: 'live' }));

    expect(byVersion).toMatchObject({ Version: '2', FunctionArn: `${ARN}:2`, Environment: { Variables: { MODEL_VERSION: '2' } } });
    expect(byVersion.Environment?.Variables?.MODEL_NAME).toBeUndefined();
    expect(byAlias).toMatchObject({ Version: '1', FunctionArn: `${ARN}:live`, Environment: { Variables: { MODEL_VERSION: '1' } } });
    expect(byPartial).toMatchObject({ Version: '1' });
    expect(byQualifiedArn.Configuration).toMatchObject({ Version: '1', State: 'Active', LastUpdateStatus: 'Successful' });
    expect(byNameAndQualifier.FunctionVersion).toBe('1');
  });

  test('PublishVersion with nothing changed since the last version returns that version', async () => {
    const first = await lambda.send(new PublishVersionCommand({ FunctionName: NAME }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Description: 'only the description' }));
    await lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    const second = await lambda.send(new PublishVersionCommand({ FunctionName: NAME }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: { MODEL_VERSION: '3' } } }));
    await lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    const third = await lambda.send(new PublishVersionCommand({ FunctionName: NAME, Description: 'model 3' }));

    expect(first.Version).toBe('1');
    expect(second.Version).toBe('1');
    expect(third).toMatchObject({ Version: '2', Description: 'model 3' });
  });

  test('an update is InProgress until looked at: PublishVersion or another update before that is a ResourceConflictException', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: { MODEL_VERSION: '2' } } }));

    await expect(lambda.send(new PublishVersionCommand({ FunctionName: NAME }))).rejects.toBeInstanceOf(ResourceConflictException);
    await expect(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Timeout: 5 }))).rejects.toThrow(/An update is in progress for resource: arn:aws:lambda:us-east-1:000000000000:function:mlops-dev-predict/);
    const seen = await lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    expect(seen.Configuration?.LastUpdateStatus).toBe('Successful');
    await expect(lambda.send(new PublishVersionCommand({ FunctionName: NAME }))).resolves.toMatchObject({ Version: '2' });
  });

  test('waitUntilFunctionUpdatedV2 polls GetFunction again while the update is InProgress', async () => {
    // Prepare: a plane whose updates stay InProgress for one look.
    const slow = await started({ inProgressPolls: 1 });
    try {
      await slow.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: { MODEL_VERSION: '2' } } }));
      const polls: string[] = [];
      slow.lambda.middlewareStack.add((next, context) => async (args) => {
        polls.push(String(context.commandName));
        return next(args);
      });

      // Act
      const result = await waitUntilFunctionUpdatedV2({ client: slow.lambda, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { FunctionName: NAME });

      // Assess
      expect(result.state).toBe('SUCCESS');
      expect(polls).toEqual(['GetFunctionCommand', 'GetFunctionCommand']);
    } finally {
      slow.lambda.destroy();
      await slow.plane.close();
    }
  });

  test('errors are the service\'s own, as the SDK raises them', async () => {
    const unknown = lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'nope' }));
    await expect(unknown).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(unknown).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: `Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope`, $metadata: { httpStatusCode: 404 } });
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: NAME, Qualifier: '7' }))).rejects.toThrow(`Function not found: ${ARN}:7`);
    await expect(lambda.send(new GetAliasCommand({ FunctionName: NAME, Name: 'blue' }))).rejects.toThrow(`Alias not found: ${ARN}:blue`);
    // Another account's function of the same name is not this one.
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: `arn:aws:lambda:us-east-1:111111111111:function:${NAME}` }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `${NAME}:1`, Qualifier: '2' }))).rejects.toThrow(/derived qualifier .* does not match/);

    const weight = lambda.send(new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '1': 1.5 } } }));
    await expect(weight).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(weight).rejects.toThrow(/Invalid weight 1.5 for version 1: a routing weight must be between 0.0 and 1.0/);
    await expect(lambda.send(new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', FunctionVersion: '9' }))).rejects.toThrow(/Version 9 of function .* does not exist/);
    await expect(lambda.send(new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '9': 0.1 } } }))).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(lambda.send(new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } } }))).rejects.toThrow(/must be different from the alias's primary version/);
    await expect(lambda.send(new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', RevisionId: 'stale' }))).rejects.toBeInstanceOf(PreconditionFailedException);
    await expect(lambda.send(new PublishVersionCommand({ FunctionName: NAME, CodeSha256: 'other' }))).rejects.toThrow(/CodeSHA256 \(other\) is different/);
    await expect(lambda.send(new CreateAliasCommand({ FunctionName: NAME, Name: 'live', FunctionVersion: '1' }))).rejects.toBeInstanceOf(ResourceConflictException);
    await expect(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Timeout: 0 }))).rejects.toThrow(/Timeout must be a whole number from 1 to 900/);
    // Nothing failed silently: the alias did not move.
    expect(plane.aliasRouting(NAME, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: {} });
    expect(events).toHaveLength(1);
  });

  test('weighted routing: the additional version serves when random() < its weight; clearing the weights moves everything', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: NAME, Environment: { Variables: { MODEL_VERSION: '2' } } }));
    await lambda.send(new GetFunctionCommand({ FunctionName: NAME }));
    await lambda.send(new PublishVersionCommand({ FunctionName: NAME }));
    await lambda.send(new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } }));

    expect(plane.route(NAME, 'live', () => 0)).toMatchObject({ version: '2', alias: 'live', environment: { MODEL_VERSION: '2' } });
    expect(plane.route(NAME, 'live', () => 0.2499)).toMatchObject({ version: '2' });
    expect(plane.route(NAME, 'live', () => 0.25)).toMatchObject({ version: '1', environment: { MODEL_VERSION: '1', MODEL_NAME: 'flights' } });
    expect(plane.route(ARN, 'live', () => 0.99)).toMatchObject({ version: '1' });
    expect(plane.route(`${ARN}:live`, undefined, () => 0.1)).toMatchObject({ version: '2' });
    expect(plane.route(NAME)).toMatchObject({ version: '$LATEST', environment: { MODEL_VERSION: '2' } });
    // An even split over many draws stays near its weight.
    let seeded = 1;
    const random = (): number => ((seeded = (seeded * 16807) % 2147483647) - 1) / 2147483646;
    const share = Array.from({ length: 4000 }, () => plane.route(NAME, 'live', random).version).filter((v) => v === '2').length / 4000;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.28);

    await lambda.send(new UpdateAliasCommand({ FunctionName: NAME, Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} } }));
    expect(plane.route(NAME, 'live', () => 0)).toMatchObject({ version: '2' });
    expect(events.at(-1)).toEqual({ functionName: NAME, alias: 'live', before: { functionVersion: '1', additionalVersionWeights: { '2': 0.25 } }, after: { functionVersion: '2', additionalVersionWeights: {} } });
    expect(() => plane.route(NAME, 'blue')).toThrow(LambdaServiceError);
  });

  test('a function whose local ARN carries another name (the logical id) is found by either', () => {
    const arn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:PredictFunction0A1B2C3D`;
    plane.register({ name: 'mlops-dev-other', arn, handler: 'predict', environment: { MODEL_VERSION: '5' } });
    plane.createAlias('mlops-dev-other', 'live', plane.createVersion('mlops-dev-other'));

    expect(plane.route(`${arn}:live`)).toMatchObject({ functionName: 'mlops-dev-other', version: '1', alias: 'live', environment: { MODEL_VERSION: '5' } });
    expect(plane.route('mlops-dev-other', 'live')).toMatchObject({ version: '1' });
    expect(plane.hasFunction(arn)).toBe(true);
    expect(plane.getFunctionConfiguration(arn)).toMatchObject({ FunctionName: 'mlops-dev-other', FunctionArn: arn });
    expect(() => plane.register({ name: 'x', arn: 'arn:aws:s3:::bucket', handler: 'h', environment: {} })).toThrow(/is not an unqualified Lambda function ARN/);
  });

  test('the model rejects a second function of the same name and unknown routes', async () => {
    expect(() => plane.register({ name: NAME, handler: 'predict', environment: {} })).toThrow(/Function already exist/);
    const res = await fetch(`${url}/2015-03-31/functions/${NAME}/invocations`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});


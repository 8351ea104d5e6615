/**
 * The A/B test through its Lambdas: the deploy Lambda's prepare → publish → start-ab-test steps, then the
 * scheduled decision Lambda. The registry is on s3rver (the S3 protocol); the predict function's versions
 * and alias are on the local Lambda control plane (`local/lambda-control-plane.ts`), which speaks the real
 * Lambda API (PublishVersion, GetAlias, UpdateAlias with RoutingConfig) to the handlers' own SDK clients.
 * CloudWatch has no local stand-in: aws-sdk-client-mock stands for `GetMetricData`, answering in its real
 * response shape (`MetricDataResults` of `{Id, Label, Timestamps, Values, StatusCode}`), and the test
 * checks the queries the handler sends. Each case has its own bucket and function.
 *
 * A window's end is reached by rewriting the record's `startedAt`/`endsAt` (the handlers read the clock).
 */
import type { CloudWatchClient, GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { abTestKey, type AbTestDecisionDocument, type AbTestRecord } from '../../lambda/core/deploy/ab-test';
import { completeDeployment, prepareDeployment, type DeploymentEvent } from '../../lambda/core/deploy/deployment';
import { getChampion, registerVersion, versionKey, type RegistryStore, type StageRecord } from '../../lambda/core/registry/registry';
import { LambdaControlPlane } from '../../local/lambda-control-plane';
import { listKeys, startS3rver, type LocalS3 } from '../helpers/s3rver';

const NAME = 'flights';
const CASES = ['ab-wait', 'ab-promote', 'ab-rollback', 'ab-few', 'ab-none', 'ab-moved'] as const;
type Case = (typeof CASES)[number];

type DeployHandler = (event: unknown) => Promise<unknown>;
type DecisionHandler = () => Promise<{ decision: string; reasons?: string[]; decisionKey?: string; evidence?: unknown }>;

let s3: LocalS3;
let lambda: LambdaControlPlane;
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3rver(CASES);
  lambda = new LambdaControlPlane();
  const endpoint = await lambda.listen();
  // The handlers' clients are built at their first call: keep the endpoints and credentials set.
  Object.assign(process.env, s3.env, { AWS_ENDPOINT_URL_LAMBDA: endpoint });
});

afterAll(async () => {
  await lambda?.close();
  await s3?.stop();
  process.env = savedEnv;
});

/** Load a handler module in its own registry with its environment, as a new Lambda container would. */
function load<T>(file: 'deploy' | 'ab-decision', environment: Record<string, string>, extra?: (req: NodeJS.Require) => void): T {
  const saved = { ...process.env };
  let handler: T | undefined;
  try {
    Object.assign(process.env, environment);
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      handler = (require(`../../lambda/handlers/${file}`) as { handler: T }).handler;
      extra?.(require);
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return handler!;
}

const common = (bucket: Case) => ({ ARTIFACT_BUCKET: bucket, PLATFORM_NAME: NAME, ENVIRONMENT_NAME: 'prod', PREDICT_FUNCTION_NAME: `predict-${bucket}`, PREDICT_ALIAS: 'live', POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' });

/** The deploy Lambda with strategy abTest (10% for 24 h, margin 0.01, 100 requests). */
const deployHandler = (bucket: Case): DeployHandler =>
  load<DeployHandler>('deploy', { ...common(bucket), SERVING_ENGINE: 'lambda', DEPLOY_STRATEGY: 'abTest', AB_TEST_PERCENT: '10', AB_TEST_WINDOW_HOURS: '24', AB_TEST_MARGIN: '0.01' });

/**
 * The decision Lambda, a CloudWatch stub on the very client its module builds, and `GetMetricDataCommand`
 * of that module registry (the stub matches commands by class).
 */
function decisionHandler(bucket: Case): { handler: DecisionHandler; cloudWatch: AwsClientStub<CloudWatchClient>; GetMetricData: typeof import('@aws-sdk/client-cloudwatch').GetMetricDataCommand } {
  let cloudWatch: AwsClientStub<CloudWatchClient> | undefined;
  let GetMetricData: typeof import('@aws-sdk/client-cloudwatch').GetMetricDataCommand | undefined;
  const handler = load<DecisionHandler>('ab-decision', common(bucket), (req) => {
    const clients = req('../../lambda/aws/clients') as typeof import('../../lambda/aws/clients');
    GetMetricData = (req('@aws-sdk/client-cloudwatch') as typeof import('@aws-sdk/client-cloudwatch')).GetMetricDataCommand;
    cloudWatch = mockClient(clients.cloudWatchClient());
  });
  return { handler, cloudWatch: cloudWatch!, GetMetricData: GetMetricData! };
}

/** `GetMetricData`'s answer for both arms (one period: one value per query, as CloudWatch returns it). */
function metricData(arms: Record<'champion' | 'challenger', { requests: number; errorRate: number; p99: number }>, at: Date): { MetricDataResults: MetricDataResult[]; Messages: [] } {
  const results: MetricDataResult[] = [];
  for (const [arm, m] of Object.entries(arms)) {
    const one = (id: string, value: number): MetricDataResult =>
      m.requests === 0 ? { Id: `${arm}_${id}`, Label: id, Timestamps: [], Values: [], StatusCode: 'Complete' } : { Id: `${arm}_${id}`, Label: id, Timestamps: [at], Values: [value], StatusCode: 'Complete' };
    results.push(one('p99', m.p99), one('requests', m.requests), one('errors', m.errorRate));
  }
  return { MetricDataResults: results, Messages: [] };
}

/**
 * A registry with v1 the champion and v2 registered, the predict function with version 1 behind `live`,
 * and v2's A/B test started through the deploy Lambda's own steps.
 */
async function startedTest(bucket: Case): Promise<{ registry: RegistryStore; record: AbTestRecord; functionName: string }> {
  const registry = s3RegistryStore(s3.client, bucket);
  for (let i = 1; i <= 2; i++) {
    await registerVersion(registry, NAME, { model: { algorithm: 'ridge', weights: [i] }, transformSpec: {}, metrics: {}, importance: [], profile: {} }, { runId: `run-${i}` });
  }
  await completeDeployment(registry, await prepareDeployment(registry, NAME, { version: 1, requestedBy: 'setup', reason: 'first' }, { strategy: 'promote', servingEngine: 'lambda' }));
  const functionName = `predict-${bucket}`;
  lambda.register({ name: functionName, handler: 'index.handler', environment: { PLATFORM_NAME: NAME } });
  lambda.createAlias(functionName, 'live', lambda.createVersion(functionName));

  const deploy = deployHandler(bucket);
  const plan = await deploy({ action: 'prepare', request: { version: 2, requestedBy: 'run run-2', reason: 'gate passed', runId: 'run-2' } });
  const publish = await deploy({ action: 'publish', plan });
  const record = (await deploy({ action: 'start-ab-test', plan, publish })) as AbTestRecord;
  return { registry, record, functionName };
}

/** Move the test's window into the past (it ended a minute ago), or keep it running. */
async function windowEnded(registry: RegistryStore, record: AbTestRecord): Promise<AbTestRecord> {
  const moved = { ...record, startedAt: new Date(Date.now() - 86_460_000).toISOString(), endsAt: new Date(Date.now() - 60_000).toISOString() };
  await registry.put(abTestKey(NAME), moved);
  return moved;
}

const stageOf = async (registry: RegistryStore, v: number) => (await registry.get<StageRecord>(versionKey(NAME, v, 'stage.json')))!;
const lastDeployment = async (registry: RegistryStore, bucket: Case): Promise<DeploymentEvent> => {
  const keys = await listKeys(s3.client, bucket, `registry/${NAME}/deployments/`);
  return (await registry.get<DeploymentEvent>(keys.at(-1)!))!;
};

describe('starting an A/B test (deploy Lambda, strategy abTest)', () => {
  test('the challenger gets 10% of live beside the champion, stays candidate; a second test is refused', async () => {
    // Prepare / Act
    const { registry, record, functionName } = await startedTest('ab-wait');

    // Assess
    expect(lambda.aliasRouting(functionName, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
    expect(record).toMatchObject({ status: 'running', champion: { version: 1, lambdaVersion: '1' }, challenger: { version: 2, lambdaVersion: '2' }, percent: 10, margin: 0.01, minRequests: 100 });
    expect(new Date(record.endsAt).getTime() - new Date(record.startedAt).getTime()).toBe(24 * 3_600_000);
    expect((await stageOf(registry, 2)).history.at(-1)).toMatchObject({ stage: 'candidate', reason: 'A/B test: 10% for 24 h against v1 (gate passed)' });
    expect(await lastDeployment(registry, 'ab-wait')).toMatchObject({ event: 'ab-test-started', version: 2, strategy: 'abTest' });
    await expect(deployHandler('ab-wait')({ action: 'prepare', request: { version: 2, requestedBy: 'bob' } })).rejects.toThrow(
      /cannot start an A\/B test of 'flights': v2 is being A\/B tested against v1 until .* wait for its decision/,
    );
  });
});

describe('starting an A/B test when the alias moved meanwhile', () => {
  test('refused (AliasMovedError), the record closed as abandoned, the next deployment not refused', async () => {
    // Prepare: as startedTest, but someone moves live between publish and start.
    const bucket = 'ab-moved';
    const registry = s3RegistryStore(s3.client, bucket);
    for (let i = 1; i <= 2; i++) await registerVersion(registry, NAME, { model: { weights: [i] }, transformSpec: {}, metrics: {}, importance: [], profile: {} }, { runId: `run-${i}` });
    await completeDeployment(registry, await prepareDeployment(registry, NAME, { version: 1, requestedBy: 'setup', reason: 'first' }, { strategy: 'promote', servingEngine: 'lambda' }));
    lambda.register({ name: `predict-${bucket}`, handler: 'index.handler', environment: {} });
    lambda.createAlias(`predict-${bucket}`, 'live', lambda.createVersion(`predict-${bucket}`));
    const deploy = deployHandler(bucket);
    const plan = await deploy({ action: 'prepare', request: { version: 2, requestedBy: 'alice', reason: 'try it' } });
    const publish = await deploy({ action: 'publish', plan });
    lambda.setAliasRouting(`predict-${bucket}`, 'live', { functionVersion: '2' });

    // Act
    const started = deploy({ action: 'start-ab-test', plan, publish });

    // Assess
    await expect(started).rejects.toThrow(expect.objectContaining({ name: 'AliasMovedError', message: `alias 'live' of predict-${bucket} serves version 2, expected 1: it moved meanwhile` }));
    expect(lambda.aliasRouting(`predict-${bucket}`, 'live')).toEqual({ functionVersion: '2', additionalVersionWeights: {} });
    expect(await registry.get<AbTestRecord>(abTestKey(NAME))).toMatchObject({ status: 'abandoned' });
    expect((await stageOf(registry, 2)).history.at(-1)).toMatchObject({ stage: 'candidate', reason: expect.stringMatching(/^A\/B test not started: alias 'live' .* moved meanwhile$/) });
    await expect(deploy({ action: 'prepare', request: { version: 2, requestedBy: 'alice' } })).resolves.toMatchObject({ version: 2, strategy: 'abTest' });
  });
});

describe('the A/B decision Lambda', () => {
  test('no running test: nothing to do', async () => {
    const { handler, cloudWatch } = decisionHandler('ab-none');
    await expect(handler()).resolves.toEqual({ decision: 'none' });
    expect(cloudWatch.calls()).toHaveLength(0);
  });

  test('window not over: wait, nothing changed; the queries name the namespace, both versions and the stats', async () => {
    // Prepare (the test started in the previous case's bucket)
    const registry = s3RegistryStore(s3.client, 'ab-wait');
    const before = (await registry.get<AbTestRecord>(abTestKey(NAME)))!;
    const { handler, cloudWatch, GetMetricData } = decisionHandler('ab-wait');
    cloudWatch.on(GetMetricData).resolves(metricData({ champion: { requests: 900, errorRate: 0, p99: 100 }, challenger: { requests: 100, errorRate: 0, p99: 90 } }, new Date()));

    // Act
    const out = await handler();

    // Assess
    expect(out.decision).toBe('wait');
    expect(lambda.aliasRouting('predict-ab-wait', 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
    expect(await registry.get(abTestKey(NAME))).toEqual(before);
    const input = cloudWatch.commandCalls(GetMetricData)[0]!.args[0].input as GetMetricDataCommandInput;
    expect(input.StartTime!.getTime()).toBeLessThanOrEqual(new Date(before.startedAt).getTime());
    expect(input.MetricDataQueries!.map((q) => [q.Id, q.MetricStat!.Metric!.MetricName, q.MetricStat!.Stat, q.MetricStat!.Metric!.Dimensions!.find((d) => d.Name === 'modelVersion')!.Value])).toEqual([
      ['champion_p99', 'Latency', 'p99', '1'],
      ['champion_requests', 'Latency', 'SampleCount', '1'],
      ['champion_errors', 'ServerErrors', 'Average', '1'],
      ['challenger_p99', 'Latency', 'p99', '2'],
      ['challenger_requests', 'Latency', 'SampleCount', '2'],
      ['challenger_errors', 'ServerErrors', 'Average', '2'],
    ]);
    expect(input.MetricDataQueries![0]!.MetricStat!.Metric).toEqual({
      Namespace: 'MLOps/flights',
      MetricName: 'Latency',
      Dimensions: [{ Name: 'environment', Value: 'prod' }, { Name: 'modelVersion', Value: '1' }, { Name: 'service', Value: 'predict' }],
    });
  });

  test('promote: the alias moves to the challenger with no weight, stages move, the decision is filed with its evidence', async () => {
    // Prepare
    const { registry, record } = await startedTest('ab-promote');
    const ended = await windowEnded(registry, record);
    const { handler, cloudWatch, GetMetricData } = decisionHandler('ab-promote');
    cloudWatch.on(GetMetricData).resolves(metricData({ champion: { requests: 9000, errorRate: 0.002, p99: 120 }, challenger: { requests: 1000, errorRate: 0.001, p99: 110 } }, new Date()));

    // Act
    const out = await handler();

    // Assess
    expect(out.decision).toBe('promote');
    expect(lambda.aliasRouting('predict-ab-promote', 'live')).toEqual({ functionVersion: '2', additionalVersionWeights: {} });
    expect((await getChampion(registry, NAME))?.version).toBe(2);
    expect((await stageOf(registry, 1)).stage).toBe('archived');
    expect(out.decisionKey).toMatch(/^registry\/flights\/ab-tests\/.+-v2\.json$/);
    const filed = (await registry.get<AbTestDecisionDocument>(out.decisionKey!))!;
    expect(filed).toMatchObject({
      decision: 'promote',
      by: 'ab-decision',
      record: ended,
      evidence: { champion: { requests: 9000, serverErrorRate: 0.002, p99LatencyMs: 120 }, challenger: { requests: 1000, serverErrorRate: 0.001, p99LatencyMs: 110 } },
    });
    expect(await registry.get<AbTestRecord>(abTestKey(NAME))).toMatchObject({ status: 'promoted', decisionKey: out.decisionKey });
    expect(await lastDeployment(registry, 'ab-promote')).toMatchObject({ event: 'deployed', version: 2, previousVersion: 1, strategy: 'abTest', by: 'ab-decision' });
    // Decided: the next look has nothing to do.
    await expect(handler()).resolves.toEqual({ decision: 'none' });
  });

  test('rollback: the weight is removed, the champion keeps serving, the challenger is archived', async () => {
    const { registry, record } = await startedTest('ab-rollback');
    await windowEnded(registry, record);
    const { handler, cloudWatch, GetMetricData } = decisionHandler('ab-rollback');
    cloudWatch.on(GetMetricData).resolves(metricData({ champion: { requests: 9000, errorRate: 0.001, p99: 120 }, challenger: { requests: 1000, errorRate: 0.001, p99: 300 } }, new Date()));

    const out = await handler();

    expect(out).toMatchObject({ decision: 'rollback', reasons: ["p99 latency 300 ms is above the champion's 120 ms × (1 + 0.01)"] });
    expect(lambda.aliasRouting('predict-ab-rollback', 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: {} });
    expect((await getChampion(registry, NAME))?.version).toBe(1);
    expect((await stageOf(registry, 2)).history.at(-1)).toMatchObject({ stage: 'archived', by: 'ab-decision' });
    expect(await lastDeployment(registry, 'ab-rollback')).toMatchObject({ event: 'rolled-back', version: 2, by: 'ab-decision' });
  });

  test('too few challenger requests at the window end: rollback with that reason', async () => {
    const { registry, record } = await startedTest('ab-few');
    await windowEnded(registry, record);
    const { handler, cloudWatch, GetMetricData } = decisionHandler('ab-few');
    cloudWatch.on(GetMetricData).resolves(metricData({ champion: { requests: 500, errorRate: 0, p99: 100 }, challenger: { requests: 0, errorRate: 0, p99: 0 } }, new Date()));

    const out = await handler();

    expect(out).toMatchObject({ decision: 'rollback', reasons: ['too few challenger requests: 0 by the end of the window, at least 100 needed to replace the champion'] });
    expect(lambda.aliasRouting('predict-ab-few', 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: {} });
    expect((await stageOf(registry, 2)).stage).toBe('archived');
  });
});

/**
 * The predict Lambda through its Function URL event (payload format 2.0) against a real S3-protocol
 * server (s3rver): registries written with the registry core from a real small training run on flights
 * rows, the handler loaded with each scenario's environment in its own module registry (it parses its
 * environment and builds its model cache at module scope, as in a Lambda container).
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { setStage, versionKey } from '../../lambda/core/registry/registry';
import { parseCaptureLines } from '../../lambda/core/serving/capture';
import { predictEnvironment } from '../../lambda/env/predict-env';
import { badRequestCases, loadPredictContainer, requestOf, type PredictContainer } from '../helpers/predict-endpoint';
import { listKeys, type LocalS3, startS3rver } from '../helpers/s3rver';
import { registerFixture, trainFixture, type TrainedFixture } from '../unit/serving/fixtures';

type Container = PredictContainer;

const BUCKETS = { main: 'predict-main', nocapture: 'predict-nocapture', empty: 'predict-empty', sagemaker: 'predict-sagemaker', binary: 'predict-binary', promote: 'predict-promote' } as const;

let s3: LocalS3;
let regression: TrainedFixture;
let binary: TrainedFixture;
const containers: Container[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3rver(Object.values(BUCKETS));
  // The SDK resolves credentials at the first request, not when the client is built: keep them set.
  Object.assign(process.env, s3.env);
  regression = await trainFixture();
  binary = await trainFixture({ task: 'binary' });
  const registry = (bucket: string) => s3RegistryStore(s3.client, bucket);
  // main: v1 champion, v2 registered (for pinning).
  await registerFixture(registry(BUCKETS.main), regression);
  await registerFixture(registry(BUCKETS.main), regression, { champion: false });
  await registerFixture(registry(BUCKETS.nocapture), regression);
  await registerFixture(registry(BUCKETS.binary), binary);
  await registerFixture(registry(BUCKETS.promote), regression);
  await registerFixture(registry(BUCKETS.promote), regression, { champion: false });
  // A version trained by SageMaker, as the register stage files it.
  const v = await registerFixture(registry(BUCKETS.sagemaker), regression);
  await registry(BUCKETS.sagemaker).put(versionKey('flights', v, 'model.json'), {
    algorithm: 'xgboost',
    engine: 'sagemaker',
    artifactUri: 's3://predict-sagemaker/registry/flights/1/model.tar.gz',
    sagemakerModelName: 'flights-run-1',
    trainingJobName: 'flights-run-1',
    hyperparameters: {},
    columns: [],
  });
});

afterAll(async () => {
  for (const c of containers) c.client.destroy();
  await s3?.stop();
  process.env = savedEnv;
});

/** Start a "container": load the handler with the environment the construct would set (plus overrides). */
function container(bucket: string, overrides: Record<string, string> = {}, fixture: TrainedFixture = regression): Container {
  const environment = {
    ...predictEnvironment({ ...fixture.config, serving: { ...fixture.config.serving, maxBatch: 5, capturePercent: 0 } }, bucket),
    POWERTOOLS_LOG_LEVEL: process.env.PREDICT_TEST_LOG ?? 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...overrides,
  };
  const loaded = loadPredictContainer(environment);
  containers.push(loaded);
  return loaded;
}

let sequence = 0;

/** A Function URL event (payload format 2.0) as Lambda delivers it. */
function urlEvent(options: { method?: string; body?: string; headers?: Record<string, string>; isBase64Encoded?: boolean; requestId?: string } = {}): LambdaFunctionURLEvent {
  const method = options.method ?? 'POST';
  const requestId = options.requestId ?? `req-${Date.now()}-${++sequence}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: options.headers ?? { 'content-type': 'application/json', host: 'abc123.lambda-url.us-east-1.on.aws' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc123',
      http: { method, path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'jest' },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: '14/Jan/2001:21:55:00 +0000',
      timeEpoch: 979509300000,
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

/** POST a JSON value (or raw text) and read the answer. */
async function call(c: Container, body: unknown, options: Parameters<typeof urlEvent>[0] = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, unknown> }> {
  const result = (await c.handler(urlEvent({ body: typeof body === 'string' ? body : JSON.stringify(body), ...options }))) as { statusCode: number; body: string; headers: Record<string, unknown> };
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown>, headers: result.headers };
}

const keysUnder = (bucket: string, prefix: string): Promise<string[]> => listKeys(s3.client, bucket, prefix);

async function textOf(bucket: string, key: string): Promise<string> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

/** Count the GetObject calls a container's S3 client makes while `act` runs. */
async function countingGets<T>(c: Container, act: () => Promise<T>): Promise<{ result: T; gets: string[] }> {
  const gets: string[] = [];
  const original = c.client.send.bind(c.client);
  const spy = jest.spyOn(c.client, 'send').mockImplementation(((command: { constructor: { name: string }; input: { Key?: string } }, ...rest: unknown[]) => {
    if (command.constructor.name === 'GetObjectCommand') gets.push(command.input.Key ?? '');
    return (original as (...args: unknown[]) => unknown)(command, ...rest);
  }) as never);
  try {
    return { result: await act(), gets };
  } finally {
    spy.mockRestore();
  }
}

const record = (i = 0) => {
  const { delay: _target, ...features } = regression.rows[i]!;
  return features;
};

describe('answers', () => {
  let main: Container;
  beforeAll(() => {
    main = container(BUCKETS.main, { CAPTURE_PERCENT: '100' });
  });

  test('a single record: prediction, modelVersion and the Function URL request id', async () => {
    // Prepare
    const event = urlEvent({ body: JSON.stringify(record(0)), requestId: 'single-1' });

    // Act
    const result = (await main.handler(event)) as { statusCode: number; headers: Record<string, string>; body: string };

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json', 'x-request-id': 'single-1', 'x-model-version': '1' });
    const body = JSON.parse(result.body) as { predictions: number[]; modelVersion: number; requestId: string };
    expect(body).toEqual({ requestId: 'single-1', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), modelVersion: 1, predictions: [expect.any(Number)] });
  });

  test('a batch answers each record as it would alone, in order', async () => {
    // Prepare
    const records = [0, 1, 2, 3, 4].map(record);
    const alone = [];
    for (const r of records) alone.push(((await call(main, r)).body.predictions as number[])[0]);

    // Act
    const answer = await call(main, { instances: records });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.predictions).toEqual(alone);
  });

  test('an unknown category is no error: it takes the spec\'s "other" code', async () => {
    // Act
    const answer = await call(main, { ...record(0), origin: 'ZZZ' });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.predictions).toEqual([expect.any(Number)]);
  });

  test('a base64-encoded JSON body is decoded', async () => {
    // Act
    const answer = await call(main, Buffer.from(JSON.stringify(record(1))).toString('base64'), { isBase64Encoded: true });

    // Assess
    expect(answer.status).toBe(200);
  });

  test('at capturePercent 100 every answered request is captured under capture/<date>/<hour>/<requestId>.jsonl', async () => {
    // Prepare
    const records = [record(5), record(6)];

    // Act
    const answer = await call(main, { instances: records }, { requestId: 'captured-batch-1' });

    // Assess
    const keys = (await keysUnder(BUCKETS.main, 'capture/')).filter((k) => k.endsWith('/captured-batch-1.jsonl'));
    expect(keys).toHaveLength(1);
    const [captured] = parseCaptureLines(await textOf(BUCKETS.main, keys[0]!));
    const at = new Date(captured!.at).toISOString();
    expect(keys[0]).toBe(`capture/${at.slice(0, 10)}/${at.slice(11, 13)}/captured-batch-1.jsonl`);
    expect(captured).toEqual({ requestId: 'captured-batch-1', at, modelVersion: 1, request: { instances: records }, response: { predictions: answer.body.predictions } });
  });

  test('a refused request is not captured', async () => {
    // Act
    await call(main, { ...record(0), distance: 'far' }, { requestId: 'refused-1' });

    // Assess
    expect((await keysUnder(BUCKETS.main, 'capture/')).some((k) => k.includes('refused-1'))).toBe(false);
  });
});

describe('capture failures never fail the request', () => {
  /** Run `act` with the container's PutObject answered by `put`, collecting the log lines. */
  async function withPut<T>(c: Container, put: (options: { abortSignal?: AbortSignal } | undefined) => Promise<unknown>, act: () => Promise<T>): Promise<{ result: T; logs: string[] }> {
    const original = c.client.send.bind(c.client);
    const send = jest.spyOn(c.client, 'send').mockImplementation(((command: { constructor: { name: string } }, options?: { abortSignal?: AbortSignal }) =>
      command.constructor.name === 'PutObjectCommand' ? put(options) : (original as (...args: unknown[]) => unknown)(command, options)) as never);
    const logs: string[] = [];
    // The logger writes ERROR lines to stderr.
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    });
    try {
      return { result: await act(), logs };
    } finally {
      send.mockRestore();
      err.mockRestore();
    }
  }

  test('a failed write is logged and the prediction answered', async () => {
    // Prepare
    const c = container(BUCKETS.nocapture, { CAPTURE_PERCENT: '100' });

    // Act
    const { result, logs } = await withPut(c, () => Promise.reject(new Error('AccessDenied')), () => call(c, record(0), { requestId: 'capture-fails-1' }));

    // Assess
    expect(result.status).toBe(200);
    expect(logs.join('')).toMatch(/"message":"capture write failed; the prediction was answered".*"requestId":"capture-fails-1".*"timedOut":false/);
  });

  test('a write slower than CAPTURE_TIMEOUT_MS is aborted and the prediction answered', async () => {
    // Prepare
    const c = container(BUCKETS.nocapture, { CAPTURE_PERCENT: '100', CAPTURE_TIMEOUT_MS: '50' });
    const hang = (options: { abortSignal?: AbortSignal } | undefined) =>
      new Promise((_resolve, reject) => options?.abortSignal?.addEventListener('abort', () => reject(new Error('Request aborted'))));
    const started = Date.now();

    // Act
    const { result, logs } = await withPut(c, hang, () => call(c, record(0), { requestId: 'capture-slow-1' }));

    // Assess
    expect(result.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(logs.join('')).toMatch(/"requestId":"capture-slow-1".*"timedOut":true/);
  });
});

describe('the model, once per container', () => {
  test('many requests read the registry once: champion pointer, model, spec', async () => {
    // Prepare
    const c = container(BUCKETS.nocapture);

    // Act
    const { result, gets } = await countingGets(c, async () => {
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push((await call(c, record(i))).status);
      return statuses;
    });

    // Assess
    expect(result).toEqual(Array(20).fill(200));
    expect(gets.sort()).toEqual(['registry/flights/1/model.json', 'registry/flights/1/transform-spec.json', 'registry/flights/champion.json']);
  });

  test('at capturePercent 0 nothing is captured', async () => {
    // Prepare
    const c = container(BUCKETS.nocapture, { CAPTURE_PERCENT: '0' });

    // Act
    for (let i = 0; i < 10; i++) await call(c, record(i));

    // Assess
    expect(await keysUnder(BUCKETS.nocapture, 'capture/')).toEqual([]);
  });

  test('MODEL_VERSION pins the version whatever the champion', async () => {
    // Prepare
    const pinned = container(BUCKETS.main, { MODEL_VERSION: '2' });
    const champion = container(BUCKETS.main, { MODEL_VERSION: '' });

    // Act
    const [a, b] = [await call(pinned, record(0)), await call(champion, record(0))];

    // Assess
    expect(a.body.modelVersion).toBe(2);
    expect(b.body.modelVersion).toBe(1);
  });

  test('a promotion reaches a container after CHAMPION_TTL_SECONDS, not before', async () => {
    // Prepare
    const eager = container(BUCKETS.promote, { CHAMPION_TTL_SECONDS: '0' });
    const patient = container(BUCKETS.promote, { CHAMPION_TTL_SECONDS: '3600' });
    const before = [await call(eager, record(0)), await call(patient, record(0))].map((a) => a.body.modelVersion);
    await setStage(s3RegistryStore(s3.client, BUCKETS.promote), 'flights', 2, 'champion', { by: 'test', reason: 'promotion' });

    // Act
    const after = [await call(eager, record(0)), await call(patient, record(0))].map((a) => a.body.modelVersion);

    // Assess
    expect(before).toEqual([1, 1]);
    expect(after).toEqual([2, 1]);
  });

  test('no champion yet is a 503 saying so', async () => {
    // Prepare
    const c = container(BUCKETS.empty);

    // Act
    const answer = await call(c, record(0));

    // Assess
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'NoModel', message: expect.stringMatching(/no model to serve yet: 'flights' has no champion in the registry/) });
  });

  test('a pinned version that is not registered is a 503 naming it', async () => {
    // Prepare
    const c = container(BUCKETS.main, { MODEL_VERSION: '42' });

    // Act
    const answer = await call(c, record(0));

    // Assess
    expect(answer.status).toBe(503);
    expect(answer.body.message).toMatch(/MODEL_VERSION=42.*is not in the registry/);
  });

  test('a SageMaker-trained champion is a 501 naming serving.engine', async () => {
    // Prepare
    const c = container(BUCKETS.sagemaker);

    // Act
    const answer = await call(c, record(0));

    // Assess
    expect(answer.status).toBe(501);
    expect(answer.body).toMatchObject({ error: 'UnsupportedModel', message: expect.stringMatching(/SageMaker XGBoost model.*serving\.engine 'sagemaker-serverless' or 'sagemaker-realtime'/) });
  });

  test('a binary model answers classes and [p0, p1] probabilities', async () => {
    // Prepare
    const c = container(BUCKETS.binary, {}, binary);

    // Act
    const answer = await call(c, { instances: [record(0), record(1), record(2)] });

    // Assess
    expect(answer.status).toBe(200);
    const probabilities = answer.body.probabilities as number[][];
    expect(probabilities).toHaveLength(3);
    probabilities.forEach(([p0, p1], i) => {
      expect(p0! + p1!).toBeCloseTo(1, 12);
      expect((answer.body.predictions as number[])[i]).toBe(p1! >= 0.5 ? 1 : 0);
    });
  });
});

describe('unknown fields follow dataset.unknownColumns', () => {
  const withPolicy = (policy: 'warn' | 'ignore') =>
    container(BUCKETS.nocapture, { DATASET_SCHEMA: JSON.stringify({ ...regression.config.dataset, unknownColumns: policy }) });

  test('warn: answered, with a warning naming the instance and field', async () => {
    // Act
    const answer = await call(withPolicy('warn'), { instances: [record(0), { ...record(1), seats: 180 }] });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.warnings).toEqual(["instance 1, field 'seats': not a column of the dataset; ignored (dataset.unknownColumns is 'warn')"]);
  });

  test('ignore: answered, no warning', async () => {
    // Act
    const answer = await call(withPolicy('ignore'), { ...record(0), seats: 180 });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.warnings).toBeUndefined();
  });
});

describe('bad requests are 4xx naming the field and the expectation, never 5xx', () => {
  let c: Container;
  beforeAll(() => {
    c = container(BUCKETS.nocapture);
  });

  const r = (): Record<string, unknown> => record(0);
  // The containers of these tests serve with serving.maxBatch 5.
  const cases = badRequestCases(r, 5);

  test(`${cases.length} cases, at least 20`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  test.each(cases)('%s → %d', async (...bad) => {
    // Prepare
    const [, status, , message] = bad;
    const event = urlEvent(requestOf(bad));

    // Act
    const result = (await c.handler(event)) as { statusCode: number; body: string };

    // Assess
    const body = JSON.parse(result.body) as { message: string; requestId: string; error: string };
    expect(result.statusCode).toBe(status);
    expect(result.statusCode).toBeLessThan(500);
    expect(body.message).toMatch(message);
    expect(body.requestId).toBe(event.requestContext.requestId);
  });

  test('every problem is also listed structurally (instance, field, expected, received)', async () => {
    // Act
    const answer = await call(c, { instances: [r(), { ...r(), distance: 'NaN', origin: 7 }] });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.problems).toEqual([
      { instance: 1, field: 'origin', expected: 'a JSON string (category)', received: 'the number 7' },
      { instance: 1, field: 'distance', expected: 'a whole JSON number', received: 'the string "NaN" (JSON has no NaN or Infinity; numbers are not accepted as strings)' },
    ]);
  });
});

describe('metrics', () => {
  test('EMF under MLOps/<name>: latency and predictions by environment and modelVersion; errors by kind; the endpoint\'s latency and server errors by environment', async () => {
    // Prepare
    const c = container(BUCKETS.nocapture, { POWERTOOLS_METRICS_DISABLED: 'false' });
    const lines: string[] = [];
    const warnings: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter((l) => l.includes('"_aws"')));
      warnings.push(...String(chunk).split('\n').filter((l) => l.includes('EMF key')));
      return true;
    });
    const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      warnings.push(...String(chunk).split('\n').filter((l) => l.includes('EMF key')));
      return true;
    });
    const warnSpy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(...args.map(String).filter((l) => l.includes('EMF key')));
    });

    // Act
    try {
      await call(c, { instances: [record(0), record(1)] });
      await call(c, { ...record(0), distance: 'far' });
    } finally {
      spy.mockRestore();
      errSpy.mockRestore();
      warnSpy.mockRestore();
    }

    // Assess: no key collision warning (Powertools would print one per request).
    expect(warnings).toEqual([]);
    const docs = lines.map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } });
    const summary = docs.map((d) => ({
      namespace: d._aws.CloudWatchMetrics[0]!.Namespace,
      dimensionSets: d._aws.CloudWatchMetrics[0]!.Dimensions.map((set) => [...set].sort()),
      metrics: d._aws.CloudWatchMetrics[0]!.Metrics.map((m) => `${m.Name}=${String(d[m.Name])}`),
      environment: d.environment,
      modelVersion: d.modelVersion,
      errorKind: d.errorKind,
    }));
    // One document per request, under the version and under the endpoint as a whole (the canary's rollback
    // alarms: a 400 is not a server error); an error adds its Errors document.
    expect(summary).toEqual([
      {
        namespace: 'MLOps/flights',
        dimensionSets: [['environment', 'modelVersion', 'service'], ['environment', 'service']],
        metrics: [expect.stringMatching(/^Latency=[\d.]+$/), 'Predictions=2', 'ServerErrors=0'],
        environment: 'dev',
        modelVersion: '1',
        errorKind: undefined,
      },
      {
        namespace: 'MLOps/flights',
        dimensionSets: [['environment', 'modelVersion', 'service'], ['environment', 'service']],
        metrics: [expect.stringMatching(/^Latency=[\d.]+$/), 'ServerErrors=0'],
        environment: 'dev',
        modelVersion: '1',
        errorKind: undefined,
      },
      { namespace: 'MLOps/flights', dimensionSets: [['environment', 'errorKind', 'modelVersion', 'service']], metrics: ['Errors=1'], environment: 'dev', modelVersion: '1', errorKind: 'BadRequest' },
    ]);
  });
});

/**
 * The predict path of the SageMaker serving engines: the front applies the version's transform spec, sends
 * the model's training CSV to the version's endpoint and maps the answer back (values, or classes with
 * probabilities); the engine's model checks, and every endpoint failure as a response.
 *
 * The endpoint here is a function standing in for SageMaker's `InvokeEndpoint` (no local SageMaker
 * exists): it receives exactly the bytes the adapter would send and answers as the built-in XGBoost
 * container does (`text/csv`, one number per row). The HTTP round trip to a runtime API is covered by
 * `test/e2e/sagemaker-serving.test.ts`.
 */
import { memoryRegistryStore, registerVersion, setStage } from '../../../lambda/core/registry/registry';
import { EndpointFailedError } from '../../../lambda/core/serving/errors';
import { ModelCache } from '../../../lambda/core/serving/model-cache';
import { featureMatrix, predictOnEndpoint, servableModel, type EndpointInvoker } from '../../../lambda/core/serving/predict';
import { servePredict, type HttpRequest } from '../../../lambda/core/serving/serve';
import { toXgboostCsv, xgboostColumns, type XgboostModelDescriptor } from '../../../lambda/core/sagemaker/xgboost';
import { registerFixture, trainFixture, type TrainedFixture } from './fixtures';

function descriptorOf(run: TrainedFixture, changes: Partial<XgboostModelDescriptor> = {}): XgboostModelDescriptor {
  return {
    algorithm: 'xgboost',
    engine: 'sagemaker',
    artifactUri: 's3://artifacts/runs/r/train/sagemaker/job/output/model.tar.gz',
    sagemakerModelName: 'flights-job',
    trainingJobName: 'flights-job',
    hyperparameters: {},
    columns: xgboostColumns(run.matrix),
    ...changes,
  };
}

/** An endpoint answering `answer(rows)` and remembering what it was sent. */
function endpoint(answer: (rows: string[]) => string): EndpointInvoker & { calls: Array<{ version: number; csv: string; rows: number }> } {
  const calls: Array<{ version: number; csv: string; rows: number }> = [];
  const invoke: EndpointInvoker = async ({ version, body, rows }) => {
    const csv = new TextDecoder().decode(body);
    calls.push({ version, csv, rows });
    return answer(csv.trimEnd().split('\n'));
  };
  return Object.assign(invoke, { calls });
}

describe('predictOnEndpoint', () => {
  test('regression: the endpoint gets the training CSV of exactly these records; its numbers come back in order', async () => {
    // Prepare
    const run = await trainFixture();
    const records = run.rows.slice(10, 14);
    const invoke = endpoint((rows) => rows.map((_, i) => String(10 + i / 4)).join(','));

    // Act
    const result = await predictOnEndpoint(descriptorOf(run), run.spec, records, 5, invoke);

    // Assess
    expect(result).toEqual({ predictions: [10, 10.25, 10.5, 10.75], modelVersion: 5 });
    expect(invoke.calls).toEqual([{ version: 5, rows: 4, csv: new TextDecoder().decode(toXgboostCsv(featureMatrix(run.spec, records))) }]);
    // One CSV field per model column on every row.
    for (const line of invoke.calls[0]!.csv.trimEnd().split('\n')) expect(line.split(',')).toHaveLength(descriptorOf(run).columns.length);
  });

  test('binary: p(1) from the endpoint becomes the class at 0.5 and [p(0), p(1)]', async () => {
    // Prepare
    const run = await trainFixture({ task: 'binary' });
    const invoke = endpoint(() => '0.2\n0.5\n0.9\n');

    // Act
    const result = await predictOnEndpoint(descriptorOf(run), run.spec, run.rows.slice(0, 3), 2, invoke);

    // Assess
    expect(result.predictions).toEqual([0, 1, 1]);
    expect(result.probabilities).toEqual([
      [0.8, 0.2],
      [0.5, 0.5],
      [expect.closeTo(0.1, 12), 0.9],
    ]);
  });

  test('a descriptor whose columns are not the spec’s is refused before any call (InvalidModel)', async () => {
    const run = await trainFixture();
    const invoke = endpoint(() => '1');
    await expect(predictOnEndpoint(descriptorOf(run, { columns: ['distance'] }), run.spec, run.rows.slice(0, 1), 3, invoke)).rejects.toThrow(/model version 3: the transform spec gives \d+ CSV columns, the model was trained on 1/);
    expect(invoke.calls).toEqual([]);
  });

  test('an answer that is not one number per record is an EndpointFailedError', async () => {
    const run = await trainFixture();
    const act = predictOnEndpoint(descriptorOf(run), run.spec, run.rows.slice(0, 2), 3, endpoint(() => '1.5'));
    await expect(act).rejects.toBeInstanceOf(EndpointFailedError);
    await expect(act).rejects.toThrow('model version 3: the endpoint answered 1 predictions for 2 rows');
  });
});

describe('servableModel by engine', () => {
  test('engine sagemaker serves XGBoost descriptors and refuses the Lambda engine’s models, naming the serving engine that serves them', async () => {
    const run = await trainFixture();
    expect(servableModel(descriptorOf(run), run.spec, 1, 'sagemaker').model).toMatchObject({ algorithm: 'xgboost' });
    expect(() => servableModel(run.model, run.spec, 1, 'sagemaker')).toThrow(/model version 1 is a gbdt model trained with model.engine 'lambda'.*serve it with serving.engine 'lambda'/);
    expect(() => servableModel(descriptorOf(run, { columns: undefined as never }), run.spec, 1, 'sagemaker')).toThrow(/XGBoost descriptor without its CSV columns/);
  });
});

describe('servePredict on a SageMaker engine', () => {
  const RECORD = { date: '2001/01/14 21:55', distance: 1000, origin: 'SFO', destination: 'LAX' };
  const post = (body: unknown): HttpRequest => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), isBase64Encoded: false });

  async function sagemakerCache(model: 'xgboost' | 'gbdt') {
    const run = await trainFixture();
    const registry = memoryRegistryStore();
    if (model === 'gbdt') await registerFixture(registry, run);
    else {
      const version = await registerVersion(registry, 'flights', { model: descriptorOf(run), transformSpec: run.spec, metrics: {}, importance: [], profile: {} }, { runId: 'run-sm', algorithm: 'xgboost' });
      await setStage(registry, 'flights', version, 'champion', { by: 'test', reason: 'serving test' });
    }
    return new ModelCache(registry, { name: 'flights', dataset: run.config.dataset, engine: 'sagemaker' });
  }

  test('200 with the endpoint’s prediction; 502 EndpointFailed when the endpoint fails; the request id in both', async () => {
    const cache = await sagemakerCache('xgboost');
    const ok = await servePredict(post(RECORD), { requestId: 'r1', model: () => cache.get(), endpoint: endpoint(() => '42.5'), maxBatch: 10, capturePercent: 0 });
    expect(ok).toMatchObject({ kind: 'ok', modelVersion: 1, predictions: 1 });
    expect(JSON.parse(ok.response.body)).toEqual({ requestId: 'r1', at: expect.any(String), modelVersion: 1, predictions: [42.5] });

    const failing: EndpointInvoker = () => Promise.reject(new EndpointFailedError('the SageMaker endpoint flights-dev-v1 (model version 1) failed: ModelError: boom'));
    const failed = await servePredict(post(RECORD), { requestId: 'r2', model: () => cache.get(), endpoint: failing, maxBatch: 10, capturePercent: 0 });
    expect(failed.response.statusCode).toBe(502);
    expect(JSON.parse(failed.response.body)).toEqual({ requestId: 'r2', error: 'EndpointFailed', modelVersion: 1, message: 'the SageMaker endpoint flights-dev-v1 (model version 1) failed: ModelError: boom' });
  });

  test('a bad record is a 400 and never reaches the endpoint', async () => {
    const cache = await sagemakerCache('xgboost');
    const invoke = endpoint(() => '1');
    const outcome = await servePredict(post({ ...RECORD, distance: 'far' }), { requestId: 'r3', model: () => cache.get(), endpoint: invoke, maxBatch: 10, capturePercent: 0 });
    expect(outcome.response.statusCode).toBe(400);
    expect(invoke.calls).toEqual([]);
  });

  test('a Lambda-engine model on a SageMaker engine is 501; an XGBoost model without an endpoint to call is 501', async () => {
    const gbdt = await sagemakerCache('gbdt');
    const refused = await servePredict(post(RECORD), { requestId: 'r4', model: () => gbdt.get(), endpoint: endpoint(() => '1'), maxBatch: 10, capturePercent: 0 });
    expect(refused.response.statusCode).toBe(501);
    const xgb = await sagemakerCache('xgboost');
    const noEndpoint = await servePredict(post(RECORD), { requestId: 'r5', model: () => xgb.get(), maxBatch: 10, capturePercent: 0 });
    expect(noEndpoint.response.statusCode).toBe(501);
    expect(JSON.parse(noEndpoint.response.body)).toMatchObject({ error: 'UnsupportedModel', message: expect.stringMatching(/no SageMaker endpoint to call/) });
  });
});

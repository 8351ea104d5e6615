/**
 * The endpoint's HTTP semantics without Lambda: statuses, the response bodies, what is captured, and
 * the metrics of each outcome.
 */
import { memoryRegistryStore } from '../../../lambda/core/registry/registry';
import { parseCaptureLines } from '../../../lambda/core/serving/capture';
import { NoModelError } from '../../../lambda/core/serving/errors';
import { servingMetrics } from '../../../lambda/core/serving/metrics';
import { ModelCache } from '../../../lambda/core/serving/model-cache';
import { MAX_BODY_BYTES, servePredict, type HttpRequest, type ServeOptions } from '../../../lambda/core/serving/serve';
import { registerFixture, trainFixture } from './fixtures';

const RECORD = { date: '2001/01/14 21:55', distance: 1000, origin: 'SFO', destination: 'LAX' };

function post(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpRequest {
  return { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), isBase64Encoded: false };
}

async function options(overrides: Partial<ServeOptions> = {}): Promise<ServeOptions> {
  const registry = memoryRegistryStore();
  const run = await trainFixture();
  await registerFixture(registry, run);
  const cache = new ModelCache(registry, { name: 'flights', dataset: run.config.dataset });
  return { requestId: 'req-1', model: () => cache.get(), maxBatch: 10, capturePercent: 0, now: new Date('2001-03-04T05:06:07Z'), ...overrides };
}

describe('servePredict', () => {
  test('a record is answered with the prediction, the version and the request id', async () => {
    // Act
    const outcome = await servePredict(post(RECORD), await options());

    // Assess
    expect(outcome.response.statusCode).toBe(200);
    expect(outcome.response.headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'req-1', 'x-model-version': '1' });
    expect(JSON.parse(outcome.response.body)).toEqual({ requestId: 'req-1', at: '2001-03-04T05:06:07.000Z', modelVersion: 1, predictions: [expect.any(Number)] });
    expect(outcome).toMatchObject({ kind: 'ok', modelVersion: 1, predictions: 1 });
    expect(outcome.capture).toBeUndefined();
  });

  test('a captured request carries its object: key by answer time, the request as a batch, the response; the response names the same time (what a label line quotes)', async () => {
    // Act
    const outcome = await servePredict(post(RECORD), await options({ capturePercent: 100 }));

    // Assess
    const answer = JSON.parse(outcome.response.body) as { predictions: number[]; at: string };
    expect(answer.at).toBe('2001-03-04T05:06:07.000Z');
    expect(outcome.capture?.key).toBe('capture/2001-03-04/05/req-1.jsonl');
    expect(parseCaptureLines(outcome.capture!.body)).toEqual([
      { requestId: 'req-1', at: '2001-03-04T05:06:07.000Z', modelVersion: 1, request: { instances: [RECORD] }, response: { predictions: answer.predictions } },
    ]);
  });

  test('a malformed request is a 400 even when there is no model to serve', async () => {
    // Prepare
    const noModel = await options({ model: () => Promise.reject(new NoModelError('no champion')) });

    // Act
    const bad = await servePredict(post([RECORD]), noModel);
    const good = await servePredict(post(RECORD), noModel);

    // Assess
    expect(bad.response.statusCode).toBe(400);
    expect(good.response.statusCode).toBe(503);
    expect(JSON.parse(good.response.body)).toEqual({ requestId: 'req-1', error: 'NoModel', message: 'no champion' });
  });

  test('an unexpected error is a 500 that hides its message and hands the error to the caller', async () => {
    // Prepare
    const failing = await options({ model: () => Promise.reject(new Error('GetObject s3://secret-bucket/key failed')) });

    // Act
    const outcome = await servePredict(post(RECORD), failing);

    // Assess
    expect(outcome.response.statusCode).toBe(500);
    expect(outcome.response.body).not.toContain('secret-bucket');
    expect(JSON.parse(outcome.response.body)).toEqual({ requestId: 'req-1', error: 'Internal', message: 'internal error; quote request id req-1' });
    expect(outcome.error?.message).toContain('secret-bucket');
  });

  test('a 405 says which method is allowed', async () => {
    // Act
    const outcome = await servePredict({ method: 'PUT', headers: {}, isBase64Encoded: false }, await options());

    // Assess
    expect(outcome.response).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
  });

  test.each([
    ['application/json; charset=utf-8', 200],
    ['Application/JSON', 200],
    ['application/json; charset=latin1', 415],
    ['text/json', 415],
  ])('content-type %s → %d', async (contentType, status) => {
    // Act
    const outcome = await servePredict(post(RECORD, { 'content-type': contentType }), await options());

    // Assess
    expect(outcome.response.statusCode).toBe(status);
  });

  test('the body limit is measured on the decoded bytes', async () => {
    // Prepare
    const padded = JSON.stringify({ ...RECORD, pad: 'x'.repeat(MAX_BODY_BYTES) });
    const base64 = Buffer.from(JSON.stringify(RECORD)).toString('base64');

    // Act
    const tooLarge = await servePredict(post(padded), await options());
    const encoded = await servePredict({ ...post(''), body: base64, isBase64Encoded: true }, await options());

    // Assess
    expect(tooLarge.response.statusCode).toBe(413);
    expect(encoded.response.statusCode).toBe(200);
  });
});

describe('servingMetrics', () => {
  test('a success: one document, latency, predictions and server errors under environment and modelVersion, and environment alone', () => {
    // Act
    const documents = servingMetrics({ kind: 'ok', modelVersion: 3, predictions: 5 }, { environment: 'dev', latencyMs: 12 });

    // Assess
    expect(documents).toEqual([
      {
        // Per version (the A/B test's decision), and the endpoint as a whole (the canary's rollback alarms).
        dimensionSets: [{ environment: 'dev', modelVersion: '3' }, { environment: 'dev' }],
        metrics: [
          { name: 'Latency', unit: 'Milliseconds', value: 12 },
          { name: 'Predictions', unit: 'Count', value: 5 },
          { name: 'ServerErrors', unit: 'Count', value: 0 },
        ],
      },
    ]);
  });

  test('ServerErrors is 1 for the endpoint\'s own failures (a model that cannot load or run, a failed SageMaker endpoint, an internal error), 0 for client errors and for no model yet', () => {
    const serverErrors = (kind: Parameters<typeof servingMetrics>[0]['kind']): number | undefined =>
      servingMetrics({ kind, modelVersion: 2, predictions: 0 }, { environment: 'prod', latencyMs: 1 })[0]!.metrics.find((m) => m.name === 'ServerErrors')?.value;
    expect(['InvalidModel', 'UnsupportedModel', 'EndpointFailed', 'Internal'].map((k) => serverErrors(k as 'Internal'))).toEqual([1, 1, 1, 1]);
    expect(['BadRequest', 'MethodNotAllowed', 'UnsupportedMediaType', 'PayloadTooLarge', 'NoModel', 'ok'].map((k) => serverErrors(k as 'Internal'))).toEqual(Array(6).fill(0));
  });

  test('an error: latency, and a second document with Errors under its errorKind; no model yet is modelVersion none; a failed capture is counted', () => {
    // Act
    const refused = servingMetrics({ kind: 'NoModel', predictions: 0 }, { environment: 'prod', latencyMs: 3 });
    const captureFailed = servingMetrics({ kind: 'ok', modelVersion: 1, predictions: 1 }, { environment: 'prod', latencyMs: 3, captureFailed: true });

    // Assess
    expect(refused).toEqual([
      {
        dimensionSets: [{ environment: 'prod', modelVersion: 'none' }, { environment: 'prod' }],
        metrics: [
          { name: 'Latency', unit: 'Milliseconds', value: 3 },
          { name: 'ServerErrors', unit: 'Count', value: 0 },
        ],
      },
      { dimensionSets: [{ environment: 'prod', modelVersion: 'none', errorKind: 'NoModel' }], metrics: [{ name: 'Errors', unit: 'Count', value: 1 }] },
    ]);
    expect(captureFailed[0]!.metrics.map((m) => m.name)).toEqual(['Latency', 'Predictions', 'CaptureFailures', 'ServerErrors']);
  });
});

describe('explanations ("explain": true, governance level)', () => {
  const batch = (body: Record<string, unknown>) => post({ instances: [RECORD, { ...RECORD, origin: 'JFK', distance: 2500 }], ...body });

  test('offered: each instance gets base value and per-feature contributions that add up to its prediction', async () => {
    const outcome = await servePredict(batch({ explain: true }), await options({ explanations: true }));
    expect(outcome.response.statusCode).toBe(200);
    const body = JSON.parse(outcome.response.body) as { predictions: number[]; explanations: Array<{ baseValue: number; contributions: Record<string, number> }> };
    expect(body.explanations).toHaveLength(2);
    body.explanations.forEach((e, i) => {
      expect(Object.values(e.contributions).reduce((a, b) => a + b, e.baseValue)).toBeCloseTo(body.predictions[i]!, 8);
      expect(Object.keys(e.contributions)).toEqual(expect.arrayContaining(['distance', 'origin']));
    });
    // Different inputs, different attributions.
    expect(body.explanations[0]!.contributions.distance).not.toBe(body.explanations[1]!.contributions.distance);
  });

  test('not offered below the governance level: 400 naming the field; "explain": false or absent answers as usual', async () => {
    const refused = await servePredict(batch({ explain: true }), await options());
    expect(refused.response.statusCode).toBe(400);
    expect(JSON.parse(refused.response.body)).toMatchObject({ error: 'BadRequest', message: expect.stringMatching(/^explain: explanations are offered at the governance level/) });
    const plain = await servePredict(batch({ explain: false }), await options());
    expect(JSON.parse(plain.response.body)).not.toHaveProperty('explanations');
  });

  test('"explain" must be a boolean', async () => {
    const outcome = await servePredict(batch({ explain: 'yes' }), await options({ explanations: true }));
    expect(outcome.response.statusCode).toBe(400);
    expect(JSON.parse(outcome.response.body).message).toMatch(/explain: true or false/);
  });
});

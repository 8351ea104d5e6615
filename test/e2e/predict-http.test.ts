/**
 * The predict endpoint over real HTTP: the predict handler behind the local platform's Function URL
 * server (`FunctionUrlServer`: each HTTP request becomes the payload-2.0 event Lambda would send, and the
 * handler's result becomes the HTTP response as Lambda maps it), its registry on s3rver with a champion
 * trained on flights rows. Requests are sent with `node:http`, which sends exactly the headers given
 * (fetch would add a content type of its own).
 *
 * The bad requests are the same table as the handler's event tests (`test/helpers/predict-endpoint.ts`),
 * minus the cases that set `isBase64Encoded` (the Function URL chooses that encoding from the content
 * type; an HTTP client cannot), plus cases only HTTP can send: a binary content type (base64-encoded by
 * the URL), bytes that are not UTF-8, a body over the Function URL's own 6 MB limit (the local server
 * buffers any size and the handler answers 413; on AWS the Function URL answers 413 before the function
 * runs), other methods, a chunked body.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { MAX_BODY_BYTES } from '../../lambda/core/serving/serve';
import { badRequestCases, requestOf, startPredictBehindUrl, type BadRequest, type BadRequestCase, type PredictBehindUrl } from '../helpers/predict-endpoint';
import type { TrainedFixture } from '../unit/serving/fixtures';

const BUCKET = 'predict-http';
const MAX_BATCH = 5;

let predict: PredictBehindUrl;
let regression: TrainedFixture;
let url: string;
const handlerErrors: Error[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  predict = await startPredictBehindUrl(BUCKET, { maxBatch: MAX_BATCH, onError: (error) => handlerErrors.push(error) });
  regression = predict.fixture;
  url = predict.url;
});

afterAll(async () => {
  await predict?.stop();
  process.env = savedEnv;
});

/** An HTTP answer. */
interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/** Send one request as given (method, headers, body bytes; `chunked`: no content-length) and read the JSON answer. */
function send(options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A body goes with its content-length (as fetch and curl send it), unless sent chunked: Node sends
    // neither for a DELETE body, which the server would read as the start of a second request.
    const length = options.body !== undefined && !options.chunked ? { 'content-length': String(Buffer.byteLength(options.body)) } : {};
    const req = httpRequest(url, { method: options.method ?? 'POST', headers: { ...(options.headers ?? {}), ...length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> });
        } catch {
          reject(new Error(`${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    if (options.chunked && options.body !== undefined) {
      // Two writes before end: Node sends `transfer-encoding: chunked`.
      const body = Buffer.from(options.body);
      req.write(body.subarray(0, 10));
      req.end(body.subarray(10));
    } else {
      req.end(options.body);
    }
  });
}

/** A case's request over HTTP: absent headers mean `content-type: application/json`, as in the event tests. */
function sendCase(request: BadRequest): Promise<Answer> {
  return send({
    ...(request.method ? { method: request.method } : {}),
    headers: request.headers ?? { 'content-type': 'application/json' },
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
}

const record = (i = 0): Record<string, unknown> => {
  const { delay: _target, ...features } = regression.rows[i]!;
  return features;
};

/** A bad request only HTTP can send, with the status and message it must get. */
type HttpCase = readonly [name: string, status: number, request: () => Parameters<typeof send>[0], message: RegExp];

const shared: readonly BadRequestCase[] = badRequestCases(() => record(0), MAX_BATCH)
  // The requests built by functions need the trained records (not yet there): none of them is base64.
  .filter(([, , request]) => typeof request === 'function' || request.isBase64Encoded !== true);
const json = { 'content-type': 'application/json' };
const httpOnly: readonly HttpCase[] = [
  // The Function URL passes a body of a non-text type base64-encoded; the handler decodes it, then refuses the type.
  ['a JSON body sent as application/octet-stream', 415, () => ({ headers: { 'content-type': 'application/octet-stream' }, body: JSON.stringify(record(0)) }), /content-type must be application\/json, got "application\/octet-stream"/],
  // The local server decodes a text body as Lambda passes it (UTF-8, invalid bytes replaced): the JSON breaks.
  ['bytes that are not UTF-8 under application/json', 400, () => ({ headers: json, body: Buffer.from([0xff, 0xfe, 0x7b]) }), /the body is not valid (UTF-8|JSON)/],
  ["a body over the Function URL's 6 MB limit", 413, () => ({ headers: json, body: JSON.stringify({ ...record(0), pad: 'x'.repeat(6 * 1024 * 1024 + 1) }) }), /the body is \d+ bytes; at most 262144 \(256 KiB\)/],
  ['a body just over 256 KiB, sent chunked', 413, () => ({ headers: json, chunked: true, body: JSON.stringify({ ...record(0), pad: 'x'.repeat(MAX_BODY_BYTES) }) }), /the body is \d+ bytes; at most 262144/],
  ['a bad record, sent chunked', 400, () => ({ headers: json, chunked: true, body: JSON.stringify({ ...record(0), distance: 'far' }) }), /instance 0, field 'distance': expected a whole JSON number, got the string "far"/],
  ['PUT', 405, () => ({ method: 'PUT', headers: json, body: JSON.stringify(record(0)) }), /method PUT is not allowed: send POST/],
  ['OPTIONS', 405, () => ({ method: 'OPTIONS' }), /method OPTIONS is not allowed/],
  ['a form post', 415, () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'distance=1000&origin=SFO' }), /content-type must be application\/json, got "application\/x-www-form-urlencoded"/],
];

describe('answers over HTTP', () => {
  test('a record: 200 with the prediction, modelVersion, and the request id in body and header', async () => {
    // Act
    const answer = await send({ headers: json, body: JSON.stringify(record(0)) });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/json', 'x-model-version': '1' });
    expect(answer.body).toEqual({ requestId: answer.headers['x-request-id'], at: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), modelVersion: 1, predictions: [expect.any(Number)] });
  });

  test('an unknown category is no error: 200, it takes the spec\'s "other" code', async () => {
    // Act
    const answer = await send({ headers: json, body: JSON.stringify({ ...record(0), origin: 'ZZZ' }) });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.predictions).toEqual([expect.any(Number)]);
  });

  test('a full batch (serving.maxBatch records) with a content type in capitals and charset=UTF-8', async () => {
    // Act
    const answer = await send({ headers: { 'Content-Type': 'Application/JSON; charset=UTF-8' }, body: JSON.stringify({ instances: [0, 1, 2, 3, 4].map(record) }) });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.predictions).toHaveLength(MAX_BATCH);
  });
});

describe('bad requests over HTTP are 4xx naming the field and the expectation, never 5xx', () => {
  test(`${shared.length} shared cases + ${httpOnly.length} HTTP-only cases, at least 20`, () => {
    expect(shared.length + httpOnly.length).toBeGreaterThanOrEqual(20);
  });

  test.each(shared)('%s → %d', async (...bad) => {
    // Prepare
    const [, status, , message] = bad;
    const request = requestOf(bad);

    // Act
    const answer = await sendCase(request);

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.status).toBeLessThan(500);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.body.message).toMatch(message);
    expect(answer.body.requestId).toBe(answer.headers['x-request-id']);
  });

  test.each(httpOnly)('HTTP only: %s → %d', async (_name, status, request, message) => {
    // Act
    const answer = await send(request());

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.message).toMatch(message);
    expect(answer.body.requestId).toBe(answer.headers['x-request-id']);
  });

  test('a 405 says which method to use (allow: POST)', async () => {
    // Act
    const answer = await send({ method: 'GET' });

    // Assess
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
  });

  test('the handler threw for none of them (the server would have answered 502)', () => {
    expect(handlerErrors).toEqual([]);
  });
});

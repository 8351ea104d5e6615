/**
 * Shared by the predict tests (through the handler's event, over HTTP behind a Function URL server, and
 * through `mlops predict`): a predict handler "container" loaded with an environment, and the table of
 * bad requests with the status and message each must get.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { MAX_BODY_BYTES } from '../../lambda/core/serving/serve';
import { predictEnvironment } from '../../lambda/env/predict-env';
import { FunctionUrlServer, type UrlHandler } from '../../local/function-url-server';
import { registerFixture, trainFixture, type TrainedFixture } from '../unit/serving/fixtures';
import { startS3rver, type LocalS3 } from './s3rver';

/** The predict Lambda's entry point. */
export type PredictHandler = (event: LambdaFunctionURLEvent) => Promise<LambdaFunctionURLResult>;

/** One handler "container": its entry point and the S3 client its module built. */
export interface PredictContainer {
  readonly handler: PredictHandler;
  readonly client: S3Client;
}

/**
 * Load the predict handler with `environment` in its own module registry, as a new Lambda container
 * would: it parses its environment and builds its model cache and S3 client at module scope. The process
 * environment is restored afterwards (the S3 client resolves its credentials at the first request: the
 * caller keeps the credential variables set).
 */
export function loadPredictContainer(environment: Readonly<Record<string, unknown>>): PredictContainer {
  const saved = { ...process.env };
  let loaded: PredictContainer | undefined;
  try {
    Object.assign(process.env, environment);
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { handler } = require('../../lambda/handlers/predict') as { handler: PredictHandler };
      const { s3Client } = require('../../lambda/aws/clients') as typeof import('../../lambda/aws/clients');
      /* eslint-enable @typescript-eslint/no-require-imports */
      loaded = { handler, client: s3Client() };
    });
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return loaded!;
}

/** The predict handler behind a local Function URL, serving a trained fixture from a registry on s3rver. */
export interface PredictBehindUrl {
  readonly s3: LocalS3;
  readonly fixture: TrainedFixture;
  readonly container: PredictContainer;
  readonly server: FunctionUrlServer;
  readonly url: string;
  /** Stop the server, the container's client and s3rver. */
  stop(): Promise<void>;
}

/**
 * Register the regression fixture as champion in `bucket` on a fresh s3rver and serve it with the predict
 * handler behind a {@link FunctionUrlServer} (capture off, metrics off, logs at `PREDICT_TEST_LOG` or ERROR).
 * The s3rver credentials are left in `process.env`: the handler's client resolves them at its first request.
 */
export async function startPredictBehindUrl(
  bucket: string,
  options: { readonly maxBatch: number; readonly environment?: Readonly<Record<string, string>>; readonly onError?: (error: Error) => void },
): Promise<PredictBehindUrl> {
  const s3 = await startS3rver([bucket]);
  Object.assign(process.env, s3.env);
  const fixture = await trainFixture();
  await registerFixture(s3RegistryStore(s3.client, bucket), fixture);
  const container = loadPredictContainer({
    ...predictEnvironment({ ...fixture.config, serving: { ...fixture.config.serving, maxBatch: options.maxBatch, capturePercent: 0 } }, bucket),
    POWERTOOLS_LOG_LEVEL: process.env.PREDICT_TEST_LOG ?? 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...options.environment,
  });
  const server = new FunctionUrlServer(container.handler as UrlHandler, options.onError);
  const url = await server.listen();
  return {
    s3,
    fixture,
    container,
    server,
    url,
    stop: async () => {
      await server.close();
      container.client.destroy();
      await s3.stop();
    },
  };
}

/**
 * A request as a client sends it. Absent `headers` mean `content-type: application/json`; absent `method`
 * means POST. `isBase64Encoded` is the Function URL's choice (for bodies of non-text content types), which
 * an HTTP client cannot make: over HTTP such cases do not apply.
 */
export interface BadRequest {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
}

/** A case: its name, the status expected, the request (a function where it needs the trained records), and the message. */
export type BadRequestCase = readonly [name: string, status: number, request: BadRequest | (() => BadRequest), message: RegExp];

/**
 * Bad requests and what the predict endpoint must answer each: a 4xx naming the field and the expectation,
 * never a 5xx.
 * @param record a valid record of the served model's dataset (called when a case's request is built)
 * @param maxBatch the container's `serving.maxBatch`
 */
export function badRequestCases(record: () => Record<string, unknown>, maxBatch: number): BadRequestCase[] {
  const json = { 'content-type': 'application/json' };
  const r = record;
  return [
    ['an empty body', 400, { body: '' }, /the body is empty/],
    ['no body at all', 400, { headers: json }, /the body is empty/],
    ['invalid JSON', 400, { body: '{"distance": 1000,' }, /the body is not valid JSON/],
    ['a wrong content type', 415, { body: '{}', headers: { 'content-type': 'text/plain' } }, /content-type must be application\/json, got "text\/plain"/],
    ['no content type', 415, { body: '{}', headers: {} }, /content-type must be application\/json, got none/],
    ['a non-UTF-8 charset', 415, { body: '{}', headers: { 'content-type': 'application/json; charset=iso-8859-1' } }, /charset must be utf-8, got "iso-8859-1"/],
    ['GET', 405, { method: 'GET' }, /method GET is not allowed: send POST/],
    ['DELETE', 405, { method: 'DELETE', body: '{}' }, /method DELETE is not allowed/],
    ['a missing feature', 400, () => ({ body: JSON.stringify({ ...r(), distance: undefined }) }), /instance 0, field 'distance': expected a whole JSON number, got nothing \(the field is missing\)/],
    ['a string for a number', 400, () => ({ body: JSON.stringify({ ...r(), distance: '1000' }) }), /field 'distance': expected a whole JSON number, got the string "1000"/],
    ['null where not nullable', 400, () => ({ body: JSON.stringify({ ...r(), origin: null }) }), /field 'origin': expected a JSON string \(category\) \(the column is not nullable\), got null/],
    ['"NaN" for a number', 400, () => ({ body: JSON.stringify({ ...r(), distance: 'NaN' }) }), /field 'distance': expected a whole JSON number, got the string "NaN" \(JSON has no NaN or Infinity/],
    ['"Infinity" for a number', 400, () => ({ body: JSON.stringify({ ...r(), distance: 'Infinity' }) }), /field 'distance': .*got the string "Infinity" \(JSON has no NaN or Infinity/],
    ['1e999 (parses to Infinity)', 400, () => ({ body: JSON.stringify(r()).replace(/"distance":\d+/, '"distance":1e999') }), /field 'distance': expected a whole JSON number, got a number out of range \(Infinity\)/],
    ['an unknown field (fail)', 400, () => ({ body: JSON.stringify({ ...r(), seats: 180 }) }), /field 'seats': expected no such field: one of the dataset's columns \(.*\); dataset.unknownColumns is 'fail'/],
    [
      'too many instances',
      400,
      () => ({ body: JSON.stringify({ instances: Array.from({ length: maxBatch + 1 }, r) }) }),
      new RegExp(`instances: at most ${maxBatch} records \\(serving\\.maxBatch\\), got ${maxBatch + 1}`),
    ],
    ['an oversized payload', 413, () => ({ body: JSON.stringify({ ...r(), pad: 'x'.repeat(MAX_BODY_BYTES) }) }), /the body is \d+ bytes; at most 262144 \(256 KiB\)/],
    ['a base64 body that is not JSON', 400, { body: Buffer.from('not json').toString('base64'), isBase64Encoded: true }, /the body is not valid JSON/],
    ['a base64 body that is not UTF-8', 400, { body: Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'), isBase64Encoded: true }, /the body is not valid UTF-8 after base64 decoding/],
    ['an array at the top level', 400, () => ({ body: JSON.stringify([r()]) }), /the body must be a JSON object: one record .* or a batch .*; got an array/],
    ['a string at the top level', 400, { body: '"predict please"' }, /the body must be a JSON object.*got the string "predict please"/],
    ['empty instances', 400, { body: '{"instances": []}' }, /instances: at least one record/],
    ['instances that are not records', 400, () => ({ body: JSON.stringify({ instances: [r(), 'SFO'] }) }), /instances\[1\]: expected a record \(a JSON object\), got the string "SFO"/],
    ['an extra top-level field beside instances', 400, () => ({ body: JSON.stringify({ instances: [r()], verbose: true }) }), /unknown top-level field 'verbose'/],
    ['explanations asked for where they are not offered (below level 4)', 400, () => ({ body: JSON.stringify({ instances: [r()], explain: true }) }), /^explain: explanations are offered at the governance level/],
    ['a nested object as a value', 400, () => ({ body: JSON.stringify({ ...r(), origin: { code: 'SFO' } }) }), /field 'origin': expected a JSON string \(category\), got an object/],
    ['a boolean for a number', 400, () => ({ body: JSON.stringify({ ...r(), distance: true }) }), /field 'distance': expected a whole JSON number, got the boolean true/],
    ['a number for a category', 400, () => ({ body: JSON.stringify({ ...r(), destination: 123 }) }), /field 'destination': expected a JSON string \(category\), got the number 123/],
    ['a fraction for an integer', 400, () => ({ body: JSON.stringify({ ...r(), distance: 10.5 }) }), /field 'distance': expected a whole JSON number, got the number 10.5 \(not a whole number\)/],
    ['a bad datetime', 400, () => ({ body: JSON.stringify({ ...r(), date: 'Sunday evening' }) }), /field 'date': expected a date-time string such as "2001-01-14T21:55:00Z"/],
    ['an impossible date', 400, () => ({ body: JSON.stringify({ ...r(), date: '2001-02-30 10:00' }) }), /field 'date': expected a date-time string.*got the string "2001-02-30 10:00"/],
    ['epoch milliseconds for a datetime', 400, () => ({ body: JSON.stringify({ ...r(), date: 979509300000 }) }), /field 'date': expected a date-time string.*got the number 979509300000/],
    ['an empty string for a category', 400, () => ({ body: JSON.stringify({ ...r(), origin: '' }) }), /field 'origin': .*not nullable.*got the empty string/],
    ['a bad record deep in a batch', 400, () => ({ body: JSON.stringify({ instances: [r(), r(), { ...r(), distance: 'NaN' }] }) }), /^invalid record: instance 2, field 'distance'/],
  ];
}

/** A case's request, built. */
export function requestOf(c: BadRequestCase): BadRequest {
  const request = c[2];
  return typeof request === 'function' ? request() : request;
}

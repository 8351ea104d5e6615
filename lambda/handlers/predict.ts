/**
 * Predict Lambda behind a Function URL (payload format 2.0) — the one API whatever the serving engine: it
 * scores in process (engine `lambda`) or calls the model version's SageMaker endpoint (the SageMaker
 * engines; `lambda/aws/sagemaker-endpoint.ts`) after applying the version's transform spec. It maps the event
 * to the core's HTTP request, answers with `servePredict`, writes the sampled capture, emits the metrics.
 * Everything the endpoint decides — status codes, validation, the model, the answer, which requests are
 * captured — is in `lambda/core/serving`, shared with the local platform.
 *
 * The model comes from the registry in the artifact bucket, loaded once per container: version
 * `MODEL_VERSION` when set at deploy, else the champion, whose pointer is re-read at most every
 * `CHAMPION_TTL_SECONDS` (default 60 s) — see `ModelCache`.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { s3Client, sageMakerRuntimeClient } from '../aws/clients';
import { sagemakerEndpointInvoker } from '../aws/sagemaker-endpoint';
import { s3RegistryStore } from '../aws/s3-registry-store';
import { SAFE_REQUEST_ID } from '../core/serving/capture';
import { servingMetrics } from '../core/serving/metrics';
import { ModelCache } from '../core/serving/model-cache';
import { servePredict, type HttpRequest, type PredictOutcome } from '../core/serving/serve';
import { parseDatasetSchema } from '../core/validation/dataset-schema';
import { predictEnvSchema } from '../env/predict-env';

const env = predictEnvSchema.parse(process.env);
const dataset = parseDatasetSchema(env.DATASET_SCHEMA);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
// `environment` is in every dimension set: a default dimension, so the sets do not repeat it (Powertools
// warns, on every publish, about a key that two sets define).
const metrics = new Metrics({ namespace: `MLOps/${env.PLATFORM_NAME}`, serviceName: env.POWERTOOLS_SERVICE_NAME, defaultDimensions: { environment: env.ENVIRONMENT_NAME } });
const client = s3Client();
const onSageMaker = env.SERVING_ENGINE !== 'lambda';
const endpoint = onSageMaker ? sagemakerEndpointInvoker(sageMakerRuntimeClient, { name: env.PLATFORM_NAME, environment: env.ENVIRONMENT_NAME, timeoutMs: env.ENDPOINT_TIMEOUT_MS }) : undefined;
const models = new ModelCache(s3RegistryStore(client, env.ARTIFACT_BUCKET), {
  name: env.PLATFORM_NAME,
  dataset,
  engine: onSageMaker ? 'sagemaker' : 'lambda',
  ...(env.MODEL_VERSION !== undefined ? { pinnedVersion: env.MODEL_VERSION } : {}),
  championTtlMs: env.CHAMPION_TTL_SECONDS * 1000,
  onRefreshError: (error) => logger.warn('champion pointer re-read failed; serving the loaded model', { error: error as Error }),
});

/** The Function URL event as the core's HTTP request (header names in lower case). */
function httpRequestOf(event: LambdaFunctionURLEvent): HttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    headers,
    ...(event.body !== undefined ? { body: event.body } : {}),
    isBase64Encoded: event.isBase64Encoded === true,
  };
}

/** The Function URL's request id (what its access logs show), or a fresh one if it cannot name an S3 key. */
function requestIdOf(event: LambdaFunctionURLEvent): string {
  const id = event.requestContext?.requestId;
  return typeof id === 'string' && SAFE_REQUEST_ID.test(id) ? id : randomUUID();
}

/**
 * Write the capture object; false when it failed or timed out (logged, never an error of the request).
 *
 * The write is awaited, so a captured request's latency includes one PutObject (tens of ms; only the
 * `capturePercent` share pays it). Not awaiting would be a lie in a buffered Lambda: once the handler
 * returns, the execution environment is frozen and an unfinished request may never complete. The
 * alternatives are response streaming (send the answer, then write: an `awslambda.streamifyResponse`
 * handler and a Function URL in RESPONSE_STREAM mode, which changes the contract with the local
 * platform) or a Lambda extension that flushes after the response; neither is worth it at a 10% sample.
 * The wait is capped at `CAPTURE_TIMEOUT_MS` (the write is aborted then), so a slow S3 cannot hold a
 * prediction hostage.
 */
async function writeCapture(capture: NonNullable<PredictOutcome['capture']>, requestId: string): Promise<boolean> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), env.CAPTURE_TIMEOUT_MS);
  try {
    await client.send(new PutObjectCommand({ Bucket: env.ARTIFACT_BUCKET, Key: capture.key, Body: capture.body, ContentType: 'application/x-ndjson' }), { abortSignal: abort.signal });
    return true;
  } catch (error) {
    logger.error('capture write failed; the prediction was answered', { requestId, key: capture.key, timedOut: abort.signal.aborted, error: error as Error });
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Emit the request's metrics as EMF: one document, its metrics under each of its dimension sets (two on an
 * error). `environment` comes from the default dimensions; the set of `environment` alone is an empty set.
 */
function emitMetrics(outcome: PredictOutcome, latencyMs: number, captureFailed: boolean): void {
  for (const document of servingMetrics(outcome, { environment: env.ENVIRONMENT_NAME, latencyMs, captureFailed })) {
    for (const { environment: _default, ...set } of document.dimensionSets) metrics.addDimensions(set);
    for (const m of document.metrics) metrics.addMetric(m.name, m.unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, m.value);
    metrics.publishStoredMetrics();
  }
}

/** Lambda entry point (Function URL, payload format 2.0). */
export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  const started = performance.now();
  const requestId = requestIdOf(event);
  const outcome = await servePredict(httpRequestOf(event), {
    requestId,
    model: () => models.get(),
    ...(endpoint ? { endpoint } : {}),
    maxBatch: env.MAX_BATCH,
    explanations: env.EXPLANATIONS === 'on',
    capturePercent: env.CAPTURE_PERCENT,
  });
  const captureFailed = outcome.capture ? !(await writeCapture(outcome.capture, requestId)) : false;
  if (outcome.kind !== 'ok') {
    const status = outcome.response.statusCode;
    // No model yet (503 before the first deployment) is a state, not a failure: a warning without a stack.
    if (outcome.kind === 'NoModel') logger.warn('no model to serve yet', { requestId, status, message: outcome.error?.message });
    else if (status >= 500) logger.error('predict failed', { requestId, kind: outcome.kind, status, error: outcome.error });
    else logger.info('request refused', { requestId, kind: outcome.kind, status, message: outcome.error?.message });
  }
  emitMetrics(outcome, performance.now() - started, captureFailed);
  return outcome.response;
}

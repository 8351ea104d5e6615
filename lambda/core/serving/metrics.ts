/**
 * The predict endpoint's metrics, as data: the handler emits them as EMF (namespace `MLOps/<name>`),
 * every group under the dimensions `environment` and `modelVersion` (`none` before a model is loaded).
 *
 * - `Latency` (ms): time from the request to the response, capture write included.
 * - `Predictions` (count): records answered.
 * - `Errors` (count) with the extra dimension `errorKind` (BadRequest, MethodNotAllowed,
 *   UnsupportedMediaType, PayloadTooLarge, NoModel, UnsupportedModel, InvalidModel, EndpointFailed, Internal).
 * - `CaptureFailures` (count): captures that could not be written (the request still succeeded).
 * - `ServerErrors`: 1 when the endpoint failed the request, else 0 (as below), per version: the A/B test's
 *   decision compares champion and challenger on its average (`lambda/core/deploy/ab-test.ts`).
 *
 * And once more per request under `environment` alone (with the handler's `service`), the endpoint as a
 * whole, which the canary's rollback alarms watch (`lib/constructs/predict-release.ts`) — whatever version
 * answered, since the version a canary publishes is not known when the alarms are made:
 * - `Latency` (ms), for the p99 alarm;
 * - `ServerErrors`: 1 when the endpoint failed the request (5xx: a model that cannot be loaded or run, an
 *   SageMaker endpoint that failed, an internal error), else 0 — its per-minute average is the share of failed requests. "No model yet" (503
 *   before the first deployment) is not counted: it is not a failure of a deployed version, and counting
 *   it would hold the first canary in ALARM before it starts.
 */
import type { PredictOutcome } from './serve';

/** Kinds of failure that count as the endpoint's own (`ServerErrors`). */
const SERVER_ERROR_KINDS: ReadonlySet<string> = new Set(['UnsupportedModel', 'InvalidModel', 'EndpointFailed', 'Internal']);

/** One metric value. */
export interface ServingMetric {
  readonly name: 'Latency' | 'Predictions' | 'Errors' | 'CaptureFailures' | 'ServerErrors';
  readonly unit: 'Milliseconds' | 'Count';
  readonly value: number;
}

/** Metrics sharing one dimension set (one EMF document). */
export interface ServingMetricGroup {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: readonly ServingMetric[];
}

/** The metric groups of one request. */
export function servingMetrics(
  outcome: Pick<PredictOutcome, 'kind' | 'modelVersion' | 'predictions'>,
  measured: { readonly environment: string; readonly latencyMs: number; readonly captureFailed?: boolean },
): ServingMetricGroup[] {
  const base = { environment: measured.environment, modelVersion: outcome.modelVersion === undefined ? 'none' : String(outcome.modelVersion) };
  const main: ServingMetric[] = [{ name: 'Latency', unit: 'Milliseconds', value: measured.latencyMs }];
  if (outcome.kind === 'ok') main.push({ name: 'Predictions', unit: 'Count', value: outcome.predictions });
  if (measured.captureFailed) main.push({ name: 'CaptureFailures', unit: 'Count', value: 1 });
  const serverErrors = SERVER_ERROR_KINDS.has(outcome.kind) ? 1 : 0;
  main.push({ name: 'ServerErrors', unit: 'Count', value: serverErrors });
  const groups: ServingMetricGroup[] = [{ dimensions: base, metrics: main }];
  if (outcome.kind !== 'ok') groups.push({ dimensions: { ...base, errorKind: outcome.kind }, metrics: [{ name: 'Errors', unit: 'Count', value: 1 }] });
  groups.push({
    dimensions: { environment: measured.environment },
    metrics: [
      { name: 'Latency', unit: 'Milliseconds', value: measured.latencyMs },
      { name: 'ServerErrors', unit: 'Count', value: serverErrors },
    ],
  });
  return groups;
}

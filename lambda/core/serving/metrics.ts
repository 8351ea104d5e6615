/**
 * The predict endpoint's metrics, as data: the handler emits them as EMF (namespace `MLOps/<name>`), one
 * document per request (two on an error), each metric under two dimension sets at once: `environment` and
 * `modelVersion` (`none` before a model is loaded), and `environment` alone.
 *
 * - `Latency` (ms): time from the request to the response, capture write included.
 * - `Predictions` (count): records answered.
 * - `Errors` (count) with the extra dimension `errorKind` (BadRequest, MethodNotAllowed,
 *   UnsupportedMediaType, PayloadTooLarge, NoModel, UnsupportedModel, InvalidModel, EndpointFailed, Internal).
 * - `CaptureFailures` (count): captures that could not be written (the request still succeeded).
 * - `ServerErrors`: 1 when the endpoint failed the request, else 0 (as below), per version: the A/B test's
 *   decision compares champion and challenger on its average (`lambda/core/deploy/ab-test.ts`).
 *
 * Under `environment` alone (with the handler's `service`) they describe the endpoint as a whole, which the
 * canary's rollback alarms watch (`lib/constructs/predict-release.ts`) — whatever version answered, since
 * the version a canary publishes is not known when the alarms are made: `Latency` (ms) for the p99 alarm,
 * `ServerErrors` for the error-rate alarm. `ServerErrors` is 1 when the endpoint failed the request (5xx: a
 * model that cannot be loaded or run, a SageMaker endpoint that failed, an internal error), else 0 — its
 * per-minute average is the share of failed requests. "No model yet" (503 before the first deployment) is
 * not counted: it is not a failure of a deployed version, and counting it would hold the first canary in
 * ALARM before it starts.
 *
 * One document with two dimension sets rather than a document per set: EMF aggregates each set
 * separately, and the handler writes (and Powertools serializes) once per request instead of twice —
 * measured as a quarter of the predict Lambda's CPU per request when every set was its own document.
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

/** Metrics recorded under each of several dimension sets (one EMF document). */
export interface ServingMetricDocument {
  readonly dimensionSets: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly metrics: readonly ServingMetric[];
}

/** The metric documents of one request: the request's metrics, and `Errors` by `errorKind` on an error. */
export function servingMetrics(
  outcome: Pick<PredictOutcome, 'kind' | 'modelVersion' | 'predictions'>,
  measured: { readonly environment: string; readonly latencyMs: number; readonly captureFailed?: boolean },
): ServingMetricDocument[] {
  const perVersion = { environment: measured.environment, modelVersion: outcome.modelVersion === undefined ? 'none' : String(outcome.modelVersion) };
  const metrics: ServingMetric[] = [{ name: 'Latency', unit: 'Milliseconds', value: measured.latencyMs }];
  if (outcome.kind === 'ok') metrics.push({ name: 'Predictions', unit: 'Count', value: outcome.predictions });
  if (measured.captureFailed) metrics.push({ name: 'CaptureFailures', unit: 'Count', value: 1 });
  metrics.push({ name: 'ServerErrors', unit: 'Count', value: SERVER_ERROR_KINDS.has(outcome.kind) ? 1 : 0 });
  const documents: ServingMetricDocument[] = [{ dimensionSets: [perVersion, { environment: measured.environment }], metrics }];
  if (outcome.kind !== 'ok') documents.push({ dimensionSets: [{ ...perVersion, errorKind: outcome.kind }], metrics: [{ name: 'Errors', unit: 'Count', value: 1 }] });
  return documents;
}

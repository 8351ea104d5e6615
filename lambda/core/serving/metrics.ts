/**
 * The predict endpoint's metrics, as data: the handler emits them as EMF (namespace `MLOps/<name>`),
 * every group under the dimensions `environment` and `modelVersion` (`none` before a model is loaded).
 *
 * - `Latency` (ms): time from the request to the response, capture write included.
 * - `Predictions` (count): records answered.
 * - `Errors` (count) with the extra dimension `errorKind` (BadRequest, MethodNotAllowed,
 *   UnsupportedMediaType, PayloadTooLarge, NoModel, UnsupportedModel, InvalidModel, Internal).
 * - `CaptureFailures` (count): captures that could not be written (the request still succeeded).
 */
import type { PredictOutcome } from './serve';

/** One metric value. */
export interface ServingMetric {
  readonly name: 'Latency' | 'Predictions' | 'Errors' | 'CaptureFailures';
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
  const groups: ServingMetricGroup[] = [{ dimensions: base, metrics: main }];
  if (outcome.kind !== 'ok') groups.push({ dimensions: { ...base, errorKind: outcome.kind }, metrics: [{ name: 'Errors', unit: 'Count', value: 1 }] });
  return groups;
}

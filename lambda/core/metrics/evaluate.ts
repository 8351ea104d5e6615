/**
 * The evaluate stage's metric vocabulary: every regression metric at once, every binary metric at once,
 * and which direction is better for each metric the config's gate may name.
 */
import type { PlatformConfig } from '../../../config/schema';
import { accuracy, auc, f1, logLoss } from './binary';
import { mae, mape, r2, rmse } from './regression';

export { binaryMetrics, type BinaryMetrics } from './binary';

/** A metric the gate may compare on: exactly the config's `gate.metric` enum. */
export type GateMetric = NonNullable<PlatformConfig['gate']>['metric'];

/** Every regression metric on one holdout (names as in the config's `gate.metric`). */
export interface RegressionMetrics {
  /** Root mean squared error. */
  readonly rmse: number;
  /** Mean absolute error. */
  readonly mae: number;
  /** Coefficient of determination. */
  readonly r2: number;
  /** Mean absolute percentage error as a fraction, over the rows with a non-zero target. */
  readonly mape: number;
}

/** RMSE, MAE, R² and MAPE of `pred` against `y` (see `./regression` for each definition). */
export function regressionMetrics(y: Float64Array, pred: Float64Array): RegressionMetrics {
  return { rmse: rmse(y, pred), mae: mae(y, pred), r2: r2(y, pred), mape: mape(y, pred) };
}

/**
 * Which way each gate metric improves. A `Record` over the enum, so adding a metric to the config
 * schema without deciding its direction here fails to compile.
 */
export const METRIC_DIRECTION: Readonly<Record<GateMetric, 'lower' | 'higher'>> = {
  rmse: 'lower',
  mae: 'lower',
  mape: 'lower',
  logloss: 'lower',
  r2: 'higher',
  auc: 'higher',
  accuracy: 'higher',
  f1: 'higher',
};

/**
 * True when value `a` of `metric` is strictly better than value `b`: smaller for rmse, mae, mape and
 * logloss; larger for r2, auc, accuracy and f1. False when the two are equal or either is NaN (an
 * undefined metric never wins a comparison, nor loses one to the other side).
 */
export function isBetter(metric: GateMetric, a: number, b: number): boolean {
  return METRIC_DIRECTION[metric] === 'lower' ? a < b : a > b;
}

/**
 * Each gate metric as one function of (y, predictions) — for binary tasks the predictions are p(1). Used by
 * permutation importance and by live quality on labelled captures.
 */
export const GATE_SCORERS: Readonly<Record<GateMetric, (y: Float64Array, p: Float64Array) => number>> = {
  rmse,
  mae,
  r2,
  mape,
  auc,
  logloss: logLoss,
  accuracy: (y, p) => accuracy(y, p),
  f1: (y, p) => f1(y, p),
};

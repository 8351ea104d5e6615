/**
 * Regression metrics over a target vector and a prediction vector of the same length. Sums run in
 * row order, so the same inputs always give the same bits.
 */

/** Throw unless `y` and `pred` have the same, non-zero length. */
function checkLengths(y: Float64Array, pred: Float64Array, metric: string): void {
  if (y.length !== pred.length) {
    throw new RangeError(`${metric}: y has ${y.length} values but pred has ${pred.length}; expected the same length`);
  }
  if (y.length === 0) throw new RangeError(`${metric}: y and pred are empty; expected at least one value`);
}

/** Root mean squared error: √(Σ(yᵢ − predᵢ)² / n). */
export function rmse(y: Float64Array, pred: Float64Array): number {
  checkLengths(y, pred, 'rmse');
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i]! - pred[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum / y.length);
}

/** Mean absolute error: Σ|yᵢ − predᵢ| / n. */
export function mae(y: Float64Array, pred: Float64Array): number {
  checkLengths(y, pred, 'mae');
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += Math.abs(y[i]! - pred[i]!);
  return sum / y.length;
}

/**
 * Coefficient of determination: 1 − Σ(yᵢ − predᵢ)² / Σ(yᵢ − ȳ)². Negative when the predictions are worse
 * than the mean. When the target is constant (the denominator is 0) it is 1 for a perfect prediction
 * and 0 otherwise, as scikit-learn's `r2_score` does with `force_finite=True`.
 */
export function r2(y: Float64Array, pred: Float64Array): number {
  checkLengths(y, pred, 'r2');
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i]!;
  mean /= y.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i]! - pred[i]!;
    const t = y[i]! - mean;
    residual += d * d;
    total += t * t;
  }
  if (total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

/**
 * Mean absolute percentage error as a fraction (0.1 = 10 %): Σ|yᵢ − predᵢ| / |yᵢ| over the rows whose
 * target is not zero, divided by the number of those rows. Rows with a zero target are skipped, because
 * their percentage error is undefined (scikit-learn instead divides by a tiny epsilon, which gives
 * astronomically large values). NaN when every target is zero.
 */
export function mape(y: Float64Array, pred: Float64Array): number {
  checkLengths(y, pred, 'mape');
  let sum = 0;
  let count = 0;
  for (let i = 0; i < y.length; i++) {
    const t = y[i]!;
    if (t === 0) continue;
    sum += Math.abs(t - pred[i]!) / Math.abs(t);
    count++;
  }
  return count === 0 ? Number.NaN : sum / count;
}

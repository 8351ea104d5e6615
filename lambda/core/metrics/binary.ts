/**
 * Binary classification metrics over labels `y` (each 0 or 1) and predicted probabilities `p` of the
 * positive class. Labels other than 0 and 1, NaN probabilities and length mismatches throw a
 * `RangeError` naming the offending row, so a bad evaluation never passes as a number.
 */

/** The default decision threshold: a row is predicted positive when p ≥ 0.5. */
export const DEFAULT_THRESHOLD = 0.5;

/** The clipping scikit-learn's `log_loss` applied (eps = 1e-15) so that a confident miss is finite. */
export const LOG_LOSS_EPS = 1e-15;

/** Every binary metric at one threshold (names as in the config's `gate.metric`, plus precision/recall). */
export interface BinaryMetrics {
  /** Area under the ROC curve (threshold-free). */
  readonly auc: number;
  /** Mean log-loss with probabilities clipped to [1e-15, 1 − 1e-15] (threshold-free). */
  readonly logloss: number;
  /** Fraction of rows whose predicted class (p ≥ threshold) equals the label. */
  readonly accuracy: number;
  /** TP / (TP + FP); 0 when nothing is predicted positive. */
  readonly precision: number;
  /** TP / (TP + FN); 0 when there is no positive row. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  readonly f1: number;
  /** The threshold the thresholded metrics were computed at. */
  readonly threshold: number;
}

/** Throw unless the lengths match and are non-zero, every label is 0 or 1 and no probability is NaN. */
function checkInputs(y: Float64Array, p: Float64Array, metric: string): void {
  if (y.length !== p.length) {
    throw new RangeError(`${metric}: y has ${y.length} values but p has ${p.length}; expected the same length`);
  }
  if (y.length === 0) throw new RangeError(`${metric}: y and p are empty; expected at least one value`);
  for (let i = 0; i < y.length; i++) {
    const label = y[i]!;
    if (label !== 0 && label !== 1) throw new RangeError(`${metric}: y[${i}] is ${label}; expected 0 or 1`);
    if (Number.isNaN(p[i]!)) throw new RangeError(`${metric}: p[${i}] is NaN; expected a probability`);
  }
}

/**
 * Area under the ROC curve by ranks (the Mann–Whitney U statistic): the probability that a random
 * positive row scores higher than a random negative one, a tie counting one half. Tied scores get the
 * average of their ranks, so the result equals the pair-counting definition exactly. O(n log n).
 * NaN when `y` has only one class (the AUC is undefined).
 */
export function auc(y: Float64Array, p: Float64Array): number {
  checkInputs(y, p, 'auc');
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Index as tie-breaker keeps the sort fully determined (the result does not depend on it anyway).
  order.sort((a, b) => p[a]! - p[b]! || a - b);
  let positives = 0;
  let positiveRankSum = 0;
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && p[order[end]!] === p[order[start]!]) end++;
    // Ranks start..end−1 (0-based) are tied: each gets the 1-based average (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (y[order[k]!] === 1) {
        positives++;
        positiveRankSum += rank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/**
 * Mean negative log-likelihood −Σ[yᵢ·ln pᵢ + (1 − yᵢ)·ln(1 − pᵢ)] / n, with each pᵢ clipped to
 * [1e-15, 1 − 1e-15] as scikit-learn's `log_loss(eps=1e-15)` did, so a confident miss costs ≈ 34.5
 * rather than infinity.
 */
export function logLoss(y: Float64Array, p: Float64Array): number {
  checkInputs(y, p, 'logLoss');
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(Math.max(p[i]!, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    sum -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return sum / y.length;
}

/** Confusion counts with "predicted positive" meaning p ≥ threshold. */
interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

function confusion(y: Float64Array, p: Float64Array, threshold: number, metric: string): Confusion {
  checkInputs(y, p, metric);
  if (Number.isNaN(threshold)) throw new RangeError(`${metric}: threshold is NaN; expected a number`);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const predicted = p[i]! >= threshold;
    if (y[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

const precisionOf = (c: Confusion): number => (c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp));
const recallOf = (c: Confusion): number => (c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn));
function f1Of(c: Confusion): number {
  // 2TP / (2TP + FP + FN) is the harmonic mean of precision and recall without the 0/0 cases.
  const denominator = 2 * c.tp + c.fp + c.fn;
  return denominator === 0 ? 0 : (2 * c.tp) / denominator;
}

/** Fraction of rows whose predicted class (p ≥ threshold) equals the label. */
export function accuracy(y: Float64Array, p: Float64Array, threshold: number = DEFAULT_THRESHOLD): number {
  const c = confusion(y, p, threshold, 'accuracy');
  return (c.tp + c.tn) / y.length;
}

/** TP / (TP + FP) at the threshold (p ≥ threshold is positive); 0 when nothing is predicted positive, as scikit-learn's default. */
export function precision(y: Float64Array, p: Float64Array, threshold: number = DEFAULT_THRESHOLD): number {
  return precisionOf(confusion(y, p, threshold, 'precision'));
}

/** TP / (TP + FN) at the threshold (p ≥ threshold is positive); 0 when there is no positive row. */
export function recall(y: Float64Array, p: Float64Array, threshold: number = DEFAULT_THRESHOLD): number {
  return recallOf(confusion(y, p, threshold, 'recall'));
}

/** F1 = 2·precision·recall / (precision + recall) at the threshold; 0 when both are 0. */
export function f1(y: Float64Array, p: Float64Array, threshold: number = DEFAULT_THRESHOLD): number {
  return f1Of(confusion(y, p, threshold, 'f1'));
}

/** AUC, log-loss, and accuracy, precision, recall and F1 at `threshold` (p ≥ threshold is positive). */
export function binaryMetrics(y: Float64Array, p: Float64Array, threshold: number = DEFAULT_THRESHOLD): BinaryMetrics {
  const c = confusion(y, p, threshold, 'binaryMetrics');
  return {
    auc: auc(y, p),
    logloss: logLoss(y, p),
    accuracy: (c.tp + c.tn) / y.length,
    precision: precisionOf(c),
    recall: recallOf(c),
    f1: f1Of(c),
    threshold,
  };
}

/**
 * GBDT losses on raw scores: squared error (regression) and log-loss (binary, raw = log-odds). Each gives
 * the initial score, per-row gradients and hessians, the mean loss, and the raw → prediction map.
 */
import { GbdtError, type GbdtTask } from './gbdt-model';

/** Smallest hessian a log-loss row contributes, so leaves of near-certain rows stay finite. */
const MIN_HESSIAN = 1e-16;
/** Prior probabilities are clipped into [ε, 1−ε] before taking the log-odds. */
const PRIOR_EPSILON = 1e-15;

/** One loss of the boosting objective. */
export interface GbdtLoss {
  /** Check the targets; throws naming the first bad row. */
  validate(y: Float64Array): void;
  /** The constant raw score that minimizes the loss on `y`. */
  initScore(y: Float64Array): number;
  /** Fill `g` and `h` with the loss's first and second derivatives at `raw`. */
  gradients(y: Float64Array, raw: Float64Array, g: Float64Array, h: Float64Array): void;
  /** Mean loss of `raw` against `y`. */
  meanLoss(y: Float64Array, raw: Float64Array): number;
  /** Map a raw score to the prediction (identity, or the sigmoid probability). */
  transform(raw: number): number;
}

/** The logistic function, without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

const squaredError: GbdtLoss = {
  validate(y) {
    for (let i = 0; i < y.length; i++) {
      if (!Number.isFinite(y[i]!)) throw new GbdtError(`GBDT regression target must be finite; row ${i} is ${y[i]}`);
    }
  },
  initScore(y) {
    let sum = 0;
    for (let i = 0; i < y.length; i++) sum += y[i]!;
    return sum / y.length;
  },
  gradients(y, raw, g, h) {
    for (let i = 0; i < y.length; i++) {
      g[i] = raw[i]! - y[i]!;
      h[i] = 1;
    }
  },
  meanLoss(y, raw) {
    let sum = 0;
    for (let i = 0; i < y.length; i++) {
      const d = raw[i]! - y[i]!;
      sum += d * d;
    }
    return sum / y.length;
  },
  transform: (raw) => raw,
};

const logLoss: GbdtLoss = {
  validate(y) {
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new GbdtError(`GBDT binary target must be 0 or 1; row ${i} is ${y[i]}`);
    }
  },
  initScore(y) {
    let positives = 0;
    for (let i = 0; i < y.length; i++) positives += y[i]!;
    const p = Math.min(1 - PRIOR_EPSILON, Math.max(PRIOR_EPSILON, positives / y.length));
    return Math.log(p / (1 - p));
  },
  gradients(y, raw, g, h) {
    for (let i = 0; i < y.length; i++) {
      const p = sigmoid(raw[i]!);
      g[i] = p - y[i]!;
      h[i] = Math.max(p * (1 - p), MIN_HESSIAN);
    }
  },
  meanLoss(y, raw) {
    let sum = 0;
    // −[y log p + (1−y) log(1−p)] = softplus(raw) − y·raw for p = sigmoid(raw).
    for (let i = 0; i < y.length; i++) sum += softplus(raw[i]!) - y[i]! * raw[i]!;
    return sum / y.length;
  },
  transform: sigmoid,
};

/** The loss of a task. */
export function gbdtLoss(task: GbdtTask): GbdtLoss {
  return task === 'binary' ? logLoss : squaredError;
}

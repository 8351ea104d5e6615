/**
 * Permutation importance on the holdout: how much the gate metric worsens when one feature's values
 * are shuffled across rows (breaking its link with the target), averaged over repeats. Model-agnostic,
 * so GBDT and linear models are compared on one scale.
 */
import type { Feature, FeatureMatrix } from '../features/matrix';
import { seededRandom } from '../features/matrix';
import { METRIC_DIRECTION, type GateMetric } from '../metrics/evaluate';

/** One feature's importance: the mean worsening of the metric when it is permuted. */
export interface PermutationImportance {
  readonly feature: string;
  readonly importance: number;
}

function shuffled(feature: Feature, order: Int32Array): Feature {
  if (feature.kind === 'numeric') {
    const values = new Float64Array(order.length);
    for (let i = 0; i < order.length; i++) values[i] = feature.values[order[i]!]!;
    return { ...feature, values };
  }
  const codes = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) codes[i] = feature.codes[order[i]!]!;
  return { ...feature, codes };
}

/** One permuted copy of the matrix: feature `feature` shuffled (repeat `repeat`). */
export interface PermutedMatrix {
  readonly feature: number;
  readonly repeat: number;
  readonly matrix: FeatureMatrix;
}

/**
 * The permuted copies permutation importance scores, in the order it scores them (feature by feature,
 * repeat by repeat), each from the same seeded shuffles. A model that cannot predict in-process (a
 * SageMaker batch transform) scores them all in one job and hands the predictions back in this order.
 */
export function* permutedMatrices(x: FeatureMatrix, options: { readonly repeats?: number; readonly seed?: number } = {}): Generator<PermutedMatrix> {
  const repeats = options.repeats ?? 3;
  const random = seededRandom(options.seed ?? 42);
  for (let k = 0; k < x.features.length; k++) {
    for (let r = 0; r < repeats; r++) {
      const order = Int32Array.from({ length: x.rows }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      yield { feature: k, repeat: r, matrix: { rows: x.rows, features: x.features.map((f, idx) => (idx === k ? shuffled(f, order) : f)) } };
    }
  }
}

/**
 * Permutation importance of every feature: `predict` is called on `x` first, then on each of
 * {@link permutedMatrices} in order.
 * @param predict the model's prediction function
 * @param score the gate metric on (y, predictions)
 */
export function permutationImportance(
  x: FeatureMatrix,
  y: Float64Array,
  predict: (m: FeatureMatrix) => Float64Array,
  score: (y: Float64Array, p: Float64Array) => number,
  metric: GateMetric,
  options: { readonly repeats?: number; readonly seed?: number } = {},
): PermutationImportance[] {
  const repeats = options.repeats ?? 3;
  const reference = score(y, predict(x));
  const sign = METRIC_DIRECTION[metric] === 'lower' ? 1 : -1;
  const totals = new Float64Array(x.features.length);
  for (const { feature, matrix } of permutedMatrices(x, options)) totals[feature]! += sign * (score(y, predict(matrix)) - reference);
  return x.features.map((feature, k) => ({ feature: feature.name, importance: totals[k]! / repeats }));
}

/**
 * Rows of a holdout of `rows` rows that permutation importance uses: at most `limit`, evenly spaced
 * (deterministic, so the features stage and the evaluate stage pick the same ones).
 */
export function permutationSample(rows: number, limit: number): Int32Array {
  const size = Math.min(limit, rows);
  const step = rows / size;
  return Int32Array.from({ length: size }, (_, i) => Math.floor(i * step));
}

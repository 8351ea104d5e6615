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

/**
 * Permutation importance of every feature.
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
  const random = seededRandom(options.seed ?? 42);
  const reference = score(y, predict(x));
  const sign = METRIC_DIRECTION[metric] === 'lower' ? 1 : -1;
  return x.features.map((feature, k) => {
    let total = 0;
    for (let r = 0; r < repeats; r++) {
      const order = Int32Array.from({ length: x.rows }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      const features = x.features.map((f, idx) => (idx === k ? shuffled(f, order) : f));
      total += sign * (score(y, predict({ rows: x.rows, features })) - reference);
    }
    return { feature: feature.name, importance: total / repeats };
  });
}

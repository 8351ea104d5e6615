/**
 * Per-prediction explanations (governance, level 4): each feature's contribution to one prediction, on the
 * model's raw scale (the value for regression, the log-odds for binary), so that
 * `baseValue + Σ contributions = raw score` exactly (local accuracy).
 *
 * - GBDT: TreeSHAP (Lundberg, Erion & Lee, "Consistent individualized feature attribution for tree
 *   ensembles", 2018, Algorithm 2 — path-dependent, exact Shapley values of each tree under the training
 *   rows' distribution as recorded in each node's `count`). `baseValue` is the initial score plus each
 *   tree's expected leaf value.
 * - Linear: coefficient × (standardised value) per feature — the exact contribution relative to an all-mean,
 *   all-reference row, whose prediction is the intercept (`baseValue`).
 */
import type { FeatureMatrix } from '../features/matrix';
import { binFeatures } from './gbdt-binning';
import type { GbdtModel, GbdtTree } from './gbdt-model';
import type { LinearModel } from './linear';
import type { TrainedModel } from './train-model';

/** One prediction's explanation. */
export interface Explanation {
  /** The model's expected raw score (regression value or log-odds). */
  readonly baseValue: number;
  /** Each training feature's contribution on the raw scale. */
  readonly contributions: Readonly<Record<string, number>>;
}

/** Explain every row of the matrix (built with the model's transform spec). */
export function explainModel(trained: TrainedModel, matrix: FeatureMatrix): Explanation[] {
  return trained.algorithm === 'gbdt' ? explainGbdt(trained.model, matrix) : explainLinear(trained.model, matrix);
}

/** Linear contributions: coefficient · (v − mean) / scale, or the category's coefficient. */
export function explainLinear(model: LinearModel, matrix: FeatureMatrix): Explanation[] {
  const byName = new Map(matrix.features.map((f) => [f.name, f]));
  const out: Explanation[] = [];
  for (let i = 0; i < matrix.rows; i++) {
    const contributions: Record<string, number> = {};
    for (const term of model.features) {
      const feature = byName.get(term.name);
      let c = 0;
      if (term.kind === 'numeric' && feature?.kind === 'numeric') {
        const v = feature.values[i]!;
        c = Number.isFinite(v) ? (term.coefficient * (v - term.mean)) / term.scale : 0;
      } else if (term.kind === 'categorical' && feature?.kind === 'categorical') {
        const code = feature.codes[i]!;
        c = code >= 1 && code <= term.coefficients.length ? term.coefficients[code - 1]! : 0;
      }
      contributions[term.name] = c;
    }
    out.push({ baseValue: model.intercept, contributions });
  }
  return out;
}

/** One element of a TreeSHAP path: the feature split on, the fractions of zero and one paths, the weight. */
interface PathElement {
  feature: number;
  zero: number;
  one: number;
  weight: number;
}

function extendPath(path: PathElement[], zero: number, one: number, feature: number): PathElement[] {
  const l = path.length;
  const m = path.map((e) => ({ ...e }));
  m.push({ feature, zero, one, weight: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    m[i + 1]!.weight += (one * m[i]!.weight * (i + 1)) / (l + 1);
    m[i]!.weight = (zero * m[i]!.weight * (l - i)) / (l + 1);
  }
  return m;
}

function unwindPath(path: PathElement[], index: number): PathElement[] {
  const l = path.length - 1;
  const m = path.map((e) => ({ ...e }));
  const { one, zero } = m[index]!;
  let n = m[l]!.weight;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = m[j]!.weight;
      m[j]!.weight = (n * (l + 1)) / ((j + 1) * one);
      n = t - (m[j]!.weight * zero * (l - j)) / (l + 1);
    } else {
      m[j]!.weight = (m[j]!.weight * (l + 1)) / (zero * (l - j));
    }
  }
  for (let j = index; j < l; j++) {
    m[j]!.feature = m[j + 1]!.feature;
    m[j]!.zero = m[j + 1]!.zero;
    m[j]!.one = m[j + 1]!.one;
  }
  return m.slice(0, l);
}

/** Σ of the weights of the path with element `index` unwound. */
function unwoundSum(path: PathElement[], index: number): number {
  return unwindPath(path, index).reduce((s, e) => s + e.weight, 0);
}

/** Whether the row with these bins goes left at `node` (the prediction's own rule). */
function goesLeft(tree: GbdtTree, node: number, bin: number, missingBin: number): boolean {
  const categories = tree.categories[node]!;
  if (categories.length > 0) return categories.includes(bin);
  if (missingBin >= 0 && bin === missingBin) return tree.missingLeft[node]!;
  return bin <= tree.threshold[node]!;
}

/** The expected leaf value of a tree under its training rows. */
function treeExpectation(tree: GbdtTree): number {
  const root = tree.count[0]!;
  let sum = 0;
  for (let node = 0; node < tree.feature.length; node++) if (tree.feature[node] === -1) sum += (tree.count[node]! / root) * tree.value[node]!;
  return sum;
}

/** TreeSHAP of one tree for one row (`bins[f]`: the row's bin of feature f), added into `phi`. */
function treeShap(tree: GbdtTree, bins: ArrayLike<number>, missingBins: ArrayLike<number>, phi: Float64Array): void {
  const recurse = (node: number, path: PathElement[], zero: number, one: number, feature: number): void => {
    const m = extendPath(path, zero, one, feature);
    const split = tree.feature[node]!;
    if (split === -1) {
      const value = tree.value[node]!;
      for (let i = 1; i < m.length; i++) phi[m[i]!.feature]! += unwoundSum(m, i) * (m[i]!.one - m[i]!.zero) * value;
      return;
    }
    const left = tree.left[node]!;
    const right = tree.right[node]!;
    const [hot, cold] = goesLeft(tree, node, bins[split]!, missingBins[split]!) ? [left, right] : [right, left];
    let iz = 1;
    let io = 1;
    let path2 = m;
    const k = m.findIndex((e, i) => i > 0 && e.feature === split);
    if (k >= 0) {
      iz = m[k]!.zero;
      io = m[k]!.one;
      path2 = unwindPath(m, k);
    }
    const count = tree.count[node]!;
    recurse(hot, path2, (iz * tree.count[hot]!) / count, io, split);
    recurse(cold, path2, (iz * tree.count[cold]!) / count, 0, split);
  };
  recurse(0, [], 1, 1, -1);
}

/** TreeSHAP over the forest, per row. */
export function explainGbdt(model: GbdtModel, matrix: FeatureMatrix): Explanation[] {
  const binned = binFeatures(matrix, model.features);
  const baseValue = model.trees.reduce((s, t) => s + treeExpectation(t), model.initScore);
  const out: Explanation[] = [];
  const bins = new Int32Array(model.features.length);
  for (let i = 0; i < matrix.rows; i++) {
    for (let f = 0; f < bins.length; f++) bins[f] = binned.bins[f]![i]!;
    const phi = new Float64Array(model.features.length);
    for (const tree of model.trees) treeShap(tree, bins, binned.missingBins, phi);
    const contributions: Record<string, number> = {};
    model.features.forEach((f, j) => (contributions[f.name] = phi[j]!));
    out.push({ baseValue, contributions });
  }
  return out;
}

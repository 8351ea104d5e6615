/**
 * Scoring for the predict path: the same numbers as `predictModel` (lambda/core/models/train-model.ts),
 * shaped for a few rows per call instead of a whole test set.
 *
 * `predictModel` on a GBDT turns every split node of every tree into a 256-entry "goes left" table over
 * its feature's bins on each call: right for millions of rows, but for the one row of a predict request
 * that set-up is almost all of the work (about 1 ms for 100 trees × 31 leaves). Here the trees are
 * flattened once per model object (kept in a WeakMap, so a model the cache drops is collected) and each
 * request only bins its rows (as `binFeatures` does, with the model's own thresholds) and walks them. Every split takes
 * the branch `addPackedTreeScores`' table gives it, and the additions happen in the same order (tree by
 * tree, from the model's `initScore`) with the same binary transform, so the scores are bit-identical
 * to `predictModel`'s.
 * Linear models go to `predictModel` unchanged.
 */
import type { FeatureMatrix } from '../features/matrix';
import { binOf } from './gbdt-binning';
import { gbdtLoss } from './gbdt-loss';
import { GBDT_FORMAT, GbdtError, type GbdtModel } from './gbdt-model';
import { predictModel, type TrainedModel } from './train-model';

/**
 * All trees of a GBDT as flat arrays over global node ids (tree t's root is `roots[t]`). A split node's
 * test is the one `addPackedTreeScores`' 256-entry table encodes, stored compactly (a whole-model table
 * would be 256 bytes per node: 130 MB for 1,000 trees of 255 leaves):
 * - with categories: left when the bin is in the node's 256-bit set `categoryBits[categoryAt[node]…+8]`;
 * - otherwise: left when the bin is the feature's missing bin and `missingLeft[node]`, or, for any
 *   other bin, when it is `<= threshold[node]`.
 */
interface CompiledForest {
  readonly roots: Int32Array;
  /** Split feature of a node, -1 on leaves. */
  readonly feature: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
  readonly threshold: Int32Array;
  readonly missingLeft: Uint8Array;
  /** Offset of the node's category set in `categoryBits`, -1 for a threshold test. */
  readonly categoryAt: Int32Array;
  readonly categoryBits: Uint32Array;
  /** The bin a missing value of each feature takes, as `binFeatures` assigns it (-1: none, categorical). */
  readonly missingBins: Int32Array;
  /** Each numeric feature's thresholds as a typed array (`binFeatures` copies them on every call). */
  readonly thresholds: ReadonlyArray<Float64Array | undefined>;
}

const compiled = new WeakMap<GbdtModel, CompiledForest>();

function compile(model: GbdtModel): CompiledForest {
  const total = model.trees.reduce((n, t) => n + t.feature.length, 0);
  const categorical = model.trees.reduce((n, t) => n + t.categories.filter((c) => c.length > 0).length, 0);
  const forest: CompiledForest = {
    roots: new Int32Array(model.trees.length),
    feature: new Int32Array(total),
    left: new Int32Array(total),
    right: new Int32Array(total),
    value: new Float64Array(total),
    threshold: new Int32Array(total),
    missingLeft: new Uint8Array(total),
    categoryAt: new Int32Array(total).fill(-1),
    categoryBits: new Uint32Array(8 * categorical),
    missingBins: Int32Array.from(model.features, (f) => (f.kind === 'numeric' ? f.thresholds.length + 1 : -1)),
    thresholds: model.features.map((f) => (f.kind === 'numeric' ? Float64Array.from(f.thresholds) : undefined)),
  };
  let base = 0;
  let sets = 0;
  model.trees.forEach((tree, t) => {
    forest.roots[t] = base;
    const size = tree.feature.length;
    for (let node = 0; node < size; node++) {
      const id = base + node;
      forest.feature[id] = tree.feature[node]!;
      forest.left[id] = base + tree.left[node]!;
      forest.right[id] = base + tree.right[node]!;
      forest.value[id] = tree.value[node]!;
      forest.threshold[id] = tree.threshold[node]!;
      forest.missingLeft[id] = tree.missingLeft[node] ? 1 : 0;
      const categories = tree.categories[node]!;
      if (tree.feature[node]! >= 0 && categories.length > 0) {
        forest.categoryAt[id] = 8 * sets;
        // Bins are bytes: a category outside 0…255 can never be a row's bin.
        for (const c of categories) if (c >= 0 && c < 256) forest.categoryBits[8 * sets + (c >>> 5)]! |= 1 << (c & 31);
        sets++;
      }
    }
    base += size;
  });
  return forest;
}

/**
 * The rows of `matrix` binned with the model's specs, one column per spec: what `binFeatures` returns
 * (same bins, same errors), with the thresholds already typed.
 * @throws GbdtError when a spec's feature is absent from the matrix or of another kind
 */
function binRows(model: GbdtModel, forest: CompiledForest, matrix: FeatureMatrix): Uint8Array[] {
  const n = matrix.rows;
  const byName = new Map(matrix.features.map((f) => [f.name, f]));
  return model.features.map((spec, j) => {
    const feature = byName.get(spec.name);
    if (feature === undefined) throw new GbdtError(`GBDT feature '${spec.name}' is missing from the feature matrix`);
    if (feature.kind !== spec.kind) throw new GbdtError(`GBDT feature '${spec.name}' must be ${spec.kind}; got ${feature.kind}`);
    const column = new Uint8Array(n);
    if (spec.kind === 'numeric' && feature.kind === 'numeric') {
      const missing = forest.missingBins[j]!;
      const thresholds = forest.thresholds[j]!;
      for (let i = 0; i < n; i++) {
        const v = feature.values[i]!;
        column[i] = Number.isNaN(v) ? missing : binOf(v, thresholds);
      }
    } else if (spec.kind === 'categorical' && feature.kind === 'categorical') {
      for (let i = 0; i < n; i++) {
        const code = feature.codes[i]!;
        column[i] = code > 0 && code < spec.cardinality ? code : 0;
      }
    }
    return column;
  });
}

/** The GBDT's raw scores (regression) or probabilities of class 1 (binary) for every row of `matrix`. */
function scoreGbdt(model: GbdtModel, matrix: FeatureMatrix): Float64Array {
  if (model.format !== GBDT_FORMAT) throw new GbdtError(`GBDT model format must be '${GBDT_FORMAT}'; got ${JSON.stringify(model.format)}`);
  let forest = compiled.get(model);
  if (forest === undefined) {
    forest = compile(model);
    compiled.set(model, forest);
  }
  const columns = binRows(model, forest, matrix);
  const out = new Float64Array(matrix.rows).fill(model.initScore);
  const { roots, feature, left, right, value, threshold, missingLeft, categoryAt, categoryBits, missingBins } = forest;
  for (let i = 0; i < matrix.rows; i++) {
    let score = out[i]!;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!;
      let f = feature[node]!;
      while (f >= 0) {
        const bin = columns[f]![i]!;
        const at = categoryAt[node]!;
        const goesLeft = at >= 0 ? (categoryBits[at + (bin >>> 5)]! >>> (bin & 31)) & 1 : bin === missingBins[f] ? missingLeft[node]! : bin <= threshold[node]! ? 1 : 0;
        node = goesLeft ? left[node]! : right[node]!;
        f = feature[node]!;
      }
      score += value[node]!;
    }
    out[i] = score;
  }
  if (model.task === 'binary') {
    const loss = gbdtLoss(model.task);
    for (let i = 0; i < out.length; i++) out[i] = loss.transform(out[i]!);
  }
  return out;
}

/** What `predictModel` returns for `matrix`, computed for the predict path (see the module comment). */
export function scoreModel(trained: TrainedModel, matrix: FeatureMatrix): Float64Array {
  return trained.algorithm === 'gbdt' ? scoreGbdt(trained.model, matrix) : predictModel(trained, matrix);
}

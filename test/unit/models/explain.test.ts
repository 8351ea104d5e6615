/**
 * Per-prediction explanations: TreeSHAP against Shapley values computed by brute force (every subset of
 * features, the tree's path-dependent conditional expectation — the definition TreeSHAP computes in
 * polynomial time), local accuracy (base value + contributions = the raw score) for GBDT and linear models
 * on real flights, regression and binary.
 */
import { binFeatures } from '../../../lambda/core/models/gbdt-binning';
import type { GbdtModel, GbdtTree } from '../../../lambda/core/models/gbdt-model';
import { explainGbdt, explainModel } from '../../../lambda/core/models/explain';
import { predictModel } from '../../../lambda/core/models/train-model';
import { takeRows } from '../../../lambda/core/features/matrix';
import { trainFixture } from '../serving/fixtures';

/** v(S): the tree's expected value when the features in S are known (follow them), the rest averaged by counts. */
function conditionalExpectation(tree: GbdtTree, node: number, known: ReadonlySet<number>, bins: Int32Array, missingBins: Int32Array): number {
  const f = tree.feature[node]!;
  if (f === -1) return tree.value[node]!;
  const left = tree.left[node]!;
  const right = tree.right[node]!;
  if (known.has(f)) {
    const categories = tree.categories[node]!;
    const bin = bins[f]!;
    const goesLeft = categories.length > 0 ? categories.includes(bin) : missingBins[f]! >= 0 && bin === missingBins[f] ? tree.missingLeft[node]! : bin <= tree.threshold[node]!;
    return conditionalExpectation(tree, goesLeft ? left : right, known, bins, missingBins);
  }
  const count = tree.count[node]!;
  return (tree.count[left]! / count) * conditionalExpectation(tree, left, known, bins, missingBins) + (tree.count[right]! / count) * conditionalExpectation(tree, right, known, bins, missingBins);
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/**
 * Exact Shapley values of one tree for one row, by enumerating every subset of the features the tree splits
 * on (a feature it never splits on changes no v(S): its value is 0, and the players are the others).
 */
function bruteForceShapley(tree: GbdtTree, features: number, bins: Int32Array, missingBins: Int32Array): Float64Array {
  const used = [...new Set(tree.feature.filter((f) => f >= 0))];
  const n = used.length;
  const phi = new Float64Array(features);
  for (let a = 0; a < n; a++) {
    for (let mask = 0; mask < 1 << n; mask++) {
      if (mask & (1 << a)) continue;
      const s = new Set<number>();
      for (let b = 0; b < n; b++) if (mask & (1 << b)) s.add(used[b]!);
      const weight = (factorial(s.size) * factorial(n - s.size - 1)) / factorial(n);
      const withA = new Set(s).add(used[a]!);
      phi[used[a]!]! += weight * (conditionalExpectation(tree, 0, withA, bins, missingBins) - conditionalExpectation(tree, 0, s, bins, missingBins));
    }
  }
  return phi;
}

test('TreeSHAP equals brute-force Shapley values, tree by tree, on a GBDT trained on real flights', async () => {
  const run = await trainFixture();
  const full = run.model.model as GbdtModel;
  const F = full.features.length;
  const rows = takeRows(run.matrix, Int32Array.from([0, 7, 123, 2999]));
  const binned = binFeatures(rows, full.features);
  for (const t of [0, 1, 5, full.trees.length - 1]) {
    // A tree that splits on several features, so the Shapley values are not trivially the leaf gaps.
    expect(new Set(full.trees[t]!.feature.filter((f) => f >= 0)).size).toBeGreaterThanOrEqual(3);
    const single: GbdtModel = { ...full, initScore: 0, trees: [full.trees[t]!] };
    const explained = explainGbdt(single, rows);
    for (let r = 0; r < rows.rows; r++) {
      const bins = Int32Array.from(full.features, (_, f) => binned.bins[f]![r]!);
      const expected = bruteForceShapley(full.trees[t]!, F, bins, binned.missingBins);
      full.features.forEach((f, j) => expect(explained[r]!.contributions[f.name]).toBeCloseTo(expected[j]!, 10));
    }
  }
});

test.each([
  ['gbdt', 'regression'],
  ['gbdt', 'binary'],
  ['linear', 'regression'],
  ['linear', 'binary'],
] as const)('%s %s: base value + contributions = the raw score (value, or log-odds) for every row', async (algorithm, task) => {
  const run = await trainFixture({ algorithm, task });
  const rows = takeRows(run.matrix, Int32Array.from({ length: 40 }, (_, i) => i * 70));
  const predictions = predictModel(run.model, rows);
  const explained = explainModel(run.model, rows);
  explained.forEach((e, i) => {
    const sum = Object.values(e.contributions).reduce((a, b) => a + b, e.baseValue);
    const p = predictions[i]!;
    const raw = task === 'binary' ? Math.log(p / (1 - p)) : p;
    expect(sum).toBeCloseTo(raw, 8);
  });
  expect(Object.keys(explained[0]!.contributions).sort()).toEqual(run.matrix.features.map((f) => f.name).sort());
});

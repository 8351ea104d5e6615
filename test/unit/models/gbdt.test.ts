/** Histogram GBDT: hand-checkable splits, losses, early stopping, determinism and the JSON artifact. */
import { seededRandom, takeRows, type Dataset, type Feature, type FeatureMatrix } from '../../../lambda/core/features/matrix';
import { gbdtImportance, predictGbdt, trainGbdt } from '../../../lambda/core/models/gbdt';
import { numericThresholds } from '../../../lambda/core/models/gbdt-binning';
import { GBDT_FORMAT, type GbdtModel, type GbdtTree } from '../../../lambda/core/models/gbdt-model';
import type { GbdtParams } from '../../../lambda/core/models/gbdt-params';
import { MIN_CATEGORY_ROWS } from '../../../lambda/core/models/gbdt-tree';

/** One boosting round of one full-size step: the tree's leaves are the targets' means exactly. */
const ONE_STEP: GbdtParams = {
  task: 'regression',
  iterations: 1,
  learningRate: 1,
  maxLeaves: 2,
  minSamplesLeaf: 1,
  l2: 0,
  maxBins: 255,
  validationFraction: 0.2,
  seed: 7,
};

/** Typical settings for the larger synthetic problems. */
const TYPICAL: GbdtParams = { ...ONE_STEP, iterations: 40, learningRate: 0.2, maxLeaves: 15, minSamplesLeaf: 10 };

function numeric(name: string, values: ArrayLike<number>): Feature {
  return { kind: 'numeric', name, values: Float64Array.from(values) };
}

function categorical(name: string, codes: ArrayLike<number>, cardinality: number): Feature {
  return { kind: 'categorical', name, codes: Int32Array.from(codes), cardinality };
}

function matrix(...features: Feature[]): FeatureMatrix {
  const first = features[0]!;
  return { rows: first.kind === 'numeric' ? first.values.length : first.codes.length, features };
}

function dataset(y: ArrayLike<number>, ...features: Feature[]): Dataset {
  return { x: matrix(...features), y: Float64Array.from(y) };
}

/** Split nodes of a tree as readable records. */
function splits(tree: GbdtTree): { feature: number; threshold: number; categories: number[]; missingLeft: boolean }[] {
  return tree.feature.flatMap((feature, node) =>
    feature < 0 ? [] : [{ feature, threshold: tree.threshold[node]!, categories: tree.categories[node]!, missingLeft: tree.missingLeft[node]! }],
  );
}

function depth(tree: GbdtTree, node = 0): number {
  return tree.feature[node] === -1 ? 0 : 1 + Math.max(depth(tree, tree.left[node]!), depth(tree, tree.right[node]!));
}

function rmse(predicted: Float64Array, y: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (predicted[i]! - y[i]!) ** 2;
  return Math.sqrt(sum / y.length);
}

/** `rows` rows of two uniform numeric features in [0, 10) and a categorical one with 6 codes, plus a target. */
function synthetic(rows: number, seed: number, target: (a: number, b: number, c: number, noise: number) => number): Dataset {
  const random = seededRandom(seed);
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const c = new Int32Array(rows);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    a[i] = random() * 10;
    b[i] = random() * 10;
    c[i] = Math.floor(random() * 6);
    y[i] = target(a[i]!, b[i]!, c[i]!, random() - 0.5);
  }
  return dataset(y, numeric('a', a), numeric('b', b), categorical('c', c, 6));
}

/** 0…9, each `copies` times, and the step target 0 below 5, 10 from 5. */
function stepData(copies: number): { x: number[]; y: number[] } {
  const x = Array.from({ length: 10 * copies }, (_, i) => i % 10);
  return { x, y: x.map((v) => (v < 5 ? 0 : 10)) };
}

describe('trainGbdt: hand-checkable splits', () => {
  test.each([2, 31])('a step at x = 5 is one split at the midpoint 4.5 with exact leaves (maxLeaves %i)', (maxLeaves) => {
    // Prepare
    const { x, y } = stepData(10);
    // Act
    const model = trainGbdt(dataset(y, numeric('x', x)), { ...ONE_STEP, maxLeaves });
    // Assess: init 5, leaves −5 and +5, so predictions are 0 and 10 exactly; bins split at 4.5.
    expect(model.format).toBe(GBDT_FORMAT);
    expect(model.initScore).toBe(5);
    expect(model.trees).toHaveLength(1);
    expect(splits(model.trees[0]!)).toEqual([{ feature: 0, threshold: 4, categories: [], missingLeft: true }]);
    const spec = model.features[0]!;
    expect(spec.kind === 'numeric' && spec.thresholds[4]).toBe(4.5);
    expect(Array.from(predictGbdt(model, matrix(numeric('x', [0, 4, 4.4, 4.6, 5, 9, 100]))))).toEqual([0, 0, 0, 10, 10, 10, 10]);
  });

  test('a categorical step {1,3} → 5, {2,4} → −5 is one native split sending {1,3} left', () => {
    // Prepare: 20 rows per category; code 0 (other) never occurs.
    const codes = Array.from({ length: 80 }, (_, i) => 1 + (i % 4));
    const y = codes.map((c) => (c % 2 === 1 ? 5 : -5));
    // Act
    const model = trainGbdt(dataset(y, categorical('c', codes, 5)), ONE_STEP);
    // Assess: sorted by G/(H+smoothing), {1,3} (negative gradients) come first; unseen code 0 goes right.
    expect(splits(model.trees[0]!)).toEqual([{ feature: 0, threshold: -1, categories: [1, 3], missingLeft: false }]);
    expect(Array.from(predictGbdt(model, matrix(categorical('c', [1, 2, 3, 4, 0, 99], 5))))).toEqual([5, -5, 5, -5, -5, -5]);
  });

  test(`categories with fewer than ${MIN_CATEGORY_ROWS} rows go wherever code 0 goes`, () => {
    // Prepare: code 0 → 5 (20 rows), code 1 → −5 (20 rows), code 2 → −5 but rare (3 rows), code 3 absent.
    const codes = [...Array<number>(20).fill(0), ...Array<number>(20).fill(1), 2, 2, 2];
    const y = codes.map((c) => (c === 0 ? 5 : -5));
    // Act
    const model = trainGbdt(dataset(y, categorical('c', codes, 4)), ONE_STEP);
    // Assess: one split; 0, 2 and 3 share a side, 1 is on the other.
    const [split] = splits(model.trees[0]!);
    const left = new Set(split!.categories);
    expect(left.has(0)).toBe(left.has(2));
    expect(left.has(0)).toBe(left.has(3));
    expect(left.has(0)).not.toBe(left.has(1));
    const predicted = predictGbdt(model, matrix(categorical('c', [0, 1, 2, 3], 4)));
    expect(predicted[2]).toBe(predicted[0]);
    expect(predicted[3]).toBe(predicted[0]);
    // The pooled side's leaf is the mean of codes 0 and 2 together: (20·5 − 3·5) / 23.
    expect(predicted[0]).toBeCloseTo(85 / 23, 10);
    expect(predicted[1]).toBeCloseTo(-5, 10);
  });

  test.each([
    { missingTarget: 10, side: 'right', missingLeft: false },
    { missingTarget: 0, side: 'left', missingLeft: true },
  ])('missing values with target $missingTarget go $side, with the rows of similar targets', ({ missingTarget, missingLeft }) => {
    // Prepare: the step on 0…9 plus 20 NaN rows.
    const step = stepData(10);
    const x = [...step.x, ...Array<number>(20).fill(NaN)];
    const y = [...step.y, ...Array<number>(20).fill(missingTarget)];
    // Act
    const model = trainGbdt(dataset(y, numeric('x', x)), ONE_STEP);
    // Assess
    expect(splits(model.trees[0]!)).toEqual([{ feature: 0, threshold: 4, categories: [], missingLeft }]);
    const [low, high, missing] = predictGbdt(model, matrix(numeric('x', [1, 8, NaN])));
    expect(low).toBeCloseTo(0, 10);
    expect(high).toBeCloseTo(10, 10);
    expect(missing).toBeCloseTo(missingTarget, 10);
  });

  test('maxDepth and minSamplesLeaf bound every tree', () => {
    // Prepare
    const data = synthetic(2_000, 3, (a, b, c, noise) => a * b + c + noise);
    // Act
    const model = trainGbdt(data, { ...TYPICAL, iterations: 10, maxLeaves: 31, maxDepth: 2, minSamplesLeaf: 50 });
    // Assess
    for (const tree of model.trees) {
      expect(depth(tree)).toBeLessThanOrEqual(2);
      for (let node = 0; node < tree.feature.length; node++) expect(tree.count[node]).toBeGreaterThanOrEqual(50);
    }
  });
});

describe('trainGbdt: losses', () => {
  test('squared-error training loss decreases at every round', () => {
    // Prepare
    const data = synthetic(3_000, 11, (a, b, c, noise) => Math.sin(a) * 3 + b + c + noise);
    // Act
    const model = trainGbdt(data, { ...TYPICAL, iterations: 30 });
    // Assess
    expect(model.trainLoss).toHaveLength(31);
    for (let i = 1; i < model.trainLoss.length; i++) expect(model.trainLoss[i]).toBeLessThan(model.trainLoss[i - 1]!);
  });

  test('log-loss starts at the prior log-odds and separates a separable problem into probabilities near 0 and 1', () => {
    // Prepare: 200 points in (0, 1), positive above 0.7 — a prior of 0.3.
    const x = Array.from({ length: 200 }, (_, i) => (i + 0.5) / 200);
    const y = x.map((v) => (v > 0.7 ? 1 : 0));
    // Act
    const model = trainGbdt(dataset(y, numeric('x', x)), { ...ONE_STEP, task: 'binary', iterations: 50, learningRate: 0.5, maxLeaves: 4, minSamplesLeaf: 5 });
    const p = predictGbdt(model, matrix(numeric('x', x)));
    // Assess
    expect(model.initScore).toBeCloseTo(Math.log(0.3 / 0.7), 12);
    const distanceFromLabel = Array.from(p, (probability, i) => Math.abs(probability - y[i]!));
    expect(Math.max(...distanceFromLabel)).toBeLessThan(0.01);
    expect(model.trainLoss.at(-1)).toBeLessThan(0.01);
  });
});

describe('trainGbdt: early stopping and determinism', () => {
  test('early stopping on pure noise stops well before the iteration budget and keeps the best round', () => {
    // Prepare: the target ignores the features.
    const data = synthetic(2_000, 5, (_a, _b, _c, noise) => noise);
    // Act
    const model = trainGbdt(data, { ...TYPICAL, iterations: 200, learningRate: 0.5, earlyStoppingRounds: 5 });
    // Assess
    expect(model.validationRows).toBe(400);
    expect(model.trainRows).toBe(1_600);
    expect(model.trees).toHaveLength(model.bestIteration);
    expect(model.validationLoss.length).toBe(model.bestIteration + 6);
    expect(model.validationLoss.length).toBeLessThan(200);
    expect(Math.min(...model.validationLoss)).toBe(model.validationLoss[model.bestIteration]);
  });

  test('the same seed gives the same JSON; another seed gives another validation slice and model', () => {
    // Prepare
    const data = synthetic(2_000, 9, (a, b, c, noise) => a + b * c + noise * 4);
    const params: GbdtParams = { ...TYPICAL, iterations: 30, earlyStoppingRounds: 3 };
    // Act
    const first = JSON.stringify(trainGbdt(data, params));
    const again = JSON.stringify(trainGbdt(data, params));
    const other = JSON.stringify(trainGbdt(data, { ...params, seed: params.seed + 1 }));
    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  test.each<[string, GbdtParams]>([
    ['regression', { ...TYPICAL, iterations: 8, maxLeaves: 31, minSamplesLeaf: 20 }],
    ['binary', { ...TYPICAL, task: 'binary', iterations: 8, maxLeaves: 31, minSamplesLeaf: 20 }],
  ])('%s: worker threads share the row loops and the model is the same for 1, 2 and 3 threads', (_task, params) => {
    // Prepare: enough rows that histograms, partitions and gradients are split into blocks and shared.
    const data = synthetic(90_000, 21, (a, b, c, noise) => (params.task === 'binary' ? Number(a * b + c * 3 + noise * 20 > 30) : a * b + c * 3 + noise * 20));
    const a = data.x.features[0]!;
    if (a.kind === 'numeric') for (let i = 0; i < a.values.length; i += 11) a.values[i] = NaN;
    // Act
    const one = trainGbdt(data, { ...params, threads: 1 });
    const two = trainGbdt(data, { ...params, threads: 2 });
    const three = trainGbdt(data, { ...params, threads: 3 });
    // Assess
    expect(one.trees).toHaveLength(8);
    expect(one.trainLoss.at(-1)).toBeLessThan(one.trainLoss[0]!);
    expect(JSON.stringify(two)).toBe(JSON.stringify(one));
    expect(JSON.stringify(three)).toBe(JSON.stringify(one));
  });

  test('a JSON round trip predicts identically, missing values and unseen codes included', () => {
    // Prepare
    const data = synthetic(2_000, 13, (a, b, c, noise) => (a > 5 ? b : -b) + c * 2 + noise);
    const a = data.x.features[0]!;
    if (a.kind === 'numeric') for (let i = 0; i < a.values.length; i += 7) a.values[i] = NaN;
    const model = trainGbdt(data, TYPICAL);
    const probe = matrix(numeric('a', [NaN, 1, 9, 5]), numeric('b', [3, NaN, 7, 10]), categorical('c', [0, 5, 2, 17], 6));
    // Act
    const copy = JSON.parse(JSON.stringify(model)) as GbdtModel;
    // Assess
    expect(copy).toEqual(model);
    expect(predictGbdt(copy, probe)).toEqual(predictGbdt(model, probe));
    expect(predictGbdt(copy, data.x)).toEqual(predictGbdt(model, data.x));
  });
});

describe('trainGbdt: a nonlinear problem', () => {
  test('20k rows depending on two numeric features and a categorical one: test RMSE well below the mean baseline', () => {
    // Prepare: y = 3·sin(a) + (b − 5)²/5 + an effect per category + noise of sd ≈ 0.58; a fourth feature is noise.
    const effects = [0, 3, -2, 1, -4, 2];
    const base = synthetic(20_000, 21, (a, b, c, noise) => 3 * Math.sin(a) + (b - 5) ** 2 / 5 + effects[c]! + 2 * noise);
    const random = seededRandom(99);
    const x = matrix(...base.x.features, numeric('noise', Array.from({ length: 20_000 }, () => random())));
    const trainIdx = Array.from({ length: 16_000 }, (_, i) => i);
    const testIdx = Array.from({ length: 4_000 }, (_, i) => 16_000 + i);
    const yTrain = base.y.slice(0, 16_000);
    const yTest = base.y.slice(16_000);
    // Act
    const model = trainGbdt({ x: takeRows(x, trainIdx), y: yTrain }, { ...TYPICAL, iterations: 60, maxLeaves: 31 });
    const predicted = predictGbdt(model, takeRows(x, testIdx));
    // Assess
    const mean = yTrain.reduce((s, v) => s + v, 0) / yTrain.length;
    const baseline = rmse(new Float64Array(yTest.length).fill(mean), yTest);
    const achieved = rmse(predicted, yTest);
    expect(baseline).toBeGreaterThan(3);
    expect(achieved).toBeLessThan(0.25 * baseline);
    const importance = gbdtImportance(model);
    expect(importance.map((i) => i.feature).at(-1)).toBe('noise');
    expect(importance.reduce((s, i) => s + i.share, 0)).toBeCloseTo(1, 12);
  });
});

describe('binning', () => {
  test('distinct values up to maxBins get midpoint thresholds', () => {
    // Prepare
    const values = Float64Array.from([3, 1, 2, 2, NaN, 1]);
    // Act
    const thresholds = numericThresholds(values, 255);
    // Assess
    expect(thresholds).toEqual([1.5, 2.5]);
  });

  test('infinite values get finite thresholds and keep bins of their own', () => {
    // Prepare
    const values = Float64Array.from([-Infinity, 0, Infinity]);
    // Act
    const thresholds = numericThresholds(values, 255);
    // Assess
    expect(thresholds).toEqual([-Number.MAX_VALUE, Number.MAX_VALUE]);
  });

  test('more distinct values than maxBins get quantile bins of about equal counts', () => {
    // Prepare: 1000 distinct values, 10 bins.
    const values = Float64Array.from({ length: 1_000 }, (_, i) => i * i);
    // Act
    const thresholds = numericThresholds(values, 10);
    // Assess
    expect(thresholds).toHaveLength(9);
    const counts = Array<number>(10).fill(0);
    for (const v of values) {
      const bin = thresholds.findIndex((t) => v <= t);
      counts[bin < 0 ? 9 : bin]! += 1;
    }
    for (const c of counts) expect(c).toBe(100);
  });
});

describe('validation', () => {
  const small = dataset([1, 2, 3, 4], numeric('x', [1, 2, 3, 4]));

  test.each<[string, Partial<GbdtParams>, RegExp]>([
    ['task', { task: 'multiclass' as 'binary' }, /task must be 'regression' or 'binary'; got "multiclass"/],
    ['iterations', { iterations: 0 }, /iterations must be an integer >= 1; got 0/],
    ['learningRate', { learningRate: 0 }, /learningRate must be a finite number > 0; got 0/],
    ['maxLeaves', { maxLeaves: 1 }, /maxLeaves must be an integer >= 2; got 1/],
    ['maxDepth', { maxDepth: 0 }, /maxDepth must be an integer >= 1; got 0/],
    ['minSamplesLeaf', { minSamplesLeaf: 0.5 }, /minSamplesLeaf must be an integer >= 1; got 0.5/],
    ['l2', { l2: -1 }, /l2 must be a finite number >= 0; got -1/],
    ['maxBins', { maxBins: 256 }, /maxBins must be an integer in 2…255; got 256/],
    ['earlyStoppingRounds', { earlyStoppingRounds: 0 }, /earlyStoppingRounds must be an integer >= 1; got 0/],
    ['validationFraction', { earlyStoppingRounds: 2, validationFraction: 1 }, /validationFraction must be a number in \(0, 1\) when earlyStoppingRounds is set; got 1/],
    ['seed', { seed: 1.5 }, /seed must be an integer; got 1.5/],
    ['threads', { threads: 0 }, /threads must be an integer in 1…64; got 0/],
    ['threads', { threads: 1.5 }, /threads must be an integer in 1…64; got 1.5/],
  ])('an invalid %s is refused, naming the value', (_field, override, message) => {
    // Prepare
    const params = { ...ONE_STEP, ...override };
    // Act
    const act = (): GbdtModel => trainGbdt(small, params);
    // Assess
    expect(act).toThrow(message);
  });

  test.each<[string, Dataset, GbdtParams, RegExp]>([
    ['a categorical feature over 255 categories', dataset([1, 2], categorical('airport', [0, 300], 300)), ONE_STEP, /feature 'airport' has cardinality 300; .* 1…255 categories/],
    ['a binary target other than 0/1', dataset([0, 2], numeric('x', [1, 2])), { ...ONE_STEP, task: 'binary' }, /binary target must be 0 or 1; row 1 is 2/],
    ['a non-finite regression target', dataset([0, NaN], numeric('x', [1, 2])), ONE_STEP, /regression target must be finite; row 1 is NaN/],
    ['a target of the wrong length', { x: matrix(numeric('x', [1, 2, 3])), y: Float64Array.from([1, 2]) }, ONE_STEP, /target must have one value per row \(3\); got 2/],
    ['a duplicated feature name', dataset([1, 2], numeric('x', [1, 2]), numeric('x', [3, 4])), ONE_STEP, /'x' appears twice/],
  ])('%s is refused', (_case, data, params, message) => {
    // Act
    const act = (): GbdtModel => trainGbdt(data, params);
    // Assess
    expect(act).toThrow(message);
  });

  test('prediction refuses a matrix without a model feature, or with it of another kind', () => {
    // Prepare
    const model = trainGbdt(small, ONE_STEP);
    // Act
    const missing = (): Float64Array => predictGbdt(model, matrix(numeric('y', [1])));
    const wrongKind = (): Float64Array => predictGbdt(model, matrix(categorical('x', [1], 3)));
    // Assess
    expect(missing).toThrow(/feature 'x' is missing from the feature matrix/);
    expect(wrongKind).toThrow(/feature 'x' must be numeric; got categorical/);
  });
});

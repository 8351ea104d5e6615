/**
 * Ridge and logistic regression: known answers (an independently solved normal equation, exact OLS
 * recovery, a scikit-learn reference fit), optimality, prediction semantics, determinism and validation.
 */
import { seededRandom, type Dataset, type Feature, type FeatureMatrix } from '../../../lambda/core/features/matrix';
import { linearImportance, predictLinear, trainLinear, type LinearCategoricalTerm, type LinearModel, type LinearNumericTerm } from '../../../lambda/core/models/linear';

const numeric = (name: string, values: readonly number[]): Feature => ({ kind: 'numeric', name, values: Float64Array.from(values) });
const categorical = (name: string, codes: readonly number[], cardinality: number): Feature => ({ kind: 'categorical', name, codes: Int32Array.from(codes), cardinality });
const matrix = (...features: Feature[]): FeatureMatrix => ({ rows: features[0]!.kind === 'numeric' ? features[0]!.values.length : features[0]!.codes.length, features });

function numericTerm(model: LinearModel, name: string): LinearNumericTerm {
  const term = model.features.find((t) => t.name === name);
  if (term?.kind !== 'numeric') throw new Error(`no numeric term ${name}`);
  return term;
}

function categoricalTerm(model: LinearModel, name: string): LinearCategoricalTerm {
  const term = model.features.find((t) => t.name === name);
  if (term?.kind !== 'categorical') throw new Error(`no categorical term ${name}`);
  return term;
}

/** Standardise as the model should: mean and population std of the present values; missing → 0. */
function standardise(values: readonly number[]): number[] {
  const present = values.filter((v) => !Number.isNaN(v));
  const mean = present.reduce((a, b) => a + b, 0) / present.length;
  const std = Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length);
  return values.map((v) => (Number.isNaN(v) ? 0 : (v - mean) / std));
}

/** Solve a·x = b by Gaussian elimination with partial pivoting (dense, written independently of the model). */
function gaussianSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = col + 1; r < n; r++) {
      const factor = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= factor * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let c = r + 1; c < n; c++) s -= m[r]![c]! * x[c]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Ridge by its definition: (AᵀA + λD) w = Aᵀy with A = [1, design columns] and D = diag(0, 1, …, 1). */
function ridgeReference(columns: number[][], y: readonly number[], l2: number): number[] {
  const a = y.map((_, i) => [1, ...columns.map((c) => c[i]!)]);
  const p = a[0]!.length;
  const gram = Array.from({ length: p }, (_, j) => Array.from({ length: p }, (_, k) => a.reduce((s, row) => s + row[j]! * row[k]!, 0) + (j === k && j > 0 ? l2 : 0)));
  const rhs = Array.from({ length: p }, (_, j) => a.reduce((s, row, i) => s + row[j]! * y[i]!, 0));
  return gaussianSolve(gram, rhs);
}

describe('ridge regression', () => {
  test('matches the normal equations solved independently on a 3 × 2 problem', () => {
    // Prepare
    const x1 = [1, 2, 4];
    const x2 = [3, 1, 2];
    const y = [1, 2, 5];
    const l2 = 0.7;
    const expected = ridgeReference([standardise(x1), standardise(x2)], y, l2);
    // Act
    const model = trainLinear({ x: matrix(numeric('x1', x1), numeric('x2', x2)), y: Float64Array.from(y) }, { task: 'regression', l2 });
    // Assess
    expect(model.intercept).toBeCloseTo(expected[0]!, 12);
    expect(numericTerm(model, 'x1').coefficient).toBeCloseTo(expected[1]!, 12);
    expect(numericTerm(model, 'x2').coefficient).toBeCloseTo(expected[2]!, 12);
    expect(model.fit).toMatchObject({ rows: 3, iterations: 0, converged: true, droppedColumns: 0 });
    expect(model.fit.gradientNorm).toBeLessThan(1e-12);
  });

  test('one-hot expands a categorical feature with code 0 as the reference and imputes a missing number with the mean', () => {
    // Prepare: codes 1 and 2 get columns, code 0 none; x has a NaN, which standardises to 0
    const x = [0.5, Number.NaN, 2.5, -1, 3, 1.5, 0, 2];
    const codes = [0, 1, 2, 1, 0, 2, 2, 1];
    const y = [1.2, 3.1, 4.4, 1.9, 2.8, 5.1, 3.3, 2.6];
    const l2 = 0.3;
    const expected = ridgeReference([standardise(x), codes.map((c) => (c === 1 ? 1 : 0)), codes.map((c) => (c === 2 ? 1 : 0))], y, l2);
    // Act
    const model = trainLinear({ x: matrix(numeric('x', x), categorical('c', codes, 3)), y: Float64Array.from(y) }, { task: 'regression', l2 });
    // Assess
    expect(model.intercept).toBeCloseTo(expected[0]!, 12);
    expect(numericTerm(model, 'x').coefficient).toBeCloseTo(expected[1]!, 12);
    expect(categoricalTerm(model, 'c').coefficients).toHaveLength(2);
    expect(categoricalTerm(model, 'c').coefficients[0]).toBeCloseTo(expected[2]!, 12);
    expect(categoricalTerm(model, 'c').coefficients[1]).toBeCloseTo(expected[3]!, 12);
    expect(numericTerm(model, 'x').mean).toBeCloseTo(8.5 / 7, 14);
  });

  test('with λ = 0 recovers y = 2·x1 − 3·x2 + 5 exactly', () => {
    // Prepare
    const random = seededRandom(3);
    const x1 = Array.from({ length: 50 }, () => random() * 10 - 5);
    const x2 = Array.from({ length: 50 }, () => random() * 100);
    const y = x1.map((v, i) => 2 * v - 3 * x2[i]! + 5);
    // Act
    const model = trainLinear({ x: matrix(numeric('x1', x1), numeric('x2', x2)), y: Float64Array.from(y) }, { task: 'regression', l2: 0 });
    // Assess: back on the raw scale, coefficient = w / scale and intercept = w₀ − Σ w·mean / scale
    const t1 = numericTerm(model, 'x1');
    const t2 = numericTerm(model, 'x2');
    expect(t1.coefficient / t1.scale).toBeCloseTo(2, 8);
    expect(t2.coefficient / t2.scale).toBeCloseTo(-3, 8);
    expect(model.intercept - (t1.coefficient * t1.mean) / t1.scale - (t2.coefficient * t2.mean) / t2.scale).toBeCloseTo(5, 8);
    const pred = predictLinear(model, matrix(numeric('x1', x1), numeric('x2', x2)));
    pred.forEach((v, i) => expect(v).toBeCloseTo(y[i]!, 8));
  });

  test('with λ = 0 leaves a collinear column at 0 instead of failing', () => {
    // Prepare: every row has code 1, so its one-hot column equals the intercept's; x is constant
    const c = categorical('c', [1, 1, 1, 1], 2);
    const constant = numeric('k', [7, 7, 7, 7]);
    const y = Float64Array.of(1, 2, 3, 4);
    // Act
    const model = trainLinear({ x: matrix(numeric('x', [1, 2, 3, 4]), c, constant), y }, { task: 'regression', l2: 0 });
    // Assess
    expect(model.fit.droppedColumns).toBe(2);
    expect(categoricalTerm(model, 'c').coefficients).toEqual([0]);
    expect(numericTerm(model, 'k')).toMatchObject({ mean: 7, scale: 1, coefficient: 0 });
    expect(Array.from(predictLinear(model, matrix(numeric('x', [1, 2, 3, 4]), c, constant))).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 2, 3, 4]);
  });
});

/*
 * Logistic reference: scikit-learn 1.2.1 (Debian python3-sklearn, /usr/bin/python3), on the design the
 * model builds (standardised numeric columns with population std, NaN → 0, one-hot of codes 1 and 2):
 *
 *   import numpy as np; from sklearn.linear_model import LogisticRegression
 *   x1 = np.array(X1); x2 = np.array(X2 with np.nan); c = np.array(CODES); y = np.array(LABELS)
 *   std = lambda v: np.where(np.isnan(v), 0.0, (v - np.nanmean(v)) / np.nanstd(v))
 *   X = np.column_stack([std(x1), std(x2), (c == 1).astype(float), (c == 2).astype(float)])
 *   for lam in (0.5, 2.0):
 *       m = LogisticRegression(C=1/lam, solver='newton-cg', tol=1e-10, max_iter=10000).fit(X, y)
 *       print(lam, repr(m.intercept_[0]), [repr(v) for v in m.coef_[0]])
 *
 * Mapping: scikit-learn minimises C·Σ logloss + ½‖w‖² (intercept unpenalised with newton-cg / lbfgs);
 * dividing by C gives Σ logloss + (1/(2C))‖w‖², our objective Σ logloss + (λ/2)‖w‖² with C = 1/λ.
 * The pasted solutions have an objective gradient norm of 1.9e-9 (λ = 0.5) and 7.9e-9 (λ = 2), checked in numpy.
 */
const X1 = [0.5, 1.2, -0.3, 2.0, 1.1, -1.4, 0.0, 0.8, -0.7, 1.9, 0.3, -2.1, 1.5, -0.2, 0.9, -1.0];
const X2 = [3.0, Number.NaN, 1.0, 4.0, 2.5, 0.5, Number.NaN, 3.5, 1.5, 2.0, 2.2, 0.1, 5.0, 1.8, 2.9, 0.7];
const CODES = [0, 1, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 2, 0, 1];
const LABELS = [1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0];
const SKLEARN: ReadonlyArray<{ l2: number; intercept: number; coef: readonly number[] }> = [
  { l2: 0.5, intercept: -0.07796121678309681, coef: [-0.21395574252809718, 1.6527480930709142, 0.48566340775540917, -0.10835271188195855] },
  { l2: 2.0, intercept: -0.01001738615461299, coef: [0.17051208121085065, 0.8140772929638782, 0.17035975832924993, -0.15913027603261304] },
];
const logisticData = (): Dataset => ({ x: matrix(numeric('x1', X1), numeric('x2', X2), categorical('c', CODES, 3)), y: Float64Array.from(LABELS) });

describe('logistic regression', () => {
  test.each(SKLEARN)('matches scikit-learn LogisticRegression(C = 1/λ) at λ = $l2', ({ l2, intercept, coef }) => {
    // Prepare
    const data = logisticData();
    // Act
    const model = trainLinear(data, { task: 'binary', l2 });
    // Assess
    const ours = [numericTerm(model, 'x1').coefficient, numericTerm(model, 'x2').coefficient, ...categoricalTerm(model, 'c').coefficients];
    expect(model.intercept).toBeCloseTo(intercept, 7);
    ours.forEach((w, j) => expect(w).toBeCloseTo(coef[j]!, 7));
    expect(model.fit.converged).toBe(true);
  });

  test('the gradient of the objective, computed independently, is ~0 at the solution', () => {
    // Prepare
    const l2 = 0.5;
    const data = logisticData();
    const design = LABELS.map((_, i) => [1, standardise(X1)[i]!, standardise(X2)[i]!, CODES[i] === 1 ? 1 : 0, CODES[i] === 2 ? 1 : 0]);
    // Act
    const model = trainLinear(data, { task: 'binary', l2 });
    // Assess: ∇ = Aᵀ(p − y) + λ·(0, w₁, …)
    const p = predictLinear(model, data.x);
    const w = [model.intercept, numericTerm(model, 'x1').coefficient, numericTerm(model, 'x2').coefficient, ...categoricalTerm(model, 'c').coefficients];
    const gradient = w.map((wj, j) => design.reduce((s, row, i) => s + row[j]! * (p[i]! - LABELS[i]!), 0) + (j > 0 ? l2 * wj : 0));
    expect(Math.hypot(...gradient)).toBeLessThan(1e-9);
    expect(model.fit.gradientNorm).toBeLessThan(1e-8);
    expect(model.fit.iterations).toBeGreaterThan(0);
  });

  test('predicts probabilities in (0, 1)', () => {
    // Prepare
    const data = logisticData();
    const model = trainLinear(data, { task: 'binary', l2: 1 });
    // Act
    const p = predictLinear(model, data.x);
    // Assess
    expect(p).toHaveLength(16);
    p.forEach((v) => {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(1);
    });
  });

  test('stops at maxIterations and says it did not converge', () => {
    // Prepare: separable classes without a penalty drive the coefficients to infinity
    const data: Dataset = { x: matrix(numeric('x', [-2, -1, 1, 2])), y: Float64Array.of(0, 0, 1, 1) };
    // Act
    const model = trainLinear(data, { task: 'binary', l2: 0, maxIterations: 3 });
    // Assess
    expect(model.fit).toMatchObject({ iterations: 3, converged: false });
    expect(Number.isFinite(numericTerm(model, 'x').coefficient)).toBe(true);
  });
});

describe('prediction', () => {
  const model = trainLinear(logisticData(), { task: 'binary', l2: 0.5 });

  test('matches features by name, ignoring column order and extra columns', () => {
    // Prepare
    const data = logisticData();
    const reordered: FeatureMatrix = { rows: 16, features: [data.x.features[2]!, numeric('extra', X1.map(() => 1)), data.x.features[0]!, data.x.features[1]!] };
    // Act
    const a = predictLinear(model, data.x);
    const b = predictLinear(model, reordered);
    // Assess
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  test('a missing number predicts like the training mean; an unknown code like the reference code 0', () => {
    // Prepare
    const mean = numericTerm(model, 'x2').mean;
    const withMissing = matrix(numeric('x1', [0.4, 0.4]), numeric('x2', [Number.NaN, 2]), categorical('c', [7, 0], 8));
    const withMean = matrix(numeric('x1', [0.4, 0.4]), numeric('x2', [mean, 2]), categorical('c', [0, 0], 3));
    // Act
    const a = predictLinear(model, withMissing);
    const b = predictLinear(model, withMean);
    // Assess
    expect(a[0]).toBeCloseTo(b[0]!, 15);
    expect(a[1]).toBe(b[1]);
  });

  test('rejects a matrix without a model feature or with a feature of another kind', () => {
    // Prepare
    const data = logisticData();
    const missing: FeatureMatrix = { rows: 16, features: data.x.features.slice(1) };
    const wrongKind: FeatureMatrix = { rows: 16, features: [data.x.features[0]!, data.x.features[1]!, numeric('c', X1)] };
    // Act
    const predictMissing = (): Float64Array => predictLinear(model, missing);
    const predictWrongKind = (): Float64Array => predictLinear(model, wrongKind);
    // Assess
    expect(predictMissing).toThrow(/features: 'x1' is missing from the matrix/);
    expect(predictWrongKind).toThrow(/features\.c: kind 'numeric'; expected 'categorical'/);
  });
});

describe('determinism and serialisation', () => {
  test('the same input gives byte-identical JSON, and the JSON round trip predicts identically', () => {
    // Prepare
    const random = seededRandom(11);
    const n = 2000;
    const x = Array.from({ length: n }, () => random() * 4 - 2);
    const codes = Array.from({ length: n }, () => Math.floor(random() * 5));
    const y = x.map((v, i) => (random() < 1 / (1 + Math.exp(-(v + (codes[i]! - 2) * 0.5))) ? 1 : 0));
    const dataset = (): Dataset => ({ x: matrix(numeric('x', x), categorical('c', codes, 5)), y: Float64Array.from(y) });
    // Act
    const first = JSON.stringify(trainLinear(dataset(), { task: 'binary', l2: 1 }));
    const second = JSON.stringify(trainLinear(dataset(), { task: 'binary', l2: 1 }));
    const parsed = JSON.parse(first) as LinearModel;
    // Assess
    expect(second).toBe(first);
    expect(parsed.format).toBe('mlops-linear/1');
    expect(Array.from(predictLinear(parsed, dataset().x))).toEqual(Array.from(predictLinear(trainLinear(dataset(), { task: 'binary', l2: 1 }), dataset().x)));
  });
});

describe('linearImportance', () => {
  test('is |coefficient| for a numeric feature and the sum of |coefficients| for a categorical one', () => {
    // Prepare
    const model = trainLinear(logisticData(), { task: 'binary', l2: 0.5 });
    const c = categoricalTerm(model, 'c').coefficients;
    // Act
    const importance = linearImportance(model);
    // Assess
    expect(importance).toEqual([
      { feature: 'x1', importance: Math.abs(numericTerm(model, 'x1').coefficient) },
      { feature: 'x2', importance: Math.abs(numericTerm(model, 'x2').coefficient) },
      { feature: 'c', importance: Math.abs(c[0]!) + Math.abs(c[1]!) },
    ]);
  });
});

describe('validation', () => {
  const x = matrix(numeric('x', [1, 2, 3]));

  test.each<[string, () => unknown, RegExp]>([
    ['a negative λ', () => trainLinear({ x, y: Float64Array.of(1, 2, 3) }, { task: 'regression', l2: -1 }), /l2: -1; expected a finite number ≥ 0/],
    ['a target of another length', () => trainLinear({ x, y: Float64Array.of(1, 2) }, { task: 'regression', l2: 1 }), /y: 2 values; expected 3/],
    ['a label other than 0 or 1', () => trainLinear({ x, y: Float64Array.of(0, 2, 1) }, { task: 'binary', l2: 1 }), /y\[1\]: 2; expected 0 or 1/],
    ['a non-finite regression target', () => trainLinear({ x, y: Float64Array.of(0, Number.NaN, 1) }, { task: 'regression', l2: 1 }), /y\[1\]: NaN; expected a finite number/],
    ['a code outside the cardinality', () => trainLinear({ x: matrix(categorical('c', [0, 3, 1], 3)), y: Float64Array.of(1, 2, 3) }, { task: 'regression', l2: 1 }), /features\.c\.codes\[1\]: 3; expected 0…2/],
    ['a repeated feature name', () => trainLinear({ x: matrix(numeric('x', [1, 2, 3]), numeric('x', [3, 2, 1])), y: Float64Array.of(1, 2, 3) }, { task: 'regression', l2: 1 }), /name 'x' appears twice/],
    ['an empty dataset', () => trainLinear({ x: { rows: 0, features: [] }, y: new Float64Array(0) }, { task: 'regression', l2: 1 }), /x\.rows: 0; expected at least one training row/],
  ])('rejects %s', (_label, train, message) => {
    // Prepare / Act / Assess
    expect(train).toThrow(message);
  });
});

/**
 * Linear models for engine `lambda`: ridge regression (closed form) and L2-regularised logistic
 * regression (Newton's method with a backtracking line search), trained on a {@link FeatureMatrix}.
 *
 * Inside the model, numeric features are standardised with the training mean and population standard
 * deviation (a missing value — NaN or any non-finite number — is imputed with the training mean, i.e. 0
 * after standardising), and each categorical feature is one-hot expanded into columns for codes
 * 1…cardinality−1; code 0 (other / unseen / missing) is the dropped reference level, so the one-hot
 * columns are not collinear with the intercept. The intercept is never penalised.
 *
 * Objectives, with w the coefficients on that standardised design and w₀ the intercept:
 * - ridge:    Σᵢ (yᵢ − ŷᵢ)² + λ·Σⱼ wⱼ², solved as (XᵀX + λD) w = Xᵀy by Cholesky — scikit-learn's
 *   `Ridge(alpha=λ)` on the same design;
 * - logistic: Σᵢ logloss(yᵢ, σ(ηᵢ)) + (λ/2)·Σⱼ wⱼ² — scikit-learn's `LogisticRegression(C=1/λ)` on the
 *   same design (its lbfgs / newton-cg solvers do not penalise the intercept either).
 *
 * Every sum runs in a fixed order, so the same dataset and options give bit-identical models.
 */
import type { Dataset, FeatureMatrix } from '../features/matrix';

/** The format tag of a serialised linear model; bump it when the JSON shape changes. */
export const LINEAR_MODEL_FORMAT = 'mlops-linear/1';

/** What a linear model predicts: a number (ridge) or the probability of class 1 (logistic). */
export type LinearTask = 'regression' | 'binary';

/** Options of {@link trainLinear}. */
export interface TrainLinearOptions {
  /** `regression` fits ridge regression; `binary` fits logistic regression (labels 0 / 1). */
  readonly task: LinearTask;
  /** L2 penalty λ ≥ 0 on the standardised coefficients (not on the intercept); see the module comment for the objective it scales. */
  readonly l2: number;
  /**
   * Logistic only: the most Newton steps to take.
   * @default 100 — Newton converges in well under 20 steps unless the classes are separable and λ = 0.
   */
  readonly maxIterations?: number;
  /**
   * Logistic only: stop when ‖∇objective‖₂ / rows ≤ this (the gradient of the per-row objective, so the
   * tolerance means the same at 100 rows and at 10 million).
   * @default 1e-8
   */
  readonly tolerance?: number;
}

/** A numeric term: ŷ gains `coefficient · (x − mean) / scale`, a missing x contributing 0. */
export interface LinearNumericTerm {
  readonly kind: 'numeric';
  /** The feature's name in the matrix. */
  readonly name: string;
  /** Training mean of the present values (0 when none was present); also the imputed value. */
  readonly mean: number;
  /** Training population standard deviation of the present values (1 when it is 0 or undefined). */
  readonly scale: number;
  /** Coefficient on the standardised scale. */
  readonly coefficient: number;
}

/** A categorical term: ŷ gains `coefficients[code − 1]` for codes 1…cardinality−1 and nothing for code 0. */
export interface LinearCategoricalTerm {
  readonly kind: 'categorical';
  /** The feature's name in the matrix. */
  readonly name: string;
  /** The training matrix's cardinality (codes 0…cardinality−1). */
  readonly cardinality: number;
  /** One coefficient per non-reference code: `coefficients[k − 1]` belongs to code k. */
  readonly coefficients: readonly number[];
}

/** One feature's part of a linear model. */
export type LinearTerm = LinearNumericTerm | LinearCategoricalTerm;

/** How the fit went (for the run record; not needed to predict). */
export interface LinearFitSummary {
  /** Training rows. */
  readonly rows: number;
  /** Newton steps taken (0 for ridge, which is solved in closed form). */
  readonly iterations: number;
  /** ‖∇objective‖₂ / rows at the returned coefficients. */
  readonly gradientNorm: number;
  /** Whether the gradient reached the tolerance (ridge: always true). */
  readonly converged: boolean;
  /** Design columns left at 0 because they were exactly collinear with earlier ones (only possible with λ = 0). */
  readonly droppedColumns: number;
}

/** A trained linear model: a plain JSON-serialisable object, the artifact the registry stores. */
export interface LinearModel {
  /** Always {@link LINEAR_MODEL_FORMAT}. */
  readonly format: typeof LINEAR_MODEL_FORMAT;
  /** What the model predicts. */
  readonly task: LinearTask;
  /** The L2 penalty it was trained with. */
  readonly l2: number;
  /** Intercept (on the standardised design: the prediction, or log-odds, for an all-mean, all-reference row). */
  readonly intercept: number;
  /** One term per training feature, in the training matrix's order. */
  readonly features: readonly LinearTerm[];
  /** Training diagnostics. */
  readonly fit: LinearFitSummary;
}

/** One feature's importance: the summed |coefficient| of its columns on the standardised scale. */
export interface LinearImportance {
  /** The feature's name. */
  readonly feature: string;
  /** Σ |coefficient| over the feature's design columns. */
  readonly importance: number;
}

/** Training or prediction input that a linear model cannot use; the message names the field and value. */
export class LinearModelError extends Error {
  /** Create the error; `cause` is kept for the run record. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LinearModelError';
  }
}

const DEFAULT_MAX_ITERATIONS = 100;
const DEFAULT_TOLERANCE = 1e-8;
/** A Cholesky pivot below this fraction of its diagonal entry means the column is (numerically) collinear. */
const PIVOT_TOLERANCE = 1e-10;
/** Armijo sufficient-decrease constant of the line search. */
const ARMIJO = 1e-4;
const MIN_STEP = 1e-12;

/**
 * The standardised, one-hot design, built once: column 0 is the intercept, then one column per numeric
 * feature and cardinality−1 columns per categorical feature, in feature order. Each row has at most one
 * active column per feature, so rows are walked sparsely and nothing n × columns is materialised.
 */
interface Design {
  readonly rows: number;
  readonly columns: number;
  /** Per feature: its first design column. */
  readonly offsets: readonly number[];
  /** Per feature: standardised, imputed values (numeric) or design column per row, −1 for the reference (categorical). */
  readonly data: ReadonlyArray<Float64Array | Int32Array>;
  readonly terms: ReadonlyArray<{ kind: 'numeric'; name: string; mean: number; scale: number } | { kind: 'categorical'; name: string; cardinality: number }>;
}

function buildDesign(x: FeatureMatrix): Design {
  const n = x.rows;
  let columns = 1;
  const offsets: number[] = [];
  const data: Array<Float64Array | Int32Array> = [];
  const terms: Design['terms'][number][] = [];
  const seen = new Set<string>();
  for (const f of x.features) {
    if (seen.has(f.name)) throw new LinearModelError(`features: name '${f.name}' appears twice; expected unique feature names`);
    seen.add(f.name);
    offsets.push(columns);
    if (f.kind === 'numeric') {
      if (f.values.length !== n) throw new LinearModelError(`features.${f.name}: ${f.values.length} values; expected ${n} (the matrix's rows)`);
      // Two passes (mean, then squared deviations) keep the variance accurate for large offsets.
      let sum = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        const v = f.values[i]!;
        if (Number.isFinite(v)) {
          sum += v;
          count++;
        }
      }
      const mean = count === 0 ? 0 : sum / count;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const v = f.values[i]!;
        if (Number.isFinite(v)) squares += (v - mean) * (v - mean);
      }
      const std = count === 0 ? 0 : Math.sqrt(squares / count);
      const scale = std > 0 && Number.isFinite(std) ? std : 1;
      const z = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = f.values[i]!;
        z[i] = Number.isFinite(v) ? (v - mean) / scale : 0;
      }
      data.push(z);
      terms.push({ kind: 'numeric', name: f.name, mean, scale });
      columns += 1;
    } else {
      if (!Number.isInteger(f.cardinality) || f.cardinality < 1) {
        throw new LinearModelError(`features.${f.name}.cardinality: ${f.cardinality}; expected an integer ≥ 1`);
      }
      if (f.codes.length !== n) throw new LinearModelError(`features.${f.name}: ${f.codes.length} codes; expected ${n} (the matrix's rows)`);
      const column = new Int32Array(n);
      const offset = columns;
      for (let i = 0; i < n; i++) {
        const code = f.codes[i]!;
        if (code < 0 || code >= f.cardinality) {
          throw new LinearModelError(`features.${f.name}.codes[${i}]: ${code}; expected 0…${f.cardinality - 1}`);
        }
        column[i] = code === 0 ? -1 : offset + code - 1;
      }
      data.push(column);
      terms.push({ kind: 'categorical', name: f.name, cardinality: f.cardinality });
      columns += f.cardinality - 1;
    }
  }
  return { rows: n, columns, offsets, data, terms };
}

/** Linear predictor ηᵢ = w₀ + Σ wⱼ·xᵢⱼ for every row. */
function linearPredictor(design: Design, w: Float64Array, out: Float64Array): void {
  out.fill(w[0]!);
  for (let f = 0; f < design.data.length; f++) {
    const column = design.data[f]!;
    if (column instanceof Float64Array) {
      const wf = w[design.offsets[f]!]!;
      for (let i = 0; i < design.rows; i++) out[i]! += wf * column[i]!;
    } else {
      for (let i = 0; i < design.rows; i++) {
        const c = column[i]!;
        if (c >= 0) out[i]! += w[c]!;
      }
    }
  }
}

/**
 * Σᵢ hᵢ·aᵢaᵢᵀ (upper triangle, then mirrored) and Σᵢ rᵢ·aᵢ over the design rows aᵢ, into `gram` (columns²,
 * row-major) and `vector`. `h` = null means every hᵢ = 1.
 */
function accumulate(design: Design, h: Float64Array | null, r: Float64Array, gram: Float64Array, vector: Float64Array): void {
  const p = design.columns;
  const features = design.data.length;
  const index = new Int32Array(features + 1);
  const value = new Float64Array(features + 1);
  gram.fill(0);
  vector.fill(0);
  for (let i = 0; i < design.rows; i++) {
    // Active columns of row i in increasing column order (features are laid out left to right).
    let m = 0;
    index[m] = 0;
    value[m++] = 1;
    for (let f = 0; f < features; f++) {
      const column = design.data[f]!;
      if (column instanceof Float64Array) {
        const v = column[i]!;
        if (v !== 0) {
          index[m] = design.offsets[f]!;
          value[m++] = v;
        }
      } else if (column[i]! >= 0) {
        index[m] = column[i]!;
        value[m++] = 1;
      }
    }
    const hi = h === null ? 1 : h[i]!;
    const ri = r[i]!;
    for (let a = 0; a < m; a++) {
      const ca = index[a]!;
      const va = value[a]!;
      vector[ca]! += ri * va;
      const hva = hi * va;
      const rowStart = ca * p;
      for (let b = a; b < m; b++) gram[rowStart + index[b]!]! += hva * value[b]!;
    }
  }
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) gram[b * p + a] = gram[a * p + b]!;
}

/** Add λ to every diagonal entry but the intercept's. */
function addPenalty(gram: Float64Array, p: number, l2: number): void {
  for (let j = 1; j < p; j++) gram[j * p + j]! += l2;
}

/**
 * Solve the symmetric positive semi-definite system `a x = b` by Cholesky. A column whose pivot falls
 * below {@link PIVOT_TOLERANCE} of its diagonal is collinear with earlier ones: it is removed from the
 * system (its unknown set to 0), which picks one of the equally good solutions deterministically.
 */
function choleskySolve(a: Float64Array, b: Float64Array, p: number): { x: Float64Array; dropped: number } {
  const l = new Float64Array(p * p);
  const dropped = new Uint8Array(p);
  let droppedCount = 0;
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j]!;
    for (let k = 0; k < j; k++) d -= l[j * p + k]! * l[j * p + k]!;
    const diagonal = a[j * p + j]!;
    if (!(diagonal > 0) || !(d > PIVOT_TOLERANCE * diagonal)) {
      dropped[j] = 1;
      droppedCount++;
      for (let k = 0; k < j; k++) l[j * p + k] = 0;
      l[j * p + j] = 1;
      continue;
    }
    const pivot = Math.sqrt(d);
    l[j * p + j] = pivot;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = s / pivot;
    }
  }
  const z = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    if (dropped[j]) continue;
    let s = b[j]!;
    for (let k = 0; k < j; k++) s -= l[j * p + k]! * z[k]!;
    z[j] = s / l[j * p + j]!;
  }
  const x = new Float64Array(p);
  for (let j = p - 1; j >= 0; j--) {
    if (dropped[j]) continue;
    let s = z[j]!;
    for (let i = j + 1; i < p; i++) s -= l[i * p + j]! * x[i]!;
    x[j] = s / l[j * p + j]!;
  }
  return { x, dropped: droppedCount };
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j]! * v[j]!;
  return Math.sqrt(s);
}

/** ln(1 + eᶻ) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function fitRidge(design: Design, y: Float64Array, l2: number): { w: Float64Array; fit: LinearFitSummary } {
  const p = design.columns;
  const gram = new Float64Array(p * p);
  const rhs = new Float64Array(p);
  accumulate(design, null, y, gram, rhs);
  addPenalty(gram, p, l2);
  const { x: w, dropped } = choleskySolve(gram, rhs, p);
  // ∇ = 2·((XᵀX + λD)w − Xᵀy): reported so a caller can see how exact the solve was.
  const gradient = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    let s = -rhs[a]!;
    for (let b = 0; b < p; b++) s += gram[a * p + b]! * w[b]!;
    gradient[a] = 2 * s;
  }
  return { w, fit: { rows: design.rows, iterations: 0, gradientNorm: norm(gradient) / design.rows, converged: true, droppedColumns: dropped } };
}

function fitLogistic(design: Design, y: Float64Array, l2: number, maxIterations: number, tolerance: number): { w: Float64Array; fit: LinearFitSummary } {
  const n = design.rows;
  const p = design.columns;
  const eta = new Float64Array(n);
  const weight = new Float64Array(n);
  const residual = new Float64Array(n);
  const hessian = new Float64Array(p * p);
  const gradient = new Float64Array(p);
  const objective = (w: Float64Array): number => {
    linearPredictor(design, w, eta);
    let f = 0;
    for (let i = 0; i < n; i++) f += softplus(eta[i]!) - y[i]! * eta[i]!;
    for (let j = 1; j < p; j++) f += 0.5 * l2 * w[j]! * w[j]!;
    return f;
  };
  // Start from the prior log-odds: the exact optimum when there are no features.
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i]!;
  const prior = Math.min(Math.max(positives / n, 1e-12), 1 - 1e-12);
  let w: Float64Array = new Float64Array(p);
  w[0] = Math.log(prior / (1 - prior));
  let f = objective(w);
  let iterations = 0;
  let converged = false;
  let dropped = 0;
  let gradientNorm = Number.POSITIVE_INFINITY;
  for (;;) {
    // `eta` holds η(w) here: set by the last objective evaluation at the accepted w.
    for (let i = 0; i < n; i++) {
      const q = sigmoid(eta[i]!);
      weight[i] = q * (1 - q);
      residual[i] = q - y[i]!;
    }
    accumulate(design, weight, residual, hessian, gradient);
    for (let j = 1; j < p; j++) gradient[j]! += l2 * w[j]!;
    addPenalty(hessian, p, l2);
    gradientNorm = norm(gradient) / n;
    if (gradientNorm <= tolerance) {
      converged = true;
      break;
    }
    if (iterations >= maxIterations) break;
    const negative = new Float64Array(p);
    for (let j = 0; j < p; j++) negative[j] = -gradient[j]!;
    const solved = choleskySolve(hessian, negative, p);
    dropped = solved.dropped;
    const direction = solved.x;
    let slope = 0;
    for (let j = 0; j < p; j++) slope += gradient[j]! * direction[j]!;
    // Backtracking (Armijo) line search: full Newton steps near the optimum, shorter ones far from it.
    let step = 1;
    let accepted: Float64Array | null = null;
    let acceptedF = f;
    while (step >= MIN_STEP) {
      const candidate = new Float64Array(p);
      for (let j = 0; j < p; j++) candidate[j] = w[j]! + step * direction[j]!;
      const fc = objective(candidate);
      if (fc <= f + ARMIJO * step * slope) {
        accepted = candidate;
        acceptedF = fc;
        break;
      }
      step /= 2;
    }
    // No decrease even for a tiny step: the objective is flat to rounding, so this is as good as it gets.
    if (accepted === null) break;
    w = accepted;
    f = acceptedF;
    iterations++;
  }
  return { w, fit: { rows: n, iterations, gradientNorm, converged, droppedColumns: dropped } };
}

function checkTarget(y: Float64Array, task: LinearTask): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (task === 'binary' ? v !== 0 && v !== 1 : !Number.isFinite(v)) {
      throw new LinearModelError(`y[${i}]: ${v}; expected ${task === 'binary' ? '0 or 1 (task binary)' : 'a finite number (task regression)'}`);
    }
  }
}

/**
 * Train ridge regression (`task: 'regression'`) or logistic regression (`task: 'binary'`) on a dataset.
 * Deterministic: the same dataset and options give a model whose JSON is byte-identical.
 *
 * @throws {@link LinearModelError} when the target length differs from the rows, a target is not finite
 * (regression) or not 0/1 (binary), λ is negative or not finite, feature names repeat, or a categorical
 * code lies outside 0…cardinality−1.
 */
export function trainLinear(dataset: Dataset, options: TrainLinearOptions): LinearModel {
  const { x, y } = dataset;
  const { task, l2 } = options;
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (task !== 'regression' && task !== 'binary') throw new LinearModelError(`task: ${String(task)}; expected 'regression' or 'binary'`);
  if (!Number.isFinite(l2) || l2 < 0) throw new LinearModelError(`l2: ${l2}; expected a finite number ≥ 0`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new LinearModelError(`maxIterations: ${maxIterations}; expected an integer ≥ 1`);
  if (!(tolerance > 0)) throw new LinearModelError(`tolerance: ${tolerance}; expected a number > 0`);
  if (x.rows < 1) throw new LinearModelError(`x.rows: ${x.rows}; expected at least one training row`);
  if (y.length !== x.rows) throw new LinearModelError(`y: ${y.length} values; expected ${x.rows} (the matrix's rows)`);
  checkTarget(y, task);
  const design = buildDesign(x);
  const { w, fit } = task === 'regression' ? fitRidge(design, y, l2) : fitLogistic(design, y, l2, maxIterations, tolerance);
  const features = design.terms.map((term, f): LinearTerm => {
    const offset = design.offsets[f]!;
    if (term.kind === 'numeric') return { ...term, coefficient: w[offset]! };
    return { ...term, coefficients: Array.from(w.subarray(offset, offset + term.cardinality - 1)) };
  });
  return { format: LINEAR_MODEL_FORMAT, task, l2, intercept: w[0]!, features, fit };
}

/**
 * Predict every row of `matrix`: the value (regression) or the probability of class 1 (binary).
 * Features are matched by name, so column order may differ from training; extra columns are ignored.
 * A missing numeric value gets the training mean; a categorical code outside 1…cardinality−1 of the
 * training matrix counts as the reference level (code 0: other / unseen / missing).
 *
 * @throws {@link LinearModelError} when the model's format is unknown, or a model feature is absent
 * from the matrix or has a different kind there.
 */
export function predictLinear(model: LinearModel, matrix: FeatureMatrix): Float64Array {
  if (model.format !== LINEAR_MODEL_FORMAT) throw new LinearModelError(`format: '${String(model.format)}'; expected '${LINEAR_MODEL_FORMAT}'`);
  const byName = new Map(matrix.features.map((f) => [f.name, f]));
  const n = matrix.rows;
  const out = new Float64Array(n).fill(model.intercept);
  for (const term of model.features) {
    const feature = byName.get(term.name);
    if (feature === undefined) throw new LinearModelError(`features: '${term.name}' is missing from the matrix; the model was trained on it`);
    if (feature.kind !== term.kind) {
      throw new LinearModelError(`features.${term.name}: kind '${feature.kind}'; expected '${term.kind}' as in training`);
    }
    if (term.kind === 'numeric' && feature.kind === 'numeric') {
      const { mean, scale, coefficient } = term;
      for (let i = 0; i < n; i++) {
        const v = feature.values[i]!;
        if (Number.isFinite(v)) out[i]! += (coefficient * (v - mean)) / scale;
      }
    } else if (term.kind === 'categorical' && feature.kind === 'categorical') {
      const { coefficients } = term;
      for (let i = 0; i < n; i++) {
        const code = feature.codes[i]!;
        if (code >= 1 && code <= coefficients.length) out[i]! += coefficients[code - 1]!;
      }
    }
  }
  if (model.task === 'binary') for (let i = 0; i < n; i++) out[i] = sigmoid(out[i]!);
  return out;
}

/**
 * Feature importance of a linear model: |coefficient| on the standardised scale (which is |coef|·std of
 * the raw feature), summed over a categorical feature's one-hot columns. One entry per feature, in the
 * model's order.
 */
export function linearImportance(model: LinearModel): LinearImportance[] {
  return model.features.map((term) => ({
    feature: term.name,
    importance: term.kind === 'numeric' ? Math.abs(term.coefficient) : term.coefficients.reduce((sum, c) => sum + Math.abs(c), 0),
  }));
}

/**
 * Drift of a current window against the baseline, from the window sketch alone: per column the method
 * fixed in the baseline (score, p-value for the tests, threshold, drifted) and PSI; for the dataset the
 * share of drifted columns.
 *
 * Scores follow Evidently's implementations (`evidently` `legacy/calculations/stattests/*.py`):
 * - `ks`: scipy `ks_2samp` p-value (exact D from the sketch; p as {@link ksTwoSamplePValue}); drift if p ≤ threshold;
 * - `chisquare`: scipy `chisquare(f_obs = current counts, f_exp = reference counts · m/n)` over the
 *   categories seen on either side; drift if p < threshold;
 * - `z`: two-proportion z-test on the share of the first (smallest) reference value; drift if p < threshold;
 * - `wasserstein`: W1(reference, current) / max(std(reference), 0.001); drift if ≥ threshold;
 * - `jensenshannon`: scipy `jensenshannon(p, q)` (natural log) on category shares; drift if ≥ threshold.
 *
 * Each column also carries the window's distribution on the cells the baseline fixes (numerical: its PSI
 * bins; discrete: its values or categories, then "other"), with the reference's shares on the same
 * cells, so a report can draw reference against current without the baseline or the data. The counts
 * are the ones the sketch already holds for PSI: nothing is re-read, and the size is bounded by the
 * baseline (at most `psiBins` + 1 cells, or the kept categories + 1).
 */
import { chiSquareSf, ksTwoSamplePValue, normalTwoSidedSf } from './distributions';
import type { BinsDistribution, DriftBaseline, DriftColumnBaseline, DriftMethod, PointsDistribution } from './drift-baseline';
import type { ColumnWindow, WindowSketch } from './window-sketch';

/** Proportion used for an empty PSI bin (on either side) so the logarithm stays finite; Evidently's usual value. */
export const PSI_EPSILON = 1e-4;
/** PSI below this is "stable". */
export const PSI_MODERATE = 0.1;
/** PSI from this on is "significant" (between the two: "moderate"). */
export const PSI_SIGNIFICANT = 0.25;
/** Share of drifted columns from which the dataset counts as drifted (Evidently's default). */
export const DEFAULT_DATASET_DRIFT_SHARE = 0.5;

/** PSI band: < 0.1 stable, < 0.25 moderate, else significant. */
export type PsiBand = 'stable' | 'moderate' | 'significant';

/** Options of {@link computeDrift}. */
export interface ComputeDriftOptions {
  /**
   * Share of drifted columns from which the dataset is drifted.
   * @default 0.5
   */
  readonly datasetDriftShare?: number;
  /**
   * Thresholds overriding the ones stored in the baseline, per method.
   * @default - the baseline's thresholds
   */
  readonly thresholds?: Partial<Record<DriftMethod, number>>;
}

/** The cells two distributions are compared on, with each side's share per cell. */
export interface DistributionCells {
  /**
   * One label per cell: a PSI bin as `≤ a`, `(a, b]` or `> b`; a value or category by name; the catch-all
   * last cell of a discrete column as {@link OTHER_CELL_LABEL}.
   */
  readonly labels: readonly string[];
  /** The reference's share per cell: sums to 1 (all 0 when the reference has no non-null value). */
  readonly reference: readonly number[];
  /** The window's share per cell: sums to 1 (all 0 for an empty window). */
  readonly current: readonly number[];
}

/** The window's distribution of one column, on the cells the baseline fixes. */
export interface CurrentDistribution {
  /**
   * `bins`: a numerical column's PSI bins (reference quantiles), in value order; `categories`: a discrete
   * column's baseline values or categories, then one "other" cell for anything else.
   */
  readonly layout: 'bins' | 'categories';
  readonly cells: DistributionCells;
  /** The window's non-null values per cell (they sum to `currentCount`). */
  readonly counts: readonly number[];
  /** The window's missing values (as `currentNullCount`). */
  readonly missing: number;
}

/** Label of the catch-all last cell of a discrete column (reference categories beyond the cap, and values the baseline never saw). */
export const OTHER_CELL_LABEL = '(other)';

/** Drift of one column. */
export interface ColumnDrift {
  readonly method: DriftMethod;
  /** The p-value for `ks`, `chisquare` and `z`; the distance for `wasserstein` and `jensenshannon`; NaN for an empty window. */
  readonly score: number;
  /** The p-value, for the statistical tests. */
  readonly pValue?: number;
  /** The test statistic (KS D, chi-square, z) or the unnormalised distance (W1). */
  readonly statistic: number;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly psi: number;
  readonly psiBand: PsiBand;
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly currentNullCount: number;
  /**
   * The window's distribution on the baseline's cells, with the reference's shares on the same cells.
   * @default - absent in drift reports written before it existed
   */
  readonly current?: CurrentDistribution;
}

/** Drift of the whole window. */
export interface DriftResult {
  readonly columns: Readonly<Record<string, ColumnDrift>>;
  /** Drifted columns / all baseline columns. */
  readonly driftedShare: number;
  readonly driftedCount: number;
  readonly datasetDrift: boolean;
  readonly datasetDriftShare: number;
}

/** The PSI band of a PSI value. */
export function psiBand(psi: number): PsiBand {
  return psi < PSI_MODERATE ? 'stable' : psi < PSI_SIGNIFICANT ? 'moderate' : 'significant';
}

/**
 * Population stability index Σ (r − c)·ln(r/c) over matching bins of two count vectors, each turned
 * into shares with empty bins set to {@link PSI_EPSILON}. NaN when either side is empty.
 */
export function populationStabilityIndex(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const n = sum(reference);
  const m = sum(current);
  if (n === 0 || m === 0) return Number.NaN;
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]! / n || PSI_EPSILON;
    const c = current[i]! / m || PSI_EPSILON;
    psi += (r - c) * Math.log(r / c);
  }
  return psi;
}

/** Jensen–Shannon distance (natural log) between two count vectors, as scipy `distance.jensenshannon(p, q)`. */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const sp = sum(p);
  const sq = sum(q);
  if (sp === 0 || sq === 0) return Number.NaN;
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / sp;
    const b = q[i]! / sq;
    const m = (a + b) / 2;
    if (a > 0) js += a * Math.log(a / m);
    if (b > 0) js += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, js / 2));
}

/**
 * Chi-square goodness of fit of current counts against reference counts scaled to the current total
 * (Evidently's `chi_stat_test`), over the bins where either side is non-empty. A bin seen only in the
 * current window makes the statistic infinite (p = 0), as scipy.
 */
export function chiSquareTest(reference: ArrayLike<number>, current: ArrayLike<number>): { statistic: number; pValue: number } {
  const n = sum(reference);
  const m = sum(current);
  if (n === 0 || m === 0) return { statistic: Number.NaN, pValue: Number.NaN };
  let statistic = 0;
  let bins = 0;
  for (let i = 0; i < reference.length; i++) {
    const observed = current[i]!;
    const expected = (reference[i]! * m) / n;
    if (observed === 0 && expected === 0) continue;
    bins++;
    statistic += expected === 0 ? Number.POSITIVE_INFINITY : (observed - expected) ** 2 / expected;
  }
  if (bins < 2) return { statistic: 0, pValue: 1 };
  return { statistic, pValue: statistic === Number.POSITIVE_INFINITY ? 0 : chiSquareSf(statistic, bins - 1) };
}

/**
 * Two-proportion z-test (pooled variance, two-sided) on the share of bin 0 — Evidently's `z_stat_test`.
 * When the pooled share is 0 or 1 nothing can differ: p = 1.
 */
export function twoProportionZTest(reference: ArrayLike<number>, current: ArrayLike<number>): { statistic: number; pValue: number } {
  const n = sum(reference);
  const m = sum(current);
  if (n === 0 || m === 0) return { statistic: Number.NaN, pValue: Number.NaN };
  const p1 = reference[0]! / n;
  const p2 = current[0]! / m;
  const pooled = (reference[0]! + current[0]!) / (n + m);
  const variance = pooled * (1 - pooled) * (1 / n + 1 / m);
  if (!(variance > 0)) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(variance);
  return { statistic: z, pValue: normalTwoSidedSf(z) };
}

/**
 * The two-sample KS statistic D between the reference points and a window's `points` cells: the ECDF
 * difference is checked at each reference value and just below it, which is where its supremum lies.
 */
export function ksStatistic(points: PointsDistribution, cells: ArrayLike<number>): number {
  const n = sum(points.counts);
  const m = sum(cells);
  if (n === 0 || m === 0) return Number.NaN;
  let refBelow = 0;
  let curBelow = 0;
  let d = 0;
  for (let i = 0; i < points.values.length; i++) {
    curBelow += cells[2 * i]!;
    d = Math.max(d, Math.abs(refBelow / n - curBelow / m));
    refBelow += points.counts[i]!;
    curBelow += cells[2 * i + 1]!;
    d = Math.max(d, Math.abs(refBelow / n - curBelow / m));
  }
  return d;
}

/**
 * Wasserstein-1 distance ∫|F_ref − F_cur| between the reference bins and a window's bins. Per bin, the
 * signed integral ∫(F_ref − F_cur) is exact (from counts and offset sums), so the distance is exact in
 * every bin where the two CDFs do not cross — always when the current values lie on the reference's
 * distinct values. Where they cross inside a bin, the difference is taken as linear on each side of one
 * crossing, with that exact integral. Values outside the reference range contribute exactly.
 *
 * Measured against scipy `wasserstein_distance`: 1e-4 relative on continuous data (1000 quantile bins);
 * on near-identical distributions, where W is small and the CDFs cross often, the error stays below
 * 1e-3 of the reference std (flights distance: 0.01808 vs scipy 0.01815, threshold 0.1).
 */
export function binnedWasserstein(bins: BinsDistribution, window: ColumnWindow): number {
  const n = sum(bins.counts) + bins.lastEdgeCount;
  const m = window.count;
  if (n === 0 || m === 0) return Number.NaN;
  const tails = window.tails!;
  const last = bins.counts.length - 1;
  let distance = tails[1]! / m + tails[3]! / m;
  let refBelow = 0;
  let curBelow = tails[0]!;
  for (let b = 0; b <= last; b++) {
    const width = bins.edges[b + 1]! - bins.edges[b]!;
    const r = bins.counts[b]!;
    const c = window.cells[b]!;
    const refOffset = bins.offsets[b]!;
    const curOffset = window.offsets![b]!;
    const integral = width * (refBelow / n - curBelow / m) + (r * width - refOffset) / n - (c * width - curOffset) / m;
    // Each CDF just after the left edge and just before the right edge, where the bin tells exactly:
    // point edges put the reference mass on the left edge; zero offsets put all current values there.
    const refStart = bins.pointEdges ? (refBelow + r) / n : refBelow / n;
    const refEnd = (refBelow + r) / n;
    const curStart = curOffset === 0 ? (curBelow + c) / m : curBelow / m;
    const curEnd = (curBelow + c) / m;
    const atStart = refStart - curStart;
    const atEnd = refEnd - curEnd;
    if (atStart * atEnd >= 0) distance += Math.abs(integral);
    else {
      // One crossing at a + t: ∫ = (atStart·t + atEnd·(w − t))/2  ⇒  t, then ∫|·| = (|atStart|·t + |atEnd|·(w − t))/2.
      const t = Math.min(width, Math.max(0, (2 * integral - atEnd * width) / (atStart - atEnd)));
      distance += (Math.abs(atStart) * t + Math.abs(atEnd) * (width - t)) / 2;
    }
    refBelow += r;
    curBelow += c;
  }
  return distance;
}

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

/** Reference counts laid out like the window's cells (discrete columns: values/categories then "other"). */
function referenceCells(column: DriftColumnBaseline): number[] {
  const d = column.distribution;
  if (d.type === 'categories') return [...d.counts, d.other];
  if (d.type === 'values') return [...d.counts, 0];
  return [...d.counts];
}

function referenceCellCount(column: DriftColumnBaseline): number {
  return column.distribution.type === 'points' ? 2 * column.distribution.values.length + 1 : referenceCells(column).length;
}

/** Counts as shares of their sum; all 0 when the sum is 0. */
function shares(counts: ArrayLike<number>): number[] {
  const total = sum(counts);
  return Array.from(counts, (c) => (total > 0 ? c / total : 0));
}

/** Labels of PSI bins: `x ≤ edges[0]`, `edges[i-1] < x ≤ edges[i]`, `x > edges[last]` (one cell for all values without edges). */
function psiLabels(edges: readonly number[]): string[] {
  if (edges.length === 0) return ['all values'];
  return [`≤ ${edges[0]}`, ...edges.slice(1).map((e, i) => `(${edges[i]}, ${e}]`), `> ${edges[edges.length - 1]}`];
}

/**
 * The window's distribution on the cells the baseline fixes, from the counts the sketch holds for PSI:
 * a numerical column's PSI bins, or a discrete column's values or categories and "other".
 */
function currentDistribution(column: DriftColumnBaseline, window: ColumnWindow): CurrentDistribution {
  const d = column.distribution;
  if (d.type === 'points' || d.type === 'bins') {
    const counts = Array.from(window.psi!);
    return { layout: 'bins', cells: { labels: psiLabels(column.psi!.edges), reference: shares(column.psi!.counts), current: shares(counts) }, counts, missing: window.nullCount };
  }
  const names = d.type === 'categories' ? d.categories : d.values.map(String);
  const counts = Array.from(window.cells);
  return { layout: 'categories', cells: { labels: [...names, OTHER_CELL_LABEL], reference: shares(referenceCells(column)), current: shares(counts) }, counts, missing: window.nullCount };
}

function columnDrift(column: DriftColumnBaseline, window: ColumnWindow, threshold: number): ColumnDrift {
  const d = column.distribution;
  let statistic = Number.NaN;
  let pValue: number | undefined;
  let score: number;
  let psi: number;
  if (d.type === 'points') {
    statistic = ksStatistic(d, window.cells);
    pValue = ksTwoSamplePValue(column.count, window.count, statistic);
    score = pValue;
    psi = populationStabilityIndex(column.psi!.counts, window.psi!);
  } else if (d.type === 'bins') {
    statistic = binnedWasserstein(d, window);
    score = statistic / Math.max(d.std, 0.001);
    psi = populationStabilityIndex(column.psi!.counts, window.psi!);
  } else {
    const reference = referenceCells(column);
    psi = populationStabilityIndex(reference, window.cells);
    if (column.method === 'jensenshannon') {
      score = jensenShannonDistance(reference, window.cells);
    } else {
      const test = column.method === 'z' ? twoProportionZTest(reference, window.cells) : chiSquareTest(reference, window.cells);
      statistic = test.statistic;
      pValue = test.pValue;
      score = pValue;
    }
  }
  const method = column.method;
  // Evidently: KS drifts at p ≤ threshold, chi-square and z at p < threshold, distances at ≥ threshold.
  const drifted = Number.isNaN(score) ? false : method === 'ks' ? score <= threshold : method === 'chisquare' || method === 'z' ? score < threshold : score >= threshold;
  return {
    method,
    score,
    ...(pValue === undefined ? {} : { pValue }),
    statistic,
    threshold,
    drifted,
    psi,
    psiBand: psiBand(psi),
    referenceCount: column.count,
    currentCount: window.count,
    currentNullCount: window.nullCount,
    current: currentDistribution(column, window),
  };
}

/**
 * Compare a window sketch with the baseline it was made from.
 * @throws RangeError for a dataset drift share outside (0, 1], or a sketch that does not fit the baseline
 */
export function computeDrift(baseline: DriftBaseline, sketch: WindowSketch, options: ComputeDriftOptions = {}): DriftResult {
  const datasetDriftShare = options.datasetDriftShare ?? DEFAULT_DATASET_DRIFT_SHARE;
  if (!(datasetDriftShare > 0 && datasetDriftShare <= 1)) throw new RangeError(`datasetDriftShare must be in (0, 1], got ${datasetDriftShare}`);
  const columns: Record<string, ColumnDrift> = {};
  let driftedCount = 0;
  const names = Object.keys(baseline.columns);
  for (const name of names) {
    const column = baseline.columns[name]!;
    const window = sketch.columns[name];
    const fits = sketch.baseline.columns[name]?.method === column.method && window?.cells.length === referenceCellCount(column);
    if (!fits) throw new RangeError(`the window sketch does not fit the baseline at column ${JSON.stringify(name)} (sketched against another baseline?)`);
    const result = columnDrift(column, window, options.thresholds?.[column.method] ?? column.threshold);
    columns[name] = result;
    if (result.drifted) driftedCount++;
  }
  const driftedShare = names.length === 0 ? 0 : driftedCount / names.length;
  return { columns, driftedShare, driftedCount, datasetDrift: names.length > 0 && driftedShare >= datasetDriftShare, datasetDriftShare };
}

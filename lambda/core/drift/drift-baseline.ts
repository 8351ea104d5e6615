/**
 * The drift baseline: a small JSON document made once from the reference (training) data, which fixes
 * per column the drift method, its threshold and every bin edge. Production data can therefore never
 * switch a column's method, and every window sketch built against the baseline has the same shape, so
 * sketches of the parts of a window merge.
 *
 * Method selection follows Evidently's defaults (`evidently` `legacy/calculations/stattests/registry.py`,
 * `_get_default_stattest`), with one deliberate difference: the number of unique values is counted in the
 * reference alone (Evidently counts reference ∪ current), because the method must be fixed before any
 * production data is seen.
 *
 * | column                         | reference non-null rows ≤ 1000          | > 1000                        |
 * |--------------------------------|-----------------------------------------|-------------------------------|
 * | numerical, > 5 unique values   | KS p-value, drift if p ≤ 0.05           | Wasserstein / std, drift if ≥ 0.1 |
 * | numerical ≤ 5 unique, or categorical | chi-square (≥ 3 values) or two-proportion z-test (≤ 2), drift if p < 0.05 | Jensen–Shannon distance (ln), drift if ≥ 0.1 |
 */
import type { ColumnType } from '../profile/column-type';

/** The drift tests a baseline can fix for a column. */
export type DriftMethod = 'ks' | 'wasserstein' | 'chisquare' | 'z' | 'jensenshannon';

/** How a column is compared: as numbers (ordered) or as categories. */
export type DriftColumnKind = 'numerical' | 'categorical';

/** Evidently's default thresholds: p-values for the tests, distances for Wasserstein and Jensen–Shannon. */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
};

/** Reference rows up to which the statistical tests (KS, chi-square, z) are used, as Evidently. */
export const DEFAULT_SMALL_REFERENCE_ROWS = 1000;
/** Unique values up to which a numerical column is treated as discrete, as Evidently. */
export const DEFAULT_MAX_DISCRETE_VALUES = 5;
/** Upper bound on Wasserstein bins (fewer when the reference has fewer distinct values). */
export const DEFAULT_WASSERSTEIN_BINS = 1000;
/** PSI bins for numerical columns: reference deciles. */
export const DEFAULT_PSI_BINS = 10;
/** Categories kept by name; rarer reference categories and unseen current ones share the "other" bucket. */
export const DEFAULT_DRIFT_CATEGORY_CAP = 1000;

/** Options fixed into a baseline when it is made. */
export interface DriftBaselineOptions {
  /**
   * Threshold per method.
   * @default - {@link DEFAULT_DRIFT_THRESHOLDS} (Evidently's defaults)
   */
  readonly thresholds?: Partial<Record<DriftMethod, number>>;
  /**
   * Reference non-null rows up to which KS / chi-square / z-test are chosen; above it Wasserstein / Jensen–Shannon.
   * @default 1000
   */
  readonly smallReferenceRows?: number;
  /**
   * A numerical column with at most this many unique reference values is compared as categories.
   * @default 5
   */
  readonly maxDiscreteValues?: number;
  /**
   * Maximum number of Wasserstein bins (reference quantiles, or the distinct values when fewer).
   * @default 1000
   */
  readonly wassersteinBins?: number;
  /**
   * Number of PSI bins for numerical columns (reference quantiles).
   * @default 10
   */
  readonly psiBins?: number;
  /**
   * Categories kept by name per column (the most frequent); the rest count as "other".
   * @default 1000
   */
  readonly categoryCap?: number;
}

/** Reference distinct values with their counts (KS: the exact reference sample, at most 1000 rows). */
export interface PointsDistribution {
  readonly type: 'points';
  /** Sorted distinct values. */
  readonly values: readonly number[];
  readonly counts: readonly number[];
}

/**
 * Fixed bins `[edges[i], edges[i+1])` plus the point at the last edge, with, per bin, the count and the sum of
 * offsets from the bin's left edge — enough for an exact ∫F over each bin, hence Wasserstein-1.
 */
export interface BinsDistribution {
  readonly type: 'bins';
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  readonly offsets: readonly number[];
  /** Reference values equal to the last edge (the maximum). */
  readonly lastEdgeCount: number;
  /** True when the edges are the reference's distinct values (each bin's reference mass sits on its left edge). */
  readonly pointEdges: boolean;
  /** Population standard deviation of the reference (the Wasserstein norm, floored at 0.001 as Evidently). */
  readonly std: number;
}

/** Discrete numerical values (≤ 5 unique) with their reference counts. */
export interface ValuesDistribution {
  readonly type: 'values';
  /** Sorted distinct values. */
  readonly values: readonly number[];
  readonly counts: readonly number[];
}

/** Categories with their reference counts; `other` counts reference values beyond the cap. */
export interface CategoriesDistribution {
  readonly type: 'categories';
  /** Categories sorted by name (code-unit order). */
  readonly categories: readonly string[];
  readonly counts: readonly number[];
  readonly other: number;
}

/** PSI bins on a numerical column: `x ≤ edges[0]`, `edges[i-1] < x ≤ edges[i]`, `x > edges[last]`. */
export interface PsiBins {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** One column of a {@link DriftBaseline}. */
export interface DriftColumnBaseline {
  readonly kind: DriftColumnKind;
  readonly method: DriftMethod;
  readonly threshold: number;
  /** Reference non-null rows. */
  readonly count: number;
  /** Reference nulls (missing, non-finite or empty values), for information. */
  readonly nullCount: number;
  /** Distinct non-null reference values. */
  readonly uniqueCount: number;
  readonly distribution: PointsDistribution | BinsDistribution | ValuesDistribution | CategoriesDistribution;
  /** PSI bins for numerical columns with many values; discrete columns use their categories. */
  readonly psi?: PsiBins;
}

/** The drift baseline document (plain JSON). */
export interface DriftBaseline {
  readonly version: 1;
  readonly columns: Readonly<Record<string, DriftColumnBaseline>>;
}

/**
 * A categorical reference column already counted, as a streamed reference keeps it: category → non-null
 * rows, and the missing rows. The same baseline as the column's values would give (only counts matter).
 */
export interface CountedCategoricalColumn {
  readonly kind: 'categorical';
  /** Rows per category key (categories with a count of 0 are ignored; "" is not a category). */
  readonly counts: ReadonlyMap<string, number>;
  /** Missing values (null, undefined or ""). */
  readonly nullCount: number;
}

/** A reference column: numbers (null / NaN / ±∞ are missing) or categories (null / undefined / "" are missing), or categories already counted. */
export type ReferenceColumn =
  | { readonly kind: 'numerical'; readonly values: ArrayLike<number | null | undefined> }
  | { readonly kind: 'categorical'; readonly values: ArrayLike<string | boolean | null | undefined> }
  | CountedCategoricalColumn;

/** How a declared column type is compared: numbers, integers and datetimes (epoch ms) as numbers. */
export function driftKindOf(type: ColumnType): DriftColumnKind {
  return type === 'number' || type === 'integer' || type === 'datetime' ? 'numerical' : 'categorical';
}

/**
 * Evidently's default method for a column, from the reference alone.
 *
 * @param kind - numerical or categorical
 * @param referenceRows - non-null reference rows
 * @param uniqueValues - distinct non-null reference values
 */
export function selectDriftMethod(
  kind: DriftColumnKind,
  referenceRows: number,
  uniqueValues: number,
  options: Pick<DriftBaselineOptions, 'smallReferenceRows' | 'maxDiscreteValues'> = {},
): DriftMethod {
  const small = referenceRows <= (options.smallReferenceRows ?? DEFAULT_SMALL_REFERENCE_ROWS);
  const discrete = kind === 'categorical' || uniqueValues <= (options.maxDiscreteValues ?? DEFAULT_MAX_DISCRETE_VALUES);
  if (discrete) return small ? (uniqueValues > 2 ? 'chisquare' : 'z') : 'jensenshannon';
  return small ? 'ks' : 'wasserstein';
}

/** The category key of a categorical value; undefined when missing. */
export function categoryKey(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : String(value);
  return String(value);
}

/**
 * Build the drift baseline from raw reference columns. Numerical values are sorted once (O(n log n));
 * the document keeps at most ~1000 points, `wassersteinBins` bins or `categoryCap` categories per column.
 */
export function buildDriftBaseline(reference: Readonly<Record<string, ReferenceColumn>>, options: DriftBaselineOptions = {}): DriftBaseline {
  const thresholds = { ...DEFAULT_DRIFT_THRESHOLDS, ...options.thresholds };
  for (const [method, value] of Object.entries(thresholds)) {
    if (!(value > 0)) throw new RangeError(`thresholds.${method} must be a positive number, got ${value}`);
  }
  const psiBins = options.psiBins ?? DEFAULT_PSI_BINS;
  const wassersteinBins = options.wassersteinBins ?? DEFAULT_WASSERSTEIN_BINS;
  const categoryCap = options.categoryCap ?? DEFAULT_DRIFT_CATEGORY_CAP;
  for (const [name, value] of Object.entries({ psiBins, wassersteinBins, categoryCap })) {
    if (!(Number.isInteger(value) && value >= 1)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  const columns: Record<string, DriftColumnBaseline> = {};
  for (const [name, column] of Object.entries(reference)) {
    columns[name] =
      column.kind === 'numerical'
        ? numericalBaseline(column.values, options, thresholds, psiBins, wassersteinBins)
        : 'counts' in column
          ? countedCategoricalBaseline(column.counts, column.nullCount, options, thresholds, categoryCap)
          : categoricalBaseline(column.values, options, thresholds, categoryCap);
  }
  return { version: 1, columns };
}

function numericalBaseline(
  values: ArrayLike<number | null | undefined>,
  options: DriftBaselineOptions,
  thresholds: Record<DriftMethod, number>,
  psiBins: number,
  wassersteinBins: number,
): DriftColumnBaseline {
  const finite = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) finite[n++] = v;
  }
  const sorted = finite.subarray(0, n).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = sorted[i]!;
    if (i > 0 && v === sorted[i - 1]) counts[counts.length - 1]!++;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const method = selectDriftMethod('numerical', n, distinct.length, options);
  const base = { kind: 'numerical' as const, method, threshold: thresholds[method], count: n, nullCount: values.length - n, uniqueCount: distinct.length };
  if (method === 'chisquare' || method === 'z' || method === 'jensenshannon') {
    return { ...base, distribution: { type: 'values', values: distinct, counts } };
  }
  const psi = psiBinsOf(sorted, psiBins);
  if (method === 'ks') return { ...base, distribution: { type: 'points', values: distinct, counts }, psi };
  return { ...base, distribution: wassersteinBinsOf(sorted, distinct, wassersteinBins), psi };
}

/** Bin edges for Wasserstein: the distinct values when few, else reference quantiles; per-bin counts and offsets. */
function wassersteinBinsOf(sorted: Float64Array, distinct: readonly number[], maxBins: number): BinsDistribution {
  const n = sorted.length;
  let edges: number[];
  const pointEdges = distinct.length <= maxBins + 1;
  if (pointEdges) edges = [...distinct];
  else {
    edges = [];
    for (let i = 0; i <= maxBins; i++) {
      const e = sorted[Math.min(n - 1, Math.round((i * (n - 1)) / maxBins))]!;
      if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
    }
  }
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const offsets = new Array<number>(bins).fill(0);
  let mean = 0;
  let bin = 0;
  let lastEdgeCount = 0;
  const lastEdge = edges[bins]!;
  for (let i = 0; i < n; i++) {
    const x = sorted[i]!;
    mean += x;
    if (x === lastEdge) {
      lastEdgeCount++;
      continue;
    }
    while (bin < bins - 1 && x >= edges[bin + 1]!) bin++;
    counts[bin]!++;
    offsets[bin]! += x - edges[bin]!;
  }
  mean /= n;
  let m2 = 0;
  for (let i = 0; i < n; i++) m2 += (sorted[i]! - mean) ** 2;
  return { type: 'bins', edges, counts, offsets, lastEdgeCount, pointEdges, std: Math.sqrt(m2 / n) };
}

/** Interior PSI edges at the reference quantiles k/bins (deduplicated), with the reference counts. */
function psiBinsOf(sorted: Float64Array, bins: number): PsiBins {
  const n = sorted.length;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = sorted[Math.max(0, Math.ceil((k * n) / bins) - 1)]!;
    if (e < sorted[n - 1]! && (edges.length === 0 || e > edges[edges.length - 1]!)) edges.push(e);
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  let bin = 0;
  for (let i = 0; i < n; i++) {
    while (bin < edges.length && sorted[i]! > edges[bin]!) bin++;
    counts[bin]!++;
  }
  return { edges, counts };
}

function categoricalBaseline(
  values: ArrayLike<string | boolean | null | undefined>,
  options: DriftBaselineOptions,
  thresholds: Record<DriftMethod, number>,
  categoryCap: number,
): DriftColumnBaseline {
  const counts = new Map<string, number>();
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    const key = categoryKey(values[i]);
    if (key === undefined) nullCount++;
    else counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return countedCategoricalBaseline(counts, nullCount, options, thresholds, categoryCap);
}

function countedCategoricalBaseline(
  counts: ReadonlyMap<string, number>,
  nullCount: number,
  options: DriftBaselineOptions,
  thresholds: Record<DriftMethod, number>,
  categoryCap: number,
): DriftColumnBaseline {
  const frequencies = new Map<string, number>();
  let n = 0;
  for (const [key, count] of counts) {
    if (key === '' || count === 0) continue;
    if (!(Number.isInteger(count) && count > 0)) throw new RangeError(`category ${JSON.stringify(key)} has the count ${count}; counts must be non-negative integers`);
    n += count;
    frequencies.set(key, count);
  }
  const byCount = [...frequencies.entries()].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]));
  const kept = byCount.slice(0, categoryCap).sort((a, b) => compareStrings(a[0], b[0]));
  const other = byCount.slice(categoryCap).reduce((sum, [, c]) => sum + c, 0);
  const method = selectDriftMethod('categorical', n, frequencies.size, options);
  return {
    kind: 'categorical',
    method,
    threshold: thresholds[method],
    count: n,
    nullCount,
    uniqueCount: frequencies.size,
    distribution: { type: 'categories', categories: kept.map(([k]) => k), counts: kept.map(([, c]) => c), other },
  };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

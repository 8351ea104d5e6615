/**
 * Mergeable per-column profiles, computed while validation streams a file. A profile is the training
 * data's fingerprint: the drift baseline later compares live inputs with it, and profiles of the parts
 * of a dataset (validated in parallel) merge to the profile of the whole.
 *
 * - moments: count, mean and M2 with Welford's update and Chan et al.'s parallel merge;
 * - a DDSketch for quantiles (exactly mergeable);
 * - a histogram on edges fixed before any data is seen (the same edges for every part);
 * - category frequencies, exact up to a cap of distinct values, the rest counted as `otherCount`.
 */
import type { ColumnType } from './column-type';
import { QuantileSketch, type QuantileSketchJson } from './quantile-sketch';

/** Distinct categories kept exactly; later new values only add to `otherCount`. */
export const DEFAULT_CATEGORY_CAP = 1000;

/**
 * One category's count. `checked` belongs to the validator: it memoises whether the value passed the
 * column's checks (0 unchecked, 1 passed, 2 failed), so a repeated category is checked once.
 */
export interface CategoryCount {
  n: number;
  checked: 0 | 1 | 2;
}

/** Fixed histogram edges: `edges[i] <= x < edges[i+1]`, plus underflow and overflow counts. */
export interface HistogramJson {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  readonly underflow: number;
  readonly overflow: number;
}

/** Numeric summary (numbers, integers, and datetimes as epoch milliseconds). */
export interface NumericStatsJson {
  readonly count: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly variance: number | null;
  /** Sum of squared deviations from the mean (Welford's M2), kept so merges stay exact. */
  readonly m2: number;
  readonly quantiles: Readonly<Record<string, number>>;
  readonly sketch: QuantileSketchJson;
  readonly histogram: HistogramJson;
}

/** Category summary (categories, strings, booleans). */
export interface CategoricalStatsJson {
  readonly distinct: number;
  readonly frequencies: Readonly<Record<string, number>>;
  readonly otherCount: number;
  readonly truncated: boolean;
}

/** The JSON profile of one column. */
export interface ColumnProfileJson {
  readonly type: ColumnType;
  /** Rows seen for this column (present or null). */
  readonly count: number;
  readonly nullCount: number;
  /** Values that did not parse as the column's type (excluded from the statistics). */
  readonly invalidCount: number;
  readonly numeric?: NumericStatsJson;
  readonly categorical?: CategoricalStatsJson;
}

/** Quantiles reported in a profile. */
export const PROFILE_QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] as const;

/** Build fixed histogram edges: `bins` equal-width bins over [min, max]. */
export function linearEdges(min: number, max: number, bins: number): number[] {
  if (!(max > min)) return [min, min + 1];
  const width = (max - min) / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
}

/**
 * Edges usable without knowing the range: 0 and ±{1, 2, 5}·10^k for k = −3 … 9, symmetric around zero.
 * Every part of a dataset gets the same edges, so their histograms merge.
 */
export function universalEdges(): number[] {
  const positive: number[] = [];
  for (let k = -3; k <= 9; k++) for (const m of [1, 2, 5]) positive.push(m * 10 ** k);
  return [...positive.map((v) => -v).reverse(), 0, ...positive];
}

/**
 * Edges for datetimes (epoch milliseconds) without declared bounds: the first instant of every month
 * from 1990 to 2050, UTC. Fixed before any data, so every part of a dataset gets the same edges.
 */
export function monthlyEdges(fromYear = 1990, toYear = 2050): number[] {
  const edges: number[] = [];
  for (let y = fromYear; y <= toYear; y++) for (let m = 0; m < 12; m++) edges.push(Date.UTC(y, m, 1));
  edges.push(Date.UTC(toYear + 1, 0, 1));
  return edges;
}

class Histogram {
  readonly counts: Float64Array;
  underflow = 0;
  overflow = 0;
  private readonly linear: { min: number; width: number } | null;

  constructor(readonly edges: readonly number[]) {
    this.counts = new Float64Array(edges.length - 1);
    const width = (edges[1]! - edges[0]!) ;
    const isLinear = edges.every((e, i) => i === 0 || Math.abs(e - edges[i - 1]! - width) <= 1e-9 * Math.max(1, Math.abs(width)));
    this.linear = isLinear ? { min: edges[0]!, width } : null;
  }

  add(x: number, count = 1): void {
    const edges = this.edges;
    const last = edges.length - 1;
    if (x < edges[0]!) {
      this.underflow += count;
      return;
    }
    if (x > edges[last]!) {
      this.overflow += count;
      return;
    }
    let bin: number;
    if (this.linear) {
      bin = Math.min(last - 1, Math.floor((x - this.linear.min) / this.linear.width));
    } else {
      // Binary search for the last edge <= x.
      let lo = 0;
      let hi = last;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (edges[mid]! <= x) lo = mid;
        else hi = mid;
      }
      bin = lo;
    }
    this.counts[bin]! += count;
  }
}

/** Accumulates one column's profile; `merge` combines two accumulators over disjoint rows. */
export class ColumnProfiler {
  count = 0;
  nullCount = 0;
  invalidCount = 0;
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly sketch: QuantileSketch | null;
  private readonly histogram: Histogram | null;
  private readonly frequencies: Map<string, CategoryCount> | null;
  private otherCount = 0;
  private truncated = false;

  constructor(
    readonly type: ColumnType,
    options: { readonly edges?: readonly number[]; readonly categoryCap?: number } = {},
  ) {
    const numeric = type === 'number' || type === 'integer' || type === 'datetime';
    this.sketch = numeric ? new QuantileSketch() : null;
    this.histogram = numeric ? new Histogram(options.edges ?? (type === 'datetime' ? monthlyEdges() : universalEdges())) : null;
    this.frequencies = numeric ? null : new Map();
    this.categoryCap = options.categoryCap ?? DEFAULT_CATEGORY_CAP;
  }

  private readonly categoryCap: number;

  /** Record a null (missing) value. */
  addNull(): void {
    this.count++;
    this.nullCount++;
  }

  /** Record a value that did not parse as the column's type. */
  addInvalid(): void {
    this.count++;
    this.invalidCount++;
  }

  /** Record a parsed numeric value (datetimes as epoch milliseconds). */
  addNumber(x: number): void {
    this.count++;
    const n = ++this.n;
    const delta = x - this.mean;
    this.mean += delta / n;
    this.m2 += delta * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.sketch!.add(x);
    this.histogram!.add(x);
  }

  /**
   * Record a categorical value (booleans as "true"/"false"). Returns the value's counter, or undefined
   * when the cap of distinct values is reached and it was counted as "other".
   */
  addCategory(value: string): CategoryCount | undefined {
    this.count++;
    this.n++;
    const map = this.frequencies!;
    const seen = map.get(value);
    if (seen !== undefined) {
      seen.n++;
      return seen;
    }
    if (map.size < this.categoryCap) {
      const entry: CategoryCount = { n: 1, checked: 0 };
      map.set(copyString(value), entry);
      return entry;
    }
    this.otherCount++;
    this.truncated = true;
    return undefined;
  }

  /** Count one more occurrence of a category whose counter the caller already holds (from {@link addCategory}). */
  addKnownCategory(entry: CategoryCount): void {
    this.count++;
    this.n++;
    entry.n++;
  }

  /** Fold another profiler of the same column (disjoint rows) into this one. */
  merge(other: ColumnProfiler): void {
    this.count += other.count;
    this.nullCount += other.nullCount;
    this.invalidCount += other.invalidCount;
    if (this.sketch && other.sketch) {
      // Chan et al.: combine means and M2 of two disjoint samples.
      const n = this.n + other.n;
      if (n > 0) {
        const delta = other.mean - this.mean;
        this.m2 = this.m2 + other.m2 + (delta * delta * this.n * other.n) / n;
        this.mean = this.mean + (delta * other.n) / n;
      }
      this.n = n;
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
      this.sketch.merge(other.sketch);
      mergeHistogram(this.histogram!, other.histogram!);
    } else if (this.frequencies && other.frequencies) {
      this.n += other.n;
      for (const [value, { n: c }] of other.frequencies) {
        const seen = this.frequencies.get(value);
        if (seen !== undefined) seen.n += c;
        else if (this.frequencies.size < this.categoryCap) this.frequencies.set(value, { n: c, checked: 0 });
        else {
          this.otherCount += c;
          this.truncated = true;
        }
      }
      this.otherCount += other.otherCount;
      this.truncated ||= other.truncated;
    }
  }

  /** The profile as JSON. */
  toJSON(): ColumnProfileJson {
    const base = { type: this.type, count: this.count, nullCount: this.nullCount, invalidCount: this.invalidCount };
    if (this.sketch && this.histogram) {
      const empty = this.n === 0;
      const quantiles: Record<string, number> = {};
      if (!empty) for (const q of PROFILE_QUANTILES) quantiles[`p${Math.round(q * 100)}`] = clamp(this.sketch.quantile(q), this.min, this.max);
      return {
        ...base,
        numeric: {
          count: this.n,
          min: empty ? null : this.min,
          max: empty ? null : this.max,
          mean: empty ? null : this.mean,
          variance: this.n > 1 ? this.m2 / (this.n - 1) : null,
          m2: this.m2,
          quantiles,
          sketch: this.sketch.toJSON(),
          histogram: {
            edges: [...this.histogram.edges],
            counts: [...this.histogram.counts],
            underflow: this.histogram.underflow,
            overflow: this.histogram.overflow,
          },
        },
      };
    }
    const sorted = [...this.frequencies!.entries()].map(([v, c]) => [v, c.n] as const).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return {
      ...base,
      categorical: {
        distinct: this.frequencies!.size + (this.truncated ? 1 : 0),
        frequencies: Object.fromEntries(sorted),
        otherCount: this.otherCount,
        truncated: this.truncated,
      },
    };
  }

  /** Rebuild a profiler from JSON, so stored profiles can be merged. */
  static fromJSON(json: ColumnProfileJson, categoryCap = DEFAULT_CATEGORY_CAP): ColumnProfiler {
    const p = new ColumnProfiler(json.type, { edges: json.numeric?.histogram.edges, categoryCap });
    p.count = json.count;
    p.nullCount = json.nullCount;
    p.invalidCount = json.invalidCount;
    if (json.numeric && p.sketch && p.histogram) {
      p.n = json.numeric.count;
      p.mean = json.numeric.mean ?? 0;
      p.m2 = json.numeric.m2;
      p.min = json.numeric.min ?? Number.POSITIVE_INFINITY;
      p.max = json.numeric.max ?? Number.NEGATIVE_INFINITY;
      p.sketch.merge(QuantileSketch.fromJSON(json.numeric.sketch));
      json.numeric.histogram.counts.forEach((c, i) => (p.histogram!.counts[i] = c));
      p.histogram.underflow = json.numeric.histogram.underflow;
      p.histogram.overflow = json.numeric.histogram.overflow;
    } else if (json.categorical && p.frequencies) {
      for (const [value, c] of Object.entries(json.categorical.frequencies)) p.frequencies.set(value, { n: c, checked: 0 });
      p.n = Object.values(json.categorical.frequencies).reduce((a, b) => a + b, 0) + json.categorical.otherCount;
      p.otherCount = json.categorical.otherCount;
      p.truncated = json.categorical.truncated;
    }
    return p;
  }
}

function mergeHistogram(into: Histogram, from: Histogram): void {
  if (into.edges.length !== from.edges.length || into.edges.some((e, i) => e !== from.edges[i])) {
    throw new RangeError('cannot merge histograms with different edges');
  }
  for (let i = 0; i < into.counts.length; i++) into.counts[i]! += from.counts[i]!;
  into.underflow += from.underflow;
  into.overflow += from.overflow;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/**
 * A copy of a string that shares no memory with the chunk it was sliced from, so a kept map key does
 * not pin a whole read buffer in memory.
 */
function copyString(s: string): string {
  return (' ' + s).slice(1);
}

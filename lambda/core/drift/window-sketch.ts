/**
 * The current-window sketch: per column, counts on the cells the baseline fixed, so a window read in
 * many parts (one Lambda invocation each, a Distributed Map) merges to the sketch of the whole window.
 *
 * Per baseline distribution:
 * - `points` (KS, reference ≤ 1000 rows): 2k+1 cells — each reference value, and the open gaps between
 *   and around them. The KS statistic only depends on the current CDF at the reference values and just
 *   below them, so it is **exact** for any window size, in O(k) memory and O(log k) per value.
 * - `bins` (Wasserstein): per fixed bin a count and the sum of offsets from its left edge, plus count and
 *   summed distance of values below the first / above the last edge, and the count at the last edge —
 *   an exact ∫F per bin.
 * - `values` / `categories`: a count per reference value or category, plus "other" for anything unseen.
 * - PSI bins (numerical columns with many values): a count per reference-quantile bin.
 *
 * Counts merge exactly (they are integers in float64, exact to 2^53). Offset sums merge exactly up to
 * float rounding, so merged Wasserstein scores equal the whole-window score to ~1e-12 relative.
 */
import { categoryKey, type DriftBaseline, type DriftColumnBaseline } from './drift-baseline';

/** One column's window state. `cells` follows the baseline distribution's layout. */
export interface ColumnWindow {
  /** Non-null values added. */
  count: number;
  /** Missing values (null, undefined, NaN, ±∞, "" or unparseable). */
  nullCount: number;
  /** `points`: 2k+1 cells (gap, value, gap, …, value, gap); `bins`: one per bin; `values`/`categories`: one per value, then "other". */
  readonly cells: Float64Array;
  /** `bins` only: per bin, Σ (x − left edge). */
  readonly offsets: Float64Array | undefined;
  /** `bins` only: [count below the first edge, Σ (first edge − x), count above the last edge, Σ (x − last edge), count at the last edge]. */
  readonly tails: Float64Array | undefined;
  /** PSI bin counts (numerical columns with many values). */
  readonly psi: Float64Array | undefined;
}

/** A window sketch: one {@link ColumnWindow} per baseline column, bound to that baseline. */
export interface WindowSketch {
  readonly baseline: DriftBaseline;
  readonly columns: Readonly<Record<string, ColumnWindow>>;
  /** Category name → cell index, per categorical column (built once per sketch, not serialized). */
  readonly lookups: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Per numerical column, an add function specialised to its distribution (built once per sketch, not serialized). */
  readonly numeric: ReadonlyMap<string, (x: number) => void>;
}

/** The JSON form of a window sketch (the baseline is not repeated). */
export interface WindowSketchJson {
  readonly columns: Readonly<
    Record<
      string,
      {
        readonly count: number;
        readonly nullCount: number;
        readonly cells: readonly number[];
        readonly offsets?: readonly number[];
        readonly tails?: readonly number[];
        readonly psi?: readonly number[];
      }
    >
  >;
}

function cellCount(column: DriftColumnBaseline): number {
  const d = column.distribution;
  switch (d.type) {
    case 'points':
      return 2 * d.values.length + 1;
    case 'bins':
      return d.edges.length - 1;
    case 'values':
      return d.values.length + 1;
    case 'categories':
      return d.categories.length + 1;
  }
}

/** An empty window sketch for the baseline. */
export function newWindowSketch(baseline: DriftBaseline): WindowSketch {
  const columns: Record<string, ColumnWindow> = {};
  const lookups = new Map<string, Map<string, number>>();
  const numeric = new Map<string, (x: number) => void>();
  for (const [name, column] of Object.entries(baseline.columns)) {
    const d = column.distribution;
    const bins = d.type === 'bins';
    const state: ColumnWindow = {
      count: 0,
      nullCount: 0,
      cells: new Float64Array(cellCount(column)),
      offsets: bins ? new Float64Array(d.edges.length - 1) : undefined,
      tails: bins ? new Float64Array(5) : undefined,
      psi: column.psi ? new Float64Array(column.psi.edges.length + 1) : undefined,
    };
    columns[name] = state;
    if (d.type === 'categories') lookups.set(name, new Map(d.categories.map((c, i) => [c, i])));
    else numeric.set(name, numericAdder(state, column));
  }
  return { baseline, columns, lookups, numeric };
}

/** Number of keys strictly below x (keys sorted ascending), searching keys[lo, hi). */
function lowerBound(keys: Float64Array, x: number, lo = 0, hi = keys.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Grid cells per key in a {@link SortedKeyIndex}. */
const GRID_PER_KEY = 8;

/**
 * `lowerBound` in O(1) for most values: a uniform grid over [first key, last key] remembers, per grid
 * cell, the range of keys to search, so a value costs one multiply and a search over a few keys instead
 * of a binary search over all of them (random values make every binary-search branch a coin toss).
 */
class SortedKeyIndex {
  private readonly start: Int32Array;
  private readonly first: number;
  private readonly scale: number;
  private readonly cells: number;

  constructor(readonly keys: Float64Array) {
    const n = keys.length;
    this.first = n > 0 ? keys[0]! : 0;
    const span = n > 1 ? keys[n - 1]! - this.first : 0;
    this.cells = n > 1 && span > 0 && Number.isFinite(span) ? n * GRID_PER_KEY : 0;
    this.scale = this.cells > 0 ? this.cells / span : 0;
    // start[g] = lowerBound(keys, left edge of grid cell g); the keys below x lie in [start[g], start[g+1]].
    this.start = new Int32Array(this.cells + 1);
    let k = 0;
    for (let g = 0; g <= this.cells; g++) {
      const edge = this.first + g / this.scale;
      while (k < n && keys[k]! < edge) k++;
      this.start[g] = k;
    }
  }

  /** Number of keys strictly below x (the same answer as a binary search, always). */
  lowerBound(x: number): number {
    const keys = this.keys;
    if (this.cells === 0 || !(x > this.first)) return lowerBound(keys, x);
    const g = Math.min(this.cells - 1, Math.floor((x - this.first) * this.scale));
    // Rounding in the grid edges can put the answer a key outside the cell's range: widen by one, then
    // check the answer and fall back to the full search if it is not the lower bound.
    const i = lowerBound(keys, x, Math.max(0, this.start[g]! - 1), Math.min(keys.length, this.start[g + 1]! + 1));
    if ((i === 0 || keys[i - 1]! < x) && (i === keys.length || keys[i]! >= x)) return i;
    return lowerBound(keys, x);
  }
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  if (value instanceof Date) return value.getTime();
  return Number.NaN;
}

/**
 * Add one value of a column to the sketch. Numerical columns take numbers (numeric strings and Dates are
 * converted); categorical columns take strings (booleans and numbers become their string form).
 * @throws RangeError when the column is not in the baseline
 */
export function addValue(sketch: WindowSketch, column: string, value: unknown): void {
  const state = sketch.columns[column];
  const baseline = sketch.baseline.columns[column];
  if (state === undefined || baseline === undefined) throw new RangeError(`column ${JSON.stringify(column)} is not in the drift baseline`);
  if (baseline.kind === 'categorical') {
    const key = categoryKey(value);
    if (key === undefined) {
      state.nullCount++;
      return;
    }
    const index = sketch.lookups.get(column)!.get(key);
    state.cells[index ?? state.cells.length - 1]!++;
    state.count++;
    return;
  }
  sketch.numeric.get(column)!(toNumber(value));
}

/** Add many values of one column (a typed array is the fast path). */
export function addValues(sketch: WindowSketch, column: string, values: ArrayLike<unknown>): void {
  const baseline = sketch.baseline.columns[column];
  const state = sketch.columns[column];
  if (state === undefined || baseline === undefined) throw new RangeError(`column ${JSON.stringify(column)} is not in the drift baseline`);
  if (baseline.kind === 'categorical') {
    for (let i = 0; i < values.length; i++) addValue(sketch, column, values[i]);
    return;
  }
  const add = sketch.numeric.get(column)!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    add(typeof v === 'number' ? v : toNumber(v));
  }
}

/** An add function for one numerical column, specialised to its distribution so the per-value path is a few comparisons. */
function numericAdder(state: ColumnWindow, column: DriftColumnBaseline): (x: number) => void {
  const d = column.distribution;
  const cells = state.cells;
  const psiIndex = column.psi ? new SortedKeyIndex(Float64Array.from(column.psi.edges)) : undefined;
  const psi = state.psi;
  let place: (x: number) => void;
  if (d.type === 'points') {
    const keys = Float64Array.from(d.values);
    const index = new SortedKeyIndex(keys);
    place = (x) => {
      const i = index.lowerBound(x);
      cells[i < keys.length && keys[i] === x ? 2 * i + 1 : 2 * i]!++;
    };
  } else if (d.type === 'values') {
    const keys = Float64Array.from(d.values);
    place = (x) => {
      let index = keys.length;
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] === x) {
          index = i;
          break;
        }
      }
      cells[index]!++;
    };
  } else if (d.type === 'bins') {
    const keys = Float64Array.from(d.edges);
    const first = keys[0]!;
    const lastEdge = keys[keys.length - 1]!;
    const offsets = state.offsets!;
    const tails = state.tails!;
    const index = new SortedKeyIndex(keys);
    place = (x) => {
      if (x < first) {
        tails[0]!++;
        tails[1]! += first - x;
      } else if (x > lastEdge) {
        tails[2]!++;
        tails[3]! += x - lastEdge;
      } else if (x === lastEdge) {
        tails[4]!++;
      } else {
        // Bin b holds [edges[b], edges[b+1]).
        let b = index.lowerBound(x);
        if (keys[b]! > x) b--;
        cells[b]!++;
        offsets[b]! += x - keys[b]!;
      }
    };
  } else {
    throw new RangeError(`a numerical column cannot have a ${d.type} distribution`);
  }
  return (x) => {
    if (!Number.isFinite(x)) {
      state.nullCount++;
      return;
    }
    state.count++;
    place(x);
    if (psiIndex !== undefined) psi![psiIndex.lowerBound(x)]!++;
  };
}

/**
 * Add records (objects keyed by column name). Baseline columns missing from a record count as nulls;
 * record fields that are not baseline columns are ignored.
 */
export function addRecords(sketch: WindowSketch, records: Iterable<Readonly<Record<string, unknown>>>): void {
  const names = Object.keys(sketch.baseline.columns);
  for (const record of records) for (const name of names) addValue(sketch, name, record[name]);
}

/**
 * Merge two sketches of the same baseline into a new one (neither input changes). The merge is
 * commutative and associative: counts add exactly.
 * @throws RangeError when the sketches do not have the same shape (different baselines)
 */
export function mergeWindowSketches(a: WindowSketch, b: WindowSketch): WindowSketch {
  const merged = newWindowSketch(a.baseline);
  for (const [name, into] of Object.entries(merged.columns)) {
    const x = a.columns[name]!;
    const y = b.columns[name];
    if (y === undefined || y.cells.length !== x.cells.length || (y.psi?.length ?? -1) !== (x.psi?.length ?? -1)) {
      throw new RangeError(`cannot merge window sketches: column ${JSON.stringify(name)} has a different shape (were they built from the same baseline?)`);
    }
    into.count = x.count + y.count;
    into.nullCount = x.nullCount + y.nullCount;
    addInto(into.cells, x.cells, y.cells);
    if (into.offsets) addInto(into.offsets, x.offsets!, y.offsets!);
    if (into.tails) addInto(into.tails, x.tails!, y.tails!);
    if (into.psi) addInto(into.psi, x.psi!, y.psi!);
  }
  return merged;
}

function addInto(out: Float64Array, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = x[i]! + y[i]!;
}

/** The sketch as JSON (without the baseline). */
export function windowSketchToJSON(sketch: WindowSketch): WindowSketchJson {
  const columns: Record<string, WindowSketchJson['columns'][string]> = {};
  for (const [name, c] of Object.entries(sketch.columns)) {
    columns[name] = {
      count: c.count,
      nullCount: c.nullCount,
      cells: Array.from(c.cells),
      ...(c.offsets ? { offsets: Array.from(c.offsets) } : {}),
      ...(c.tails ? { tails: Array.from(c.tails) } : {}),
      ...(c.psi ? { psi: Array.from(c.psi) } : {}),
    };
  }
  return { columns };
}

/**
 * Rebuild a sketch from JSON against its baseline.
 * @throws RangeError when a column is missing or its arrays do not fit the baseline
 */
export function windowSketchFromJSON(baseline: DriftBaseline, json: WindowSketchJson): WindowSketch {
  const sketch = newWindowSketch(baseline);
  for (const [name, into] of Object.entries(sketch.columns)) {
    const c = json.columns[name];
    const fits = (target: Float64Array | undefined, source: readonly number[] | undefined): boolean => (target?.length ?? -1) === (source?.length ?? -1);
    if (c === undefined || !fits(into.cells, c.cells) || !fits(into.offsets, c.offsets) || !fits(into.tails, c.tails) || !fits(into.psi, c.psi)) {
      throw new RangeError(`window sketch column ${JSON.stringify(name)} does not fit the baseline (missing or wrong number of cells)`);
    }
    into.count = c.count;
    into.nullCount = c.nullCount;
    into.cells.set(c.cells);
    if (into.offsets) into.offsets.set(c.offsets!);
    if (into.tails) into.tails.set(c.tails!);
    if (into.psi) into.psi.set(c.psi!);
  }
  return sketch;
}

/**
 * A mergeable quantile sketch with relative-error guarantees (DDSketch, Masson et al., VLDB 2019).
 *
 * Values fall into logarithmic buckets `ceil(log_γ |x|)` with γ = (1+α)/(1−α); any quantile is then
 * answered within relative error α. Buckets are plain counts, so merging two sketches adds counts and
 * the merge of two halves equals the sketch of the whole exactly — the property a profile needs to be
 * computed in parallel (Distributed Map) and merged.
 */

/** Default relative accuracy: quantiles within 1% of the true value. */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;

/** Integers below this get their bucket key from a table instead of a logarithm. */
const SMALL_INTEGERS = 8192;
const NO_KEY = -2147483648;

/** Values whose magnitude is below this count as zero (avoids unbounded negative bucket keys). */
const MIN_INDEXABLE = 1e-9;

/** The JSON form of a {@link QuantileSketch}: sparse buckets as `[key, count]` pairs. */
export interface QuantileSketchJson {
  readonly relativeAccuracy: number;
  readonly count: number;
  readonly zeroCount: number;
  readonly positive: ReadonlyArray<readonly [number, number]>;
  readonly negative: ReadonlyArray<readonly [number, number]>;
}

/** Dense bucket store that grows in both directions. */
class BucketStore {
  counts = new Float64Array(0);
  offset = 0;

  add(key: number, count: number): void {
    if (this.counts.length === 0) {
      this.counts = new Float64Array(64);
      this.offset = key - 32;
    }
    let index = key - this.offset;
    if (index < 0 || index >= this.counts.length) {
      this.grow(key);
      index = key - this.offset;
    }
    this.counts[index]! += count;
  }

  private grow(key: number): void {
    const low = Math.min(this.offset, key);
    const high = Math.max(this.offset + this.counts.length - 1, key);
    const size = Math.max(high - low + 1, this.counts.length * 2);
    const grown = new Float64Array(size);
    const newOffset = key < this.offset ? high - size + 1 : low;
    grown.set(this.counts, this.offset - newOffset);
    this.counts = grown;
    this.offset = newOffset;
  }

  entries(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i]!;
      if (c > 0) out.push([i + this.offset, c]);
    }
    return out;
  }
}

/** A DDSketch: add values, merge sketches, ask for quantiles. */
export class QuantileSketch {
  readonly relativeAccuracy: number;
  private readonly gamma: number;
  private readonly logGamma: number;
  private readonly positive = new BucketStore();
  private readonly negative = new BucketStore();
  private zeroCount = 0;
  private total = 0;
  // Consecutive values repeat often (sorted timestamps, small integers): reuse the last bucket key.
  private lastValue = Number.NaN;
  private lastKey = 0;
  private smallKeys: Int32Array | undefined;

  constructor(relativeAccuracy = DEFAULT_RELATIVE_ACCURACY) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) throw new RangeError(`relativeAccuracy must be in (0, 1), got ${relativeAccuracy}`);
    this.relativeAccuracy = relativeAccuracy;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
  }

  /** Number of values added. */
  get count(): number {
    return this.total;
  }

  /** Add one finite value. */
  add(value: number, count = 1): void {
    if (value > MIN_INDEXABLE) this.positive.add(this.keyOf(value), count);
    else if (value < -MIN_INDEXABLE) this.negative.add(this.keyOf(-value), count);
    else this.zeroCount += count;
    this.total += count;
  }

  private keyOf(magnitude: number): number {
    if (magnitude === this.lastValue) return this.lastKey;
    // Small integers (counts, minutes, miles) repeat across a file: their keys are kept in a table.
    if (magnitude < SMALL_INTEGERS && (magnitude | 0) === magnitude) {
      const table = (this.smallKeys ??= new Int32Array(SMALL_INTEGERS).fill(NO_KEY));
      const known = table[magnitude]!;
      if (known !== NO_KEY) return known;
      const key = Math.ceil(Math.log(magnitude) / this.logGamma);
      table[magnitude] = key;
      return key;
    }
    const key = Math.ceil(Math.log(magnitude) / this.logGamma);
    this.lastValue = magnitude;
    this.lastKey = key;
    return key;
  }

  /** Add every bucket of another sketch with the same accuracy. */
  merge(other: QuantileSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new RangeError(`cannot merge sketches of accuracy ${this.relativeAccuracy} and ${other.relativeAccuracy}`);
    }
    for (const [k, c] of other.positive.entries()) this.positive.add(k, c);
    for (const [k, c] of other.negative.entries()) this.negative.add(k, c);
    this.zeroCount += other.zeroCount;
    this.total += other.total;
  }

  /** The value at quantile q in [0, 1], within the relative accuracy; NaN when empty. */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(0, Math.min(this.total - 1, q * (this.total - 1)));
    let seen = 0;
    // Negative buckets from the most negative (largest key) to the least.
    const negatives = this.negative.entries();
    for (let i = negatives.length - 1; i >= 0; i--) {
      const [key, c] = negatives[i]!;
      seen += c;
      if (seen > rank) return -this.bucketValue(key);
    }
    seen += this.zeroCount;
    if (seen > rank) return 0;
    for (const [key, c] of this.positive.entries()) {
      seen += c;
      if (seen > rank) return this.bucketValue(key);
    }
    const last = this.positive.entries().at(-1);
    return last ? this.bucketValue(last[0]) : 0;
  }

  private bucketValue(key: number): number {
    // The midpoint (in relative terms) of bucket (γ^(k−1), γ^k].
    return (2 * Math.pow(this.gamma, key)) / (1 + this.gamma);
  }

  /** The sketch as JSON (sparse buckets). */
  toJSON(): QuantileSketchJson {
    return {
      relativeAccuracy: this.relativeAccuracy,
      count: this.total,
      zeroCount: this.zeroCount,
      positive: this.positive.entries(),
      negative: this.negative.entries(),
    };
  }

  /** Rebuild a sketch from its JSON form. */
  static fromJSON(json: QuantileSketchJson): QuantileSketch {
    const sketch = new QuantileSketch(json.relativeAccuracy);
    for (const [k, c] of json.positive) sketch.positive.add(k, c);
    for (const [k, c] of json.negative) sketch.negative.add(k, c);
    sketch.zeroCount = json.zeroCount;
    sketch.total = json.count;
    return sketch;
  }
}

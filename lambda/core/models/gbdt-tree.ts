/**
 * One regression tree on gradients, grown leaf-wise (best-first, as LightGBM does) over binned features
 * with gradient/hessian histograms and the subtraction trick; and the traversal of a tree over binned rows.
 *
 * Split rules:
 * - Numeric: left when bin <= threshold. The missing bin's rows are tried on both sides at every
 *   threshold and go where the gain is larger; a node that saw no missing value sends them to its larger child (left on a tie).
 * - Categorical (LightGBM's native split): the node's categories are sorted by G/(H + {@link CATEGORY_SMOOTHING})
 *   and every prefix of that order is tried as the left set. Code 0 (other/unseen/missing) and every
 *   category with fewer than {@link MIN_CATEGORY_ROWS} rows in the node — including categories absent from
 *   it — form one pooled group that moves as one: rare categories always go where code 0 goes.
 */
import type { BinnedFeatures } from './gbdt-binning';
import { histogramRange, type GbdtShared } from './gbdt-kernels';
import type { GbdtTask, GbdtTree } from './gbdt-model';
import { GbdtThreads } from './gbdt-threads';

/** Added to a category's hessian sum when ordering categories, so small categories do not sort to the ends on noise. */
export const CATEGORY_SMOOTHING = 10;
/** Categories with fewer rows than this in a node are pooled with code 0 (see the module comment). */
export const MIN_CATEGORY_ROWS = 10;
/** A child needs at least this hessian sum (scikit-learn's `min_hessian_to_split`), so log-loss leaves stay finite. */
const MIN_CHILD_HESSIAN = 1e-3;
/** A split must gain more than this share of its children's scores, so float noise never splits a pure node. */
const GAIN_TOLERANCE = 1e-10;

/** The tree-shape options of one boosting run. */
export interface TreeOptions {
  /** The loss of the gradients (see {@link TreeGrower.gradients}). */
  readonly task: GbdtTask;
  readonly maxLeaves: number;
  readonly maxDepth: number | null;
  readonly minSamplesLeaf: number;
  readonly l2: number;
  readonly learningRate: number;
}

interface Split {
  gain: number;
  feature: number;
  threshold: number;
  missingLeft: boolean;
  /** The left categories (sorted) of a categorical split; null for numeric. */
  categories: number[] | null;
  leftG: number;
  leftH: number;
  leftCount: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  g: number;
  h: number;
  depth: number;
  hist: Float64Array | null;
  split: Split | null;
}

function emptyTree(): GbdtTree {
  return { feature: [], threshold: [], categories: [], missingLeft: [], left: [], right: [], value: [], gain: [], count: [] };
}

function addNode(tree: GbdtTree, count: number): number {
  tree.feature.push(-1);
  tree.threshold.push(-1);
  tree.categories.push([]);
  tree.missingLeft.push(false);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.value.push(0);
  tree.gain.push(0);
  tree.count.push(count);
  return tree.feature.length - 1;
}

/** Feature counts per pass over the rows: as few passes as possible, each of at most five features, balanced. */
function passSizes(features: number): number[] {
  const passes = Math.ceil(features / 5);
  const sizes: number[] = [];
  for (let p = 0; p < passes; p++) sizes.push(Math.floor(features / passes) + (p < features % passes ? 1 : 0));
  return sizes;
}

/**
 * Rows per block of a histogram built in blocks: a node with more rows sums each block separately and
 * then the blocks in order, so threads can share the blocks and the sums (so the model) do not depend on
 * the thread count. A node of at most this many rows sums its rows in order, in one block.
 */
export const HISTOGRAM_BLOCK_ROWS = 16_384;
/** Nodes with fewer rows are partitioned by the main thread alone (handing them out costs more). */
const PARALLEL_PARTITION_ROWS = 65_536;
/** Histograms of fewer blocks are built by the main thread alone. */
const PARALLEL_MIN_BLOCKS = 4;

/** Typed arrays over a SharedArrayBuffer when `shared`, so worker threads see them. */
function allocate(shared: boolean): <T>(make: new (buffer: ArrayBufferLike) => T, bytesPerElement: number, length: number) => T {
  return (make, bytesPerElement, length) => new make(shared ? new SharedArrayBuffer(bytesPerElement * length) : new ArrayBuffer(bytesPerElement * length));
}

/**
 * Grows trees over one binned training set. Owns the training scores, gradients and hessians, and its
 * row-index, scratch and histogram buffers, reused from one tree to the next; histograms hold
 * (G, H, count) triples per bin of every feature. With `threads` > 1 it shares the row loops —
 * histogram blocks, partitions, score updates, gradients — with worker threads; the trees are the same
 * for any thread count. Call {@link close} when done.
 */
export class TreeGrower {
  private readonly pool: Float64Array[] = [];
  private readonly shared: GbdtShared;
  private readonly workers: GbdtThreads;
  private readonly histLength: number;
  /** The targets last copied into the shared memory. */
  private targets: Float64Array | null = null;
  /** Sums of the current gradients and hessians (see {@link gradients}). */
  private gSum = 0;
  private hSum = 0;

  /** A grower for `data` (the training rows) with the run's tree options, on `threads` threads. */
  constructor(
    private readonly data: BinnedFeatures,
    private readonly options: TreeOptions,
    threads = 1,
  ) {
    const n = data.rows;
    const stride = data.bins.length;
    const make = allocate(threads > 1);
    this.histLength = 3 * data.totalBins;
    const passes = passSizes(stride);
    const blocks = Math.max(1, Math.ceil(n / HISTOGRAM_BLOCK_ROWS));
    this.shared = {
      ctrl: make(Int32Array, 4, 16),
      packed: packBins(data, make(Uint8Array, 1, n * stride)),
      columns: make(Uint8Array, 1, threads > 1 ? n * stride : 0),
      slots: make(Int32Array, 4, stride),
      passes: make(Int32Array, 4, passes.length),
      rows: make(Int32Array, 4, n),
      leftScratch: make(Int32Array, 4, n),
      rightScratch: make(Int32Array, 4, n),
      g: make(Float64Array, 8, n),
      h: make(Float64Array, 8, n),
      raw: make(Float64Array, 8, n),
      y: make(Float64Array, 8, n),
      sums: make(Float64Array, 8, 3 * blocks),
      blocks: make(Float64Array, 8, this.histLength * blocks),
      goesLeft: make(Uint8Array, 1, 256),
      counts: make(Int32Array, 4, 2 * blocks),
      places: make(Int32Array, 4, 2 * blocks),
      claim: make(BigInt64Array, 8, 1),
      leaves: make(Float64Array, 8, 3 * options.maxLeaves),
    };
    for (let f = 0; f < stride; f++) {
      this.shared.slots[f] = 3 * data.offsets[f]!;
      if (threads > 1) this.shared.columns.set(data.bins[f]!, f * n);
    }
    this.shared.passes.set(passes);
    this.workers = new GbdtThreads(this.shared, threads);
  }

  /** Threads the row loops run on (1 when worker threads were not asked for or did not start). */
  get threads(): number {
    return this.workers.threads;
  }

  /** The training scores (one per row), which {@link grow} updates. */
  get raw(): Float64Array {
    return this.shared.raw;
  }

  /** Stop the worker threads; the grower then runs on the caller's thread alone. */
  close(): void {
    this.workers.close();
  }

  /**
   * Set the targets `y` and fill the gradients and hessians at the current scores (the task's loss);
   * returns the mean loss there. Rows are summed in blocks of {@link HISTOGRAM_BLOCK_ROWS}, each in row
   * order, then the blocks in order, so the sums do not depend on the thread count.
   */
  gradients(y: Float64Array): number {
    const s = this.shared;
    const n = this.data.rows;
    if (this.targets !== y) {
      s.y.set(y);
      this.targets = y;
    }
    const blocks = Math.ceil(n / HISTOGRAM_BLOCK_ROWS);
    this.workers.run(5, blocks >= PARALLEL_MIN_BLOCKS, blocks, HISTOGRAM_BLOCK_ROWS, n, this.options.task === 'binary' ? 1 : 0);
    const sums = s.sums;
    let loss = 0;
    let gSum = 0;
    let hSum = 0;
    for (let b = 0; b < blocks; b++) {
      loss += sums[3 * b]!;
      gSum += sums[3 * b + 1]!;
      hSum += sums[3 * b + 2]!;
    }
    this.gSum = gSum;
    this.hSum = hSum;
    return loss / n;
  }

  /** Grow one tree on the current gradients and hessians (call {@link gradients} first), and add its leaf values to the scores. */
  grow(): GbdtTree {
    const { maxLeaves, l2, learningRate } = this.options;
    const rows = this.shared.rows;
    const n = this.data.rows;
    // Squared error's hessians are all 1; log-loss's are at most 1/4.
    const constantHessian = this.options.task !== 'binary';
    const tree = emptyTree();
    const root: Leaf = { node: addNode(tree, n), start: 0, end: n, g: this.gSum, h: this.hSum, depth: 0, hist: null, split: null };
    if (this.canSplit(root)) {
      root.hist = this.acquire();
      this.buildHistogram(root.hist, 0, n, constantHessian);
      root.split = this.findSplit(root);
    }
    const leaves: Leaf[] = [root];
    while (leaves.length < maxLeaves) {
      let best = -1;
      for (let i = 0; i < leaves.length; i++) {
        const s = leaves[i]!.split;
        if (s !== null && (best < 0 || s.gain > leaves[best]!.split!.gain)) best = i;
      }
      if (best < 0) break;
      const parent = leaves[best]!;
      const split = parent.split!;
      const mid = this.partition(parent.start, parent.end, split);
      const node = parent.node;
      tree.feature[node] = split.feature;
      tree.threshold[node] = split.threshold;
      tree.categories[node] = split.categories ?? [];
      tree.missingLeft[node] = split.missingLeft;
      tree.gain[node] = split.gain;
      const left: Leaf = {
        node: addNode(tree, mid - parent.start),
        start: parent.start,
        end: mid,
        g: split.leftG,
        h: split.leftH,
        depth: parent.depth + 1,
        hist: null,
        split: null,
      };
      const right: Leaf = {
        node: addNode(tree, parent.end - mid),
        start: mid,
        end: parent.end,
        g: parent.g - split.leftG,
        h: parent.h - split.leftH,
        depth: parent.depth + 1,
        hist: null,
        split: null,
      };
      tree.left[node] = left.node;
      tree.right[node] = right.node;
      const willSplitMore = leaves.length + 1 < maxLeaves;
      if (willSplitMore && (this.canSplit(left) || this.canSplit(right))) {
        // Build the smaller child's histogram from its rows; the larger one is the parent's minus it.
        const [small, large] = left.end - left.start <= right.end - right.start ? [left, right] : [right, left];
        small.hist = this.acquire();
        this.buildHistogram(small.hist, small.start, small.end, constantHessian);
        large.hist = parent.hist!;
        const lh = large.hist;
        const sh = small.hist;
        for (let i = 0; i < lh.length; i++) lh[i] = lh[i]! - sh[i]!;
        for (const child of [left, right]) {
          if (this.canSplit(child)) child.split = this.findSplit(child);
          if (child.split === null) this.release(child);
        }
      } else {
        this.release(parent);
      }
      parent.hist = null;
      leaves.splice(best, 1, left, right);
    }
    const { raw, leaves: shares } = this.shared;
    const parallel = this.workers.threads > 1;
    for (let k = 0; k < leaves.length; k++) {
      const leaf = leaves[k]!;
      this.release(leaf);
      const value = (-leaf.g / Math.max(leaf.h + l2, Number.MIN_VALUE)) * learningRate;
      tree.value[leaf.node] = value;
      if (parallel) {
        shares[3 * k] = leaf.start;
        shares[3 * k + 1] = leaf.end;
        shares[3 * k + 2] = value;
      } else {
        for (let i = leaf.start; i < leaf.end; i++) {
          const r = rows[i]!;
          raw[r] = raw[r]! + value;
        }
      }
    }
    if (parallel) this.workers.run(4, true, Math.ceil(n / HISTOGRAM_BLOCK_ROWS), HISTOGRAM_BLOCK_ROWS, leaves.length, n);
    return tree;
  }

  private canSplit(leaf: Leaf): boolean {
    const { maxDepth, minSamplesLeaf } = this.options;
    return (maxDepth === null || leaf.depth < maxDepth) && leaf.end - leaf.start >= 2 * minSamplesLeaf;
  }

  private acquire(): Float64Array {
    const hist = this.pool.pop();
    if (hist === undefined) return new Float64Array(this.histLength);
    hist.fill(0);
    return hist;
  }

  private release(leaf: Leaf): void {
    if (leaf.hist !== null) this.pool.push(leaf.hist);
    leaf.hist = null;
  }

  /** Fill `hist` (zeroed) from rows[start, end): in one pass, or by blocks (see {@link HISTOGRAM_BLOCK_ROWS}). */
  private buildHistogram(hist: Float64Array, start: number, end: number, constantHessian: boolean): void {
    const s = this.shared;
    const blocks = Math.ceil((end - start) / HISTOGRAM_BLOCK_ROWS);
    if (blocks <= 1) {
      histogramRange(hist, s.rows, start, end, s.g, s.h, s.packed, s.slots, s.passes, constantHessian);
    } else {
      const length = this.histLength;
      this.workers.run(1, blocks >= PARALLEL_MIN_BLOCKS, blocks, HISTOGRAM_BLOCK_ROWS, start, end, constantHessian ? 1 : 0, length);
      const all = s.blocks;
      hist.set(all.subarray(0, length));
      for (let b = 1; b < blocks; b++) {
        const base = b * length;
        for (let i = 0; i < length; i++) hist[i] = hist[i]! + all[base + i]!;
      }
    }
    // With unit hessians (squared error) a bin's hessian sum is its row count: skip adding it per row.
    if (constantHessian) for (let slot = 0; slot < hist.length; slot += 3) hist[slot + 1] = hist[slot + 2]!;
  }

  /** Reorder rows[start, end) so the split's left rows come first (stably); returns where the right rows start. */
  private partition(start: number, end: number, split: Split): number {
    const s = this.shared;
    const goesLeft = s.goesLeft;
    goesLeft.fill(0);
    if (split.categories !== null) {
      for (const c of split.categories) goesLeft[c] = 1;
    } else {
      for (let b = 0; b <= split.threshold; b++) goesLeft[b] = 1;
      goesLeft[this.data.missingBins[split.feature]!] = split.missingLeft ? 1 : 0;
    }
    const threads = this.workers.threads;
    if (threads > 1 && end - start >= PARALLEL_PARTITION_ROWS) {
      const units = Math.ceil((end - start) / HISTOGRAM_BLOCK_ROWS);
      this.workers.run(2, true, units, HISTOGRAM_BLOCK_ROWS, start, end, split.feature);
      const { counts, places } = s;
      let left = start;
      for (let u = 0; u < units; u++) {
        places[2 * u] = left;
        left += counts[2 * u]!;
      }
      let right = left;
      for (let u = 0; u < units; u++) {
        places[2 * u + 1] = right;
        right += counts[2 * u + 1]!;
      }
      this.workers.run(3, true, units, HISTOGRAM_BLOCK_ROWS, start, end);
      return left;
    }
    const column = this.data.bins[split.feature]!;
    const rows = s.rows;
    const scratch = s.rightScratch;
    let l = start;
    let r = 0;
    // Branch-free: the side is unpredictable, so write the row to both places and advance one cursor
    // (rows[l] with l <= i is already read).
    for (let i = start; i < end; i++) {
      const row = rows[i]!;
      const toLeft = goesLeft[column[row]!]!;
      rows[l] = row;
      scratch[r] = row;
      l += toLeft;
      r += 1 - toLeft;
    }
    rows.set(scratch.subarray(0, r), l);
    return l;
  }

  private findSplit(leaf: Leaf): Split | null {
    const { minSamplesLeaf, l2 } = this.options;
    const { binCounts, missingBins, offsets } = this.data;
    const hist = leaf.hist!;
    const count = leaf.end - leaf.start;
    const parentScore = (leaf.g * leaf.g) / Math.max(leaf.h + l2, Number.MIN_VALUE);
    let best: Split | null = null;
    let bestGain = 0;
    // Scores a left side (the right one is the rest); returns the gain when it is valid and the best so far, else −1.
    const evaluate = (gl: number, hl: number, cl: number): number => {
      const cr = count - cl;
      const hr = leaf.h - hl;
      if (cl < minSamplesLeaf || cr < minSamplesLeaf || hl < MIN_CHILD_HESSIAN || hr < MIN_CHILD_HESSIAN) return -1;
      const gr = leaf.g - gl;
      const sl = (gl * gl) / (hl + l2);
      const sr = (gr * gr) / (hr + l2);
      const gain = sl + sr - parentScore;
      return gain > bestGain && gain > GAIN_TOLERANCE * (sl + sr) ? gain : -1;
    };
    for (let f = 0; f < binCounts.length; f++) {
      const offset = 3 * offsets[f]!;
      const missing = missingBins[f]!;
      if (missing >= 0) {
        const mSlot = offset + 3 * missing;
        const gm = hist[mSlot]!;
        const hm = hist[mSlot + 1]!;
        const cm = hist[mSlot + 2]!;
        let gl = 0;
        let hl = 0;
        let cl = 0;
        for (let t = 0; t < missing; t++) {
          const slot = offset + 3 * t;
          const c = hist[slot + 2]!;
          // An empty bin gives the same partition as the previous threshold: keep the lower one.
          if (c === 0) continue;
          gl += hist[slot]!;
          hl += hist[slot + 1]!;
          cl += c;
          const gainRight = evaluate(gl, hl, cl);
          if (gainRight > 0) {
            bestGain = gainRight;
            best = { gain: gainRight, feature: f, threshold: t, missingLeft: cm === 0 && cl >= count - cl, categories: null, leftG: gl, leftH: hl, leftCount: cl };
          }
          if (cm > 0) {
            const gainLeft = evaluate(gl + gm, hl + hm, cl + cm);
            if (gainLeft > 0) {
              bestGain = gainLeft;
              best = { gain: gainLeft, feature: f, threshold: t, missingLeft: true, categories: null, leftG: gl + gm, leftH: hl + hm, leftCount: cl + cm };
            }
          }
        }
      } else {
        const found = this.categoricalSplit(hist, offset, binCounts[f]!, evaluate);
        if (found !== null) {
          bestGain = found.gain;
          best = { ...found, feature: f, threshold: -1, missingLeft: found.categories[0] === 0 };
        }
      }
    }
    return best;
  }

  /** The best prefix split of one categorical feature (see the module comment), or null. */
  private categoricalSplit(
    hist: Float64Array,
    offset: number,
    cardinality: number,
    evaluate: (gl: number, hl: number, cl: number) => number,
  ): { gain: number; categories: number[]; leftG: number; leftH: number; leftCount: number } | null {
    // Group 0 is the pool (code 0 and rare categories); group c > 0 is category c when it has enough rows.
    const groups: number[] = [];
    const gs = new Float64Array(cardinality);
    const hs = new Float64Array(cardinality);
    const cs = new Float64Array(cardinality);
    for (let c = 0; c < cardinality; c++) {
      const slot = offset + 3 * c;
      const target = c > 0 && hist[slot + 2]! >= MIN_CATEGORY_ROWS ? c : 0;
      gs[target] = gs[target]! + hist[slot]!;
      hs[target] = hs[target]! + hist[slot + 1]!;
      cs[target] = cs[target]! + hist[slot + 2]!;
      if (target === c && cs[c]! > 0) groups.push(c);
    }
    if (cs[0]! > 0 && !groups.includes(0)) groups.unshift(0);
    if (groups.length < 2) return null;
    const ratio = (c: number): number => gs[c]! / (hs[c]! + CATEGORY_SMOOTHING);
    groups.sort((a, b) => ratio(a) - ratio(b) || a - b);
    let gl = 0;
    let hl = 0;
    let cl = 0;
    let bestK = -1;
    let best = { gain: 0, leftG: 0, leftH: 0, leftCount: 0 };
    for (let k = 0; k + 1 < groups.length; k++) {
      const c = groups[k]!;
      gl += gs[c]!;
      hl += hs[c]!;
      cl += cs[c]!;
      const gain = evaluate(gl, hl, cl);
      if (gain > 0 && gain > best.gain) {
        bestK = k;
        best = { gain, leftG: gl, leftH: hl, leftCount: cl };
      }
    }
    if (bestK < 0) return null;
    const categories: number[] = [];
    for (const c of groups.slice(0, bestK + 1)) {
      if (c !== 0) categories.push(c);
      else for (let r = 0; r < cardinality; r++) if (r === 0 || hist[offset + 3 * r + 2]! < MIN_CATEGORY_ROWS) categories.push(r);
    }
    categories.sort((a, b) => a - b);
    return { ...best, categories };
  }
}

/** The bin codes of `data` row-major: byte r·features + f is row r's bin of feature f. */
function packBins(data: BinnedFeatures, packed = new Uint8Array(data.rows * data.bins.length)): Uint8Array {
  const stride = data.bins.length;
  for (let f = 0; f < stride; f++) {
    const column = data.bins[f]!;
    for (let i = 0, j = f; i < data.rows; i++, j += stride) packed[j] = column[i]!;
  }
  return packed;
}

/** Walk every row of `packed` (see {@link packBins}) down `tree` and add its leaf value to `out`. */
function addPackedTreeScores(tree: GbdtTree, missingBins: Int32Array, packed: Uint8Array, stride: number, rows: number, out: Float64Array): void {
  const size = tree.feature.length;
  const feature = Int32Array.from(tree.feature);
  // next[2·node + 1] is the left child and next[2·node] the right one, so the walk does not branch on the test.
  const next = new Int32Array(2 * size);
  for (let node = 0; node < size; node++) {
    next[2 * node] = tree.right[node]!;
    next[2 * node + 1] = tree.left[node]!;
  }
  const value = Float64Array.from(tree.value);
  const goesLeft = new Uint8Array(size * 256);
  for (let node = 0; node < size; node++) {
    const f = feature[node]!;
    if (f < 0) continue;
    const base = node * 256;
    const categories = tree.categories[node]!;
    if (categories.length > 0) {
      for (const c of categories) goesLeft[base + c] = 1;
    } else {
      const threshold = tree.threshold[node]!;
      for (let b = 0; b <= threshold; b++) goesLeft[base + b] = 1;
      const missing = missingBins[f]!;
      if (missing >= 0) goesLeft[base + missing] = tree.missingLeft[node] ? 1 : 0;
    }
  }
  const root = feature[0]!;
  // Rows walk in pairs: the two walks are independent chains of dependent loads, which the CPU overlaps
  // (about 1.6× faster than one row at a time in a micro-benchmark).
  let i = 0;
  for (; i + 1 < rows; i += 2) {
    const base0 = i * stride;
    const base1 = base0 + stride;
    let node0 = 0;
    let node1 = 0;
    let f0 = root;
    let f1 = root;
    while (f0 >= 0 && f1 >= 0) {
      node0 = next[2 * node0 + goesLeft[(node0 << 8) | packed[base0 + f0]!]!]!;
      node1 = next[2 * node1 + goesLeft[(node1 << 8) | packed[base1 + f1]!]!]!;
      f0 = feature[node0]!;
      f1 = feature[node1]!;
    }
    while (f0 >= 0) {
      node0 = next[2 * node0 + goesLeft[(node0 << 8) | packed[base0 + f0]!]!]!;
      f0 = feature[node0]!;
    }
    while (f1 >= 0) {
      node1 = next[2 * node1 + goesLeft[(node1 << 8) | packed[base1 + f1]!]!]!;
      f1 = feature[node1]!;
    }
    out[i] = out[i]! + value[node0]!;
    out[i + 1] = out[i + 1]! + value[node1]!;
  }
  if (i < rows) {
    const base = i * stride;
    let node = 0;
    let f = root;
    while (f >= 0) {
      node = next[2 * node + goesLeft[(node << 8) | packed[base + f]!]!]!;
      f = feature[node]!;
    }
    out[i] = out[i]! + value[node]!;
  }
}

/**
 * Add the leaf values of every tree in `trees`, in order, for every row of `data` (binned with the
 * model's specs) to `out`. Every split node becomes a 256-entry "goes left" table over its feature's
 * bins, so numeric, missing and categorical tests are one lookup.
 */
export function addForestScores(trees: readonly GbdtTree[], data: BinnedFeatures, out: Float64Array): void {
  if (trees.length === 0) return;
  const packed = packBins(data);
  const stride = data.bins.length;
  for (const tree of trees) addPackedTreeScores(tree, data.missingBins, packed, stride, data.rows, out);
}

/** Add `tree`'s leaf values for every row of `data` (binned with the model's specs) to `out` (see {@link addForestScores}). */
export function addTreeScores(tree: GbdtTree, data: BinnedFeatures, out: Float64Array): void {
  addForestScores([tree], data, out);
}

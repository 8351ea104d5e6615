/**
 * The GBDT's hot loops as self-contained functions: they reference nothing but their arguments and
 * JavaScript globals, so the same code runs on the main thread and — as source text, see
 * `gbdt-threads.ts` — in worker threads over shared memory, whether this file runs from TypeScript
 * (tsx, Jest) or from an esbuild bundle. Keep it that way: no imports, module constants or helpers
 * outside {@link GBDT_KERNELS} in these bodies, and no syntax a compiler would lower to a helper call.
 */

/**
 * Typed arrays shared by the main thread and the workers (over SharedArrayBuffers when there are
 * workers). Control words of `ctrl`: 0 epoch (a new task for the workers), 1 units done, 2 task, 3 a
 * worker failed, 4 workers ready, 6…11 the task's parameters (see {@link runUnits}).
 */
export interface GbdtShared {
  readonly ctrl: Int32Array;
  /** Bin codes row-major: byte r·features + f is row r's bin of feature f. */
  readonly packed: Uint8Array;
  /** Bin codes column-major: byte f·rows + r is row r's bin of feature f (partitions read one feature). */
  readonly columns: Uint8Array;
  /** Per feature, its first histogram slot. */
  readonly slots: Int32Array;
  /** Features per histogram pass (see `passSizes`). */
  readonly passes: Int32Array;
  /** Row indices, grouped by leaf. */
  readonly rows: Int32Array;
  readonly leftScratch: Int32Array;
  readonly rightScratch: Int32Array;
  readonly g: Float64Array;
  readonly h: Float64Array;
  /** Training scores. */
  readonly raw: Float64Array;
  readonly y: Float64Array;
  /** Per block of rows: the sums of loss, gradients and hessians (see {@link gradientsRange}). */
  readonly sums: Float64Array;
  /** Per-block partial histograms. */
  readonly blocks: Float64Array;
  /** 256 entries: 1 when a bin goes left in the split being partitioned. */
  readonly goesLeft: Uint8Array;
  /** Per unit of a partition, its left and right rows… */
  readonly counts: Int32Array;
  /** …and where they go. */
  readonly places: Int32Array;
  /** Epoch·2³² + the next unit of the current task to claim (see {@link runUnits}). */
  readonly claim: BigInt64Array;
  /** (start, end, value) of every leaf of the tree just grown. */
  readonly leaves: Float64Array;
}

// The histogram kernels. Bin codes are packed row-major, so one row's codes share a
// cache line, and one pass over a node's rows fills up to five features: a kernel per feature count,
// unrolled, as V8 runs a fixed-length body about 1.4× faster than an inner loop over the features
// (micro-benchmark). Feature f's bin b is histogram slot o_f + 3·b, holding (G, H, count). Within a bin,
// rows add up in ascending row order, as the partition is stable.

export function accumulateOne(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const j = r * stride + first;
    const s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateOneWithHessian(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, h: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const hi = h[r]!;
    const j = r * stride + first;
    const s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateTwo(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number, o1: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const j = r * stride + first;
    let s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o1 + 3 * packed[j + 1]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateTwoWithHessian(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, h: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number, o1: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const hi = h[r]!;
    const j = r * stride + first;
    let s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o1 + 3 * packed[j + 1]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateThree(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number, o1: number, o2: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const j = r * stride + first;
    let s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o1 + 3 * packed[j + 1]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o2 + 3 * packed[j + 2]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateThreeWithHessian(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, h: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number, o1: number, o2: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const hi = h[r]!;
    const j = r * stride + first;
    let s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o1 + 3 * packed[j + 1]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o2 + 3 * packed[j + 2]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateFour(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number, o1: number, o2: number, o3: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const j = r * stride + first;
    let s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o1 + 3 * packed[j + 1]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o2 + 3 * packed[j + 2]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o3 + 3 * packed[j + 3]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateFourWithHessian(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, h: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number, o1: number, o2: number, o3: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const hi = h[r]!;
    const j = r * stride + first;
    let s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o1 + 3 * packed[j + 1]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o2 + 3 * packed[j + 2]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o3 + 3 * packed[j + 3]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateFive(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number, o1: number, o2: number, o3: number, o4: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const j = r * stride + first;
    let s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o1 + 3 * packed[j + 1]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o2 + 3 * packed[j + 2]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o3 + 3 * packed[j + 3]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o4 + 3 * packed[j + 4]!;
    hist[s] = hist[s]! + gi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

export function accumulateFiveWithHessian(hist: Float64Array, rows: Int32Array, start: number, end: number, g: Float64Array, h: Float64Array, packed: Uint8Array, stride: number, first: number, o0: number, o1: number, o2: number, o3: number, o4: number): void {
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const gi = g[r]!;
    const hi = h[r]!;
    const j = r * stride + first;
    let s = o0 + 3 * packed[j]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o1 + 3 * packed[j + 1]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o2 + 3 * packed[j + 2]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o3 + 3 * packed[j + 3]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
    s = o4 + 3 * packed[j + 4]!;
    hist[s] = hist[s]! + gi;
    hist[s + 1] = hist[s + 1]! + hi;
    hist[s + 2] = hist[s + 2]! + 1;
  }
}

/**
 * Add rows[start, end) to `hist` (slot slots[f] + 3·bin holds G, H, count of feature f), in row order
 * within every bin. With `constantHessian` the H slots are left alone (the caller sets them to the counts).
 */
export function histogramRange(
  hist: Float64Array,
  rows: Int32Array,
  start: number,
  end: number,
  g: Float64Array,
  h: Float64Array,
  packed: Uint8Array,
  o: Int32Array,
  passes: Int32Array,
  constantHessian: boolean,
): void {
  const stride = o.length;
  let f = 0;
  for (let p = 0; p < passes.length; p++) {
    const size = passes[p]!;
    if (constantHessian) {
      if (size === 5) accumulateFive(hist, rows, start, end, g, packed, stride, f, o[f]!, o[f + 1]!, o[f + 2]!, o[f + 3]!, o[f + 4]!);
      else if (size === 4) accumulateFour(hist, rows, start, end, g, packed, stride, f, o[f]!, o[f + 1]!, o[f + 2]!, o[f + 3]!);
      else if (size === 3) accumulateThree(hist, rows, start, end, g, packed, stride, f, o[f]!, o[f + 1]!, o[f + 2]!);
      else if (size === 2) accumulateTwo(hist, rows, start, end, g, packed, stride, f, o[f]!, o[f + 1]!);
      else accumulateOne(hist, rows, start, end, g, packed, stride, f, o[f]!);
    } else {
      if (size === 5) accumulateFiveWithHessian(hist, rows, start, end, g, h, packed, stride, f, o[f]!, o[f + 1]!, o[f + 2]!, o[f + 3]!, o[f + 4]!);
      else if (size === 4) accumulateFourWithHessian(hist, rows, start, end, g, h, packed, stride, f, o[f]!, o[f + 1]!, o[f + 2]!, o[f + 3]!);
      else if (size === 3) accumulateThreeWithHessian(hist, rows, start, end, g, h, packed, stride, f, o[f]!, o[f + 1]!, o[f + 2]!);
      else if (size === 2) accumulateTwoWithHessian(hist, rows, start, end, g, h, packed, stride, f, o[f]!, o[f + 1]!);
      else accumulateOneWithHessian(hist, rows, start, end, g, h, packed, stride, f, o[f]!);
    }
    f += size;
  }
}

/**
 * Gradients and hessians of rows [start, end) at `raw` — log-loss when `binary`, else squared error —
 * and, summed in row order, their losses, gradients and hessians into sums[at], sums[at + 1],
 * sums[at + 2]. Log-loss computes e^−|raw| once per row for both the sigmoid and the softplus. The
 * smallest log-loss hessian, 1e-16, is `MIN_HESSIAN` of gbdt-loss.ts.
 */
export function gradientsRange(
  y: Float64Array,
  raw: Float64Array,
  g: Float64Array,
  h: Float64Array,
  start: number,
  end: number,
  binary: boolean,
  sums: Float64Array,
  at: number,
): void {
  let lossSum = 0;
  let gSum = 0;
  let hSum = 0;
  if (binary) {
    for (let i = start; i < end; i++) {
      const x = raw[i]!;
      const yi = y[i]!;
      let p: number;
      let softplusX: number;
      if (x >= 0) {
        const e = Math.exp(-x);
        p = 1 / (1 + e);
        softplusX = x > 0 ? x + Math.log1p(e) : Math.log1p(e);
      } else {
        const e = Math.exp(x);
        p = e / (1 + e);
        softplusX = Math.log1p(e);
      }
      const gi = p - yi;
      const hi = Math.max(p * (1 - p), 1e-16);
      g[i] = gi;
      h[i] = hi;
      lossSum += softplusX - yi * x;
      gSum += gi;
      hSum += hi;
    }
  } else {
    for (let i = start; i < end; i++) {
      const d = raw[i]! - y[i]!;
      g[i] = d;
      h[i] = 1;
      lossSum += d * d;
      gSum += d;
      hSum += 1;
    }
  }
  sums[at] = lossSum;
  sums[at + 1] = gSum;
  sums[at + 2] = hSum;
}

/**
 * Unit c of a stable partition of rows[start, end) by `s.goesLeft` over feature `feature`: the rows at
 * positions [start + c·unit, …+ unit), left ones to leftScratch and right ones to rightScratch from the
 * unit's first position; the counts go to counts[2c], counts[2c + 1].
 */
export function partitionUnit(s: GbdtShared, start: number, end: number, feature: number, unit: number, c: number): void {
  const a = start + c * unit;
  const b = Math.min(end, a + unit);
  const n = s.rows.length;
  const column = s.columns.subarray(feature * n, (feature + 1) * n);
  const rows = s.rows;
  const left = s.leftScratch;
  const right = s.rightScratch;
  const goesLeft = s.goesLeft;
  let l = a;
  let r = a;
  // Branch-free, as the side is unpredictable: write the row to both places and advance one cursor.
  for (let i = a; i < b; i++) {
    const row = rows[i]!;
    const toLeft = goesLeft[column[row]!]!;
    left[l] = row;
    right[r] = row;
    l += toLeft;
    r += 1 - toLeft;
  }
  s.counts[2 * c] = l - a;
  s.counts[2 * c + 1] = r - a;
}

/**
 * Move unit c (see {@link partitionUnit}) to its place — all left rows first, then all right rows, each
 * in order — at the positions s.places[2c] (left) and s.places[2c + 1] (right), set in between.
 */
export function partitionMoveUnit(s: GbdtShared, start: number, unit: number, c: number): void {
  const a = start + c * unit;
  s.rows.set(s.leftScratch.subarray(a, a + s.counts[2 * c]!), s.places[2 * c]!);
  s.rows.set(s.rightScratch.subarray(a, a + s.counts[2 * c + 1]!), s.places[2 * c + 1]!);
}

/** Add the leaf values of `leafCount` leaves (s.leaves) to the scores of the rows at positions [c·unit, …+ unit) ∩ [0, n). */
export function leavesUnit(s: GbdtShared, leafCount: number, n: number, unit: number, c: number): void {
  const a = c * unit;
  const b = Math.min(n, a + unit);
  const leaves = s.leaves;
  const rows = s.rows;
  const raw = s.raw;
  for (let leaf = 0; leaf < leafCount; leaf++) {
    const from = Math.max(a, leaves[3 * leaf]!);
    const to = Math.min(b, leaves[3 * leaf + 1]!);
    const value = leaves[3 * leaf + 2]!;
    for (let i = from; i < to; i++) {
      const r = rows[i]!;
      raw[r] = raw[r]! + value;
    }
  }
}

/**
 * Claim and run units of the task of `epoch` until none is left (or a newer task has started); returns
 * the units run. Every task is cut into s.ctrl[11] units of s.ctrl[9] rows, each written to its own
 * place, so which thread runs which unit does not change any result, and a thread that is slow to start
 * simply runs fewer. The claim word s.claim[0] is epoch·2³² + the next unit. Tasks (s.ctrl[2]) and
 * their parameters p0, p1, p2 (ctrl[6…8]): 1 histogram blocks (start, end, constant hessian; ctrl[10]
 * the histogram length), each block into its own zeroed slice of s.blocks; 2 partition units (start,
 * end, feature); 3 partition moves (start, end); 4 leaf values (leaves, rows); 5 gradients (rows,
 * binary), each block's sums into s.sums, and the root's rows in order.
 */
export function runUnits(s: GbdtShared, epoch: number): number {
  const c = s.ctrl;
  const task = c[2]!;
  const p0 = c[6]!;
  const p1 = c[7]!;
  const p2 = c[8]!;
  const unit = c[9]!;
  const length = c[10]!;
  const units = c[11]!;
  const tag = BigInt(epoch) << 32n;
  let ran = 0;
  for (;;) {
    const seen = Atomics.load(s.claim, 0);
    if (seen >> 32n !== BigInt(epoch)) return ran;
    const u = Number(seen - tag);
    if (u >= units) return ran;
    if (Atomics.compareExchange(s.claim, 0, seen, seen + 1n) !== seen) continue;
    if (task === 1) {
      const hist = s.blocks.subarray(u * length, (u + 1) * length);
      hist.fill(0);
      histogramRange(hist, s.rows, p0 + u * unit, Math.min(p1, p0 + (u + 1) * unit), s.g, s.h, s.packed, s.slots, s.passes, p2 === 1);
    } else if (task === 2) {
      partitionUnit(s, p0, p1, p2, unit, u);
    } else if (task === 3) {
      partitionMoveUnit(s, p0, unit, u);
    } else if (task === 4) {
      leavesUnit(s, p0, p1, unit, u);
    } else if (task === 5) {
      const end = Math.min(p0, (u + 1) * unit);
      gradientsRange(s.y, s.raw, s.g, s.h, u * unit, end, p1 === 1, s.sums, 3 * u);
      const rows = s.rows;
      for (let i = u * unit; i < end; i++) rows[i] = i;
    }
    ran++;
    Atomics.add(c, 1, 1);
  }
}

/**
 * A worker's life: report ready, then help with every new task (task 0 ends it). Spins briefly before
 * sleeping, as the next task often follows within microseconds; not longer, as on a busy machine a
 * spinning thread takes the CPU from the threads doing the work.
 */
export function gbdtWorkerLoop(s: GbdtShared): void {
  const c = s.ctrl;
  Atomics.add(c, 4, 1);
  Atomics.notify(c, 4);
  let epoch = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(c, 0) === epoch) {
      if (++spins > 2_000) Atomics.wait(c, 0, epoch);
    }
    epoch = Atomics.load(c, 0);
    if (c[2] === 0) return;
    try {
      runUnits(s, epoch);
    } catch {
      Atomics.store(c, 3, 1);
      Atomics.add(c, 1, 1 << 20);
    }
    Atomics.notify(c, 1);
  }
}

/** Every function a worker needs, {@link gbdtWorkerLoop} last. */
export const GBDT_KERNELS: readonly ((...args: never[]) => unknown)[] = [
  accumulateOne,
  accumulateOneWithHessian,
  accumulateTwo,
  accumulateTwoWithHessian,
  accumulateThree,
  accumulateThreeWithHessian,
  accumulateFour,
  accumulateFourWithHessian,
  accumulateFive,
  accumulateFiveWithHessian,
  histogramRange,
  gradientsRange,
  partitionUnit,
  partitionMoveUnit,
  leavesUnit,
  runUnits,
  gbdtWorkerLoop,
];

/**
 * GBDT training parameters: what callers pass, and their eager validation into the resolved form that
 * the model records.
 */
import { GbdtError, type GbdtResolvedParams, type GbdtTask } from './gbdt-model';

/** The most bins per numeric feature (the missing bin comes on top), and the most categories per feature. */
export const GBDT_MAX_BINS = 255;

/** Parameters of {@link trainGbdt}. */
export interface GbdtParams {
  /** Squared error (`regression`) or log-loss on 0/1 targets (`binary`). */
  readonly task: GbdtTask;
  /** Boosting rounds (trees) to grow at most. */
  readonly iterations: number;
  /** Shrinkage applied to every leaf value, in (0, 1] typically. */
  readonly learningRate: number;
  /** Leaves per tree at most (leaf-wise, best-first growth), at least 2. */
  readonly maxLeaves: number;
  /**
   * Depth limit of every tree (the root is depth 0, so depth 1 is a stump).
   * @default - no limit: only `maxLeaves` bounds the tree
   */
  readonly maxDepth?: number;
  /** Training rows every leaf keeps at least. */
  readonly minSamplesLeaf: number;
  /** L2 regularization λ on leaf values: a leaf is −G/(H+λ), a split gains G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ). */
  readonly l2: number;
  /** Bins per numeric feature from the training quantiles, 2…255 (plus one bin for missing values). */
  readonly maxBins: number;
  /**
   * Stop when the validation loss has not improved for this many rounds, and keep the best round.
   * @default - no early stopping: every row trains and all `iterations` rounds are kept
   */
  readonly earlyStoppingRounds?: number;
  /** Share of rows held out (seeded shuffle) for early stopping, in (0, 1); unused without it. */
  readonly validationFraction: number;
  /** Seed of the validation shuffle and of the binning subsample. */
  readonly seed: number;
  /**
   * Threads that share the fit's row loops (the caller's plus worker threads). The model is the same for
   * any value, so it is not recorded in the model's params.
   * @default - the machine's available parallelism, at most {@link GBDT_MAX_DEFAULT_THREADS}, for
   * {@link GBDT_PARALLEL_MIN_ROWS} training rows or more; one thread below that
   */
  readonly threads?: number;
}

/** The default thread count is at most this (a Lambda function has up to 6 vCPUs). */
export const GBDT_MAX_DEFAULT_THREADS = 8;
/** Below this many training rows the default is one thread: starting workers would cost more than they save. */
export const GBDT_PARALLEL_MIN_ROWS = 100_000;
/** The most threads a caller may ask for. */
const GBDT_MAX_THREADS = 64;

/**
 * The threads of a fit on `rows` training rows: `params.threads`, or the default (see
 * {@link GbdtParams.threads}) given `available` cores. Throws {@link GbdtError} on an invalid value.
 */
export function resolveGbdtThreads(params: Pick<GbdtParams, 'threads'>, rows: number, available: number): number {
  if (params.threads === undefined) return rows < GBDT_PARALLEL_MIN_ROWS ? 1 : Math.max(1, Math.min(available, GBDT_MAX_DEFAULT_THREADS));
  return integerIn('threads', params.threads, 1, GBDT_MAX_THREADS);
}

function fail(field: string, value: unknown, expected: string): never {
  throw new GbdtError(`GBDT parameter ${field} must be ${expected}; got ${JSON.stringify(value) ?? String(value)}`);
}

function integerIn(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(field, value, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in ${min}…${max}`);
  }
  return value;
}

/** Check every parameter and resolve the optional ones; throws {@link GbdtError} naming the field. */
export function resolveGbdtParams(params: GbdtParams): GbdtResolvedParams {
  if (params.task !== 'regression' && params.task !== 'binary') fail('task', params.task, "'regression' or 'binary'");
  const iterations = integerIn('iterations', params.iterations, 1);
  if (!(Number.isFinite(params.learningRate) && params.learningRate > 0)) fail('learningRate', params.learningRate, 'a finite number > 0');
  const maxLeaves = integerIn('maxLeaves', params.maxLeaves, 2);
  const maxDepth = params.maxDepth === undefined ? null : integerIn('maxDepth', params.maxDepth, 1);
  const minSamplesLeaf = integerIn('minSamplesLeaf', params.minSamplesLeaf, 1);
  if (!(Number.isFinite(params.l2) && params.l2 >= 0)) fail('l2', params.l2, 'a finite number >= 0');
  const maxBins = integerIn('maxBins', params.maxBins, 2, GBDT_MAX_BINS);
  const earlyStoppingRounds = params.earlyStoppingRounds === undefined ? null : integerIn('earlyStoppingRounds', params.earlyStoppingRounds, 1);
  const fractionOk = Number.isFinite(params.validationFraction) && params.validationFraction > 0 && params.validationFraction < 1;
  if (earlyStoppingRounds !== null && !fractionOk) fail('validationFraction', params.validationFraction, 'a number in (0, 1) when earlyStoppingRounds is set');
  if (!Number.isInteger(params.seed)) fail('seed', params.seed, 'an integer');
  return {
    task: params.task,
    iterations,
    learningRate: params.learningRate,
    maxLeaves,
    maxDepth,
    minSamplesLeaf,
    l2: params.l2,
    maxBins,
    earlyStoppingRounds,
    validationFraction: params.validationFraction,
    seed: params.seed,
  };
}

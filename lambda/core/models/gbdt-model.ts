/**
 * The GBDT model artifact: a plain JSON-serializable object (`JSON.parse(JSON.stringify(model))` predicts
 * identically), versioned by its `format` field. Training writes it (`gbdt.ts`); prediction reads it.
 */

/** The artifact format this code writes and reads; bump it on any incompatible change. */
export const GBDT_FORMAT = 'mlops-gbdt/1';

/** What the model predicts: a number (squared error) or the probability of class 1 (log-loss). */
export type GbdtTask = 'regression' | 'binary';

/**
 * How one training feature is binned, so prediction maps raw values to the same bins as training.
 *
 * Numeric: a value `v` falls in bin `i`, the first index with `v <= thresholds[i]` (or
 * `thresholds.length` when above them all); NaN falls in the missing bin `thresholds.length + 1`.
 * Categorical: the code is the bin; codes outside 0…cardinality−1 are read as 0 (other/unseen/missing).
 */
export type GbdtFeatureSpec =
  | { readonly name: string; readonly kind: 'numeric'; readonly thresholds: number[] }
  | { readonly name: string; readonly kind: 'categorical'; readonly cardinality: number };

/**
 * One tree as parallel flat arrays indexed by node id; node 0 is the root. A node is a leaf when
 * `feature[id] === -1`; then `value[id]` is its contribution to the raw score (learning rate included).
 * A split node sends a row to `left[id]` when:
 * - numeric feature: its bin is `<= threshold[id]`, or it is missing and `missingLeft[id]`;
 * - categorical feature: its code is in `categories[id]` (sorted ascending; empty for other nodes).
 *   `missingLeft[id]` then says whether code 0 goes left, for information.
 * `gain[id]` is the split's loss reduction (0 on leaves); `count[id]` the training rows that reached it.
 */
export interface GbdtTree {
  readonly feature: number[];
  readonly threshold: number[];
  readonly categories: number[][];
  readonly missingLeft: boolean[];
  readonly left: number[];
  readonly right: number[];
  readonly value: number[];
  readonly gain: number[];
  readonly count: number[];
}

/** The parameters a model was trained with, as resolved (absent options are `null`). */
export interface GbdtResolvedParams {
  readonly task: GbdtTask;
  readonly iterations: number;
  readonly learningRate: number;
  readonly maxLeaves: number;
  readonly maxDepth: number | null;
  readonly minSamplesLeaf: number;
  readonly l2: number;
  readonly maxBins: number;
  readonly earlyStoppingRounds: number | null;
  readonly validationFraction: number;
  readonly seed: number;
}

/** A trained gradient-boosted trees model (see the module comment). */
export interface GbdtModel {
  readonly format: typeof GBDT_FORMAT;
  readonly task: GbdtTask;
  readonly params: GbdtResolvedParams;
  /** The training features in order, with their binning. */
  readonly features: GbdtFeatureSpec[];
  /** The raw score before any tree: the target mean (regression) or the prior's log-odds (binary). */
  readonly initScore: number;
  /** The kept trees: the first `bestIteration` grown (later ones are dropped by early stopping). */
  readonly trees: GbdtTree[];
  /** How many boosting rounds the model keeps (`trees.length`). */
  readonly bestIteration: number;
  /**
   * Training loss (mean squared error or mean log-loss) after 0, 1, 2, … trees, for every round grown
   * (including rounds after `bestIteration` that early stopping dropped).
   */
  readonly trainLoss: number[];
  /** Validation loss on the held-out slice, same indexing; empty without early stopping. */
  readonly validationLoss: number[];
  /** Total split gain per feature over the kept trees, aligned with `features`. */
  readonly gain: number[];
  /** Rows the trees were fitted on (all rows, less the validation slice under early stopping). */
  readonly trainRows: number;
  /** Rows held out for early stopping; 0 without it. */
  readonly validationRows: number;
}

/** Raised on invalid parameters, data or models; the message names the field, the value and what was expected. */
export class GbdtError extends Error {
  /** Wraps `message`, optionally with the underlying cause. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GbdtError';
  }
}

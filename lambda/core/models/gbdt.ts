/**
 * Histogram gradient-boosted trees in the style of LightGBM and scikit-learn's HistGradientBoosting:
 * quantile-binned numeric features with a learned missing direction, native categorical splits,
 * leaf-wise trees, squared error or log-loss, optional early stopping on a seeded validation slice.
 * Deterministic given `params.seed`, whatever the thread count (`params.threads`: worker threads share
 * the row loops). The model is the plain JSON object {@link GbdtModel}.
 */
import { availableParallelism } from 'node:os';
import { seededRandom, type Dataset, type FeatureMatrix } from '../features/matrix';
import { binFeatures, fitBinning } from './gbdt-binning';
import { gbdtLoss } from './gbdt-loss';
import { GBDT_FORMAT, GbdtError, type GbdtModel, type GbdtTree } from './gbdt-model';
import { resolveGbdtParams, resolveGbdtThreads, type GbdtParams } from './gbdt-params';
import { addForestScores, addTreeScores, TreeGrower } from './gbdt-tree';

/** A validation loss counts as improved only when it drops below the best by more than this share of it. */
export const EARLY_STOPPING_TOLERANCE = 1e-7;

/** One feature's share of the model's total split gain. */
export interface GbdtFeatureImportance {
  readonly feature: string;
  readonly kind: 'numeric' | 'categorical';
  /** Total loss reduction of the splits on this feature, over the kept trees. */
  readonly gain: number;
  /** `gain` over the total of all features (0 when the model has no split). */
  readonly share: number;
}

function checkDataset(dataset: Dataset): void {
  const { x, y } = dataset;
  if (x.features.length === 0) throw new GbdtError('GBDT dataset must have at least one feature; got none');
  if (x.rows < 2) throw new GbdtError(`GBDT dataset must have at least 2 rows; got ${x.rows}`);
  if (y.length !== x.rows) throw new GbdtError(`GBDT target must have one value per row (${x.rows}); got ${y.length}`);
  for (const f of x.features) {
    const length = f.kind === 'numeric' ? f.values.length : f.codes.length;
    if (length !== x.rows) throw new GbdtError(`GBDT feature '${f.name}' must have ${x.rows} rows; got ${length}`);
  }
  const names = new Set<string>();
  for (const f of x.features) {
    if (names.has(f.name)) throw new GbdtError(`GBDT feature names must be unique; '${f.name}' appears twice`);
    names.add(f.name);
  }
}

/** Seeded shuffle of 0…n−1 cut into the validation slice (first `size`) and the training rows, each ascending. */
function holdOut(n: number, size: number, seed: number): { train: Int32Array; validation: Int32Array } {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return { validation: order.slice(0, size).sort(), train: order.slice(size).sort() };
}

function pick(y: Float64Array, rows: Int32Array | undefined): Float64Array {
  if (rows === undefined) return y;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]!]!;
  return out;
}

/**
 * Train a GBDT model. Rounds stop early when a tree finds no valid split at all (nothing left to learn
 * under the constraints), or — with `earlyStoppingRounds` — when the validation loss has not improved for
 * that many rounds; the model then keeps the rounds up to the best validation loss. Throws
 * {@link GbdtError} on invalid parameters or data (naming the field or feature).
 */
export function trainGbdt(dataset: Dataset, params: GbdtParams): GbdtModel {
  const p = resolveGbdtParams(params);
  checkDataset(dataset);
  const loss = gbdtLoss(p.task);
  loss.validate(dataset.y);
  const n = dataset.x.rows;
  let trainRows: Int32Array | undefined;
  let validationRows: Int32Array | undefined;
  if (p.earlyStoppingRounds !== null) {
    const size = Math.min(n - 1, Math.max(1, Math.round(n * p.validationFraction)));
    ({ train: trainRows, validation: validationRows } = holdOut(n, size, p.seed));
  }
  const threads = resolveGbdtThreads(params, trainRows?.length ?? n, availableParallelism());
  const features = fitBinning(dataset.x, p.maxBins, p.seed, trainRows);
  const train = binFeatures(dataset.x, features, trainRows);
  const validation = validationRows === undefined ? null : binFeatures(dataset.x, features, validationRows);
  const yTrain = pick(dataset.y, trainRows);
  const yValidation = validationRows === undefined ? null : pick(dataset.y, validationRows);

  const initScore = loss.initScore(yTrain);
  const validationRaw = new Float64Array(validation?.rows ?? 0).fill(initScore);
  const grower = new TreeGrower(train, p, threads);
  const trees: GbdtTree[] = [];
  const trainLoss: number[] = [];
  const validationLoss = yValidation === null ? [] : [loss.meanLoss(yValidation, validationRaw)];
  let bestIteration = 0;
  let bestLoss = validationLoss[0] ?? Infinity;
  try {
    grower.raw.fill(initScore);
    // Each round's training loss comes with the gradients of the next round (both at the same scores).
    trainLoss.push(grower.gradients(yTrain));
    for (let round = 0; round < p.iterations; round++) {
      const tree = grower.grow();
      if (tree.feature[0] === -1) break;
      trees.push(tree);
      trainLoss.push(grower.gradients(yTrain));
      if (validation === null || yValidation === null) continue;
      addTreeScores(tree, validation, validationRaw);
      const current = loss.meanLoss(yValidation, validationRaw);
      validationLoss.push(current);
      if (current < bestLoss - EARLY_STOPPING_TOLERANCE * Math.abs(bestLoss)) {
        bestLoss = current;
        bestIteration = trees.length;
      } else if (trees.length - bestIteration >= p.earlyStoppingRounds!) {
        break;
      }
    }
  } finally {
    grower.close();
  }
  if (validation === null) bestIteration = trees.length;
  const kept = trees.slice(0, bestIteration);
  const gain = features.map(() => 0);
  for (const tree of kept) {
    for (let node = 0; node < tree.feature.length; node++) {
      const f = tree.feature[node]!;
      if (f >= 0) gain[f] = gain[f]! + tree.gain[node]!;
    }
  }
  return {
    format: GBDT_FORMAT,
    task: p.task,
    params: p,
    features,
    initScore,
    trees: kept,
    bestIteration,
    trainLoss,
    validationLoss,
    gain,
    trainRows: train.rows,
    validationRows: validation?.rows ?? 0,
  };
}

/**
 * Predict every row of `matrix`: the raw score for regression, the probability of class 1 for binary.
 * Features are matched by name (extra columns are ignored); raw values are binned with the model's own
 * thresholds, so a row predicts the same as it did in training.
 */
export function predictGbdt(model: GbdtModel, matrix: FeatureMatrix): Float64Array {
  if (model.format !== GBDT_FORMAT) throw new GbdtError(`GBDT model format must be '${GBDT_FORMAT}'; got ${JSON.stringify(model.format)}`);
  const binned = binFeatures(matrix, model.features);
  const out = new Float64Array(matrix.rows).fill(model.initScore);
  addForestScores(model.trees, binned, out);
  const loss = gbdtLoss(model.task);
  if (model.task === 'binary') for (let i = 0; i < out.length; i++) out[i] = loss.transform(out[i]!);
  return out;
}

/** Gain importance of every feature, largest first (ties in feature order). */
export function gbdtImportance(model: GbdtModel): GbdtFeatureImportance[] {
  const total = model.gain.reduce((a, b) => a + b, 0);
  return model.features
    .map((f, i) => ({ feature: f.name, kind: f.kind, gain: model.gain[i] ?? 0, share: total > 0 ? (model.gain[i] ?? 0) / total : 0 }))
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => b.entry.gain - a.entry.gain || a.i - b.i)
    .map(({ entry }) => entry);
}

/**
 * The SageMaker engine's contract with the built-in XGBoost algorithm, as pure functions: the
 * hyperparameters a config's `model.params` become, the CSV channels (target first, no header), the
 * names of a run's SageMaker jobs, and reading the batch-transform output back.
 *
 * XGBoost's CSV input has no column types, so a categorical feature (a code per row, 0 = other) is
 * written one-hot: one 0/1 column per code. Missing numeric values are written as empty fields, which
 * XGBoost reads as missing (its default learns a direction for them at every split).
 */
import { createHash } from 'node:crypto';
import type { PlatformConfig } from '../../../config/schema';
import type { FeatureMatrix } from '../features/matrix';

/** Version of the SageMaker built-in XGBoost algorithm the platform trains and scores with. */
export const XGBOOST_VERSION = '1.7-1';

/** The registered form of a model trained by SageMaker (the registry's `model.json` for such a version). */
export interface XgboostModelDescriptor {
  readonly algorithm: 'xgboost';
  readonly engine: 'sagemaker';
  /** The training job's `model.tar.gz` (`s3://…`), as SageMaker wrote it. */
  readonly artifactUri: string;
  /** The SageMaker Model (image + artifact) created for scoring; batch transform and endpoints use it. */
  readonly sagemakerModelName: string;
  readonly trainingJobName: string;
  readonly hyperparameters: Readonly<Record<string, string>>;
  /** The CSV columns after the target, in order (one-hot columns are `<feature>=<code>`). */
  readonly columns: readonly string[];
}

/**
 * The built-in algorithm's hyperparameters for the config's model params (all values strings, as the
 * CreateTrainingJob API takes them). Our GBDT grows leaf-wise up to `maxLeaves`; XGBoost does the same
 * with `grow_policy=lossguide` and `max_leaves` on the `hist` tree method with `max_bin` bins.
 * `min_child_weight` is a minimum hessian sum: for squared error that is a row count, the same as
 * `minSamplesLeaf`; for log-loss it is smaller per row (p·(1−p) ≤ ¼), so leaves may be smaller.
 */
export function xgboostHyperparameters(params: PlatformConfig['model']['params'], task: 'regression' | 'binary'): Record<string, string> {
  return {
    objective: task === 'binary' ? 'binary:logistic' : 'reg:squarederror',
    eval_metric: task === 'binary' ? 'auc' : 'rmse',
    num_round: String(params.iterations),
    eta: String(params.learningRate),
    tree_method: 'hist',
    grow_policy: 'lossguide',
    max_leaves: String(params.maxLeaves),
    // 0 = no depth limit under lossguide.
    max_depth: String(params.maxDepth ?? 0),
    min_child_weight: String(params.minSamplesLeaf),
    lambda: String(params.l2),
    max_bin: String(params.maxBins),
    seed: String(params.seed),
    ...(params.earlyStoppingRounds !== undefined ? { early_stopping_rounds: String(params.earlyStoppingRounds) } : {}),
  };
}

/** The CSV column names after the target: numeric features as they are, categorical ones one-hot. */
export function xgboostColumns(matrix: FeatureMatrix): string[] {
  const out: string[] = [];
  for (const f of matrix.features) {
    if (f.kind === 'numeric') out.push(f.name);
    else for (let c = 0; c < f.cardinality; c++) out.push(`${f.name}=${c}`);
  }
  return out;
}

/** Shortest text that reads back as the same double; NaN (missing) as an empty field. */
function field(v: number): string {
  return Number.isNaN(v) ? '' : String(v);
}

/**
 * A matrix as XGBoost CSV: no header, the target first when `y` is given (training and validation
 * channels), features only otherwise (batch-transform input). Returns UTF-8 bytes.
 */
export function toXgboostCsv(matrix: FeatureMatrix, y?: Float64Array): Uint8Array {
  if (y && y.length !== matrix.rows) throw new RangeError(`target has ${y.length} values for ${matrix.rows} rows`);
  const chunks: Buffer[] = [];
  let lines: string[] = [];
  const row: string[] = [];
  for (let i = 0; i < matrix.rows; i++) {
    row.length = 0;
    if (y) row.push(field(y[i]!));
    for (const f of matrix.features) {
      if (f.kind === 'numeric') row.push(field(f.values[i]!));
      else {
        const code = f.codes[i]!;
        for (let c = 0; c < f.cardinality; c++) row.push(c === code ? '1' : '0');
      }
    }
    lines.push(row.join(','));
    if (lines.length === 4096) {
      chunks.push(Buffer.from(lines.join('\n') + '\n'));
      lines = [];
    }
  }
  if (lines.length > 0) chunks.push(Buffer.from(lines.join('\n') + '\n'));
  return new Uint8Array(Buffer.concat(chunks));
}

/** The batch-transform output does not match its input. */
export class TransformOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformOutputError';
  }
}

/**
 * Read a batch-transform output (`<input>.out`, one prediction per line with `AssembleWith: Line`):
 * exactly `expectedRows` finite numbers, else an error naming the first bad line.
 */
export function parsePredictions(bytes: Uint8Array, expectedRows: number, name: string): Float64Array {
  const text = new TextDecoder().decode(bytes);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== expectedRows) {
    throw new TransformOutputError(`${name} has ${lines.length} predictions for ${expectedRows} scored rows`);
  }
  const out = new Float64Array(expectedRows);
  for (let i = 0; i < lines.length; i++) {
    // XGBoost may write "[0.42]" or "0.42," depending on the accept type; take the first number.
    const value = Number(lines[i]!.replace(/^\[|\]$/g, '').split(',')[0]!.trim());
    if (!Number.isFinite(value)) throw new TransformOutputError(`${name} line ${i + 1} is not a number: ${JSON.stringify(lines[i]!.slice(0, 80))}`);
    out[i] = value;
  }
  return out;
}

/** SageMaker resource names: 1–63 of `[a-zA-Z0-9-]`, starting and ending alphanumeric. */
const NAME_LIMIT = 63;

/**
 * The names of a run's SageMaker training job, model and transform jobs. Training-job names are unique
 * per account and region forever, so the name carries the run (hashed) and the time the features
 * stage prepared it: a re-run of the same data gets new jobs.
 */
export function sagemakerJobNames(modelName: string, runId: string, at: Date): { training: string; model: string; scoring: string; championScoring: string } {
  const stamp = at.toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  const suffix = `${stamp}-${hash}`;
  const room = NAME_LIMIT - suffix.length - '-champ'.length - 2;
  const stem = modelName.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, room).replace(/-+$/, '') || 'model';
  const base = `${stem}-${suffix}`;
  return { training: base, model: base, scoring: base, championScoring: `${base}-champ` };
}

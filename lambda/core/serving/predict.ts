/**
 * Scoring raw records with a registered model: the records become a table with the same reader the
 * training path uses (`tableFromRecords`: datetimes parsed by `parseDateTimeString`, "" and null as
 * missing), the table becomes the feature matrix through the model's own transform spec
 * (`applyTransformSpec`: unseen categories take the "other" code), and the model predicts (`scoreModel`:
 * `predictModel`'s numbers, with a GBDT's trees flattened once per model rather than on every call).
 */
import type { ColumnConfig } from '../../../config/schema';
import { DEFAULT_THRESHOLD } from '../metrics/binary';
import type { FeatureMatrix } from '../features/matrix';
import { tableFromRecords } from '../features/table';
import { applyTransformSpec, TRANSFORM_SPEC_FORMAT, type TransformSpec } from '../features/transform-spec';
import type { TrainedModel } from '../models/train-model';
import type { XgboostModelDescriptor } from '../sagemaker/xgboost';
import { BadRequestError, InvalidModelError, UnsupportedModelError } from './errors';
import { isColumnType, type RawRecord } from './request';
import { scoreModel } from '../models/score-model';

/** The answer for a batch of records. */
export interface PredictResult {
  /** Regression: the predicted values. Binary: the predicted class, 1 when p(1) ≥ 0.5, else 0. */
  readonly predictions: number[];
  /** Binary only: `[p(0), p(1)]` per record. */
  readonly probabilities?: number[][];
  /** The registry version that answered. */
  readonly modelVersion: number;
}

/** The feature matrix of raw records under a spec: exactly what the training path builds for the same rows. */
export function featureMatrix(spec: TransformSpec, records: readonly RawRecord[]): FeatureMatrix {
  // Only the columns the features read are loaded; each with the type it was trained with.
  const columns: Record<string, ColumnConfig> = {};
  for (const f of spec.features) {
    const type = spec.columnTypes[f.column];
    if (!isColumnType(type)) throw new InvalidModelError(`the transform spec's feature column '${f.column}' has no known type (columnTypes says ${JSON.stringify(type)})`);
    columns[f.column] = { type, nullable: true, required: true };
  }
  return applyTransformSpec(spec, tableFromRecords(records, { columns }));
}

/**
 * Predict for records already checked against the model's request contract (`assertRecords`).
 * @throws BadRequestError when the model's output for a record is not finite (inputs far outside
 * anything the model can extrapolate to, e.g. 1e308): the instance is named
 */
export function predict(model: TrainedModel, spec: TransformSpec, records: readonly RawRecord[], modelVersion: number): PredictResult {
  const scores = scoreModel(model, featureMatrix(spec, records));
  const bad = scores.findIndex((s) => !Number.isFinite(s));
  if (bad >= 0) throw new BadRequestError(`instance ${bad}: the model's output is not a finite number for these values (are they far outside the training range?)`);
  if (spec.task !== 'binary') return { predictions: Array.from(scores), modelVersion };
  return {
    predictions: Array.from(scores, (p) => (p >= DEFAULT_THRESHOLD ? 1 : 0)),
    probabilities: Array.from(scores, (p) => [1 - p, p]),
    modelVersion,
  };
}

/**
 * Check that registry artifacts are a model this engine scores and a transform spec it reads.
 * @throws UnsupportedModelError for a SageMaker XGBoost model (it needs a SageMaker serving engine)
 * @throws InvalidModelError for anything else that is not a linear or GBDT model, or not a spec
 */
export function servableModel(model: unknown, spec: unknown, version: number): { model: TrainedModel; spec: TransformSpec } {
  const algorithm = model !== null && typeof model === 'object' ? (model as { algorithm?: unknown }).algorithm : undefined;
  if (algorithm === 'xgboost') {
    const name = (model as XgboostModelDescriptor).sagemakerModelName;
    throw new UnsupportedModelError(
      `model version ${version} is a SageMaker XGBoost model (${name}); serving.engine 'lambda' scores only models trained with model.engine 'lambda' — serve it with serving.engine 'sagemaker-serverless' or 'sagemaker-realtime'`,
    );
  }
  if (algorithm !== 'gbdt' && algorithm !== 'linear') throw new InvalidModelError(`model version ${version}: model.json is not a linear or GBDT model (algorithm ${JSON.stringify(algorithm)})`);
  const format = spec !== null && typeof spec === 'object' ? (spec as { format?: unknown }).format : undefined;
  if (format !== TRANSFORM_SPEC_FORMAT) throw new InvalidModelError(`model version ${version}: transform-spec.json is not a '${TRANSFORM_SPEC_FORMAT}' spec (format ${JSON.stringify(format)})`);
  return { model: model as TrainedModel, spec: spec as TransformSpec };
}

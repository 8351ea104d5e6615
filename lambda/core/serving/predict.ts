/**
 * Scoring raw records with a registered model: the records become a table with the same reader the
 * training path uses (`tableFromRecords`: datetimes parsed by `parseDateTimeString`, "" and null as
 * missing), the table becomes the feature matrix through the model's own transform spec
 * (`applyTransformSpec`: unseen categories take the "other" code), and the model predicts (`scoreModel`:
 * `predictModel`'s numbers, with a GBDT's trees flattened once per model rather than on every call) — or,
 * for a SageMaker XGBoost model, the matrix goes to the version's endpoint as CSV (`predictOnEndpoint`).
 */
import type { ColumnConfig } from '../../../config/schema';
import { DEFAULT_THRESHOLD } from '../metrics/binary';
import type { FeatureMatrix } from '../features/matrix';
import { tableFromRecords } from '../features/table';
import { applyTransformSpec, TRANSFORM_SPEC_FORMAT, type TransformSpec } from '../features/transform-spec';
import type { TrainedModel } from '../models/train-model';
import { endpointInput, EndpointInputError, EndpointOutputError, parseEndpointOutput } from '../sagemaker/endpoint';
import type { XgboostModelDescriptor } from '../sagemaker/xgboost';
import { BadRequestError, EndpointFailedError, InvalidModelError, UnsupportedModelError } from './errors';
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
  return resultOf(scoreModel(model, featureMatrix(spec, records)), spec, modelVersion);
}

/**
 * Calls a version's SageMaker endpoint with a `text/csv` body and returns its `text/csv` answer. The
 * adapter maps the endpoint's own failures (model errors, throttling, an endpoint that does not exist)
 * to {@link EndpointFailedError}.
 */
export type EndpointInvoker = (request: { readonly version: number; readonly body: Uint8Array; readonly rows: number }) => Promise<string>;

/**
 * Predict with a SageMaker XGBoost model: the records become the version's feature matrix, as CSV in the
 * model's training columns, scored by the version's endpoint.
 * @throws InvalidModelError when the spec's columns are not the model's (a damaged version)
 * @throws EndpointFailedError when the endpoint fails or answers something other than one number per record
 * @throws BadRequestError as {@link predict}
 */
export async function predictOnEndpoint(model: XgboostModelDescriptor, spec: TransformSpec, records: readonly RawRecord[], modelVersion: number, invoke: EndpointInvoker): Promise<PredictResult> {
  let body: Uint8Array;
  try {
    body = endpointInput(model, featureMatrix(spec, records));
  } catch (error) {
    if (error instanceof EndpointInputError) throw new InvalidModelError(`model version ${modelVersion}: ${error.message}`, { cause: error });
    throw error;
  }
  const answer = await invoke({ version: modelVersion, body, rows: records.length });
  let scores: Float64Array;
  try {
    scores = parseEndpointOutput(answer, records.length);
  } catch (error) {
    if (error instanceof EndpointOutputError) throw new EndpointFailedError(`model version ${modelVersion}: ${error.message}`, { cause: error });
    throw error;
  }
  return resultOf(scores, spec, modelVersion);
}

/** The answer for scores (regression values or binary p(1)): non-finite scores refused, classes thresholded. */
function resultOf(scores: Float64Array, spec: TransformSpec, modelVersion: number): PredictResult {
  const bad = scores.findIndex((s) => !Number.isFinite(s));
  if (bad >= 0) throw new BadRequestError(`instance ${bad}: the model's output is not a finite number for these values (are they far outside the training range?)`);
  if (spec.task !== 'binary') return { predictions: Array.from(scores), modelVersion };
  return {
    predictions: Array.from(scores, (p) => (p >= DEFAULT_THRESHOLD ? 1 : 0)),
    probabilities: Array.from(scores, (p) => [1 - p, p]),
    modelVersion,
  };
}

/** Whether a registered model document is a SageMaker XGBoost descriptor (scored by an endpoint). */
export function isEndpointModel(model: TrainedModel | XgboostModelDescriptor): model is XgboostModelDescriptor {
  return model.algorithm === 'xgboost';
}

/**
 * Which models a serving engine scores: `lambda` scores linear and GBDT models in the predict Lambda;
 * `sagemaker` (engines `sagemaker-serverless` and `sagemaker-realtime`) scores the XGBoost models
 * SageMaker trained, on the version's endpoint.
 */
export type ScoringEngine = 'lambda' | 'sagemaker';

/**
 * Check that registry artifacts are a model the engine scores and a transform spec it reads.
 * @throws UnsupportedModelError for a model of the other engine (its message says which serving engine serves it)
 * @throws InvalidModelError for anything else that is not a linear, GBDT or XGBoost model, or not a spec
 */
export function servableModel(model: unknown, spec: unknown, version: number, engine: ScoringEngine = 'lambda'): { model: TrainedModel | XgboostModelDescriptor; spec: TransformSpec } {
  const algorithm = model !== null && typeof model === 'object' ? (model as { algorithm?: unknown }).algorithm : undefined;
  if (algorithm === 'xgboost' && engine === 'lambda') {
    const name = (model as XgboostModelDescriptor).sagemakerModelName;
    throw new UnsupportedModelError(
      `model version ${version} is a SageMaker XGBoost model (${name}); serving.engine 'lambda' scores only models trained with model.engine 'lambda' — serve it with serving.engine 'sagemaker-serverless' or 'sagemaker-realtime'`,
    );
  }
  if ((algorithm === 'gbdt' || algorithm === 'linear') && engine === 'sagemaker') {
    throw new UnsupportedModelError(
      `model version ${version} is a ${String(algorithm)} model trained with model.engine 'lambda'; a SageMaker endpoint serves only the XGBoost models of model.engine 'sagemaker' — serve it with serving.engine 'lambda'`,
    );
  }
  if (algorithm !== 'gbdt' && algorithm !== 'linear' && algorithm !== 'xgboost') throw new InvalidModelError(`model version ${version}: model.json is not a linear, GBDT or XGBoost model (algorithm ${JSON.stringify(algorithm)})`);
  if (algorithm === 'xgboost') {
    const d = model as Partial<XgboostModelDescriptor>;
    if (!Array.isArray(d.columns) || d.columns.some((c) => typeof c !== 'string') || typeof d.sagemakerModelName !== 'string') {
      throw new InvalidModelError(`model version ${version}: model.json is an XGBoost descriptor without its CSV columns or SageMaker model name`);
    }
  }
  const format = spec !== null && typeof spec === 'object' ? (spec as { format?: unknown }).format : undefined;
  if (format !== TRANSFORM_SPEC_FORMAT) throw new InvalidModelError(`model version ${version}: transform-spec.json is not a '${TRANSFORM_SPEC_FORMAT}' spec (format ${JSON.stringify(format)})`);
  return { model: model as TrainedModel | XgboostModelDescriptor, spec: spec as TransformSpec };
}

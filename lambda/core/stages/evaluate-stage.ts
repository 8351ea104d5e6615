/**
 * The evaluate stage: holdout metrics of the candidate, of a naive baseline (training mean / prior) and
 * of the current champion (its own transform spec applied to the same raw test rows), the gate's
 * decision with reasons, and feature importance (the model's own, and permutation importance on the
 * holdout). Writes `runs/<runId>/evaluate/evaluation.json`.
 */
import type { PlatformConfig } from '../../../config/schema';
import { baselinePredictions, decide, type GateDecision } from '../evaluate/gate';
import { permutationImportance, permutationSample, type PermutationImportance } from '../evaluate/permutation-importance';
import { decodeDataset } from '../features/dataset-codec';
import { takeRows, type Dataset, type FeatureMatrix } from '../features/matrix';
import { readTable } from '../features/table';
import { applyTransformSpec, targetValues, type TransformSpec } from '../features/transform-spec';
import { runKey } from '../layout';
import { binaryMetrics, GATE_SCORERS, regressionMetrics, type GateMetric } from '../metrics/evaluate';
import { modelImportance, predictModel, type TrainedModel } from '../models/train-model';
import { getChampion, versionKey, type RegistryStore } from '../registry/registry';
import { PERMUTATION, type SageMakerPlan } from '../sagemaker/sagemaker-inputs';
import { parsePredictions, TransformOutputError, type XgboostModelDescriptor } from '../sagemaker/xgboost';
import type { DatasetSource } from '../validation/validate-dataset';
import type { ArtifactStore } from './artifact-store';

/** Rows of the holdout used for permutation importance (a seeded sample keeps the stage fast). */
export const PERMUTATION_ROWS = PERMUTATION.rows;

/** The candidate to evaluate: a model trained in the Lambda, or one SageMaker trained and scored. */
export type Candidate = { readonly modelKey: string } | { readonly sagemaker: SageMakerPlan };

/** A registered model: trained in a Lambda, or a SageMaker XGBoost model. */
type RegisteredModel = TrainedModel | XgboostModelDescriptor;

/** What the evaluate stage hands on. */
export interface EvaluateStageResult {
  readonly evaluationKey: string;
  readonly decision: GateDecision['decision'];
  readonly metric: GateMetric;
  readonly value: number;
  readonly reasons: readonly string[];
  readonly championVersion?: number;
}

/** The evaluation document. */
export interface Evaluation {
  readonly metrics: Readonly<Record<string, number>>;
  readonly baseline: Readonly<Record<string, number>>;
  readonly champion?: { readonly version: number; readonly metrics: Readonly<Record<string, number>> };
  readonly gate: GateDecision;
  readonly importance: { readonly model: ReadonlyArray<{ feature: string; importance: number }>; readonly permutation: readonly PermutationImportance[] };
  readonly testRows: number;
  /** What could not be evaluated, and why (e.g. a champion this engine cannot score). */
  readonly notes?: readonly string[];
}

/** Predictions handed out in the order they were made (the SageMaker scoring file's rows). */
function predictionCursor(predictions: Float64Array): (m: FeatureMatrix) => Float64Array {
  let at = 0;
  return (m) => {
    const out = predictions.subarray(at, at + m.rows);
    at += m.rows;
    return out;
  };
}

function allMetrics(task: 'regression' | 'binary', y: Float64Array, p: Float64Array): Record<string, number> {
  return task === 'regression' ? { ...regressionMetrics(y, p) } : (({ threshold: _t, ...m }) => m)(binaryMetrics(y, p));
}

/** Run the evaluate stage. */
export async function runEvaluateStage(input: {
  readonly runId: string;
  readonly modelName: string;
  readonly candidate: Candidate;
  readonly trainKey: string;
  readonly testKey: string;
  readonly splitKey: string;
  /** The run's data (one file, or the parts of a part-file dataset in order), re-read to score the champion. */
  readonly source: DatasetSource | readonly DatasetSource[];
  readonly config: Pick<PlatformConfig, 'dataset' | 'gate'>;
  readonly store: ArtifactStore;
  readonly registry: RegistryStore;
}): Promise<EvaluateStageResult> {
  const { store, config, candidate } = input;
  const task = config.dataset.task;
  const metric = config.gate.metric;
  const test: Dataset = decodeDataset(await store.getBytes(input.testKey));
  const train: Dataset = decodeDataset(await store.getBytes(input.trainKey));
  const sample = permutationSample(test.x.rows, PERMUTATION.rows);
  const notes: string[] = [];

  // The candidate's predictions: in-process, or read back from the batch transform in scoring order.
  let predict: (m: FeatureMatrix) => Float64Array;
  let modelImportances: Array<{ feature: string; importance: number }>;
  if ('modelKey' in candidate) {
    const trained = await store.getJson<TrainedModel>(candidate.modelKey);
    predict = (m) => predictModel(trained, m);
    modelImportances = modelImportance(trained);
  } else {
    const { layout, predictionsKey } = candidate.sagemaker;
    const expected = { testRows: test.x.rows, sampleRows: sample.length, permutedCopies: test.x.features.length * PERMUTATION.repeats };
    if (layout.testRows !== expected.testRows || layout.sampleRows !== expected.sampleRows || layout.permutedCopies !== expected.permutedCopies) {
      throw new TransformOutputError(`the scoring file's layout ${JSON.stringify(layout)} does not match this holdout ${JSON.stringify(expected)}`);
    }
    const rows = layout.testRows + layout.sampleRows * (1 + layout.permutedCopies);
    predict = predictionCursor(parsePredictions(await store.getBytes(predictionsKey), rows, predictionsKey));
    modelImportances = [];
    notes.push('model importance: XGBoost trained on SageMaker keeps its gain inside the model artifact; see permutation importance');
  }
  const predictions = predict(test.x);
  const metrics = allMetrics(task, test.y, predictions);
  const baseline = allMetrics(task, test.y, baselinePredictions(train.y, test.x.rows));

  // The champion predicts the same raw test rows through its own transform spec: in-process, or (a
  // SageMaker champion) by its own batch transform that the state machine ran on the features stage's file.
  let champion: Evaluation['champion'];
  const pointer = await getChampion(input.registry, input.modelName);
  if (pointer) {
    const championModel = await input.registry.get<RegisteredModel>(versionKey(input.modelName, pointer.version, 'model.json'));
    const championSpec = await input.registry.get<TransformSpec>(versionKey(input.modelName, pointer.version, 'transform-spec.json'));
    const plan = 'sagemaker' in candidate ? candidate.sagemaker.champion : undefined;
    if (championModel && championSpec) {
      const split = new Int32Array((await store.getBytes(input.splitKey)).slice().buffer);
      const testRows = split.subarray(1 + split[0]!);
      const table = await readTable(input.source, config.dataset);
      const y = targetValues(championSpec, table, testRows);
      if (championModel.algorithm !== 'xgboost') {
        champion = { version: pointer.version, metrics: allMetrics(task, y, predictModel(championModel, applyTransformSpec(championSpec, table, testRows))) };
      } else if (plan && plan.version === pointer.version) {
        champion = { version: pointer.version, metrics: allMetrics(task, y, parsePredictions(await store.getBytes(plan.predictionsKey), testRows.length, plan.predictionsKey)) };
      } else {
        notes.push(`champion v${pointer.version} is a SageMaker XGBoost model, which only engine 'sagemaker' can score: the gate compared with the baseline and bound only`);
      }
    }
  }

  const gate = decide(config.gate, {
    candidate: metrics[metric]!,
    baseline: baseline[metric]!,
    ...(champion ? { champion: { version: champion.version, value: champion.metrics[metric]! } } : {}),
  });

  const permutation = permutationImportance(
    takeRows(test.x, sample),
    Float64Array.from(sample, (i) => test.y[i]!),
    predict,
    GATE_SCORERS[metric],
    metric,
    PERMUTATION,
  );
  const evaluation: Evaluation = {
    metrics,
    baseline,
    ...(champion ? { champion } : {}),
    gate,
    importance: { model: modelImportances, permutation },
    testRows: test.x.rows,
    ...(notes.length > 0 ? { notes } : {}),
  };
  const evaluationKey = runKey(input.runId, 'evaluate', 'evaluation.json');
  await store.putJson(evaluationKey, evaluation);
  return {
    evaluationKey,
    decision: gate.decision,
    metric,
    value: metrics[metric]!,
    reasons: gate.reasons,
    ...(champion ? { championVersion: champion.version } : {}),
  };
}

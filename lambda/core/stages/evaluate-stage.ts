/**
 * The evaluate stage: holdout metrics of the candidate, of a naive baseline (training mean / prior) and
 * of the current champion (its own transform spec applied to the same raw test rows), the gate's
 * decision with reasons, and feature importance (the model's own, and permutation importance on the
 * holdout). Writes `runs/<runId>/evaluate/evaluation.json`.
 */
import type { PlatformConfig } from '../../../config/schema';
import { baselinePredictions, decide, type GateDecision } from '../evaluate/gate';
import { permutationImportance, type PermutationImportance } from '../evaluate/permutation-importance';
import { decodeDataset } from '../features/dataset-codec';
import { takeRows, type Dataset } from '../features/matrix';
import { readTable } from '../features/table';
import { applyTransformSpec, targetValues, type TransformSpec } from '../features/transform-spec';
import { runKey } from '../layout';
import { binaryMetrics, regressionMetrics, type GateMetric } from '../metrics/evaluate';
import { mae, mape, r2, rmse } from '../metrics/regression';
import { accuracy, auc, f1, logLoss } from '../metrics/binary';
import { modelImportance, predictModel, type TrainedModel } from '../models/train-model';
import { getChampion, versionKey, type RegistryStore } from '../registry/registry';
import type { DatasetSource } from '../validation/validate-dataset';
import type { ArtifactStore } from './artifact-store';

/** Rows of the holdout used for permutation importance (a seeded sample keeps the stage fast). */
export const PERMUTATION_ROWS = 20_000;

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
}

function allMetrics(task: 'regression' | 'binary', y: Float64Array, p: Float64Array): Record<string, number> {
  return task === 'regression' ? { ...regressionMetrics(y, p) } : (({ threshold: _t, ...m }) => m)(binaryMetrics(y, p));
}

/** Each gate metric as one function of (y, predictions), for permutation importance. */
const SCORERS: Readonly<Record<GateMetric, (y: Float64Array, p: Float64Array) => number>> = {
  rmse,
  mae,
  r2,
  mape,
  auc,
  logloss: logLoss,
  accuracy: (y, p) => accuracy(y, p),
  f1: (y, p) => f1(y, p),
};

/** Run the evaluate stage. */
export async function runEvaluateStage(input: {
  readonly runId: string;
  readonly modelName: string;
  readonly modelKey: string;
  readonly trainKey: string;
  readonly testKey: string;
  readonly splitKey: string;
  readonly source: DatasetSource;
  readonly config: Pick<PlatformConfig, 'dataset' | 'gate'>;
  readonly store: ArtifactStore;
  readonly registry: RegistryStore;
}): Promise<EvaluateStageResult> {
  const { store, config } = input;
  const task = config.dataset.task;
  const metric = config.gate.metric;
  const trained = await store.getJson<TrainedModel>(input.modelKey);
  const test: Dataset = decodeDataset(await store.getBytes(input.testKey));
  const train: Dataset = decodeDataset(await store.getBytes(input.trainKey));
  const predictions = predictModel(trained, test.x);
  const metrics = allMetrics(task, test.y, predictions);
  const baseline = allMetrics(task, test.y, baselinePredictions(train.y, test.x.rows));

  // The champion predicts the same raw test rows through its own transform spec.
  let champion: Evaluation['champion'];
  const pointer = await getChampion(input.registry, input.modelName);
  if (pointer) {
    const championModel = await input.registry.get<TrainedModel>(versionKey(input.modelName, pointer.version, 'model.json'));
    const championSpec = await input.registry.get<TransformSpec>(versionKey(input.modelName, pointer.version, 'transform-spec.json'));
    if (championModel && championSpec) {
      const split = new Int32Array((await store.getBytes(input.splitKey)).slice().buffer);
      const testRows = split.subarray(1 + split[0]!);
      const table = await readTable(input.source, config.dataset);
      const y = targetValues(championSpec, table, testRows);
      champion = { version: pointer.version, metrics: allMetrics(task, y, predictModel(championModel, applyTransformSpec(championSpec, table, testRows))) };
    }
  }

  const gate = decide(config.gate, {
    candidate: metrics[metric]!,
    baseline: baseline[metric]!,
    ...(champion ? { champion: { version: champion.version, value: champion.metrics[metric]! } } : {}),
  });

  const sampleSize = Math.min(PERMUTATION_ROWS, test.x.rows);
  const step = test.x.rows / sampleSize;
  const sample = Int32Array.from({ length: sampleSize }, (_, i) => Math.floor(i * step));
  const permutation = permutationImportance(
    takeRows(test.x, sample),
    Float64Array.from(sample, (i) => test.y[i]!),
    (m) => predictModel(trained, m),
    SCORERS[metric],
    metric,
    { repeats: 2, seed: 42 },
  );
  const evaluation: Evaluation = { metrics, baseline, ...(champion ? { champion } : {}), gate, importance: { model: modelImportance(trained), permutation }, testRows: test.x.rows };
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

/**
 * One entry point for the in-Lambda learners: train the configured algorithm, predict with any trained
 * model, and read its feature importance, whatever the algorithm.
 */
import type { PlatformConfig } from '../../../config/schema';
import type { Dataset, FeatureMatrix } from '../features/matrix';
import { gbdtImportance, predictGbdt, trainGbdt } from './gbdt';
import type { GbdtModel } from './gbdt-model';
import { linearImportance, predictLinear, trainLinear, type LinearModel } from './linear';

/** A trained model with its algorithm tag (the JSON artifact the registry stores). */
export type TrainedModel = { readonly algorithm: 'gbdt'; readonly model: GbdtModel } | { readonly algorithm: 'linear'; readonly model: LinearModel };

/** The algorithm cannot run in a Lambda (XGBoost trains on SageMaker). */
export class UnsupportedAlgorithmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedAlgorithmError';
  }
}

/** How to run a training, without changing the model. */
export interface TrainOptions {
  /**
   * Threads a GBDT fit may use (the model is the same for any count).
   * @default - the machine's available parallelism, capped (see `GbdtParams.threads`)
   */
  readonly threads?: number;
}

/** Train the model the config's `model` section names. */
export function trainModel(dataset: Dataset, model: PlatformConfig['model'], task: 'regression' | 'binary', options: TrainOptions = {}): TrainedModel {
  const p = model.params;
  if (model.algorithm === 'gbdt') {
    return {
      algorithm: 'gbdt',
      model: trainGbdt(dataset, {
        task,
        iterations: p.iterations,
        learningRate: p.learningRate,
        maxLeaves: p.maxLeaves,
        ...(p.maxDepth !== undefined ? { maxDepth: p.maxDepth } : {}),
        minSamplesLeaf: p.minSamplesLeaf,
        l2: p.l2,
        maxBins: p.maxBins,
        ...(p.earlyStoppingRounds !== undefined ? { earlyStoppingRounds: p.earlyStoppingRounds } : {}),
        validationFraction: p.validationFraction,
        seed: p.seed,
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
      }),
    };
  }
  if (model.algorithm === 'linear') return { algorithm: 'linear', model: trainLinear(dataset, { task, l2: p.l2 }) };
  throw new UnsupportedAlgorithmError(`model.algorithm '${model.algorithm}' trains on SageMaker (model.engine 'sagemaker'), not in a Lambda`);
}

/** Predictions of a trained model: values (regression) or probabilities of class 1 (binary). */
export function predictModel(trained: TrainedModel, matrix: FeatureMatrix): Float64Array {
  return trained.algorithm === 'gbdt' ? predictGbdt(trained.model, matrix) : predictLinear(trained.model, matrix);
}

/** The model's own importance per feature: total split gain (GBDT) or |coefficient| on the standardized scale (linear). */
export function modelImportance(trained: TrainedModel): Array<{ readonly feature: string; readonly importance: number }> {
  return trained.algorithm === 'gbdt'
    ? gbdtImportance(trained.model).map((g) => ({ feature: g.feature, importance: g.gain }))
    : linearImportance(trained.model).map((l) => ({ feature: l.feature, importance: l.importance }));
}

/**
 * The train stage (engine `lambda`): read the training matrix the features stage wrote, train the
 * configured algorithm, write the model to `runs/<runId>/train/model.json`.
 */
import type { PlatformConfig } from '../../../config/schema';
import { decodeDataset } from '../features/dataset-codec';
import { runKey } from '../layout';
import { trainModel, type TrainedModel } from '../models/train-model';
import type { ArtifactStore } from './artifact-store';

/** What the train stage hands on. */
export interface TrainStageResult {
  readonly modelKey: string;
  readonly algorithm: TrainedModel['algorithm'];
  readonly rows: number;
  readonly features: number;
  readonly fitMs: number;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Run the train stage. */
export async function runTrainStage(input: {
  readonly runId: string;
  readonly trainKey: string;
  readonly model: PlatformConfig['model'];
  readonly task: 'regression' | 'binary';
  readonly store: ArtifactStore;
}): Promise<TrainStageResult> {
  const dataset = decodeDataset(await input.store.getBytes(input.trainKey));
  const started = performance.now();
  const trained = trainModel(dataset, input.model, input.task);
  const fitMs = Math.round(performance.now() - started);
  const modelKey = runKey(input.runId, 'train', 'model.json');
  await input.store.putJson(modelKey, trained);
  return {
    modelKey,
    algorithm: trained.algorithm,
    rows: dataset.x.rows,
    features: dataset.x.features.length,
    fitMs,
    params: { algorithm: input.model.algorithm, ...input.model.params },
  };
}

/** Train stage Lambda (engine `lambda`): train the configured model on the features stage's matrix. */
import { stageContext } from '../aws/stage-context';
import { MetricUnit, emitStageMetrics } from '../aws/stage-metrics';
import { stageStarted, stageSucceeded } from '../core/runs/run-record';
import { updateRun } from '../core/runs/run-store';
import { runTrainStage, type TrainStageResult } from '../core/stages/train-stage';
import { featuresResultSchema, parsePipelineEvent, runInputSchema } from '../events/pipeline-event';

const ctx = stageContext();

const eventSchema = runInputSchema.extend({ features: featuresResultSchema });

/** Lambda entry point. */
export async function handler(event: unknown): Promise<TrainStageResult> {
  const input = parsePipelineEvent(eventSchema, event, 'train');
  const trigger = { kind: input.trigger, bucket: input.bucket, key: input.key };
  await updateRun(ctx.artifacts, input.runId, trigger, (r, at) => stageStarted(r, 'train', at));
  const result = await runTrainStage({ runId: input.runId, trainKey: input.features.trainKey, model: ctx.config.model, task: ctx.config.dataset.task, store: ctx.artifacts });
  await updateRun(ctx.artifacts, input.runId, trigger, (r, at) =>
    stageSucceeded(r, 'train', at, { outputs: { modelKey: result.modelKey, fitMs: result.fitMs }, params: result.params }),
  );
  emitStageMetrics(`MLOps/${ctx.config.name}`, ctx.config.environment, 'train', [{ name: 'FitDuration', value: result.fitMs, unit: MetricUnit.Milliseconds }]);
  ctx.logger.info('model trained', { runId: input.runId, algorithm: result.algorithm, rows: result.rows, fitMs: result.fitMs });
  return result;
}

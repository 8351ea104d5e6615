/**
 * Features stage Lambda: read the validated copy of the upload (or, without a validation gate, the
 * upload's exact version) — of the one file, or of every part of a part-file dataset in order — fit the
 * transform spec on the training split, write matrices and spec.
 */
import { stageContext } from '../aws/stage-context';
import { emitStageMetrics } from '../aws/stage-metrics';
import { runDatasetSources } from '../aws/dataset-parts';
import { stageStarted, stageSucceeded } from '../core/runs/run-record';
import { updateRun } from '../core/runs/run-store';
import { runFeaturesStage, type FeaturesStageResult } from '../core/stages/features-stage';
import { parsePipelineEvent, runInputSchema, validateResultSchema } from '../events/pipeline-event';

const ctx = stageContext();

const eventSchema = runInputSchema.extend({ validate: validateResultSchema.optional() });

/** Lambda entry point. */
export async function handler(event: unknown): Promise<FeaturesStageResult> {
  const input = parsePipelineEvent(eventSchema, event, 'features');
  const trigger = { kind: input.trigger, bucket: input.bucket, key: input.key, ...(input.versionId ? { versionId: input.versionId } : {}) };
  await updateRun(ctx.artifacts, input.runId, trigger, (r, at) => stageStarted(r, 'features', at));
  const source = await runDatasetSources({ client: ctx.client, artifacts: ctx.artifacts, dataBucket: ctx.env.DATA_BUCKET }, input, input.validate);
  const result = await runFeaturesStage({
    runId: input.runId,
    source,
    config: ctx.config,
    store: ctx.artifacts,
    ...(ctx.config.model.engine === 'sagemaker'
      ? { sagemaker: { bucket: ctx.env.ARTIFACT_BUCKET, modelName: ctx.config.name, params: ctx.config.model.params, registry: ctx.registry } }
      : {}),
  });
  await updateRun(ctx.artifacts, input.runId, trigger, (r, at) =>
    stageSucceeded(r, 'features', at, { outputs: { ...result }, params: { split: ctx.config.dataset.split, features: ctx.config.features } }),
  );
  emitStageMetrics(`MLOps/${ctx.config.name}`, ctx.config.environment, 'features', [
    { name: 'TrainingRows', value: result.rows.train },
    { name: 'TestRows', value: result.rows.test },
    { name: 'DroppedRows', value: result.rows.dropped },
    { name: 'FeatureCount', value: result.outputs.length },
  ]);
  ctx.logger.info('features written', { runId: input.runId, rows: result.rows, outputs: result.outputs.length });
  return result;
}

/**
 * Features stage Lambda: read the validated copy of the upload (or, without a validation gate, the
 * upload's exact version), fit the transform spec on the training split, write matrices and spec.
 */
import { stageContext } from '../aws/stage-context';
import { emitStageMetrics } from '../aws/stage-metrics';
import { s3DatasetSource } from '../aws/s3-store';
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
  const ref = input.validate?.validatedKey
    ? { bucket: ctx.env.DATA_BUCKET, key: input.validate.validatedKey }
    : { bucket: input.bucket, key: input.key, ...(input.versionId ? { versionId: input.versionId } : {}) };
  const source = await s3DatasetSource(ctx.client, ref);
  const result = await runFeaturesStage({ runId: input.runId, source, config: ctx.config, store: ctx.artifacts });
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

/** Register stage Lambda: file the candidate as an immutable registry version with its lineage. */
import { stageContext } from '../aws/stage-context';
import { PIPELINE_METRICS } from '../core/monitoring/monitoring-metrics';
import { emitStageMetrics } from '../aws/stage-metrics';
import { runFinished, stageStarted, stageSucceeded } from '../core/runs/run-record';
import { updateRun } from '../core/runs/run-store';
import { runRegisterStage, type RegisterStageResult } from '../core/stages/register-stage';
import { evaluateResultSchema, featuresResultSchema, parsePipelineEvent, trainedCandidate, runInputSchema, trainResultSchema, validateResultSchema } from '../events/pipeline-event';

const ctx = stageContext();

const eventSchema = runInputSchema.extend({
  // Absent at level 0 (no validation gate): the version then has no training profile.
  validate: validateResultSchema.optional(),
  features: featuresResultSchema,
  train: trainResultSchema,
  evaluate: evaluateResultSchema,
});

/** Lambda entry point. */
export async function handler(event: unknown): Promise<RegisterStageResult> {
  const input = parsePipelineEvent(eventSchema, event, 'register');
  const trigger = { kind: input.trigger, bucket: input.bucket, key: input.key };
  await updateRun(ctx.artifacts, input.runId, trigger, (r, at) => stageStarted(r, 'register', at));
  const result = await runRegisterStage({
    runId: input.runId,
    config: ctx.config,
    candidate: trainedCandidate(input.train, input.features, 'register'),
    specKey: input.features.specKey,
    modelCard: ctx.env.GOVERNANCE === 'on',
    ...(input.features.driftBaselineKey ? { driftBaselineKey: input.features.driftBaselineKey } : {}),
    evaluationKey: input.evaluate.evaluationKey,
    ...(input.validate?.profileKey ? { profileKey: input.validate.profileKey } : {}),
    data: {
      bucket: input.bucket,
      key: input.key,
      ...(input.versionId ? { versionId: input.versionId } : {}),
      sha256: input.features.sha256,
      ...(input.validate ? { validationReportKey: input.validate.reportKey } : {}),
      rows: input.features.rows,
      ...(input.features.cutoff ? { cutoff: input.features.cutoff } : {}),
    },
    codeVersion: ctx.env.CODE_VERSION,
    store: ctx.artifacts,
    registry: ctx.registry,
  });
  await updateRun(ctx.artifacts, input.runId, trigger, (r, at) =>
    runFinished(stageSucceeded(r, 'register', at, { outputs: { ...result } }), 'succeeded', at, { decision: 'deploy', model: result.modelName, version: result.version, stage: result.stage }),
  );
  emitStageMetrics(`MLOps/${ctx.config.name}`, ctx.config.environment, 'pipeline', [
    { name: PIPELINE_METRICS.runsSucceeded, value: 1 },
    { name: 'RegisteredVersion', value: result.version },
  ]);
  ctx.logger.info('model registered', { runId: input.runId, version: result.version, stage: result.stage });
  return result;
}

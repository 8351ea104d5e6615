/** Evaluate stage Lambda: holdout metrics vs baseline and champion, the gate's decision, importance. */
import { stageContext } from '../aws/stage-context';
import { auditRecorder } from '../aws/audit-recorder';
import { emitStageMetrics } from '../aws/stage-metrics';
import { runDatasetSources } from '../aws/dataset-parts';
import { stageStarted, stageSucceeded } from '../core/runs/run-record';
import { updateRun } from '../core/runs/run-store';
import { runEvaluateStage, type EvaluateStageResult } from '../core/stages/evaluate-stage';
import { xgboostHyperparameters } from '../core/sagemaker/xgboost';
import { featuresResultSchema, parsePipelineEvent, trainedCandidate, runInputSchema, trainResultSchema, validateResultSchema } from '../events/pipeline-event';

const ctx = stageContext();

const eventSchema = runInputSchema.extend({ validate: validateResultSchema.optional(), features: featuresResultSchema, train: trainResultSchema });

/** Decisions to the audit trail (governance level). */
const audit = auditRecorder({ enabled: ctx.env.GOVERNANCE === 'on', client: ctx.client, bucket: ctx.env.ARTIFACT_BUCKET, environment: ctx.config.environment });

/** Lambda entry point. */
export async function handler(event: unknown): Promise<EvaluateStageResult> {
  const input = parsePipelineEvent(eventSchema, event, 'evaluate');
  const trigger = { kind: input.trigger, bucket: input.bucket, key: input.key };
  const candidate = trainedCandidate(input.train, input.features, 'evaluate');
  if (!('modelKey' in input.train)) {
    // Engine sagemaker has no train Lambda: record the train stage (training job, model, holdout
    // scoring) from the job's summary, from the end of features to now.
    const job = input.train;
    await updateRun(ctx.artifacts, input.runId, trigger, (r, at) =>
      stageSucceeded(stageStarted(r, 'train', r.stages.features?.finishedAt ?? at), 'train', at, {
        outputs: { ...job },
        params: { algorithm: 'xgboost', ...xgboostHyperparameters(ctx.config.model.params, ctx.config.dataset.task) },
        metrics: { trainingSeconds: job.trainingSeconds },
      }),
    );
  }
  await updateRun(ctx.artifacts, input.runId, trigger, (r, at) => stageStarted(r, 'evaluate', at));
  const result = await runEvaluateStage({
    runId: input.runId,
    modelName: ctx.config.name,
    candidate,
    trainKey: input.features.trainKey,
    testKey: input.features.testKey,
    splitKey: input.features.splitKey,
    source: await runDatasetSources({ client: ctx.client, artifacts: ctx.artifacts, dataBucket: ctx.env.DATA_BUCKET }, input, input.validate),
    config: ctx.config,
    store: ctx.artifacts,
    registry: ctx.registry,
  });
  await updateRun(ctx.artifacts, input.runId, trigger, (r, at) =>
    stageSucceeded(r, 'evaluate', at, { outputs: { ...result }, metrics: { [result.metric]: result.value } }),
  );
  emitStageMetrics(`MLOps/${ctx.config.name}`, ctx.config.environment, 'evaluate', [
    { name: `Holdout_${result.metric}`, value: result.value },
    { name: 'GateRejected', value: result.decision === 'reject' ? 1 : 0 },
  ]);
  await audit({
    kind: 'gate',
    decision: result.decision,
    subject: { model: ctx.config.name, runId: input.runId, dataKey: input.key },
    reason: result.reasons.join('; '),
    evidence: { metric: result.metric, value: result.value, evaluationKey: result.evaluationKey, ...(result.championVersion !== undefined ? { championVersion: result.championVersion } : {}) },
    by: 'stage:evaluate',
  });
  ctx.logger.info('model evaluated', { runId: input.runId, decision: result.decision, metric: result.metric, value: result.value });
  return result;
}

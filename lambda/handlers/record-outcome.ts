/**
 * Record-outcome Lambda: the state machine calls it on every ending that no stage records itself — a
 * stage's failure (from its Catch: error name and cause), a validation verdict of invalid, a gate
 * rejection — so the run record always says how the run ended and why.
 */
import { z } from 'zod';
import { stageContext } from '../aws/stage-context';
import { PIPELINE_METRICS } from '../core/monitoring/monitoring-metrics';
import { auditRecorder } from '../aws/audit-recorder';
import { emitStageMetrics } from '../aws/stage-metrics';
import { STAGES, runFinished, stageFailed, stageSucceeded } from '../core/runs/run-record';
import { updateRun } from '../core/runs/run-store';
import { evaluateResultSchema, parsePipelineEvent, runInputSchema, validateResultSchema } from '../events/pipeline-event';

const ctx = stageContext();

/** The state machine sends the outcome, the failed stage if any, and its whole state. */
const eventSchema = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('stage-failed'),
    stage: z.enum(STAGES),
    // The Catch puts Step Functions' error output ({ Error, Cause }) at $.error.
    state: runInputSchema.extend({ error: z.object({ Error: z.string(), Cause: z.string().optional() }) }),
  }),
  z.object({ outcome: z.literal('validation-failed'), state: runInputSchema.extend({ validate: validateResultSchema.passthrough() }) }),
  z.object({ outcome: z.literal('gate-rejected'), state: runInputSchema.extend({ evaluate: evaluateResultSchema.passthrough() }) }),
]);

/** What the state machine gets back. */
export interface RecordOutcomeResult {
  readonly runId: string;
  readonly status: string;
}

/** Decisions to the audit trail (governance level). */
const audit = auditRecorder({ enabled: ctx.env.GOVERNANCE === 'on', client: ctx.client, bucket: ctx.env.ARTIFACT_BUCKET, environment: ctx.config.environment });

/** Lambda entry point. */
export async function handler(event: unknown): Promise<RecordOutcomeResult> {
  const input = parsePipelineEvent(eventSchema, event, 'record-outcome');
  const { runId, trigger: kind, bucket, key } = input.state;
  const record = await updateRun(ctx.artifacts, runId, { kind, bucket, key }, (r, at) => {
    switch (input.outcome) {
      case 'stage-failed':
        return stageFailed(r, input.stage, at, { name: input.state.error.Error, cause: input.state.error.Cause ?? '' });
      case 'validation-failed':
        return runFinished(stageSucceeded(r, 'validate', at, { outputs: { ...input.state.validate } }), 'failed', at, {
          failedStage: 'validate',
          error: 'ValidationFailed',
          reportKey: input.state.validate.reportKey,
        });
      case 'gate-rejected':
        return runFinished(r, 'rejected', at, { decision: 'reject', evaluationKey: input.state.evaluate.evaluationKey });
    }
  });
  emitStageMetrics(`MLOps/${ctx.config.name}`, ctx.config.environment, 'pipeline', [
    { name: PIPELINE_METRICS.runsFailed, value: input.outcome === 'gate-rejected' ? 0 : 1 },
    { name: PIPELINE_METRICS.validationFailures, value: input.outcome === 'validation-failed' ? 1 : 0 },
    { name: PIPELINE_METRICS.gateRejections, value: input.outcome === 'gate-rejected' ? 1 : 0 },
  ]);
  if (input.outcome === 'validation-failed') {
    await audit({
      kind: 'validation',
      decision: 'rejected',
      subject: { model: ctx.config.name, runId, dataKey: key },
      reason: `the data failed validation (${input.state.validate.rowCount} rows); the report says why`,
      evidence: { reportKey: input.state.validate.reportKey, rowCount: input.state.validate.rowCount },
      by: 'stage:validate',
    });
  }
  ctx.logger.info('run outcome recorded', { runId, outcome: input.outcome, status: record.status });
  return { runId, status: record.status };
}

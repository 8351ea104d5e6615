/**
 * Approval Lambda (level 2): files the approval request a run waits on — the Step Functions task token
 * beside the registered version, as `approval.json` — and, when the wait times out, records the expiry.
 * The decision itself comes from `mlops models approve|reject`, which resumes the run with the token.
 */
import { z } from 'zod';
import { stageContext } from '../aws/stage-context';
import { emitStageMetrics } from '../aws/stage-metrics';
import { closeApproval, requestApproval, type ApprovalRecord } from '../core/deploy/deployment';
import { parsePipelineEvent } from '../events/pipeline-event';

const ctx = stageContext();

const eventSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('request'),
    taskToken: z.string().min(1),
    runId: z.string().min(1),
    version: z.number().int().positive(),
    timeoutHours: z.number().positive(),
  }),
  z.object({ action: z.literal('expire'), runId: z.string().min(1), version: z.number().int().positive() }),
]);

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ApprovalRecord | { readonly status: string }> {
  const input = parsePipelineEvent(eventSchema, event, 'approval');
  const name = ctx.config.name;
  if (input.action === 'request') {
    const record = await requestApproval(ctx.registry, name, input);
    emitStageMetrics(`MLOps/${name}`, ctx.config.environment, 'approval', [{ name: 'ApprovalsRequested', value: 1 }]);
    ctx.logger.info('approval requested', { runId: input.runId, version: input.version, expiresAt: record.expiresAt });
    // The task's result is the approver's decision (SendTaskSuccess), not this return value.
    return { ...record, taskToken: '(kept in the registry)' };
  }
  const record = await closeApproval(ctx.registry, name, input.version, { decision: 'expired', at: new Date().toISOString() });
  ctx.logger.warn('approval expired', { runId: input.runId, version: input.version });
  return { status: record?.status ?? 'expired' };
}

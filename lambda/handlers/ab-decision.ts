/**
 * A/B decision Lambda (strategy `abTest`), run every 15 minutes by an EventBridge schedule: when an A/B
 * test is running, gather both versions' live metrics over its window from CloudWatch, decide with the
 * core (`lambda/core/deploy/ab-test.ts`: wait, promote or roll back), apply the decision to the alias
 * (promote: the challenger's version becomes the primary; rollback: the weight is removed; both leave no
 * additional weight), then record it in the registry. Without a running test it does nothing.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { gatherAbTestEvidence } from '../aws/ab-test-evidence';
import { auditRecorder } from '../aws/audit-recorder';
import { cloudWatchClient, lambdaClient, s3Client } from '../aws/clients';
import { routeAlias } from '../aws/predict-publisher';
import { s3RegistryStore } from '../aws/s3-registry-store';
import { emitStageMetrics } from '../aws/stage-metrics';
import { decideAbTest, recordAbTestDecision, runningAbTest, type AbTestEvidence } from '../core/deploy/ab-test';
import { abDecisionEnvSchema } from '../env/ab-decision-env';

const env = abDecisionEnvSchema.parse(process.env);
const registry = s3RegistryStore(s3Client(), env.ARTIFACT_BUCKET);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
const audit = auditRecorder({ enabled: env.GOVERNANCE === 'on', client: s3Client(), bucket: env.ARTIFACT_BUCKET, environment: env.ENVIRONMENT_NAME });

/** What one look decided. */
export type AbDecisionResult =
  | { readonly decision: 'none' }
  | { readonly decision: 'wait'; readonly reasons: readonly string[]; readonly evidence: AbTestEvidence }
  | { readonly decision: 'promote' | 'rollback'; readonly reasons: readonly string[]; readonly evidence: AbTestEvidence; readonly decisionKey: string };

/** Lambda entry point (the scheduled event carries nothing the decision needs). */
export async function handler(): Promise<AbDecisionResult> {
  const record = await runningAbTest(registry, env.PLATFORM_NAME);
  if (!record) {
    logger.debug('no A/B test is running');
    return { decision: 'none' };
  }
  const now = new Date();
  const endsAt = new Date(record.endsAt);
  const evidence = await gatherAbTestEvidence(cloudWatchClient(), {
    namespace: `MLOps/${env.PLATFORM_NAME}`,
    environment: env.ENVIRONMENT_NAME,
    service: env.PREDICT_SERVICE_NAME,
    championVersion: record.champion.version,
    challengerVersion: record.challenger.version,
    start: new Date(record.startedAt),
    end: now < endsAt ? now : endsAt,
  });
  const decided = decideAbTest(evidence, { margin: record.margin, minRequests: record.minRequests, endsAt, now });
  const about = { challenger: record.challenger, champion: record.champion, endsAt: record.endsAt, evidence, reasons: decided.reasons };
  if (decided.decision === 'wait') {
    logger.info('A/B test: waiting', about);
    return { decision: 'wait', reasons: decided.reasons, evidence };
  }
  // The alias first: if recording fails, the next look finds the test still running and decides again
  // (the same evidence, the same routing), instead of a record saying done while traffic is still split.
  const primary = decided.decision === 'promote' ? record.challenger.lambdaVersion : record.champion.lambdaVersion;
  await routeAlias(lambdaClient(), {
    functionName: env.PREDICT_FUNCTION_NAME,
    alias: env.PREDICT_ALIAS,
    route: { functionVersion: primary, additionalVersionWeights: {} },
  });
  const { decisionKey } = await recordAbTestDecision(registry, record, { decision: decided.decision, reasons: decided.reasons, evidence }, now);
  await audit({
    kind: 'ab-decision',
    decision: decided.decision,
    subject: { model: env.PLATFORM_NAME, version: record.challenger.version },
    reason: decided.reasons.join('; '),
    evidence: { champion: record.champion.version, decisionKey, evidence },
    by: 'ab-decision',
  });
  emitStageMetrics(`MLOps/${env.PLATFORM_NAME}`, env.ENVIRONMENT_NAME, 'ab-decision', [{ name: decided.decision === 'promote' ? 'AbTestPromotions' : 'AbTestRollbacks', value: 1 }]);
  if (decided.decision === 'promote') logger.info('A/B test: challenger promoted', { ...about, decisionKey });
  else logger.warn('A/B test: challenger rolled back', { ...about, decisionKey });
  return { decision: decided.decision, reasons: decided.reasons, evidence, decisionKey };
}

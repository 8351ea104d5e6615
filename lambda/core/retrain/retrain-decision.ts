/**
 * Continuous training's guardrails (level 4), as a pure decision: whether an alarm that changed state may
 * start a retraining run now. In order, a retrain is skipped when
 *
 * 1. the alarm did not go to ALARM (an OK or INSUFFICIENT_DATA transition starts nothing);
 * 2. a training run is executing (a second run would race the first for the champion);
 * 3. the last retrain started less than `cooldownHours` ago (one drift episode starts one run, not one per
 *    alarm evaluation);
 * 4. `maxPerWeek` retrains already started in the last 7 days (a drift that training cannot fix must not
 *    burn compute forever; people are told instead).
 *
 * Otherwise it starts, with reason `drift`. Every decision — start or skip, and why — is recorded
 * (`retrainRecordKey`), so the history the rules read is the record of what they decided. The gate still
 * applies to the run it starts: a retrained model that is worse than the champion is rejected.
 */
import { createHash } from 'node:crypto';
import { ARTIFACT_PREFIX } from '../layout';

/** `monitoring.retrain`: the guardrails. */
export interface RetrainPolicy {
  /** Hours after a started retrain during which no other starts. */
  readonly cooldownHours: number;
  /** Most retrains started in any 7 days. */
  readonly maxPerWeek: number;
}

/** One recorded retrain decision. */
export interface RetrainRecord {
  /** ISO time of the decision. */
  readonly at: string;
  readonly decision: 'started' | 'skipped';
  /** The rule that skipped it (`no-data`: nothing validated to train on), or `started`. */
  readonly rule: RetrainRule | 'no-data' | 'started';
  /** Why, in words (the alarm, the limit, the running run). */
  readonly reason: string;
  /** The alarm whose change asked for it. */
  readonly alarm: string;
  /** The run started (when started). */
  readonly runId?: string;
}

/** The rules that skip a retrain. */
export type RetrainRule = 'not-alarm' | 'running' | 'cooldown' | 'weekly-cap';

/** The verdict: start, or skip by a rule. */
export type RetrainVerdict = { readonly start: true; readonly reason: string } | { readonly start: false; readonly rule: RetrainRule; readonly reason: string };

/** What the decision looks at. */
export interface RetrainSituation {
  readonly now: Date;
  /** The alarm's name and the state it went to. */
  readonly alarm: { readonly name: string; readonly state: string };
  /** Training runs executing now (names or ARNs). */
  readonly running: readonly string[];
  /** Earlier decisions (any order). */
  readonly history: readonly RetrainRecord[];
  readonly policy: RetrainPolicy;
}

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

/** Decide whether the alarm's change starts a retrain; see the module comment for the rules. */
export function decideRetrain(situation: RetrainSituation): RetrainVerdict {
  const { now, alarm, running, history, policy } = situation;
  if (alarm.state !== 'ALARM') return { start: false, rule: 'not-alarm', reason: `alarm ${alarm.name} went to ${alarm.state}, not ALARM` };
  if (running.length > 0) return { start: false, rule: 'running', reason: `a training run is executing (${running[0]}${running.length > 1 ? ` and ${running.length - 1} more` : ''})` };
  const starts = history
    .filter((r) => r.decision === 'started')
    .map((r) => Date.parse(r.at))
    .filter((t) => Number.isFinite(t) && t <= now.getTime())
    .sort((a, b) => b - a);
  const last = starts[0];
  if (last !== undefined && now.getTime() - last < policy.cooldownHours * HOUR_MS) {
    const next = new Date(last + policy.cooldownHours * HOUR_MS).toISOString();
    return { start: false, rule: 'cooldown', reason: `the last retrain started ${new Date(last).toISOString()}, within the ${policy.cooldownHours} h cooldown (next possible ${next})` };
  }
  const inWeek = starts.filter((t) => now.getTime() - t < WEEK_MS);
  if (inWeek.length >= policy.maxPerWeek) {
    const next = new Date(inWeek[inWeek.length - 1]! + WEEK_MS).toISOString();
    return { start: false, rule: 'weekly-cap', reason: `${inWeek.length} retrains started in the last 7 days, the cap is ${policy.maxPerWeek} (next possible ${next})` };
  }
  return { start: true, reason: `alarm ${alarm.name} went to ALARM` };
}

/**
 * Key of a retrain decision: `monitoring/<name>/retrain/<time>-<decision>-<alarm hash>.json`, time-ordered. The
 * alarm's hash keeps apart the decisions of one episode's alarms, which fire together and can be stamped with
 * the same millisecond (one would otherwise overwrite the other).
 */
export function retrainRecordKey(name: string, record: Pick<RetrainRecord, 'at' | 'decision' | 'alarm'>): string {
  return `${retrainPrefix(name)}${record.at.replace(/[:.]/g, '-')}-${record.decision}-${createHash('sha256').update(record.alarm).digest('hex').slice(0, 8)}.json`;
}

/** The folder of a model's retrain decisions. */
export function retrainPrefix(name: string): string {
  return `${ARTIFACT_PREFIX.monitoring}${name}/retrain/`;
}

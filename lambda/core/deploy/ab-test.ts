/**
 * The A/B test of champion against challenger (capability `abTesting`, config `serving.deployment.abTest`),
 * as pure steps over the registry and plain numbers: the deploy state machine starts one, a scheduled
 * decision Lambda decides it on per-version live metrics and ends it.
 *
 * - {@link startAbTest}: the challenger (published as a Lambda version pinned to its model) gets
 *   `percent`% of the alias's traffic for `windowHours`; the record `registry/<name>/ab-test.json` says who
 *   is compared with whom until when; the challenger stays `candidate`, with a stage-history entry.
 * - {@link decideAbTest}: promote, roll back or wait, with the reasons (the rule is documented there).
 * - {@link recordAbTestDecision}: the decision and its evidence under `registry/<name>/ab-tests/`, the
 *   stages moved (promote: the challenger becomes the champion, which archives the old one; rollback: the
 *   challenger is archived), the record closed, and the deploy history appended (`deployment.ts`'s keys).
 *
 * Moving the alias is the caller's part (the handlers), between the decision and its record: a decision
 * whose record failed to be written is simply made again at the next look (the record is still running).
 */
import { getChampion, modelPrefix, setStage, type RegistryStore, type StageRecord } from '../registry/registry';
import { deploymentEvent, deploymentEventKey, type DeploymentEvent, type DeployPlan } from './deployment';

/** Challenger requests needed before a promotion is considered, unless configured otherwise. */
export const DEFAULT_MIN_REQUESTS = 100;

/** z of the two-sided 95% Wilson interval the early rollback uses. */
export const EARLY_ROLLBACK_Z = 1.96;

/** Failed challenger requests needed for an early rollback: one or two failures are not "clearly" anything. */
export const EARLY_ROLLBACK_MIN_FAILURES = 3;

/** Tolerance of the margin comparisons: `0.02 + 0.01` is not above `0.03`. */
const TOLERANCE = 1e-9;

/** One side of the test: the registry version and the Lambda version (of the predict function) serving it. */
export interface AbTestArm {
  readonly version: number;
  readonly lambdaVersion: string;
}

/** The A/B test record, `registry/<name>/ab-test.json`: the running test, or the last one once decided. */
export interface AbTestRecord {
  /** `abandoned`: the alias could not be routed when the test started; the challenger never served. */
  readonly status: 'running' | 'promoted' | 'rolled-back' | 'abandoned';
  readonly modelName: string;
  readonly champion: AbTestArm;
  readonly challenger: AbTestArm;
  /** The challenger's share of the alias's traffic, in percent. */
  readonly percent: number;
  readonly startedAt: string;
  /** When the window ends: a decision other than an early rollback waits for it. */
  readonly endsAt: string;
  /** How much worse the challenger may be and still win (see {@link decideAbTest}). */
  readonly margin: number;
  /** Challenger requests needed for a promotion. */
  readonly minRequests: number;
  /** The deployment that started the test (who, why, the run). */
  readonly plan: DeployPlan;
  readonly decidedAt?: string;
  /** Key of the decision document under `ab-tests/`, once decided. */
  readonly decisionKey?: string;
}

/** A live-quality metric of one version (once labels arrive), with its direction. */
export interface QualityEvidence {
  /** The metric's name, e.g. `rmse` or `auc`. */
  readonly metric: string;
  readonly value: number;
  readonly higherIsBetter: boolean;
}

/** What the endpoint measured for one version over the window. */
export interface VersionEvidence {
  /** Requests answered by this version (the sample count of its `Latency`). */
  readonly requests: number;
  /** Share of its requests answered 5xx, 0–1 (the average of its `ServerErrors`). */
  readonly serverErrorRate: number;
  /** p99 of its `Latency`, in ms; absent without requests. */
  readonly p99LatencyMs?: number;
  /** Live quality; absent until labels are joined to captured requests. */
  readonly quality?: QualityEvidence;
}

/** The evidence of both arms. */
export interface AbTestEvidence {
  readonly champion: VersionEvidence;
  readonly challenger: VersionEvidence;
}

/** What {@link decideAbTest} needs besides the evidence. */
export interface AbTestDecisionOptions {
  /** Relative margin for latency and quality, absolute for the error rate. */
  readonly margin: number;
  /** When the window ends. */
  readonly endsAt: Date;
  /** The time of the look. */
  readonly now: Date;
  /** @default DEFAULT_MIN_REQUESTS */
  readonly minRequests?: number;
}

/** A decision and why. */
export interface AbTestDecision {
  readonly decision: 'promote' | 'rollback' | 'wait';
  readonly reasons: readonly string[];
}

/** An A/B test cannot start (one is running), or a record is not in the state a step needs. */
export class AbTestStateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbTestStateError';
  }
}

/** Key of the A/B test record: `registry/<name>/ab-test.json`. */
export function abTestKey(name: string): string {
  return `${modelPrefix(name)}ab-test.json`;
}

/** Key of a decided test's document: `registry/<name>/ab-tests/<startedAt>-v<challenger>.json`. */
export function abTestDecisionKey(record: Pick<AbTestRecord, 'modelName' | 'startedAt' | 'challenger'>): string {
  return `${modelPrefix(record.modelName)}ab-tests/${record.startedAt.replace(/[:.]/g, '-')}-v${record.challenger.version}.json`;
}

/** The running A/B test of a model, if any (a decided one is not running). */
export async function runningAbTest(registry: RegistryStore, name: string): Promise<AbTestRecord | undefined> {
  const record = await registry.get<AbTestRecord>(abTestKey(name));
  return record?.status === 'running' ? record : undefined;
}

/**
 * Refuse to start a test while another one runs.
 * @throws AbTestStateError naming the running test and when it ends
 */
export async function assertNoAbTestRunning(registry: RegistryStore, name: string): Promise<void> {
  const running = await runningAbTest(registry, name);
  if (running) {
    throw new AbTestStateError(
      `cannot start an A/B test of '${name}': v${running.challenger.version} is being A/B tested against v${running.champion.version} until ${running.endsAt} ` +
        `(${abTestKey(name)}); wait for its decision, or deploy with another strategy`,
    );
  }
}

/** `10% for 24 h`: how the stage history and the deploy history describe a test. */
function describeSplit(percent: number, windowHours: number): string {
  return `${percent}% for ${windowHours} h`;
}

/**
 * Start an A/B test of the planned version (the challenger) against the champion: write the record, add
 * the stage-history entry (the challenger stays `candidate`) and the deploy-history entry. The alias is
 * routed by the caller after this returns.
 * @throws AbTestStateError when a test is running, the plan has no champion to compare with, or the
 *   champion moved since the plan was made
 */
export async function startAbTest(
  registry: RegistryStore,
  plan: DeployPlan,
  test: { readonly championLambdaVersion: string; readonly challengerLambdaVersion: string; readonly percent: number; readonly windowHours: number; readonly margin: number; readonly minRequests?: number },
  at: Date = new Date(),
): Promise<AbTestRecord> {
  const name = plan.modelName;
  await assertNoAbTestRunning(registry, name);
  if (plan.previousVersion === undefined) throw new AbTestStateError(`cannot A/B test v${plan.version} of '${name}': there is no champion to compare it with`);
  const champion = await getChampion(registry, name);
  if (champion?.version !== plan.previousVersion) {
    throw new AbTestStateError(`cannot A/B test v${plan.version} of '${name}' against v${plan.previousVersion}: the champion is now ${champion ? `v${champion.version}` : 'none'}`);
  }
  const startedAt = at.toISOString();
  const record: AbTestRecord = {
    status: 'running',
    modelName: name,
    champion: { version: plan.previousVersion, lambdaVersion: test.championLambdaVersion },
    challenger: { version: plan.version, lambdaVersion: test.challengerLambdaVersion },
    percent: test.percent,
    startedAt,
    endsAt: new Date(at.getTime() + test.windowHours * 3_600_000).toISOString(),
    margin: test.margin,
    minRequests: test.minRequests ?? DEFAULT_MIN_REQUESTS,
    plan,
  };
  const split = describeSplit(test.percent, test.windowHours);
  await registry.put(abTestKey(name), record);
  await setStage(registry, name, plan.version, 'candidate', { by: plan.requestedBy, reason: `A/B test: ${split} against v${plan.previousVersion} (${plan.reason})`, at: startedAt });
  const event = deploymentEvent(plan, 'ab-test-started', startedAt, { percent: test.percent, windowHours: test.windowHours, endsAt: record.endsAt, champion: record.champion, challenger: record.challenger });
  await registry.put(deploymentEventKey(name, event), event);
  return record;
}

/**
 * Close a test whose alias could not be routed at its start (the challenger never served): the record
 * says `abandoned` with the reason, so the next deployment is not refused; the challenger stays
 * `candidate`, with a stage-history entry.
 */
export async function abandonAbTest(registry: RegistryStore, record: AbTestRecord, reason: string, at: Date = new Date()): Promise<AbTestRecord> {
  const closed: AbTestRecord = { ...record, status: 'abandoned', decidedAt: at.toISOString() };
  await registry.put(abTestKey(record.modelName), closed);
  await setStage(registry, record.modelName, record.challenger.version, 'candidate', { by: record.plan.requestedBy, reason: `A/B test not started: ${reason}`, at: closed.decidedAt });
  return closed;
}

/**
 * The lower end of the 95% Wilson score interval of a rate: `failures` of `trials`. With it, "clearly
 * worse" needs more evidence from few requests than from many.
 */
export function wilsonLowerBound(failures: number, trials: number, z: number = EARLY_ROLLBACK_Z): number {
  if (trials <= 0) return 0;
  const p = failures / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const spread = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.max(0, (centre - spread) / (1 + z2 / trials));
}

const pct = (rate: number): string => `${(rate * 100).toFixed(2)}%`;
const ms = (value: number): string => `${Number(value.toFixed(1))} ms`;

/**
 * Decide an A/B test from the evidence.
 *
 * - **Before the window ends: wait**, except an **early rollback** when the challenger's error rate is
 *   clearly worse: at least {@link EARLY_ROLLBACK_MIN_FAILURES} failed challenger requests, and the lower
 *   end of the 95% Wilson interval of its server-error rate (failed requests out of its requests) above
 *   the champion's error rate plus the margin. So 3 failures of 100 requests against a clean champion
 *   (margin 0.01; lower bound 1.03%) roll back at once; 2 of 100 (0.55%) or 5 of 200 (1.07%) against
 *   a champion at 0.1% do not.
 * - **At the window's end** (now ≥ endsAt): fewer than `minRequests` challenger requests → rollback
 *   (not enough evidence to replace the champion). Otherwise **promote** when the challenger is not worse
 *   than the champion by more than the margin on every metric present, else **rollback** naming each one:
 *   - error rate: challenger ≤ champion + margin (absolute: 0.01 is one percentage point);
 *   - p99 latency: challenger ≤ champion × (1 + margin) (compared when both have requests);
 *   - quality (when both have the same metric): within `margin` × |champion| in the metric's direction.
 */
export function decideAbTest(evidence: AbTestEvidence, options: AbTestDecisionOptions): AbTestDecision {
  const { champion, challenger } = evidence;
  const { margin } = options;
  const minRequests = options.minRequests ?? DEFAULT_MIN_REQUESTS;
  const ended = options.now.getTime() >= options.endsAt.getTime();
  const errorLimit = champion.serverErrorRate + margin;

  if (!ended) {
    const failures = Math.round(challenger.serverErrorRate * challenger.requests);
    const lower = wilsonLowerBound(failures, challenger.requests);
    if (failures >= EARLY_ROLLBACK_MIN_FAILURES && lower > errorLimit + TOLERANCE) {
      return {
        decision: 'rollback',
        reasons: [
          `early rollback: the challenger's error rate ${pct(challenger.serverErrorRate)} (${failures} of ${challenger.requests} requests; 95% lower bound ${pct(lower)}) ` +
            `is clearly above the champion's ${pct(champion.serverErrorRate)} + margin ${pct(margin)}`,
        ],
      };
    }
    return { decision: 'wait', reasons: [`the window ends at ${options.endsAt.toISOString()}; the challenger has ${challenger.requests} requests so far`] };
  }

  if (challenger.requests < minRequests) {
    return { decision: 'rollback', reasons: [`too few challenger requests: ${challenger.requests} by the end of the window, at least ${minRequests} needed to replace the champion`] };
  }

  const worse: string[] = [];
  const fine: string[] = [];
  if (challenger.serverErrorRate > errorLimit + TOLERANCE) {
    worse.push(`error rate ${pct(challenger.serverErrorRate)} is above the champion's ${pct(champion.serverErrorRate)} + margin ${pct(margin)}`);
  } else {
    fine.push(`error rate ${pct(challenger.serverErrorRate)} ≤ ${pct(champion.serverErrorRate)} + margin ${pct(margin)}`);
  }
  if (challenger.p99LatencyMs !== undefined && champion.p99LatencyMs !== undefined) {
    const limit = champion.p99LatencyMs * (1 + margin);
    if (challenger.p99LatencyMs > limit + TOLERANCE) worse.push(`p99 latency ${ms(challenger.p99LatencyMs)} is above the champion's ${ms(champion.p99LatencyMs)} × (1 + ${margin})`);
    else fine.push(`p99 latency ${ms(challenger.p99LatencyMs)} ≤ ${ms(champion.p99LatencyMs)} × (1 + ${margin})`);
  } else {
    fine.push('p99 latency not compared (the champion answered no requests in the window)');
  }
  const a = champion.quality;
  const b = challenger.quality;
  if (a && b && a.metric === b.metric) {
    const allowance = Math.abs(a.value) * margin;
    const ok = a.higherIsBetter ? b.value >= a.value - allowance - TOLERANCE : b.value <= a.value + allowance + TOLERANCE;
    const how = `${b.metric} ${b.value} against the champion's ${a.value} (${a.higherIsBetter ? 'higher' : 'lower'} is better, margin ${margin} relative)`;
    (ok ? fine : worse).push(ok ? how : `${how} is worse by more than the margin`);
  }
  if (worse.length > 0) return { decision: 'rollback', reasons: worse };
  return { decision: 'promote', reasons: [`${challenger.requests} challenger requests (≥ ${minRequests})`, ...fine] };
}

/** The document of a decided A/B test under `ab-tests/`. */
export interface AbTestDecisionDocument {
  readonly record: AbTestRecord;
  readonly decision: 'promote' | 'rollback';
  readonly reasons: readonly string[];
  readonly evidence: AbTestEvidence;
  readonly decidedAt: string;
  readonly by: string;
}

/** Who decides, in the stage and deploy histories. */
export const AB_DECIDER = 'ab-decision';

/**
 * Record a decision the caller has applied to the alias: the decision document (with its evidence), the
 * challenger's stage (promote: champion, which archives the old champion; rollback: archived), the
 * deploy history, and the record closed.
 * @throws AbTestStateError when the record is not running
 */
export async function recordAbTestDecision(
  registry: RegistryStore,
  record: AbTestRecord,
  decided: { readonly decision: 'promote' | 'rollback'; readonly reasons: readonly string[]; readonly evidence: AbTestEvidence },
  at: Date = new Date(),
): Promise<{ readonly record: AbTestRecord; readonly stage: StageRecord; readonly event: DeploymentEvent; readonly decisionKey: string }> {
  if (record.status !== 'running') throw new AbTestStateError(`the A/B test of v${record.challenger.version} started ${record.startedAt} is already decided (${record.status})`);
  const name = record.modelName;
  const decidedAt = at.toISOString();
  const decisionKey = abTestDecisionKey(record);
  const document: AbTestDecisionDocument = { record, decision: decided.decision, reasons: decided.reasons, evidence: decided.evidence, decidedAt, by: AB_DECIDER };
  await registry.put(decisionKey, document);
  const why = decided.reasons.join('; ');
  const stage =
    decided.decision === 'promote'
      ? await setStage(registry, name, record.challenger.version, 'champion', { by: AB_DECIDER, reason: `A/B test won against v${record.champion.version}: ${why}`, at: decidedAt })
      : await setStage(registry, name, record.challenger.version, 'archived', { by: AB_DECIDER, reason: `A/B test lost against v${record.champion.version}: ${why}`, at: decidedAt });
  const event = deploymentEvent(record.plan, decided.decision === 'promote' ? 'deployed' : 'rolled-back', decidedAt, { abTest: decisionKey, reasons: decided.reasons, evidence: decided.evidence }, AB_DECIDER);
  await registry.put(deploymentEventKey(name, event), event);
  const closed: AbTestRecord = { ...record, status: decided.decision === 'promote' ? 'promoted' : 'rolled-back', decidedAt, decisionKey };
  await registry.put(abTestKey(name), closed);
  return { record: closed, stage, event, decisionKey };
}

/**
 * The A/B test core over an in-memory registry and plain numbers: the decision rule at its exact
 * boundaries (error rate absolute, p99 and quality relative, minimum requests, the window's end, the early
 * rollback), and what starting and deciding a test write to the registry.
 */
import {
  abandonAbTest,
  abTestDecisionKey,
  abTestKey,
  AbTestStateError,
  decideAbTest,
  recordAbTestDecision,
  runningAbTest,
  startAbTest,
  wilsonLowerBound,
  type AbTestDecisionDocument,
  type AbTestEvidence,
  type AbTestRecord,
  type VersionEvidence,
} from '../../../lambda/core/deploy/ab-test';
import { completeDeployment, prepareDeployment, type DeploymentEvent } from '../../../lambda/core/deploy/deployment';
import { getChampion, memoryRegistryStore, registerVersion, versionKey, type StageRecord } from '../../../lambda/core/registry/registry';

const NAME = 'flights';
const STARTED = new Date('2026-03-01T00:00:00.000Z');
const ENDS = new Date('2026-03-02T00:00:00.000Z');
const AFTER = { now: ENDS, endsAt: ENDS, margin: 0.01 } as const;

const arm = (over: Partial<VersionEvidence> = {}): VersionEvidence => ({ requests: 1000, serverErrorRate: 0.02, p99LatencyMs: 200, ...over });
const evidence = (challenger: Partial<VersionEvidence>, champion: Partial<VersionEvidence> = {}): AbTestEvidence => ({ champion: arm(champion), challenger: arm(challenger) });

describe('decideAbTest at the end of the window', () => {
  test('error rate: challenger ≤ champion + margin (absolute) promotes, a hair above rolls back', () => {
    expect(decideAbTest(evidence({ serverErrorRate: 0.03 }), AFTER).decision).toBe('promote');
    const worse = decideAbTest(evidence({ serverErrorRate: 0.0301 }), AFTER);
    expect(worse).toEqual({ decision: 'rollback', reasons: ["error rate 3.01% is above the champion's 2.00% + margin 1.00%"] });
  });

  test('p99 latency: challenger ≤ champion × (1 + margin) promotes, above rolls back', () => {
    expect(decideAbTest(evidence({ p99LatencyMs: 202 }), AFTER).decision).toBe('promote');
    expect(decideAbTest(evidence({ p99LatencyMs: 202.01 }), AFTER)).toEqual({ decision: 'rollback', reasons: ["p99 latency 202 ms is above the champion's 200 ms × (1 + 0.01)"] });
  });

  test('every failing metric is named', () => {
    const decided = decideAbTest(evidence({ serverErrorRate: 0.05, p99LatencyMs: 300 }), AFTER);
    expect(decided.decision).toBe('rollback');
    expect(decided.reasons).toHaveLength(2);
  });

  test('a better challenger promotes, with the reasons', () => {
    expect(decideAbTest(evidence({ serverErrorRate: 0, p99LatencyMs: 100, requests: 100 }), AFTER)).toEqual({
      decision: 'promote',
      reasons: ['100 challenger requests (≥ 100)', 'error rate 0.00% ≤ 2.00% + margin 1.00%', 'p99 latency 100 ms ≤ 200 ms × (1 + 0.01)'],
    });
  });

  test('minimum requests: exactly the minimum decides, one fewer rolls back with that reason', () => {
    expect(decideAbTest(evidence({ requests: 100 }), AFTER).decision).toBe('promote');
    expect(decideAbTest(evidence({ requests: 99 }), AFTER)).toEqual({
      decision: 'rollback',
      reasons: ['too few challenger requests: 99 by the end of the window, at least 100 needed to replace the champion'],
    });
    expect(decideAbTest(evidence({ requests: 20 }), { ...AFTER, minRequests: 20 }).decision).toBe('promote');
  });

  test('latency is not compared when the champion answered nothing', () => {
    const decided = decideAbTest(evidence({ p99LatencyMs: 5000 }, { requests: 0, serverErrorRate: 0, p99LatencyMs: undefined }), AFTER);
    expect(decided.decision).toBe('rollback'); // 2% errors against the champion's 0% + 1%
    expect(decideAbTest(evidence({ serverErrorRate: 0, p99LatencyMs: 5000 }, { requests: 0, serverErrorRate: 0, p99LatencyMs: undefined }), AFTER).reasons).toContain(
      'p99 latency not compared (the champion answered no requests in the window)',
    );
  });

  test('quality, when both have it: relative margin in the metric direction', () => {
    const rmse = (value: number) => ({ metric: 'rmse', value, higherIsBetter: false });
    const auc = (value: number) => ({ metric: 'auc', value, higherIsBetter: true });
    // Lower is better: 30 × 1.01 = 30.3 is the limit.
    expect(decideAbTest(evidence({ quality: rmse(30.3) }, { quality: rmse(30) }), AFTER).decision).toBe('promote');
    expect(decideAbTest(evidence({ quality: rmse(30.31) }, { quality: rmse(30) }), AFTER).decision).toBe('rollback');
    // Higher is better: 0.8 − 0.008 = 0.792 is the limit.
    expect(decideAbTest(evidence({ quality: auc(0.792) }, { quality: auc(0.8) }), AFTER).decision).toBe('promote');
    expect(decideAbTest(evidence({ quality: auc(0.7919) }, { quality: auc(0.8) }), AFTER).reasons).toEqual([
      'auc 0.7919 against the champion\'s 0.8 (higher is better, margin 0.01 relative) is worse by more than the margin',
    ]);
    // Only one side has it, or different metrics: not compared.
    expect(decideAbTest(evidence({ quality: rmse(99) }), AFTER).decision).toBe('promote');
    expect(decideAbTest(evidence({ quality: rmse(99) }, { quality: auc(0.8) }), AFTER).decision).toBe('promote');
  });
});

describe('decideAbTest before the window ends', () => {
  const BEFORE = { now: new Date(ENDS.getTime() - 1), endsAt: ENDS, margin: 0.01 } as const;

  test('waits even when the challenger already looks better', () => {
    expect(decideAbTest(evidence({ serverErrorRate: 0 }), BEFORE)).toEqual({ decision: 'wait', reasons: ['the window ends at 2026-03-02T00:00:00.000Z; the challenger has 1000 requests so far'] });
  });

  test('early rollback: at least 3 failures and the 95% Wilson lower bound above champion + margin', () => {
    const clean = { serverErrorRate: 0 };
    // 3 of 100: lower bound 1.03% > 0% + 1%.
    expect(wilsonLowerBound(3, 100)).toBeCloseTo(0.010254, 6);
    const early = decideAbTest(evidence({ requests: 100, serverErrorRate: 0.03 }, clean), BEFORE);
    expect(early.decision).toBe('rollback');
    expect(early.reasons[0]).toMatch(/^early rollback: the challenger's error rate 3\.00% \(3 of 100 requests; 95% lower bound 1\.03%\) is clearly above the champion's 0\.00% \+ margin 1\.00%$/);
    // 2 of 100: lower bound 0.55%, not clear.
    expect(decideAbTest(evidence({ requests: 100, serverErrorRate: 0.02 }, clean), BEFORE).decision).toBe('wait');
    // 2 of 2 has a high lower bound (34%) but only two failures.
    expect(decideAbTest(evidence({ requests: 2, serverErrorRate: 1 }, clean), BEFORE).decision).toBe('wait');
    expect(decideAbTest(evidence({ requests: 3, serverErrorRate: 1 }, clean), BEFORE).decision).toBe('rollback');
    // 5 of 200 (lower 1.07%) against a champion at 0.1% (+1% = 1.1%): wait; 6 of 200 (1.38%): rollback.
    expect(decideAbTest(evidence({ requests: 200, serverErrorRate: 0.025 }, { serverErrorRate: 0.001 }), BEFORE).decision).toBe('wait');
    expect(decideAbTest(evidence({ requests: 200, serverErrorRate: 0.03 }, { serverErrorRate: 0.001 }), BEFORE).decision).toBe('rollback');
  });

  test('the window ends at endsAt exactly', () => {
    expect(decideAbTest(evidence({}), { ...BEFORE, now: ENDS }).decision).toBe('promote');
  });
});

async function registryWithChampion() {
  const store = memoryRegistryStore();
  for (let i = 1; i <= 2; i++) {
    await registerVersion(store, NAME, { model: { algorithm: 'ridge', weights: [i] }, transformSpec: {}, metrics: {}, importance: [], profile: null }, { runId: `run-${i}`, registeredAt: `2026-01-0${i}T00:00:00.000Z` });
  }
  const first = await prepareDeployment(store, NAME, { version: 1, requestedBy: 'setup', reason: 'initial' }, { strategy: 'promote', servingEngine: 'lambda' });
  await completeDeployment(store, first, undefined, '2026-01-10T00:00:00.000Z');
  const plan = await prepareDeployment(store, NAME, { version: 2, requestedBy: 'run run-2', reason: 'gate passed', runId: 'run-2' }, { strategy: 'abTest', servingEngine: 'lambda' });
  return { store, plan };
}

const TEST = { championLambdaVersion: '3', challengerLambdaVersion: '4', percent: 10, windowHours: 24, margin: 0.01 } as const;
const stageOf = async (store: ReturnType<typeof memoryRegistryStore>, v: number) => (await store.get<StageRecord>(versionKey(NAME, v, 'stage.json')))!;
const events = (store: ReturnType<typeof memoryRegistryStore>): DeploymentEvent[] =>
  [...store.objects.entries()].filter(([k]) => k.startsWith(`registry/${NAME}/deployments/`)).sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => JSON.parse(v) as DeploymentEvent);

describe('startAbTest', () => {
  test('writes the record, keeps the challenger candidate with a history entry, appends to the deploy history', async () => {
    // Prepare
    const { store, plan } = await registryWithChampion();

    // Act
    const record = await startAbTest(store, plan, TEST, STARTED);

    // Assess
    expect(record).toEqual({
      status: 'running',
      modelName: NAME,
      champion: { version: 1, lambdaVersion: '3' },
      challenger: { version: 2, lambdaVersion: '4' },
      percent: 10,
      startedAt: '2026-03-01T00:00:00.000Z',
      endsAt: '2026-03-02T00:00:00.000Z',
      margin: 0.01,
      minRequests: 100,
      plan,
    });
    expect(await store.get(abTestKey(NAME))).toEqual(record);
    expect(await runningAbTest(store, NAME)).toEqual(record);
    const stage = await stageOf(store, 2);
    expect(stage.stage).toBe('candidate');
    expect(stage.history.at(-1)).toEqual({ stage: 'candidate', at: '2026-03-01T00:00:00.000Z', by: 'run run-2', reason: 'A/B test: 10% for 24 h against v1 (gate passed)' });
    expect((await getChampion(store, NAME))?.version).toBe(1);
    expect(events(store).at(-1)).toMatchObject({ event: 'ab-test-started', version: 2, previousVersion: 1, strategy: 'abTest', by: 'run run-2', evidence: { percent: 10, windowHours: 24 } });
  });

  test('refuses while a test runs, naming it', async () => {
    const { store, plan } = await registryWithChampion();
    await startAbTest(store, plan, TEST, STARTED);
    await expect(startAbTest(store, plan, TEST, STARTED)).rejects.toThrow(
      new AbTestStateError(
        "cannot start an A/B test of 'flights': v2 is being A/B tested against v1 until 2026-03-02T00:00:00.000Z (registry/flights/ab-test.json); wait for its decision, or deploy with another strategy",
      ),
    );
  });

  test('refuses without a champion, or when the champion moved since the plan', async () => {
    const { store, plan } = await registryWithChampion();
    const { previousVersion: _, ...noChampion } = plan;
    await expect(startAbTest(store, noChampion, TEST, STARTED)).rejects.toThrow(/cannot A\/B test v2 of 'flights': there is no champion to compare it with/);
    await expect(startAbTest(store, { ...plan, previousVersion: 7 }, TEST, STARTED)).rejects.toThrow(/against v7: the champion is now v1/);
  });
});

describe('abandonAbTest', () => {
  test('closes a test whose alias was never routed: the next one may start, the challenger stays candidate', async () => {
    const { store, plan } = await registryWithChampion();
    const record = await startAbTest(store, plan, TEST, STARTED);

    const closed = await abandonAbTest(store, record, 'the alias moved', new Date('2026-03-01T00:01:00.000Z'));

    expect(closed).toEqual({ ...record, status: 'abandoned', decidedAt: '2026-03-01T00:01:00.000Z' });
    expect(await runningAbTest(store, NAME)).toBeUndefined();
    expect((await stageOf(store, 2)).history.at(-1)).toMatchObject({ stage: 'candidate', reason: 'A/B test not started: the alias moved' });
    await expect(startAbTest(store, plan, TEST, STARTED)).resolves.toMatchObject({ status: 'running' });
  });
});

describe('recordAbTestDecision', () => {
  const decidedAt = new Date('2026-03-02T00:15:00.000Z');
  const measured = evidence({ serverErrorRate: 0 });

  test('promote: the challenger becomes the champion (the old one archived), the decision is filed with its evidence', async () => {
    // Prepare
    const { store, plan } = await registryWithChampion();
    const record = await startAbTest(store, plan, TEST, STARTED);

    // Act
    const out = await recordAbTestDecision(store, record, { decision: 'promote', reasons: ['better'], evidence: measured }, decidedAt);

    // Assess
    expect(out.decisionKey).toBe('registry/flights/ab-tests/2026-03-01T00-00-00-000Z-v2.json');
    expect(abTestDecisionKey(record)).toBe(out.decisionKey);
    expect(await store.get<AbTestDecisionDocument>(out.decisionKey)).toEqual({ record, decision: 'promote', reasons: ['better'], evidence: measured, decidedAt: '2026-03-02T00:15:00.000Z', by: 'ab-decision' });
    expect((await getChampion(store, NAME))?.version).toBe(2);
    expect((await stageOf(store, 2)).history.at(-1)).toMatchObject({ stage: 'champion', by: 'ab-decision', reason: 'A/B test won against v1: better' });
    expect((await stageOf(store, 1)).stage).toBe('archived');
    expect(events(store).at(-1)).toMatchObject({ event: 'deployed', version: 2, previousVersion: 1, strategy: 'abTest', by: 'ab-decision', evidence: { abTest: out.decisionKey, reasons: ['better'] } });
    expect(await store.get<AbTestRecord>(abTestKey(NAME))).toEqual({ ...record, status: 'promoted', decidedAt: '2026-03-02T00:15:00.000Z', decisionKey: out.decisionKey });
    expect(await runningAbTest(store, NAME)).toBeUndefined();
  });

  test('rollback: the challenger is archived, the champion stays; a decided record is not decided twice', async () => {
    const { store, plan } = await registryWithChampion();
    const record = await startAbTest(store, plan, TEST, STARTED);

    const out = await recordAbTestDecision(store, record, { decision: 'rollback', reasons: ['worse'], evidence: measured }, decidedAt);

    expect((await getChampion(store, NAME))?.version).toBe(1);
    expect((await stageOf(store, 2)).history.at(-1)).toMatchObject({ stage: 'archived', by: 'ab-decision', reason: 'A/B test lost against v1: worse' });
    expect(events(store).at(-1)).toMatchObject({ event: 'rolled-back', version: 2, by: 'ab-decision' });
    expect(out.record.status).toBe('rolled-back');
    await expect(recordAbTestDecision(store, out.record, { decision: 'rollback', reasons: [], evidence: measured })).rejects.toThrow(/already decided \(rolled-back\)/);
  });
});

/**
 * Continuous training's guardrails: only an ALARM transition starts a retrain, never while a run executes,
 * never within the cooldown of the last start, never beyond the weekly cap — each skip naming its rule.
 */
import { decideRetrain, retrainRecordKey, type RetrainRecord, type RetrainSituation } from '../../../lambda/core/retrain/retrain-decision';

const NOW = new Date('2026-11-27T12:00:00Z');
const started = (at: string): RetrainRecord => ({ at, decision: 'started', rule: 'started', reason: 'alarm', alarm: 'flights-prod-dataset-drift', runId: `retrain-${at}` });
const skipped = (at: string): RetrainRecord => ({ at, decision: 'skipped', rule: 'cooldown', reason: 'cooldown', alarm: 'flights-prod-dataset-drift' });

function situation(changes: Partial<RetrainSituation> = {}): RetrainSituation {
  return { now: NOW, alarm: { name: 'flights-prod-dataset-drift', state: 'ALARM' }, running: [], history: [], policy: { cooldownHours: 24, maxPerWeek: 3 }, ...changes };
}

test('an ALARM with no run executing and no recent retrain starts one', () => {
  expect(decideRetrain(situation())).toEqual({ start: true, reason: 'alarm flights-prod-dataset-drift went to ALARM' });
});

test('an OK or INSUFFICIENT_DATA transition starts nothing', () => {
  for (const state of ['OK', 'INSUFFICIENT_DATA']) expect(decideRetrain(situation({ alarm: { name: 'a', state } }))).toMatchObject({ start: false, rule: 'not-alarm', reason: `alarm a went to ${state}, not ALARM` });
});

test('a training run executing skips it, naming the run', () => {
  expect(decideRetrain(situation({ running: ['run-flights-upload-1', 'run-2'] }))).toEqual({ start: false, rule: 'running', reason: 'a training run is executing (run-flights-upload-1 and 1 more)' });
});

test('cooldown: a start 23 h ago skips (saying when the next is possible); 24 h ago does not', () => {
  expect(decideRetrain(situation({ history: [started('2026-11-26T13:00:00.000Z')] }))).toEqual({
    start: false,
    rule: 'cooldown',
    reason: 'the last retrain started 2026-11-26T13:00:00.000Z, within the 24 h cooldown (next possible 2026-11-27T13:00:00.000Z)',
  });
  expect(decideRetrain(situation({ history: [started('2026-11-26T12:00:00.000Z')] })).start).toBe(true);
  // Skips are not starts: they do not extend the cooldown.
  expect(decideRetrain(situation({ history: [skipped('2026-11-27T11:00:00.000Z'), started('2026-11-25T12:00:00.000Z')] })).start).toBe(true);
});

test('weekly cap: three starts in the last 7 days skip the fourth; one falling out of the week frees a slot', () => {
  const history = [started('2026-11-21T12:00:01.000Z'), started('2026-11-23T12:00:00.000Z'), started('2026-11-25T12:00:00.000Z')];
  expect(decideRetrain(situation({ history }))).toEqual({ start: false, rule: 'weekly-cap', reason: '3 retrains started in the last 7 days, the cap is 3 (next possible 2026-11-28T12:00:01.000Z)' });
  expect(decideRetrain(situation({ history, now: new Date('2026-11-28T12:00:02Z') })).start).toBe(true);
  expect(decideRetrain(situation({ history, policy: { cooldownHours: 24, maxPerWeek: 4 } })).start).toBe(true);
});

test('a cooldown of 0 allows back-to-back starts up to the cap', () => {
  const policy = { cooldownHours: 0, maxPerWeek: 2 };
  expect(decideRetrain(situation({ policy, history: [started('2026-11-27T11:59:00.000Z')] })).start).toBe(true);
  expect(decideRetrain(situation({ policy, history: [started('2026-11-27T11:59:00.000Z'), started('2026-11-27T11:00:00.000Z')] }))).toMatchObject({ start: false, rule: 'weekly-cap' });
});

test('decisions are recorded time-ordered under monitoring/<name>/retrain/; two alarms deciding in the same millisecond get two keys', () => {
  const at = '2026-11-27T12:00:00.000Z';
  const origin = retrainRecordKey('flights', { at, decision: 'skipped', alarm: 'flights-prod-drift-origin' });
  expect(origin).toMatch(/^monitoring\/flights\/retrain\/2026-11-27T12-00-00-000Z-skipped-[0-9a-f]{8}\.json$/);
  expect(retrainRecordKey('flights', { at, decision: 'skipped', alarm: 'flights-prod-drift-distance' })).not.toBe(origin);
});

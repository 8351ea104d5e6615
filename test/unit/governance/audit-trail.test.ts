/**
 * The audit trail's pure parts: one object per event under a key no other event takes, in time order
 * within a day, one JSON line each; unknown kinds and bad times refused; lines read back.
 */
import { appendAudit, auditKey, parseAuditLines, validationDecision, type AuditEvent, type AuditSink } from '../../../lambda/core/governance/audit-trail';

const EVENT: AuditEvent = {
  at: '2026-11-27T19:04:05.678Z',
  kind: 'gate',
  decision: 'deploy',
  subject: { model: 'flights', runId: 'run-1' },
  reason: 'rmse 30.1 beats the champion 31.0 by 2.9% (needed 1%)',
  evidence: { metric: 'rmse', value: 30.1, champion: 31.0, minImprovement: 0.01 },
  by: 'stage:evaluate',
  environment: 'prod',
};

function memorySink(): AuditSink & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    objects,
    async putNew(key, body) {
      if (objects.has(key)) throw new Error(`PreconditionFailed: ${key} exists`);
      objects.set(key, body);
    },
  };
}

test('an event is one object: audit/<day>/<time>-<kind>-<hash>.jsonl holding one JSON line', async () => {
  const sink = memorySink();
  const key = await appendAudit(sink, EVENT);
  expect(key).toMatch(/^audit\/2026-11-27\/2026-11-27T19-04-05-678Z-gate-[0-9a-f]{12}\.jsonl$/);
  expect(sink.objects.get(key)).toBe(`${JSON.stringify(EVENT)}\n`);
  expect(parseAuditLines(sink.objects.get(key)!)).toEqual([EVENT]);
});

test('two events at the same millisecond get different keys; the same event twice is refused by the sink, not overwritten', async () => {
  const sink = memorySink();
  const a = await appendAudit(sink, EVENT);
  const b = await appendAudit(sink, { ...EVENT, decision: 'reject' });
  expect(a).not.toBe(b);
  await expect(appendAudit(sink, EVENT)).rejects.toThrow(/PreconditionFailed/);
  expect(sink.objects.size).toBe(2);
});

test('keys sort in time order within a day', () => {
  const keys = ['2026-11-27T23:59:59.999Z', '2026-11-27T00:00:00.000Z', '2026-11-27T09:30:00.000Z'].map((at) => auditKey({ ...EVENT, at }));
  expect([...keys].sort().map((k) => k.slice(17, 41))).toEqual(['2026-11-27T00-00-00-000Z', '2026-11-27T09-30-00-000Z', '2026-11-27T23-59-59-999Z']);
});

test('an unknown kind or a time that is not an instant is refused', async () => {
  await expect(appendAudit(memorySink(), { ...EVENT, kind: 'whim' as never })).rejects.toThrow(/unknown audit kind "whim"/);
  expect(() => auditKey({ ...EVENT, at: 'yesterday' })).toThrow(/"yesterday" is not an ISO 8601 instant/);
});

test('concatenated lines read back in order; a bad line is named', () => {
  const text = `${JSON.stringify(EVENT)}\n\n${JSON.stringify({ ...EVENT, kind: 'drift' })}\n`;
  expect(parseAuditLines(text).map((e) => e.kind)).toEqual(['gate', 'drift']);
  expect(() => parseAuditLines(`${JSON.stringify(EVENT)}\n{oops\n`)).toThrow(/audit line 2 is not JSON/);
});

test('a validation verdict as an audit decision: accepted with its rows, rejected with the failure kinds, the report as evidence', () => {
  expect(validationDecision('flights', 'run-1', 'incoming/a.csv', { verdict: 'valid', reportKey: 'runs/run-1/validate/report.json', rowCount: 20_000, failures: [] })).toEqual({
    kind: 'validation',
    decision: 'accepted',
    subject: { model: 'flights', runId: 'run-1', dataKey: 'incoming/a.csv' },
    reason: '20000 rows met the dataset schema',
    evidence: { reportKey: 'runs/run-1/validate/report.json', rowCount: 20_000 },
    by: 'stage:validate',
  });
  expect(validationDecision('flights', 'run-2', 'incoming/parts/', { verdict: 'invalid', reportKey: 'r.json', rowCount: 5, failures: [{ kind: 'missing_columns' }, { kind: 'expectations_failed' }] })).toMatchObject({
    decision: 'rejected',
    reason: 'the data failed validation: missing_columns, expectations_failed',
  });
});

/**
 * `mlops models approve|reject` at the governance level: the decision goes to the audit trail (who, why,
 * the stage change) before anything acts on it; a command that changes nothing records nothing. The
 * recorder here is a function collecting events (the S3 sink is tested with the audit trail's core).
 */
import { modelStageCommand } from '../../../cli/commands/models';
import type { AuditDecision } from '../../../lambda/aws/audit-recorder';
import { memoryRegistryStore, registerVersion } from '../../../lambda/core/registry/registry';
import { captureOutput } from '../../helpers/output';

describe('approvals in the audit trail (governance level)', () => {
  test('approve and reject record who decided, why, and the stage change, before acting', async () => {
    const store = memoryRegistryStore();
    await registerVersion(store, 'flights', { model: {}, transformSpec: {}, metrics: {}, importance: [], profile: null }, { runId: 'run-1' });
    await registerVersion(store, 'flights', { model: {}, transformSpec: {}, metrics: {}, importance: [], profile: null }, { runId: 'run-2' });
    const registry = { store, name: 'flights', location: 's3://artifacts/registry/flights/' };
    const recorded: AuditDecision[] = [];
    const audit = async (d: AuditDecision): Promise<string> => {
      recorded.push(d);
      return 'audit/key';
    };
    expect(await modelStageCommand(registry, 1, 'approve', { by: 'alice', reason: 'report reviewed' }, captureOutput(), undefined, audit)).toBe(0);
    expect(await modelStageCommand(registry, 2, 'reject', { by: 'bob', reason: 'leaks the target' }, captureOutput(), undefined, audit)).toBe(0);
    // Nothing changes, nothing is recorded.
    expect(await modelStageCommand(registry, 1, 'approve', { by: 'alice' }, captureOutput(), undefined, audit)).toBe(0);
    expect(recorded).toEqual([
      { kind: 'approval', decision: 'approved', subject: { model: 'flights', version: 1 }, reason: 'report reviewed', evidence: { from: 'candidate', to: 'approved' }, by: 'alice' },
      { kind: 'approval', decision: 'rejected', subject: { model: 'flights', version: 2 }, reason: 'leaks the target', evidence: { from: 'candidate', to: 'archived' }, by: 'bob' },
    ]);
  });
});

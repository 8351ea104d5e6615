/**
 * Reading a run's documents for its report through the stores the stages use (in memory here; S3 in
 * the CLI test): keys from the run record, absent documents as undefined, unreadable ones as problems.
 */
import { memoryRegistryStore, versionKey } from '../../../lambda/core/registry/registry';
import { readRunDocuments, RunNotFoundError } from '../../../lambda/core/report/run-documents';
import { runRecordKey, stageSucceeded } from '../../../lambda/core/runs/run-record';
import { memoryArtifactStore } from '../../../lambda/core/stages/artifact-store';
import { at, crashedRun, evaluation, manifest, registeredRun, validationReport } from '../../helpers/report-fixtures';

function stores() {
  return { artifacts: memoryArtifactStore(), registry: memoryRegistryStore() };
}

describe('readRunDocuments', () => {
  test('a registered run: record, validation report and profile, evaluation, and the manifest of its version', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey('run-ok'), registeredRun());
    await s.artifacts.putJson('runs/run-ok/validate/report.json', validationReport());
    await s.artifacts.putJson('runs/run-ok/validate/profile.json', { rowCount: 20_000, columns: {} });
    await s.artifacts.putJson('runs/run-ok/evaluate/evaluation.json', evaluation());
    await s.registry.put(versionKey('flights', 2, 'manifest.json'), manifest());

    // Act
    const docs = await readRunDocuments(s, 'run-ok');

    // Assess
    expect(docs).toEqual({
      run: registeredRun(),
      validation: validationReport(),
      profile: { rowCount: 20_000, columns: {} },
      evaluation: evaluation(),
      manifest: manifest(),
    });
  });

  test('keys a stage recorded in the run record win over the default layout', async () => {
    // Prepare
    const s = stores();
    const run = stageSucceeded(crashedRun('run-k'), 'evaluate', at(9), { outputs: { evaluationKey: 'runs/run-k/evaluate/elsewhere.json' } });
    await s.artifacts.putJson(runRecordKey('run-k'), run);
    await s.artifacts.putJson('runs/run-k/evaluate/elsewhere.json', evaluation());

    // Act
    const docs = await readRunDocuments(s, 'run-k');

    // Assess
    expect(docs.evaluation).toEqual(evaluation());
  });

  test('a run that failed early has only what it wrote; nothing else is an error', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey('run-crashed'), crashedRun());

    // Act
    const docs = await readRunDocuments(s, 'run-crashed');

    // Assess
    expect(docs).toEqual({ run: crashedRun() });
  });

  test('a document that is not JSON, or a manifest of another run, is a problem, not a crash', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey('run-ok'), registeredRun());
    await s.artifacts.putBytes('runs/run-ok/evaluate/evaluation.json', new TextEncoder().encode('{"metrics": '));
    await s.registry.put(versionKey('flights', 2, 'manifest.json'), manifest('run-other'));

    // Act
    const docs = await readRunDocuments(s, 'run-ok');

    // Assess
    expect(docs.evaluation).toBeUndefined();
    expect(docs.problems).toEqual([
      expect.stringMatching(/^runs\/run-ok\/evaluate\/evaluation\.json exists but is not valid JSON \(.+\)$/),
      'registry/flights/2/manifest.json names run run-other, not run-ok',
    ]);
  });

  test('a run without a record is RunNotFoundError naming the run and the key', async () => {
    // Act
    const read = readRunDocuments(stores(), 'run-nope');

    // Assess
    await expect(read).rejects.toThrow(RunNotFoundError);
    await expect(read).rejects.toThrow('run run-nope has no record (runs/run-nope/run.json does not exist)');
  });

  test('a storage failure other than "not found" is not hidden', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey('run-ok'), registeredRun());
    const failing = { ...s, registry: { ...s.registry, get: async () => Promise.reject(new Error('AccessDenied')) } };

    // Act
    const read = readRunDocuments(failing, 'run-ok');

    // Assess
    await expect(read).rejects.toThrow('AccessDenied');
  });
});

/**
 * The training pipeline's stages chained in process on real flights rows, with in-memory stores: validate
 * → features → train → evaluate → register, then a second run judged against the first as champion.
 * (The synthesized state machine runs these same functions through their handlers in a later test.)
 */
import { loadConfig } from '../../../config/load';
import type { PlatformConfig } from '../../../config/schema';
import { memoryRegistryStore, getChampion, versionKey, type VersionManifest } from '../../../lambda/core/registry/registry';
import { memoryArtifactStore, ArtifactNotFoundError, type ArtifactStore } from '../../../lambda/core/stages/artifact-store';
import { runEvaluateStage, type Evaluation } from '../../../lambda/core/stages/evaluate-stage';
import { InsufficientDataError, runFeaturesStage } from '../../../lambda/core/stages/features-stage';
import { runRegisterStage } from '../../../lambda/core/stages/register-stage';
import { runTrainStage } from '../../../lambda/core/stages/train-stage';
import { memorySource } from '../../../lambda/core/validation/local-source';
import { runValidationStage } from '../../../lambda/core/validation/stage';
import type { RegistryStore } from '../../../lambda/core/registry/registry';
import { flights, flightsCsv } from '../../helpers/flights';

const base = loadConfig({ env: 'dev' });

function config(overrides: Partial<PlatformConfig>): PlatformConfig {
  return {
    ...base,
    dataset: { ...base.dataset, rowCount: { min: 100 } },
    model: { ...base.model, algorithm: 'linear', params: { ...base.model.params, l2: 1 } },
    features: { origin: { transform: 'native', topK: 30 }, destination: { transform: 'native', topK: 30 }, distance: 'standardize', date: ['hour', 'dayOfWeek'] },
    ...overrides,
  };
}

async function runPipeline(runId: string, cfg: PlatformConfig, csv: string, store: ArtifactStore, registry: RegistryStore) {
  const key = 'incoming/flights.csv';
  const source = () => memorySource(key, csv, 64 * 1024);
  const validation = await runValidationStage({
    runId,
    source: source(),
    dataset: cfg.dataset,
    store: { putArtifactJson: (k, v) => store.putJson(k, v), putDataJson: async () => undefined, copySourceTo: async () => undefined },
  });
  if (validation.verdict !== 'valid') return { validation };
  const features = await runFeaturesStage({ runId, source: source(), config: cfg, store });
  const train = await runTrainStage({ runId, trainKey: features.trainKey, model: cfg.model, task: cfg.dataset.task, store });
  const evaluation = await runEvaluateStage({
    runId,
    modelName: cfg.name,
    candidate: { modelKey: train.modelKey },
    trainKey: features.trainKey,
    testKey: features.testKey,
    splitKey: features.splitKey,
    source: source(),
    config: cfg,
    store,
    registry,
  });
  if (evaluation.decision === 'reject') return { validation, features, train, evaluation };
  const register = await runRegisterStage({
    runId,
    config: cfg,
    candidate: { modelKey: train.modelKey },
    specKey: features.specKey,
    evaluationKey: evaluation.evaluationKey,
    profileKey: validation.profileKey!,
    data: { bucket: 'data', key, sha256: features.sha256, validationReportKey: validation.reportKey, rows: features.rows, ...(features.cutoff ? { cutoff: features.cutoff } : {}) },
    promote: true,
    codeVersion: 'test',
    store,
    registry,
  });
  return { validation, features, train, evaluation, register };
}

describe('the pipeline stages on real flights rows', () => {
  const csv = flightsCsv(flights(20_000));

  test('a first run registers v1 as champion, with lineage; a second identical run is rejected against it', async () => {
    // Prepare
    const store = memoryArtifactStore();
    const registry = memoryRegistryStore();
    const cfg = config({ gate: { metric: 'rmse', minImprovement: 0.01, mustBeatBaseline: true } });

    // Act
    const first = await runPipeline('run-1', cfg, csv, store, registry);
    const second = await runPipeline('run-2', cfg, csv, store, registry);

    // Assess
    expect(first.features?.rows.train).toBeGreaterThan(14_000);
    expect(first.evaluation?.decision).toBe('deploy');
    expect(first.register).toEqual({ modelName: 'flights', version: 1, stage: 'champion' });
    expect(await getChampion(registry, 'flights')).toMatchObject({ version: 1 });
    const manifest = await registry.get<VersionManifest>(versionKey('flights', 1, 'manifest.json'));
    expect(manifest).toMatchObject({
      runId: 'run-1',
      algorithm: 'linear',
      data: { key: 'incoming/flights.csv', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), validationReportKey: 'runs/run-1/validate/report.json' },
      configHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const evaluation = await store.getJson<Evaluation>(second.evaluation!.evaluationKey);
    expect(second.evaluation?.decision).toBe('reject');
    expect(evaluation.champion?.version).toBe(1);
    expect(evaluation.champion?.metrics.rmse).toBeCloseTo(evaluation.metrics.rmse!, 9);
    expect(evaluation.gate.reasons[0]).toMatch(/vs champion v1 .*0\.00% (better|worse) \(gate needs ≥ 1\.00%\)/);
    expect(second.register).toBeUndefined();
  });

  test('the candidate beats the naive baseline once the hour of departure is a feature', async () => {
    // Prepare
    const store = memoryArtifactStore();
    const registry = memoryRegistryStore();

    // Act
    const run = await runPipeline('run-h', config({}), csv, store, registry);
    const evaluation = await store.getJson<Evaluation>(run.evaluation!.evaluationKey);

    // Assess
    expect(evaluation.metrics.rmse).toBeLessThan(evaluation.baseline.rmse!);
    expect(evaluation.importance.permutation.map((p) => p.feature)).toEqual(['origin', 'destination', 'distance', 'date.hour', 'date.dayOfWeek']);
    const hour = evaluation.importance.permutation.find((p) => p.feature === 'date.hour')!;
    expect(hour.importance).toBeGreaterThan(0);
  });

  test('a binary task with a derived label: late = delay > 15, gated on AUC', async () => {
    // Prepare
    const store = memoryArtifactStore();
    const registry = memoryRegistryStore();
    const staging = loadConfig({ env: 'staging' });
    const cfg = config({ dataset: { ...staging.dataset, rowCount: { min: 100 } }, gate: staging.gate });

    // Act
    const run = await runPipeline('run-b', cfg, csv, store, registry);
    const evaluation = await store.getJson<Evaluation>(run.evaluation!.evaluationKey);

    // Assess
    expect(evaluation.baseline.auc).toBe(0.5);
    expect(evaluation.metrics.auc).toBeGreaterThan(0.6);
    expect(run.register?.version).toBe(1);
  });

  test('a split that leaves no test rows is an InsufficientDataError naming the setting', async () => {
    // Prepare
    const cfg = config({ dataset: { ...base.dataset, split: { by: 'time', column: 'date', cutoff: '2030-01-01', testFraction: 0.2 } } });

    // Act
    const features = runFeaturesStage({ runId: 'r', source: memorySource('incoming/f.csv', csv), config: cfg, store: memoryArtifactStore() });

    // Assess
    await expect(features).rejects.toThrow(InsufficientDataError);
    await expect(features).rejects.toThrow(/0 test rows .*check dataset\.split \(cutoff 2030-01-01T00:00:00\.000Z\)/);
  });

  test('a stage reading an artifact that was never written fails with ArtifactNotFoundError naming the key', async () => {
    // Act
    const train = runTrainStage({ runId: 'r', trainKey: 'runs/r/features/train.bin', model: base.model, task: 'regression', store: memoryArtifactStore() });

    // Assess
    await expect(train).rejects.toThrow(ArtifactNotFoundError);
    await expect(train).rejects.toThrow('artifact runs/r/features/train.bin does not exist');
  });
});

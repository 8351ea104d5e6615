/**
 * The registry's versioning: monotonic, immutable, and never the same number twice — even when many
 * registrations race. The in-memory store's `putIfAbsent` is atomic, as S3's conditional write
 * (`If-None-Match: *`) is.
 */
import {
  claimVersion,
  getChampion,
  listVersions,
  memoryRegistryStore,
  registerVersion,
  setStage,
  versionKey,
  RegistryConflictError,
  type RegistryStore,
  type StageRecord,
} from '../../../lambda/core/registry/registry';

const artifacts = { model: { m: 1 }, transformSpec: { t: 1 }, metrics: { rmse: 30 }, importance: [], profile: {} };

describe('claimVersion', () => {
  test('20 concurrent registrations get 20 distinct consecutive versions', async () => {
    // Prepare
    const store = memoryRegistryStore();

    // Act
    const versions = await Promise.all(Array.from({ length: 20 }, (_, i) => claimVersion(store, 'flights', { runId: `run-${i}`, at: 't' })));

    // Assess
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test('numbers continue after the highest existing version, never reusing a gap', async () => {
    // Prepare
    const store = memoryRegistryStore();
    await store.put(versionKey('flights', 1, 'claim.json'), {});
    await store.put(versionKey('flights', 7, 'claim.json'), {});
    await store.put('registry/flights/not-a-version/x.json', {});

    // Act
    const next = await claimVersion(store, 'flights', { runId: 'r', at: 't' });

    // Assess
    expect(next).toBe(8);
    expect(await listVersions(store, 'flights')).toEqual([1, 7, 8]);
  });

  test('a store that never lets a claim through ends in a RegistryConflictError', async () => {
    // Prepare
    const store: RegistryStore = { ...memoryRegistryStore(), putIfAbsent: async () => false };

    // Act
    const claim = claimVersion(store, 'flights', { runId: 'r', at: 't' });

    // Assess
    await expect(claim).rejects.toThrow(RegistryConflictError);
    await expect(claim).rejects.toThrow(/after 50 attempts from v1/);
  });
});

describe('registerVersion and stages', () => {
  test('a registration writes every artifact, the manifest last, and starts as candidate', async () => {
    // Prepare
    const store = memoryRegistryStore();
    const order: string[] = [];
    const tracking: RegistryStore = { ...store, put: async (k, v) => (order.push(k), store.put(k, v)) };

    // Act
    const version = await registerVersion(tracking, 'flights', artifacts, { runId: 'run-1', registeredAt: '2026-11-27T00:00:00Z', data: { key: 'incoming/a.csv' } });

    // Assess
    expect(version).toBe(1);
    expect(order.slice(0, 6)).toEqual(
      ['model', 'transform-spec', 'metrics', 'importance', 'profile', 'manifest'].map((f) => `registry/flights/1/${f}.json`),
    );
    expect(await store.get(versionKey('flights', 1, 'manifest.json'))).toMatchObject({ name: 'flights', version: 1, runId: 'run-1', data: { key: 'incoming/a.csv' } });
    expect(await store.get<StageRecord>(versionKey('flights', 1, 'stage.json'))).toMatchObject({ stage: 'candidate', history: [{ stage: 'candidate', by: 'run run-1' }] });
  });

  test('promoting a new champion archives the previous one and moves the pointer', async () => {
    // Prepare
    const store = memoryRegistryStore();
    await registerVersion(store, 'flights', artifacts, { runId: 'a' });
    await registerVersion(store, 'flights', artifacts, { runId: 'b' });
    await setStage(store, 'flights', 1, 'champion', { by: 'gate', reason: 'first model' });

    // Act
    await setStage(store, 'flights', 2, 'champion', { by: 'gate', reason: 'rmse 1.2% better' });

    // Assess
    expect(await getChampion(store, 'flights')).toMatchObject({ version: 2, previous: 1 });
    const v1 = await store.get<StageRecord>(versionKey('flights', 1, 'stage.json'));
    expect(v1?.stage).toBe('archived');
    expect(v1?.history.map((h) => h.stage)).toEqual(['candidate', 'champion', 'archived']);
    expect(v1?.history.at(-1)?.reason).toBe('replaced by v2');
  });
});

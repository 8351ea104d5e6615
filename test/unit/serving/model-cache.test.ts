/**
 * The model cache over a registry written with the registry core: one load per container, the champion
 * re-read at most every TTL, a pinned version never re-read, and the clear errors of an empty registry,
 * a missing pinned version and a SageMaker model.
 */
import { memoryRegistryStore, setStage, versionKey, type RegistryStore } from '../../../lambda/core/registry/registry';
import { InvalidModelError, NoModelError, UnsupportedModelError } from '../../../lambda/core/serving/errors';
import { ModelCache } from '../../../lambda/core/serving/model-cache';
import { registerFixture, trainFixture } from './fixtures';

/** A registry that counts its reads. */
function counting(store: RegistryStore): RegistryStore & { reads: string[] } {
  const reads: string[] = [];
  return {
    ...store,
    reads,
    get: <T,>(key: string) => {
      reads.push(key);
      return store.get<T>(key);
    },
  };
}

async function registryWith(versions: number): Promise<ReturnType<typeof counting>> {
  const store = memoryRegistryStore();
  const run = await trainFixture();
  for (let i = 0; i < versions; i++) await registerFixture(store, run, { champion: i === 0 });
  return counting(store);
}

const dataset = { columns: {}, unknownColumns: 'fail' as const };

describe('the champion', () => {
  test('is loaded once: many requests within the TTL read the registry once (pointer, model, spec)', async () => {
    // Prepare
    const registry = await registryWith(1);
    const cache = new ModelCache(registry, { name: 'flights', dataset, championTtlMs: 60_000 });

    // Act
    const served = [];
    for (let t = 0; t < 50; t++) served.push(await cache.get(1000 + t * 100));

    // Assess
    expect(new Set(served).size).toBe(1);
    expect(served[0]!.version).toBe(1);
    expect(registry.reads.sort()).toEqual(['registry/flights/1/model.json', 'registry/flights/1/transform-spec.json', 'registry/flights/champion.json']);
  });

  test('concurrent first requests share one load', async () => {
    // Prepare
    const registry = await registryWith(1);
    const cache = new ModelCache(registry, { name: 'flights', dataset });

    // Act
    const served = await Promise.all(Array.from({ length: 10 }, () => cache.get(0)));

    // Assess
    expect(new Set(served).size).toBe(1);
    expect(registry.reads).toHaveLength(3);
  });

  test('a promotion is picked up after the TTL, with one pointer read per TTL and one load of the new version', async () => {
    // Prepare
    const registry = await registryWith(2);
    const cache = new ModelCache(registry, { name: 'flights', dataset, championTtlMs: 1000 });
    await cache.get(0);
    await setStage(registry, 'flights', 2, 'champion', { by: 'test', reason: 'better' });
    registry.reads.length = 0;

    // Act
    const before = await cache.get(999);
    const after = await cache.get(1000);
    const later = await cache.get(1500);

    // Assess
    expect(before.version).toBe(1);
    expect(after.version).toBe(2);
    expect(later).toBe(after);
    expect(registry.reads.sort()).toEqual(['registry/flights/2/model.json', 'registry/flights/2/transform-spec.json', 'registry/flights/champion.json']);
  });

  test('no champion is a NoModelError, and the next request looks again', async () => {
    // Prepare
    const registry = await registryWith(0);
    const cache = new ModelCache(registry, { name: 'flights', dataset });

    // Act
    const first = cache.get(0);

    // Assess
    await expect(first).rejects.toThrow(NoModelError);
    await expect(cache.get(1)).rejects.toThrow(/no model to serve yet: 'flights' has no champion in the registry/);
    expect(registry.reads).toEqual(['registry/flights/champion.json', 'registry/flights/champion.json']);
  });

  test('a failed re-read keeps the loaded model serving and reports the error', async () => {
    // Prepare
    const registry = await registryWith(1);
    const errors: unknown[] = [];
    let broken = false;
    const flaky: RegistryStore = { ...registry, get: <T,>(key: string) => (broken ? Promise.reject(new Error('S3 is down')) : registry.get<T>(key)) };
    const cache = new ModelCache(flaky, { name: 'flights', dataset, championTtlMs: 10, onRefreshError: (e) => errors.push(e) });
    const loaded = await cache.get(0);
    broken = true;

    // Act
    const served = await cache.get(100);

    // Assess
    expect(served).toBe(loaded);
    expect(errors).toEqual([new Error('S3 is down')]);
  });
});

describe('a pinned version', () => {
  test('is served whatever the champion, and never re-read', async () => {
    // Prepare
    const registry = await registryWith(2);
    const cache = new ModelCache(registry, { name: 'flights', dataset, pinnedVersion: 2, championTtlMs: 0 });

    // Act
    const served = [await cache.get(0), await cache.get(10_000_000)];

    // Assess
    expect(served.map((m) => m.version)).toEqual([2, 2]);
    expect(registry.reads.sort()).toEqual(['registry/flights/2/model.json', 'registry/flights/2/transform-spec.json']);
  });

  test('that is not registered is a NoModelError naming it', async () => {
    // Prepare
    const registry = await registryWith(1);
    const cache = new ModelCache(registry, { name: 'flights', dataset, pinnedVersion: 9 });

    // Act
    const act = cache.get(0);

    // Assess
    await expect(act).rejects.toThrow(NoModelError);
    await expect(cache.get(0)).rejects.toThrow("the pinned version (MODEL_VERSION=9), version 9 of 'flights', is not in the registry (no model.json under registry/flights/9/)");
  });
});

describe('artifacts the Lambda engine cannot serve', () => {
  test('a SageMaker model is an UnsupportedModelError; a broken one an InvalidModelError', async () => {
    // Prepare
    const registry = await registryWith(2);
    await registry.put(versionKey('flights', 1, 'model.json'), { algorithm: 'xgboost', engine: 'sagemaker', sagemakerModelName: 'flights-m1' });
    await registry.put(versionKey('flights', 2, 'model.json'), { algorithm: 'forest' });

    // Act
    const sagemaker = new ModelCache(registry, { name: 'flights', dataset }).get(0);
    const broken = new ModelCache(registry, { name: 'flights', dataset, pinnedVersion: 2 }).get(0);

    // Assess
    await expect(sagemaker).rejects.toThrow(UnsupportedModelError);
    await expect(broken).rejects.toThrow(InvalidModelError);
  });
});

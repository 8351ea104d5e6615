/**
 * The model registry, in the artifact bucket under `registry/<name>/<version>/`.
 *
 * Versions are immutable and monotonic, and two concurrent registrations never get the same number: a
 * version is claimed by creating its `claim.json` with a create-only write (S3 conditional write,
 * `If-None-Match: *`); the loser of a race gets "already exists" and tries the next number. Artifacts are
 * written after the claim and the manifest last, so a version with a manifest is complete. The mutable
 * part — the stage (candidate / approved / champion / archived) — lives in `stage.json` beside it, with
 * its history, and `registry/<name>/champion.json` points at the current champion.
 */
import { ARTIFACT_PREFIX } from '../layout';

/** Where the registry reads and writes; implemented over S3 (conditional writes) and in memory. */
export interface RegistryStore {
  /** Create `key` only if it does not exist; false when it already does. Must be atomic. */
  putIfAbsent(key: string, value: unknown): Promise<boolean>;
  /** Write (or overwrite) a JSON document. */
  put(key: string, value: unknown): Promise<void>;
  /** Read a JSON document, or undefined when absent. */
  get<T>(key: string): Promise<T | undefined>;
  /** The immediate "sub-folder" names under a prefix (S3 ListObjectsV2 with a delimiter). */
  listFolders(prefix: string): Promise<string[]>;
  /** Copy an object of the same bucket (a binary artifact such as a SageMaker `model.tar.gz`) to `key`. */
  copy(sourceKey: string, key: string): Promise<void>;
}

/** Lifecycle stages of a version. */
export type ModelStage = 'candidate' | 'approved' | 'champion' | 'archived';

/** The stage of a version and how it got there. */
export interface StageRecord {
  readonly stage: ModelStage;
  readonly history: ReadonlyArray<{ readonly stage: ModelStage; readonly at: string; readonly by: string; readonly reason: string }>;
}

/** The champion pointer. */
export interface ChampionPointer {
  readonly version: number;
  readonly since: string;
  readonly previous?: number;
}

/** A version could not be claimed (too many concurrent registrations in a row). */
export class RegistryConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryConflictError';
  }
}

/** Prefix of one model's registry. */
export function modelPrefix(name: string): string {
  return `${ARTIFACT_PREFIX.registry}${name}/`;
}

/** Key of a file of one version: `registry/<name>/<version>/<file>`. */
export function versionKey(name: string, version: number, file: string): string {
  return `${modelPrefix(name)}${version}/${file}`;
}

/** Registered version numbers of a model, ascending (folders that are not positive integers are ignored). */
export async function listVersions(store: RegistryStore, name: string): Promise<number[]> {
  const folders = await store.listFolders(modelPrefix(name));
  return folders
    .filter((f) => /^[1-9]\d*$/.test(f))
    .map(Number)
    .sort((a, b) => a - b);
}

/** How many numbers a registration tries before giving up. */
const MAX_CLAIM_ATTEMPTS = 50;

/**
 * Claim the next free version number: one past the highest listed, then upward while another
 * registration holds it. Returns the claimed number.
 */
export async function claimVersion(store: RegistryStore, name: string, claim: { readonly runId: string; readonly at: string }): Promise<number> {
  const versions = await listVersions(store, name);
  let candidate = (versions.at(-1) ?? 0) + 1;
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++, candidate++) {
    if (await store.putIfAbsent(versionKey(name, candidate, 'claim.json'), { version: candidate, ...claim })) return candidate;
  }
  throw new RegistryConflictError(`could not claim a version of '${name}' after ${MAX_CLAIM_ATTEMPTS} attempts from v${(versions.at(-1) ?? 0) + 1}`);
}

/** The artifacts one version holds (each written as `<file>.json`). */
export interface VersionArtifacts {
  readonly model: unknown;
  readonly transformSpec: unknown;
  readonly metrics: unknown;
  readonly importance: unknown;
  readonly profile: unknown;
  /** Binary files copied into the version: file name → key of the object in the same bucket. */
  readonly binaries?: Readonly<Record<string, string>>;
  /** JSON documents that need the version number (a model card): file name → document, made once it is claimed. */
  readonly derived?: (version: number, registeredAt: string) => Readonly<Record<string, unknown>>;
}

/** Lineage and facts of a registered version; written last, never changed. */
export interface VersionManifest {
  readonly name: string;
  readonly version: number;
  readonly registeredAt: string;
  readonly runId: string;
  readonly files: readonly string[];
  readonly [key: string]: unknown;
}

/**
 * Register a new version: claim a number, write the artifacts, then the manifest, then its stage
 * (`candidate`). Returns the version number.
 */
export async function registerVersion(
  store: RegistryStore,
  name: string,
  artifacts: VersionArtifacts,
  manifest: { readonly runId: string; readonly registeredAt?: string; readonly [key: string]: unknown },
): Promise<number> {
  const at = manifest.registeredAt ?? new Date().toISOString();
  const version = await claimVersion(store, name, { runId: manifest.runId, at });
  const files: string[] = [];
  for (const [file, value] of Object.entries({
    'model.json': artifacts.model,
    'transform-spec.json': artifacts.transformSpec,
    'metrics.json': artifacts.metrics,
    'importance.json': artifacts.importance,
    'profile.json': artifacts.profile,
  })) {
    await store.put(versionKey(name, version, file), value);
    files.push(file);
  }
  for (const [file, sourceKey] of Object.entries(artifacts.binaries ?? {})) {
    await store.copy(sourceKey, versionKey(name, version, file));
    files.push(file);
  }
  for (const [file, value] of Object.entries(artifacts.derived?.(version, at) ?? {})) {
    await store.put(versionKey(name, version, file), value);
    files.push(file);
  }
  await store.put(versionKey(name, version, 'manifest.json'), { ...manifest, name, version, registeredAt: at, files });
  await setStage(store, name, version, 'candidate', { by: `run ${manifest.runId}`, reason: 'registered', at });
  return version;
}

/** Move a version to a stage, appending to its history; `champion` also moves the champion pointer. */
export async function setStage(
  store: RegistryStore,
  name: string,
  version: number,
  stage: ModelStage,
  change: { readonly by: string; readonly reason: string; readonly at?: string },
): Promise<StageRecord> {
  const at = change.at ?? new Date().toISOString();
  const key = versionKey(name, version, 'stage.json');
  const current = await store.get<StageRecord>(key);
  const record: StageRecord = { stage, history: [...(current?.history ?? []), { stage, at, by: change.by, reason: change.reason }] };
  await store.put(key, record);
  if (stage === 'champion') {
    const previous = await getChampion(store, name);
    if (previous && previous.version !== version) {
      await setStage(store, name, previous.version, 'archived', { by: change.by, reason: `replaced by v${version}`, at });
    }
    await store.put(`${modelPrefix(name)}champion.json`, { version, since: at, ...(previous && previous.version !== version ? { previous: previous.version } : {}) });
  }
  return record;
}

/** The current champion, if any. */
export function getChampion(store: RegistryStore, name: string): Promise<ChampionPointer | undefined> {
  return store.get<ChampionPointer>(`${modelPrefix(name)}champion.json`);
}

/** A registry store in memory (tests, and the local platform's unit of atomicity). */
export function memoryRegistryStore(): RegistryStore & { readonly objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    objects,
    putIfAbsent: async (key, value) => {
      // Yield first, so concurrent claims really interleave in tests.
      await Promise.resolve();
      if (objects.has(key)) return false;
      objects.set(key, JSON.stringify(value));
      return true;
    },
    put: async (key, value) => {
      objects.set(key, JSON.stringify(value));
    },
    get: async <T,>(key: string) => {
      const text = objects.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as T);
    },
    copy: async (sourceKey, key) => {
      const value = objects.get(sourceKey);
      if (value === undefined) throw new Error(`cannot copy ${sourceKey}: it does not exist`);
      objects.set(key, value);
    },
    listFolders: async (prefix) => {
      const folders = new Set<string>();
      for (const key of objects.keys()) {
        if (!key.startsWith(prefix)) continue;
        const rest = key.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash > 0) folders.add(rest.slice(0, slash));
      }
      return [...folders];
    },
  };
}

/**
 * Part-file datasets: one dataset uploaded as a folder of part files under `incoming/`, completed by a
 * marker written last —
 *
 * - `_SUCCESS` (what Spark and Hadoop write): every data file directly under the folder is a part, in
 *   key order; files whose name starts with `_` or `.` (markers, `.crc` checksums, hidden files) are not;
 * - `_manifest.json` (`{"parts": ["part-0.csv", …]}`, keys relative to the folder): exactly the listed
 *   files are the parts, in the manifest's order.
 *
 * The rules that decide what an object under `incoming/` starts live here, free of AWS, so the trigger,
 * `mlops run` and the tests share them.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DATA_PREFIX } from '../layout';

/** The marker files that complete a part folder. */
export const PART_MARKERS = ['_SUCCESS', '_manifest.json'] as const;

/** The name of a marker file. */
export type PartMarker = (typeof PART_MARKERS)[number];

/**
 * Most parts one dataset may have. The part list travels in the Step Functions state (the Distributed
 * Map iterates over it), whose payload limit is 256 KB: 1,000 parts with keys of ~100 characters stay
 * well below it.
 */
export const MAX_PARTS = 1000;

/** One part of a dataset: its place in the dataset, its object key (pinned version) and size. */
export interface PartRef {
  /** 0-based position in the dataset's part order. */
  readonly index: number;
  readonly key: string;
  readonly versionId?: string;
  readonly bytes: number;
}

/** What an object created under `incoming/` starts. */
export type IncomingObjectKind =
  | { readonly kind: 'file' }
  | { readonly kind: 'parts'; readonly prefix: string; readonly marker: PartMarker }
  | { readonly kind: 'ignored'; readonly reason: string };

/** The last segment of a key. */
export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** The folder of a key, ending in `/` (empty for a key without one). */
export function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/** Whether a marker names a part folder's completion. */
export function isPartMarker(name: string): name is PartMarker {
  return (PART_MARKERS as readonly string[]).includes(name);
}

/** Whether a file name may be a data part: not hidden (`.`) and not metadata (`_`). */
export function isDataFileName(name: string): boolean {
  return name.length > 0 && !name.startsWith('_') && !name.startsWith('.');
}

/**
 * Decide what an object created at `key` starts:
 * - a marker (`_SUCCESS`, `_manifest.json`) inside a folder under `incoming/` → a run over the folder's parts;
 * - a `part-*` file, any `_`/`.` file, and anything inside a `_`/`.` folder (Spark's `_temporary/`) →
 *   nothing (its folder's marker starts the run);
 * - any other file under `incoming/` → a single-file run, whatever folder it is in.
 */
export function classifyIncomingKey(key: string): IncomingObjectKind {
  if (!key.startsWith(DATA_PREFIX.incoming) || key.endsWith('/') || key.length === DATA_PREFIX.incoming.length) {
    return { kind: 'ignored', reason: `ignored: ${key} is not a file under ${DATA_PREFIX.incoming}` };
  }
  const name = baseName(key);
  const prefix = folderOf(key);
  // Hadoop's rule: a path segment starting with '_' or '.' hides everything below it (Spark's `_temporary/`).
  const hidden = prefix.slice(DATA_PREFIX.incoming.length).split('/').find((segment) => segment !== '' && !isDataFileName(segment));
  if (hidden !== undefined) {
    return { kind: 'ignored', reason: `ignored: ${key} is inside a hidden or metadata folder ('${hidden}/')` };
  }
  if (isPartMarker(name)) {
    if (prefix === DATA_PREFIX.incoming) {
      return { kind: 'ignored', reason: `ignored: ${key} is a part-folder marker directly under ${DATA_PREFIX.incoming}; put the parts and the marker in a folder of their own` };
    }
    return { kind: 'parts', prefix, marker: name };
  }
  if (name.startsWith('part-')) {
    return { kind: 'ignored', reason: `ignored: ${key} is a part file; the run starts when its folder's ${PART_MARKERS.join(' or ')} arrives` };
  }
  if (!isDataFileName(name)) {
    return { kind: 'ignored', reason: `ignored: ${key} is a hidden or metadata file (its name starts with '${name[0]}')` };
  }
  return { kind: 'file' };
}

/** One object of a listing. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly versionId?: string;
}

/** Byte order of keys (S3 lists in UTF-8 binary order; UTF-16 order differs above the BMP). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The parts of a `_SUCCESS` folder from a listing of it: data files directly under `prefix`, in key
 * order. Empty (0-byte) files are skipped: Spark writes them for empty partitions.
 */
export function partsFromListing(prefix: string, objects: readonly ListedObject[]): PartRef[] {
  return objects
    .filter((o) => o.key.startsWith(prefix) && !o.key.slice(prefix.length).includes('/') && isDataFileName(o.key.slice(prefix.length)) && o.size > 0)
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((o, index) => ({ index, key: o.key, ...(o.versionId ? { versionId: o.versionId } : {}), bytes: o.size }));
}

/** The manifest is not JSON, does not match its schema, or names parts it may not. */
export class PartsManifestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PartsManifestError';
  }
}

/** A part's key relative to its folder: no leading `/`, no `.`/`..` segments, a data file name. */
const relativePartKey = z
  .string()
  .min(1)
  .refine((k) => !k.startsWith('/'), 'a key relative to the manifest\'s folder (no leading "/")')
  .refine((k) => k.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), 'no empty, "." or ".." path segments')
  .refine((k) => isDataFileName(baseName(k)), 'a data file (names starting with "_" or "." are metadata, not parts)');

/** The `_manifest.json` of a part folder. */
export const partsManifestSchema = z.object({
  parts: z
    .array(relativePartKey)
    .min(1, 'at least one part')
    .max(MAX_PARTS, `at most ${MAX_PARTS} parts`)
    .refine((parts) => new Set(parts).size === parts.length, 'each part listed once'),
});

/**
 * Parse a `_manifest.json` and return the parts' full keys in the manifest's order.
 * @throws PartsManifestError naming the manifest and every problem (field path, what was expected)
 */
export function parsePartsManifest(text: string, manifestKey: string): string[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PartsManifestError(`${manifestKey} is not JSON (${(error as Error).message}); expected {"parts": ["part-00000.csv", …]}`, { cause: error });
  }
  const parsed = partsManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${['', ...i.path].join('.').slice(1) || '(manifest)'}: ${i.message}`).join('; ');
    throw new PartsManifestError(`${manifestKey} is not a parts manifest: ${problems}; expected {"parts": ["part-00000.csv", …]} with keys relative to its folder`, { cause: parsed.error });
  }
  const prefix = folderOf(manifestKey);
  return parsed.data.parts.map((p) => `${prefix}${p}`);
}

/**
 * Deterministic execution name of a part-folder run: `run-<folder>-<hash>`, the hash over bucket,
 * marker key and marker version id (a re-written marker is a new run; a replayed event is not).
 */
export function partsExecutionName(bucket: string, markerKey: string, versionId?: string): string {
  const hash = createHash('sha256').update(`${bucket}\n${markerKey}\n${versionId ?? ''}`).digest('hex').slice(0, 20);
  const folder = baseName(folderOf(markerKey).slice(0, -1));
  const stem = folder.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'parts';
  return `run-${stem}-${hash}`;
}

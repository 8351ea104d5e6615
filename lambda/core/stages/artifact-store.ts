/**
 * Where pipeline stages keep their artifacts (the artifact bucket): JSON documents and binary blobs by
 * key. Implemented over S3 by the handlers and in memory for tests; stage logic sees only this.
 */

/** A required artifact is missing (an earlier stage did not write it). */
export class ArtifactNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`artifact ${key} does not exist`);
    this.name = 'ArtifactNotFoundError';
  }
}

/** JSON and bytes by key. */
export interface ArtifactStore {
  putJson(key: string, value: unknown): Promise<void>;
  /** Throws {@link ArtifactNotFoundError} when absent. */
  getJson<T>(key: string): Promise<T>;
  putBytes(key: string, bytes: Uint8Array): Promise<void>;
  /** Throws {@link ArtifactNotFoundError} when absent. */
  getBytes(key: string): Promise<Uint8Array>;
}

/** An artifact store in memory. */
export function memoryArtifactStore(): ArtifactStore & { readonly objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  const get = (key: string): Uint8Array => {
    const found = objects.get(key);
    if (!found) throw new ArtifactNotFoundError(key);
    return found;
  };
  return {
    objects,
    putJson: async (key, value) => void objects.set(key, new TextEncoder().encode(JSON.stringify(value))),
    getJson: async <T,>(key: string) => JSON.parse(new TextDecoder().decode(get(key))) as T,
    putBytes: async (key, bytes) => void objects.set(key, bytes.slice()),
    getBytes: async (key) => get(key).slice(),
  };
}

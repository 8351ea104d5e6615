/**
 * A {@link DatasetSource} over a local file (CLI, tests, benchmarks). Node's `fs` is the only I/O here;
 * no AWS import.
 */
import { createReadStream, statSync } from 'node:fs';
import { asyncBufferFromFile } from 'hyparquet';
import type { DatasetSource } from './validate-dataset';

/** Read chunk size: large enough for throughput, small enough that memory stays flat. */
export const READ_CHUNK_BYTES = 1 << 20;

/** A dataset source reading a file from disk. */
export function localFileSource(path: string, name = path): DatasetSource {
  const size = statSync(path).size;
  return {
    name,
    size,
    stream: () => createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }),
    asyncBuffer: () => asyncBufferFromFile(path),
  };
}

/** A dataset source over bytes in memory (tests, small uploads). `chunkBytes` splits the stream to exercise chunk boundaries. */
export function memorySource(name: string, content: string | Uint8Array, chunkBytes = READ_CHUNK_BYTES): DatasetSource {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    name,
    size: bytes.byteLength,
    stream: async function* () {
      for (let i = 0; i < bytes.byteLength; i += chunkBytes) yield bytes.subarray(i, Math.min(bytes.byteLength, i + chunkBytes));
    },
    asyncBuffer: async () => ({
      byteLength: bytes.byteLength,
      slice: (start: number, end?: number) => bytes.slice(start, end ?? bytes.byteLength).buffer,
    }),
  };
}

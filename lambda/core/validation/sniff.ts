/**
 * Looks at the first bytes of a file to name content that is not text before any parsing: compressed
 * archives, Parquet, UTF-16, and other binary data. A text parser fed these would report thousands of
 * confusing row errors; the user needs one sentence instead.
 */
import type { FailureKind } from './report';

/** What the first bytes say a file is not. */
export interface SniffResult {
  readonly kind: Extract<FailureKind, 'compressed_content' | 'binary_content' | 'not_utf8'>;
  readonly message: string;
}

const MAGIC: ReadonlyArray<{ bytes: readonly number[]; kind: SniffResult['kind']; what: string }> = [
  { bytes: [0x1f, 0x8b], kind: 'compressed_content', what: 'gzip-compressed data' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], kind: 'compressed_content', what: 'a ZIP archive' },
  { bytes: [0x42, 0x5a, 0x68], kind: 'compressed_content', what: 'bzip2-compressed data' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], kind: 'compressed_content', what: 'xz-compressed data' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], kind: 'compressed_content', what: 'zstd-compressed data' },
  { bytes: [0x50, 0x41, 0x52, 0x31], kind: 'binary_content', what: 'a Parquet file (name it .parquet or set dataset.format to "parquet")' },
  { bytes: [0xff, 0xfe], kind: 'not_utf8', what: 'UTF-16 (little-endian) text; re-encode it as UTF-8' },
  { bytes: [0xfe, 0xff], kind: 'not_utf8', what: 'UTF-16 (big-endian) text; re-encode it as UTF-8' },
];

/** How many leading bytes {@link sniff} inspects for NUL bytes. */
export const SNIFF_BYTES = 8192;

/** Name non-text content from the first bytes of a file, or `undefined` when it may be text. */
export function sniff(head: Uint8Array): SniffResult | undefined {
  for (const magic of MAGIC) {
    if (head.length >= magic.bytes.length && magic.bytes.every((b, i) => head[i] === b)) {
      return { kind: magic.kind, message: `the file holds ${magic.what}, not ${magic.kind === 'not_utf8' ? 'UTF-8' : 'CSV or JSON Lines'} text` };
    }
  }
  const n = Math.min(head.length, SNIFF_BYTES);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) return { kind: 'binary_content', message: `the file holds binary data (a NUL byte at offset ${i}), not text` };
    if (b < 9 || (b > 13 && b < 32)) controls++;
  }
  if (n > 0 && controls / n > 0.1) {
    return { kind: 'binary_content', message: `the file holds binary data (${controls} control bytes in the first ${n}), not text` };
  }
  return undefined;
}

/** Offset of the first byte that breaks UTF-8 in `bytes`, or -1 (used to say where decoding failed). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    if (b < 0x80) need = 0;
    else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return i;
    // A sequence cut by the end of this buffer may continue in the next one.
    if (i + need >= bytes.length) return -1;
    for (let k = 1; k <= need; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * A compact binary form of a training set (features + target) for passing matrices between stages
 * through S3: a little-endian header length, a JSON header (rows, feature names, kinds, cardinalities,
 * byte offsets), then the raw typed arrays, each 8-byte aligned. Exact round trip, no text parsing.
 */
import type { Dataset, Feature } from './matrix';

/** Format tag in the header. */
export const DATASET_CODEC_FORMAT = 'mlops-dataset/1';

interface Header {
  readonly format: typeof DATASET_CODEC_FORMAT;
  readonly rows: number;
  readonly features: ReadonlyArray<{ readonly name: string; readonly kind: Feature['kind']; readonly cardinality?: number; readonly offset: number }>;
  readonly targetOffset: number;
}

/** The bytes are not a dataset written by {@link encodeDataset}. */
export class DatasetCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetCodecError';
  }
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Encode a training set. */
export function encodeDataset(dataset: Dataset): Uint8Array {
  const { x, y } = dataset;
  let offset = 0;
  const features = x.features.map((f) => {
    const entry = { name: f.name, kind: f.kind, ...(f.kind === 'categorical' ? { cardinality: f.cardinality } : {}), offset };
    offset += align8(f.kind === 'numeric' ? f.values.byteLength : f.codes.byteLength);
    return entry;
  });
  const targetOffset = offset;
  offset += y.byteLength;
  const header: Header = { format: DATASET_CODEC_FORMAT, rows: x.rows, features, targetOffset };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align8(4 + headerBytes.length);
  const out = new Uint8Array(dataStart + offset);
  new DataView(out.buffer).setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  x.features.forEach((f, k) => {
    const array = f.kind === 'numeric' ? f.values : f.codes;
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + features[k]!.offset);
  });
  out.set(new Uint8Array(y.buffer, y.byteOffset, y.byteLength), dataStart + targetOffset);
  return out;
}

/** Decode bytes written by {@link encodeDataset} (the arrays are copies, safely aligned). */
export function decodeDataset(bytes: Uint8Array): Dataset {
  if (bytes.length < 4) throw new DatasetCodecError('dataset bytes are too short');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as Header;
  } catch (error) {
    throw new DatasetCodecError(`dataset header is not JSON (${(error as Error).message})`);
  }
  if (header.format !== DATASET_CODEC_FORMAT) throw new DatasetCodecError(`dataset format is ${String(header.format)}, expected ${DATASET_CODEC_FORMAT}`);
  const dataStart = align8(4 + headerLength);
  const n = header.rows;
  const slice = (offset: number, byteLength: number): ArrayBuffer => bytes.slice(dataStart + offset, dataStart + offset + byteLength).buffer;
  const features: Feature[] = header.features.map((f) =>
    f.kind === 'numeric'
      ? { kind: 'numeric', name: f.name, values: new Float64Array(slice(f.offset, n * 8)) }
      : { kind: 'categorical', name: f.name, codes: new Int32Array(slice(f.offset, n * 4)), cardinality: f.cardinality ?? 0 },
  );
  return { x: { rows: n, features }, y: new Float64Array(slice(header.targetOffset, n * 8)) };
}

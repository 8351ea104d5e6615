/**
 * The validation stage's core entry point: validate one dataset file, from any storage, against the
 * config's dataset declaration. Storage is abstracted as a {@link DatasetSource}, so the Lambda handler
 * (S3), the CLI (local files) and the tests all run exactly this code. A run never throws on bad data:
 * it returns a verdict with the reasons.
 */
import type { AsyncBuffer } from 'hyparquet';
import type { DatasetConfig } from '../../../config/schema';
import { DatasetValidator, type ValidationOutcome } from './dataset-validator';
import { readParquet } from './parquet-reader';
import { readCsv, readJsonLines } from './text-reader';

/** A file to validate: its name (extension decides the format under `auto`), size, and two ways to read it. */
export interface DatasetSource {
  /** Object key or path; also the report's source name. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** The whole content as a byte stream (CSV, JSON Lines). */
  stream(): AsyncIterable<Uint8Array>;
  /** Random access to the content (Parquet). */
  asyncBuffer(): Promise<AsyncBuffer>;
}

/** File formats the validator reads. */
export type DatasetFormat = 'csv' | 'jsonl' | 'parquet';

const EXTENSIONS: ReadonlyArray<[RegExp, DatasetFormat]> = [
  [/\.(csv|tsv|txt)$/i, 'csv'],
  [/\.(jsonl|ndjson|json)$/i, 'jsonl'],
  [/\.parquet$/i, 'parquet'],
];

const COMPRESSED = /\.(gz|gzip|zip|bz2|xz|zst|snappy)$/i;

/** The format of a file under the config's `format` setting, or an explanation when it cannot be told. */
export function resolveFormat(name: string, configured: DatasetConfig['format']): DatasetFormat | { error: string; compressed: boolean } {
  if (configured !== 'auto') return configured;
  if (COMPRESSED.test(name)) {
    return { error: `'${name}' is compressed; upload the uncompressed CSV, JSON Lines or Parquet file`, compressed: true };
  }
  for (const [pattern, format] of EXTENSIONS) if (pattern.test(name)) return format;
  return { error: `cannot tell the format of '${name}' from its extension (.csv, .jsonl, .parquet); set dataset.format`, compressed: false };
}

/** Validate one file; the outcome holds the report (verdict, failures, expectation results) and the profile. */
export async function validateDataset(source: DatasetSource, dataset: DatasetConfig): Promise<ValidationOutcome> {
  return (await readDataset(source, dataset)).validator.finish();
}

/**
 * Read one file into a fresh {@link DatasetValidator} without finishing it: the unit of work for one
 * part of a dataset, whose state ({@link DatasetValidator.toState}) merges with the other parts'.
 * File-level problems (format, size) are recorded as failures, never thrown.
 */
export async function readDataset(source: DatasetSource, dataset: DatasetConfig): Promise<{ validator: DatasetValidator; format: DatasetFormat }> {
  const resolved = resolveFormat(source.name, dataset.format);
  const format: DatasetFormat = typeof resolved === 'string' ? resolved : 'csv';
  const validator = new DatasetValidator(dataset, { name: source.name, format });
  if (typeof resolved !== 'string') {
    validator.fail(resolved.compressed ? 'compressed_content' : 'unsupported_format', resolved.error, true);
    return { validator, format };
  }
  const limit = dataset.maxFileMb * 1024 * 1024;
  if (source.size > limit) {
    validator.fail('file_too_large', `the file is ${(source.size / 1048576).toFixed(1)} MB, above dataset.maxFileMb (${dataset.maxFileMb}); split it into parts`, true);
    return { validator, format };
  }
  if (format === 'parquet') {
    await readParquet(await source.asyncBuffer(), validator, Object.keys(dataset.columns));
  } else if (format === 'jsonl') {
    await readJsonLines(source.stream(), validator);
  } else {
    await readCsv(source.stream(), validator, dataset.delimiter);
  }
  return { validator, format };
}

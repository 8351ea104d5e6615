/**
 * Validating one byte range of a CSV file, after its header: the unit of work of parallel validation,
 * run by the main thread and by each worker. Imports only the validation core, so the worker bundle
 * stays small.
 */
import { createReadStream } from 'node:fs';
import type { DatasetConfig } from '../../config/schema';
import { DatasetValidator, type DatasetValidatorState } from '../../lambda/core/validation/dataset-validator';
import { READ_CHUNK_BYTES } from '../../lambda/core/validation/local-source';
import { readCsv } from '../../lambda/core/validation/text-reader';

/** One part's job. */
export interface PartTask {
  readonly path: string;
  /** First byte (the start of a line). */
  readonly start: number;
  /** End byte, exclusive (just after a newline, or the file's end). */
  readonly end: number;
  readonly header: readonly string[];
  readonly dataset: DatasetConfig;
}

/** One part's answer. */
export interface PartResult {
  readonly state: DatasetValidatorState;
  /** The part ended inside a quoted field: its end was not a record boundary. */
  readonly endedInQuote: boolean;
}

/** Validate one part of a CSV file. */
export async function validatePart(task: PartTask): Promise<PartResult> {
  const validator = new DatasetValidator(task.dataset, { name: task.path, format: 'csv' });
  const stream = createReadStream(task.path, { start: task.start, end: task.end - 1, highWaterMark: READ_CHUNK_BYTES });
  const { endedInQuote } = await readCsv(stream, validator, task.dataset.delimiter, { header: task.header });
  return { state: validator.toState(), endedInQuote };
}

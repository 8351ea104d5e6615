/**
 * Reads Parquet into a {@link DatasetValidator} with hyparquet, one row group at a time, column by
 * column. Parquet is columnar: the reader needs random access (an `AsyncBuffer` — ranged GETs on S3),
 * and memory grows with the largest row group, not with the file.
 */
import { parquetMetadataAsync, type AsyncBuffer } from 'hyparquet';
import { ParquetRowGroupError, forEachParquetChunk } from './parquet-chunks';
import type { DatasetValidator } from './dataset-validator';

/** Feed a Parquet file to the validator. */
export async function readParquet(file: AsyncBuffer, validator: DatasetValidator, declared: readonly string[]): Promise<void> {
  validator.addBytes(file.byteLength);
  if (file.byteLength === 0) {
    validator.fail('empty_file', 'the file is empty (0 bytes)', true);
    return;
  }
  const head = new Uint8Array(await file.slice(0, Math.min(4, file.byteLength)));
  if (file.byteLength < 12 || String.fromCharCode(...head) !== 'PAR1') {
    validator.fail('unreadable_parquet', 'the file does not start with the Parquet magic bytes "PAR1"; it is not a Parquet file', true);
    return;
  }
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    validator.fail('unreadable_parquet', `the Parquet footer cannot be read: ${(error as Error).message}`, true);
    return;
  }
  const topLevel = metadata.schema.slice(1).filter((element, i, all) => isTopLevel(all, i) && element.name !== undefined);
  const columns = topLevel.map((e) => e.name);
  validator.setColumns(columns);
  const wanted = columns.filter((c) => declared.includes(c));
  validator.setRowCount(Number(metadata.num_rows));
  try {
    await forEachParquetChunk(file, metadata, wanted, (column, values, firstRow) => validator.acceptColumnChunk(column, values, firstRow + 1));
  } catch (error) {
    if (!(error instanceof ParquetRowGroupError)) throw error;
    validator.fail('unreadable_parquet', error.message, true);
  }
}

/** Whether schema element `i` (of the list without the root) is a direct child of the root. */
function isTopLevel(elements: ReadonlyArray<{ num_children?: number }>, index: number): boolean {
  // Walk the flattened tree: each element with children owns the next `num_children` subtrees.
  let i = 0;
  while (i < elements.length) {
    if (i === index) return true;
    if (i > index) return false;
    i = skipSubtree(elements, i);
  }
  return false;
}

function skipSubtree(elements: ReadonlyArray<{ num_children?: number }>, i: number): number {
  const children = elements[i]?.num_children ?? 0;
  let next = i + 1;
  for (let c = 0; c < children; c++) next = skipSubtree(elements, next);
  return next;
}

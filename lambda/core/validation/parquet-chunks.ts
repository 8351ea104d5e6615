/**
 * Reading Parquet one row group at a time, column chunk by column chunk (hyparquet with every codec of
 * hyparquet-compressors): the shared loop of the validator and the training table loader. Memory
 * grows with the largest row group, not with the file.
 */
import { parquetRead, type AsyncBuffer } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { parquetMetadataAsync } from 'hyparquet';

/** The file's metadata, as hyparquet reads it. */
export type ParquetMetadata = Awaited<ReturnType<typeof parquetMetadataAsync>>;

/** A row group could not be decoded; carries the rows it covers. */
export class ParquetRowGroupError extends Error {
  constructor(
    readonly firstRow: number,
    readonly endRow: number,
    options: { cause: unknown },
  ) {
    super(`row group at rows ${firstRow + 1}–${endRow} cannot be decoded: ${(options.cause as Error).message}`, options);
    this.name = 'ParquetRowGroupError';
  }
}

/**
 * Call `onValues(column, values, firstRow)` for every chunk of the wanted columns, in row-group order;
 * `firstRow` is the 0-based file row of `values[0]`. Chunks are trimmed to their row group.
 */
export async function forEachParquetChunk(
  file: AsyncBuffer,
  metadata: ParquetMetadata,
  columns: readonly string[],
  onValues: (column: string, values: ArrayLike<unknown>, firstRow: number) => void,
): Promise<void> {
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    if (columns.length > 0 && groupEnd > groupStart) {
      try {
        await parquetRead({
          file,
          metadata,
          compressors,
          columns: [...columns],
          rowStart: groupStart,
          rowEnd: groupEnd,
          onChunk: (chunk) => {
            // Chunks may extend beyond the requested rows; keep this row group's part only.
            const from = Math.max(chunk.rowStart, groupStart);
            const to = Math.min(chunk.rowEnd, groupEnd);
            if (to <= from) return;
            onValues(chunk.columnName, chunk.columnData.slice(from - chunk.rowStart, to - chunk.rowStart) as ArrayLike<unknown>, from);
          },
        });
      } catch (error) {
        throw new ParquetRowGroupError(groupStart, groupEnd, { cause: error });
      }
    }
    groupStart = groupEnd;
  }
}

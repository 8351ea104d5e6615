/**
 * Train/test split per config: by a datetime column (rows at or after the cutoff are the test split;
 * without a cutoff, the last `testFraction` of the time range) or by a seeded random draw. Rows whose
 * target or split time is missing belong to neither split, and are counted.
 */
import type { DatasetConfig } from '../../../config/schema';
import { parseDateTimeString } from '../validation/values';
import { seededRandom } from './matrix';
import type { Table } from './table';

/** Row indices of each split, and what was left out. */
export interface Split {
  readonly train: Int32Array;
  readonly test: Int32Array;
  /** Rows in neither split (missing target or split time). */
  readonly dropped: number;
  /** The instant that separates the splits (time splits only), ISO 8601. */
  readonly cutoff?: string;
}

/** Split the rows of a table whose target is present (`target[i]` not NaN). */
export function splitRows(table: Table, target: Float64Array, split: DatasetConfig['split']): Split {
  const train: number[] = [];
  const test: number[] = [];
  let dropped = 0;
  if (split.by === 'random') {
    const random = seededRandom(split.seed);
    for (let i = 0; i < table.rows; i++) {
      // Draw for every row, kept or not, so a row's side does not depend on other rows' targets.
      const draw = random();
      if (Number.isNaN(target[i]!)) dropped++;
      else (draw < split.testFraction ? test : train).push(i);
    }
    return { train: Int32Array.from(train), test: Int32Array.from(test), dropped };
  }
  const col = table.columns[split.column];
  if (!col || col.kind !== 'numeric') throw new RangeError(`split column '${split.column}' is not a loaded datetime column`);
  const times = col.values;
  let cutoff: number;
  if (split.cutoff !== undefined) {
    cutoff = parseDateTimeString(split.cutoff) ?? Number.NaN;
    if (Number.isNaN(cutoff)) throw new RangeError(`split cutoff '${split.cutoff}' is not a date-time`);
  } else {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < table.rows; i++) {
      const t = times[i]!;
      if (t < min) min = t;
      if (t > max) max = t;
    }
    cutoff = min + (1 - split.testFraction) * (max - min);
  }
  for (let i = 0; i < table.rows; i++) {
    const t = times[i]!;
    if (Number.isNaN(t) || Number.isNaN(target[i]!)) dropped++;
    else (t >= cutoff ? test : train).push(i);
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test), dropped, cutoff: Number.isFinite(cutoff) ? new Date(cutoff).toISOString() : undefined };
}

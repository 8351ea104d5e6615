/**
 * The drift benchmark's data, written once under bench/.data/ and reused when present:
 *
 * - `seasonal`: reference = flights Jan–Mar 2001, current = Apr–Jun 2001 (the training benchmark's two
 *   CSVs, bench/train/data.ts): real data, real seasonal change, no injected shift.
 * - `3m`: reference = all 3,000,000 flights (flights-3m.csv, scripts/flights-data.ts); current = the same
 *   3,000,000 rows, row for row, with a documented injected shift ({@link shiftRow}), so two columns
 *   drift and one does not.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FLIGHTS_CSV, writeFlightsCsv } from '../../scripts/flights-data';
import { DATA, TEST_CSV, TRAIN_CSV, ensureTrainTestCsv } from '../train/data';

/** The 3M-row current file derived from flights-3m.csv. */
export const SHIFTED_CSV = join(DATA, 'flights-3m-drift-current.csv');

/** A benchmark case: a reference file, a current file, and how they were made. */
export interface DriftCase {
  readonly key: string;
  readonly reference: string;
  readonly current: string;
  readonly label: string;
}

export const CASES: readonly DriftCase[] = [
  { key: 'seasonal', reference: TRAIN_CSV, current: TEST_CSV, label: 'Jan–Mar vs Apr–Jun 2001 (real, no injected shift)' },
  { key: '3m', reference: FLIGHTS_CSV, current: SHIFTED_CSV, label: 'all 3M vs the same 3M rows with an injected shift' },
];

/**
 * The injected shift of data row `i` (0-based) of flights-3m.csv, fields date,delay,distance,origin,destination:
 * distance × 1.1 (rounded) on every row; origin := ORD on rows with i mod 10 < 2 (20%); destination := ATL on
 * rows with i mod 20 = 0 (5%). Date and delay unchanged.
 */
export function shiftRow(line: string, i: number): string {
  const f = line.split(',');
  if (f.length !== 5) return line;
  const [date, delay, distance, origin, destination] = f as [string, string, string, string, string];
  const shifted = distance === '' ? '' : String(Math.round(Number(distance) * 1.1));
  return [date, delay, shifted, i % 10 < 2 ? 'ORD' : origin, i % 20 === 0 ? 'ATL' : destination].join(',');
}

async function writeShifted(source: string, target: string): Promise<number> {
  const tmp = `${target}.tmp`;
  const out = createWriteStream(tmp);
  const lines = createInterface({ input: createReadStream(source), crlfDelay: Number.POSITIVE_INFINITY });
  let i = -1;
  let batch: string[] = [];
  for await (const line of lines) {
    batch.push(i < 0 ? line : shiftRow(line, i));
    i++;
    if (batch.length === 16_384) {
      if (!out.write(`${batch.join('\n')}\n`)) await once(out, 'drain');
      batch = [];
    }
  }
  if (batch.length > 0) out.write(`${batch.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  renameSync(tmp, target);
  return i;
}

/** Write every file of {@link CASES} that is missing. */
export async function ensureDriftData(log: (s: string) => void = () => {}): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  await ensureTrainTestCsv(log);
  if (!existsSync(FLIGHTS_CSV)) {
    const r = await writeFlightsCsv(FLIGHTS_CSV);
    log(`wrote ${FLIGHTS_CSV}: ${r.rows} rows\n`);
  }
  if (!existsSync(SHIFTED_CSV)) log(`wrote ${SHIFTED_CSV}: ${await writeShifted(FLIGHTS_CSV, SHIFTED_CSV)} rows\n`);
}

/**
 * The training benchmark's data: flights-3m split by departure month into train = Jan–Mar 2001 and
 * test = Apr–Jun 2001 (the 6 rows stamped 2001-07-01 are in neither), written once as two CSVs under
 * bench/.data/ and reused when present.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFlightsCsv } from '../../scripts/flights-data';

export const DATA = join(__dirname, '..', '.data');
export const TRAIN_CSV = join(DATA, 'flights-2001q1-train.csv');
export const TEST_CSV = join(DATA, 'flights-2001q2-test.csv');

/** Write the two CSVs unless they exist; the filter reads the UTC fields (= local wall time). */
export async function ensureTrainTestCsv(log: (s: string) => void = () => {}): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const month = (d: Date | null): number => (d === null ? -1 : d.getUTCFullYear() === 2001 ? d.getUTCMonth() : -1);
  if (!existsSync(TRAIN_CSV)) {
    const r = await writeFlightsCsv(TRAIN_CSV, { filter: (row) => month(row.date) >= 0 && month(row.date) <= 2 });
    log(`wrote ${TRAIN_CSV}: ${r.rows} rows\n`);
  }
  if (!existsSync(TEST_CSV)) {
    const r = await writeFlightsCsv(TEST_CSV, { filter: (row) => month(row.date) >= 3 && month(row.date) <= 5 });
    log(`wrote ${TEST_CSV}: ${r.rows} rows\n`);
  }
}

if (require.main === module) {
  ensureTrainTestCsv((s) => process.stderr.write(s)).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}

/**
 * Converts the vega-datasets `flights-3m.parquet` (ZSTD) into a plain CSV used by
 * the benchmarks and the demo:
 *
 *   date,delay,distance,origin,destination
 *   2001-01-01T00:01:00,33,2176,LAS,PHL
 *
 * The parquet file is read one row group at a time (~273k rows each) and the CSV is
 * written through a stream with backpressure, so memory stays bounded regardless of
 * how many rows are exported.
 *
 * CLI:  npx tsx scripts/flights-data.ts [--force] [--rows N] [--out PATH]
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const FLIGHTS_PARQUET = path.join(REPO_ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet');
export const FLIGHTS_CSV = path.join(REPO_ROOT, 'bench/.data/flights-3m.csv');
/** Row count and byte size of the full export (used to skip regeneration). */
export const FLIGHTS_CSV_ROWS = 3_000_000;
export const FLIGHTS_CSV_BYTES = 105_783_734;

export const CSV_COLUMNS = ['date', 'delay', 'distance', 'origin', 'destination'] as const;

export interface FlightRow {
  /** TIMESTAMP (not UTC-adjusted): the UTC fields of the Date hold the wall-clock time. */
  date: Date | null;
  delay: bigint | null;
  distance: bigint | null;
  origin: string | null;
  destination: string | null;
}

export interface WriteFlightsCsvOptions {
  /** Maximum number of rows to write (after filtering). Default: all. */
  rows?: number;
  /** Keep only rows for which this returns true. */
  filter?: (row: FlightRow) => boolean;
  /** Source parquet file. Default: vega-datasets flights-3m.parquet. */
  source?: string;
}

export interface WriteFlightsCsvResult {
  path: string;
  rows: number;
  bytes: number;
  nulls: Record<(typeof CSV_COLUMNS)[number], number>;
}

/** Rows are joined into one string per batch to keep write() calls cheap. */
const WRITE_BATCH_ROWS = 16_384;

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** `YYYY-MM-DDTHH:MM:SS` from the UTC fields (the timestamp is not UTC-adjusted). */
export function formatTimestamp(d: Date): string {
  return (
    d.getUTCFullYear() +
    '-' + pad2(d.getUTCMonth() + 1) +
    '-' + pad2(d.getUTCDate()) +
    'T' + pad2(d.getUTCHours()) +
    ':' + pad2(d.getUTCMinutes()) +
    ':' + pad2(d.getUTCSeconds())
  );
}

/** RFC 4180 quoting; only applied when needed (never for this dataset). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

/**
 * Writes the flights parquet as CSV to `outPath` (atomically, via a temp file + rename).
 * Example: `await writeFlightsCsv('bench/.data/flights-100k.csv', { rows: 100_000 })`.
 */
export async function writeFlightsCsv(
  outPath: string,
  opts: WriteFlightsCsvOptions = {},
): Promise<WriteFlightsCsvResult> {
  const limit = opts.rows ?? Infinity;
  if (!(limit >= 0)) throw new Error(`rows must be >= 0, got ${opts.rows}`);
  const { filter } = opts;

  const file = await asyncBufferFromFile(opts.source ?? FLIGHTS_PARQUET);
  const metadata = await parquetMetadataAsync(file);
  const fileCols = metadata.schema.slice(1).map((s) => s.name);
  for (const c of CSV_COLUMNS) {
    if (!fileCols.includes(c)) throw new Error(`column ${c} missing from parquet (has: ${fileCols.join(', ')})`);
  }

  await mkdir(path.dirname(outPath), { recursive: true });
  const tmpPath = `${outPath}.${process.pid}.tmp`;
  const out = createWriteStream(tmpPath);
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };

  const nulls = { date: 0, delay: 0, distance: 0, origin: 0, destination: 0 };
  let written = 0;
  try {
    await write(CSV_COLUMNS.join(',') + '\n');

    let groupStart = 0;
    for (const rg of metadata.row_groups) {
      if (written >= limit) break;
      const groupRows = Number(rg.num_rows);
      const rowStart = groupStart;
      // Without a filter we know exactly how many rows we still need.
      const rowEnd = filter ? groupStart + groupRows : Math.min(groupStart + groupRows, rowStart + (limit - written));
      groupStart += groupRows;

      let rows: unknown[][] = [];
      await parquetRead({
        file,
        metadata,
        compressors,
        columns: [...CSV_COLUMNS],
        rowStart,
        rowEnd,
        onComplete: (r) => {
          rows = r;
        },
      });

      let batch: string[] = [];
      for (const r of rows) {
        if (written >= limit) break;
        const row: FlightRow = {
          date: r[0] as Date | null,
          delay: r[1] as bigint | null,
          distance: r[2] as bigint | null,
          origin: r[3] as string | null,
          destination: r[4] as string | null,
        };
        if (filter && !filter(row)) continue;

        if (row.date == null) nulls.date++;
        if (row.delay == null) nulls.delay++;
        if (row.distance == null) nulls.distance++;
        if (row.origin == null) nulls.origin++;
        if (row.destination == null) nulls.destination++;
        batch.push(
          (row.date == null ? '' : formatTimestamp(row.date)) + ',' +
          (row.delay ?? '') + ',' +
          (row.distance ?? '') + ',' +
          (row.origin == null ? '' : csvField(row.origin)) + ',' +
          (row.destination == null ? '' : csvField(row.destination)) + '\n',
        );
        written++;
        if (batch.length === WRITE_BATCH_ROWS) {
          await write(batch.join(''));
          batch = [];
        }
      }
      if (batch.length) await write(batch.join(''));
    }

    out.end();
    await once(out, 'finish');
    await rename(tmpPath, outPath);
  } catch (err) {
    out.destroy();
    await rm(tmpPath, { force: true });
    throw err;
  }

  const { size } = await stat(outPath);
  return { path: outPath, rows: written, bytes: size, nulls };
}

/** Ensures the full 3M-row CSV exists (regenerates it if missing, wrong size or `force`). */
export async function ensureFlightsCsv(force = false): Promise<string> {
  if (!force) {
    const st = await stat(FLIGHTS_CSV).catch(() => null);
    if (st?.size === FLIGHTS_CSV_BYTES) return FLIGHTS_CSV;
  }
  const res = await writeFlightsCsv(FLIGHTS_CSV);
  if (res.rows !== FLIGHTS_CSV_ROWS || res.bytes !== FLIGHTS_CSV_BYTES) {
    throw new Error(`unexpected export: ${res.rows} rows / ${res.bytes} bytes`);
  }
  return FLIGHTS_CSV;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const argValue = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rowsArg = argValue('--rows');
  const outArg = argValue('--out');

  const t0 = performance.now();
  if (rowsArg === undefined && outArg === undefined) {
    const st = await stat(FLIGHTS_CSV).catch(() => null);
    if (!force && st?.size === FLIGHTS_CSV_BYTES) {
      console.log(`${path.relative(process.cwd(), FLIGHTS_CSV)} exists (${st.size} bytes), skipping (use --force)`);
      return;
    }
    await ensureFlightsCsv(true);
    console.log(`wrote ${FLIGHTS_CSV} in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    return;
  }

  const outPath = path.resolve(outArg ?? FLIGHTS_CSV);
  if (!force) {
    const st = await stat(outPath).catch(() => null);
    if (st) {
      console.log(`${outPath} exists (${st.size} bytes), skipping (use --force)`);
      return;
    }
  }
  const res = await writeFlightsCsv(outPath, { rows: rowsArg === undefined ? undefined : Number(rowsArg) });
  console.log(JSON.stringify({ ...res, seconds: +((performance.now() - t0) / 1000).toFixed(2) }));
}

// Executed directly (tsx runs this package as CommonJS), not when imported.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

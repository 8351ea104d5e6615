/**
 * Real flights data from the installed `vega-datasets` package (read from disk: its JS API downloads
 * from a CDN). Rows carry the columns the configs declare: date, delay, distance, origin, destination.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';

/** One flight as `flights-*.json` holds it; `date` looks like `2001/01/14 21:55`. */
export interface Flight {
  readonly date: string;
  readonly delay: number;
  readonly distance: number;
  readonly origin: string;
  readonly destination: string;
}

/** The package's `data/` folder. */
export const VEGA_DATA_DIR = join(dirname(require.resolve('vega-datasets')), '..', 'data');

/** The 3,000,000-row Parquet file (13.5 MB). */
export const FLIGHTS_3M_PARQUET = join(VEGA_DATA_DIR, 'flights-3m.parquet');

/** The CSV header in the order the configs declare the columns. */
export const FLIGHT_COLUMNS = ['date', 'delay', 'distance', 'origin', 'destination'] as const;

let cache: readonly Flight[] | undefined;

/** The 20,000 flights of `flights-20k.json`, or its first `n`. */
export function flights(n?: number): readonly Flight[] {
  cache ??= JSON.parse(readFileSync(join(VEGA_DATA_DIR, 'flights-20k.json'), 'utf8')) as Flight[];
  return n === undefined ? cache : cache.slice(0, n);
}

/** One flight as a CSV line (no field needs quoting), without the newline. */
export function flightCsvLine(f: Flight): string {
  return `${f.date},${f.delay},${f.distance},${f.origin},${f.destination}`;
}

/** Flights as CSV text with a header and `\n` line ends. */
export function flightsCsv(rows: readonly Flight[]): string {
  return `${FLIGHT_COLUMNS.join(',')}\n${rows.map(flightCsvLine).join('\n')}\n`;
}

/** Flights as JSON Lines text. */
export function flightsJsonLines(rows: readonly Flight[]): string {
  return `${rows.map((f) => JSON.stringify(f)).join('\n')}\n`;
}

/** `2001/01/14 21:55` (local time of departure) as a Date whose UTC fields carry it, as the real Parquet stores it. */
export function flightDate(date: string): Date {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a flights date: ${date}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])));
}

/** Flights as a Parquet file (Snappy, `rowGroupSize` rows per row group), typed like `flights-3m.parquet`'s columns. */
export function flightsParquet(rows: readonly Flight[], rowGroupSize = 100_000): Uint8Array {
  const buffer = parquetWriteBuffer({
    rowGroupSize,
    columnData: [
      { name: 'date', data: rows.map((f) => flightDate(f.date)), type: 'TIMESTAMP' },
      { name: 'delay', data: rows.map((f) => f.delay), type: 'INT32' },
      { name: 'distance', data: rows.map((f) => f.distance), type: 'INT32' },
      { name: 'origin', data: rows.map((f) => f.origin), type: 'STRING' },
      { name: 'destination', data: rows.map((f) => f.destination), type: 'STRING' },
    ],
  });
  return new Uint8Array(buffer);
}

/** The 20,000 flights in a seeded order (Fisher–Yates with a Park–Miller generator): samples of one population. */
export function shuffledFlights(seed: number): Flight[] {
  const out = [...flights()];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 16_807) % 2_147_483_647;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

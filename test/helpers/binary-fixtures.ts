/**
 * Binary validation fixtures, generated instead of committed: gzip, Latin-1, NUL bytes, UTF-16 and
 * Parquet. `writeBinaryFixtures` puts them in a temporary folder under the names a user would upload,
 * so tests read them from disk exactly as the CLI does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';

/** A small valid flights CSV (the content the binary fixtures wrap or corrupt). */
export const FLIGHTS_CSV = [
  'date,delay,distance,origin,destination',
  '2001/01/01 06:55,-19,1797,LAX,BNA',
  '2001/01/01 08:47,0,1609,SJC,IAH',
  '2001/01/01 09:24,-4,1117,IAH,PIT',
  '',
].join('\n');

/** Real gzip bytes of a valid CSV. */
export function gzipCsv(): Uint8Array {
  return new Uint8Array(gzipSync(FLIGHTS_CSV));
}

/** A CSV encoded as Latin-1 (ISO-8859-1): `é` is the single byte 0xE9, invalid in UTF-8. */
export function latin1Csv(): Uint8Array {
  return new Uint8Array(Buffer.from('city,country,population\nMontréal,Canada,1762949\nZürich,Schweiz,421878\n', 'latin1'));
}

/** Byte offset of the first non-UTF-8 byte in {@link latin1Csv} (the `é` of Montréal). */
export const LATIN1_FIRST_BAD_BYTE = 'city,country,population\nMontr'.length;

/** Text with NUL bytes in it: what a binary file (or a UTF-32 export) looks like. */
export function binaryWithNul(): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(FLIGHTS_CSV, 'utf8'));
  bytes[10] = 0;
  return bytes;
}

/** Offset of the NUL byte in {@link binaryWithNul}. */
export const NUL_OFFSET = 10;

/** A CSV saved as UTF-16 little-endian with its BOM (what some spreadsheet exports produce). */
export function utf16leCsv(): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(FLIGHTS_CSV, 'utf16le')]));
}

/** The rows of {@link flightsParquet}. */
export const PARQUET_ROWS = [
  { date: '2001-01-01T06:55:00Z', delay: -19, distance: 1797, origin: 'LAX', destination: 'BNA' },
  { date: '2001-01-01T08:47:00Z', delay: 0, distance: 1609, origin: 'SJC', destination: 'IAH' },
  { date: '2001-01-01T09:24:00Z', delay: -4, distance: 1117, origin: 'IAH', destination: 'PIT' },
  { date: '2001-01-01T10:18:00Z', delay: -3, distance: 102, origin: 'HNL', destination: 'LIH' },
  { date: '2001-01-01T11:45:00Z', delay: 20, distance: 920, origin: 'MIA', destination: 'DCA' },
] as const;

/**
 * A Parquet file shaped like vega-datasets' flights-3m.parquet: TIMESTAMP date, INT64 delay and distance
 * (read back as bigint), STRING origin and destination. `rowGroupSize` splits it into row groups.
 */
export function flightsParquet(
  options: { rowGroupSize?: number; mutate?: (columns: ColumnSource[]) => ColumnSource[]; rows?: ReadonlyArray<(typeof PARQUET_ROWS)[number]> } = {},
): Uint8Array {
  const rows = options.rows ?? PARQUET_ROWS;
  let columns: ColumnSource[] = [
    { name: 'date', data: rows.map((r) => new Date(r.date)), type: 'TIMESTAMP' },
    { name: 'delay', data: rows.map((r) => BigInt(r.delay)), type: 'INT64' },
    { name: 'distance', data: rows.map((r) => BigInt(r.distance)), type: 'INT64' },
    { name: 'origin', data: rows.map((r) => r.origin), type: 'STRING' },
    { name: 'destination', data: rows.map((r) => r.destination), type: 'STRING' },
  ];
  if (options.mutate) columns = options.mutate(columns);
  return new Uint8Array(parquetWriteBuffer({ columnData: columns, rowGroupSize: options.rowGroupSize ?? rows.length }));
}

/** The generated fixtures, by file name. */
export function binaryFixtures(): Record<string, Uint8Array> {
  return {
    'gzip-content.csv': gzipCsv(),
    'latin1-encoded.csv': latin1Csv(),
    'nul-bytes.csv': binaryWithNul(),
    'utf16le-with-bom.csv': utf16leCsv(),
    'valid-flights.parquet': flightsParquet({ rowGroupSize: 2 }),
  };
}

/** Write the generated fixtures to a fresh temporary folder; `cleanup` removes it. */
export function writeBinaryFixtures(): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'validation-fixtures-'));
  for (const [name, bytes] of Object.entries(binaryFixtures())) writeFileSync(join(dir, name), bytes);
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The streaming path of `mlops drift REF CUR` (lambda/core/drift/stream-sketch.ts) builds exactly what the
 * table path builds: the same baseline from a streamed reference and the same window sketch from a
 * streamed current file as `readTable` + `tableReference` + `addValues` — on real flights, as CSV (split
 * into small chunks, so records cross chunk boundaries), JSON Lines and Parquet (several row groups).
 * Bad rows are skipped and counted, unreadable content is an error naming the file; neither is silent.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { loadConfig } from '../../../config/load';
import type { DatasetConfig } from '../../../config/schema';
import { buildDriftBaseline, type DriftBaseline } from '../../../lambda/core/drift/drift-baseline';
import { DriftStreamError, SKIPPED_EXAMPLES, streamReference, streamWindow } from '../../../lambda/core/drift/stream-sketch';
import { addValues, mergeWindowSketches, newWindowSketch, windowSketchToJSON, type WindowSketch } from '../../../lambda/core/drift/window-sketch';
import { readTable } from '../../../lambda/core/features/table';
import { tableReference } from '../../../lambda/core/monitoring/drift-reference';
import { memorySource } from '../../../lambda/core/validation/local-source';
import type { DatasetSource } from '../../../lambda/core/validation/validate-dataset';
import { FLIGHT_COLUMNS, flights, flightsCsv, flightsJsonLines, flightsParquet, type Flight } from '../../helpers/flights';

const dataset: DatasetConfig = loadConfig({ env: 'dev' }).dataset;
/** Every declared column: datetime (parsed), integers and categories, so every conversion is compared. */
const COLUMNS = [...FLIGHT_COLUMNS];
/** Small chunks: records, and the sniffed head, cross chunk boundaries. */
const CHUNK = 4096;

type Format = 'csv' | 'jsonl' | 'parquet';
const sourceOf = (format: Format, rows: readonly Flight[]): DatasetSource =>
  format === 'csv'
    ? memorySource('flights.csv', flightsCsv(rows), CHUNK)
    : format === 'jsonl'
      ? memorySource('flights.jsonl', flightsJsonLines(rows), CHUNK)
      : memorySource('flights.parquet', flightsParquet(rows, 1500));

/** The table path: what `mlops drift` did before streaming. */
async function tablePath(reference: DatasetSource, current: DatasetSource): Promise<{ baseline: DriftBaseline; sketch: WindowSketch; rows: [number, number] }> {
  const refTable = await readTable(reference, dataset);
  const curTable = await readTable(current, dataset);
  const ref = tableReference(refTable, COLUMNS);
  const baseline = buildDriftBaseline(ref);
  const sketch = newWindowSketch(baseline);
  for (const name of Object.keys(ref)) addValues(sketch, name, curTable.columns[name]!.values);
  return { baseline, sketch, rows: [refTable.rows, curTable.rows] };
}

async function streamPath(reference: DatasetSource, current: DatasetSource): Promise<{ baseline: DriftBaseline; sketch: WindowSketch; rows: [number, number]; skipped: [number, number] }> {
  const ref = await streamReference(reference, dataset, COLUMNS);
  const baseline = buildDriftBaseline(ref.columns);
  const window = await streamWindow(current, dataset, baseline);
  return { baseline, sketch: window.sketch, rows: [ref.rows, window.rows], skipped: [ref.skippedRows, window.skippedRows] };
}

const all = flights(6000);

describe.each<Format>(['csv', 'jsonl', 'parquet'])('%s: the streamed baseline and sketch equal the table-built ones', (format) => {
  test.each([
    // ≤ 1000 reference rows: KS points for the numbers, chi-square values for the categories.
    { case: 'small reference (KS, chi-square)', reference: all.slice(0, 800), current: all.slice(800, 3000) },
    // > 1000 rows: Wasserstein bins with PSI, Jensen–Shannon categories.
    { case: 'large reference (Wasserstein, Jensen–Shannon)', reference: all.slice(0, 4000), current: all.slice(4000) },
  ])('$case', async ({ reference, current }) => {
    // Prepare
    const expected = await tablePath(sourceOf(format, reference), sourceOf(format, current));

    // Act
    const actual = await streamPath(sourceOf(format, reference), sourceOf(format, current));

    // Assess
    expect(actual.rows).toEqual([reference.length, current.length]);
    expect(actual.rows).toEqual(expected.rows);
    expect(actual.skipped).toEqual([0, 0]);
    expect(actual.baseline).toEqual(expected.baseline);
    expect(windowSketchToJSON(actual.sketch)).toEqual(windowSketchToJSON(expected.sketch));
    expect(new Set(Object.values(actual.baseline.columns).map((c) => c.distribution.type)).size).toBeGreaterThanOrEqual(2);
  });
});

test('CSV with bad rows: records with the wrong number of fields are skipped and counted (as readTable skips them); unparseable cells count as missing', async () => {
  // Prepare: 3 records with too few or too many fields, one unparseable distance, one empty origin.
  const lines = flightsCsv(all.slice(0, 2000)).trimEnd().split('\n');
  lines[10] = '2001/01/01 10:00,5,300,ORD'; // 4 fields
  lines[20] = '2001/01/01 10:00,5,300,ORD,ATL,extra'; // 6 fields
  lines[30] = 'just one field';
  lines[40] = '2001/01/01 10:00,5,n/a,ORD,ATL';
  lines[50] = '2001/01/01 10:00,5,300,,ATL';
  lines.push('2001/01/01 10:00,5,300'); // the last record, without a newline
  const text = lines.join('\n');
  const reference = memorySource('flights.csv', flightsCsv(all.slice(2000, 5000)), CHUNK);

  // Act
  const ref = await streamReference(reference, dataset, COLUMNS);
  const baseline = buildDriftBaseline(ref.columns);
  const window = await streamWindow(memorySource('bad.csv', text, CHUNK), dataset, baseline);
  const expected = await tablePath(memorySource('flights.csv', flightsCsv(all.slice(2000, 5000)), CHUNK), memorySource('bad.csv', text, CHUNK));

  // Assess
  expect(window.skippedRows).toBe(4);
  expect(window.skipped).toHaveLength(SKIPPED_EXAMPLES);
  expect(window.skipped[0]).toBe('record 10 has 4 fields, the header 5');
  expect(window.skipped[1]).toBe('record 20 has 6 fields, the header 5');
  expect(window.skipped[2]).toBe('record 30 has 1 field, the header 5');
  expect(window.rows).toBe(2000 - 3);
  expect(window.rows).toBe(expected.rows[1]);
  expect(window.sketch.columns.distance!.nullCount).toBe(1);
  expect(window.sketch.columns.origin!.nullCount).toBe(1);
  expect(windowSketchToJSON(window.sketch)).toEqual(windowSketchToJSON(expected.sketch));
});

test('Parquet with a bad value (text in a numeric column, a null category): it counts as missing, exactly as in a table', async () => {
  // Prepare: distance stored as text, one row of it not a number; one origin null.
  const rows = all.slice(0, 2500);
  const bytes = new Uint8Array(
    parquetWriteBuffer({
      rowGroupSize: 1000,
      columnData: [
        { name: 'distance', data: rows.map((f, i) => (i === 1234 ? 'n/a' : String(f.distance))), type: 'STRING' },
        { name: 'origin', data: rows.map((f, i) => (i === 77 ? null : f.origin)), type: 'STRING' },
        { name: 'destination', data: rows.map((f) => f.destination), type: 'STRING' },
      ],
    }),
  );
  const reference = (): DatasetSource => sourceOf('csv', all.slice(3000, 5000));

  // Act
  const actual = await streamPath(reference(), memorySource('bad.parquet', bytes));
  const expected = await tablePath(reference(), memorySource('bad.parquet', bytes));

  // Assess
  expect(actual.rows[1]).toBe(2500);
  expect(actual.sketch.columns.distance).toMatchObject({ count: 2499, nullCount: 1 });
  expect(actual.sketch.columns.origin).toMatchObject({ count: 2499, nullCount: 1 });
  expect(actual.sketch.columns.date).toMatchObject({ count: 0, nullCount: 2500 });
  expect(windowSketchToJSON(actual.sketch)).toEqual(windowSketchToJSON(expected.sketch));
});

test('JSON Lines: a line that is not JSON or not an object is skipped and counted', async () => {
  // Prepare
  const text = `${flightsJsonLines(all.slice(0, 100))}{"distance": 12,\n[1, 2]\n\n${flightsJsonLines(all.slice(100, 200))}`;
  const baseline = buildDriftBaseline((await streamReference(sourceOf('jsonl', all.slice(1000, 3000)), dataset, COLUMNS)).columns);

  // Act
  const window = await streamWindow(memorySource('bad.jsonl', text, 64), dataset, baseline);

  // Assess
  expect(window.rows).toBe(200);
  expect(window.skippedRows).toBe(2);
  expect(window.skipped[0]).toMatch(/^line 101 is not JSON \(/);
  expect(window.skipped[1]).toBe('line 102 is not a JSON object');
});

describe('content that cannot be read is an error naming the file, never a silent partial sketch', () => {
  const baseline = buildDriftBaseline({ distance: { kind: 'numerical', values: all.slice(0, 2000).map((f) => f.distance) } });
  test.each([
    { case: 'an unclosed quote', name: 'open.csv', content: `${flightsCsv(all.slice(0, 50))}2001/01/01 10:00,5,"300,ORD,ATL\n${flightsCsv(all.slice(50, 100))}`, error: /'open\.csv': a quoted field opened in record 51 is never closed/ },
    { case: 'invalid UTF-8', name: 'latin1.csv', content: new Uint8Array([...new TextEncoder().encode('origin,destination\nMontr'), 0xe9, ...new TextEncoder().encode('al,ATL\n')]), error: /'latin1\.csv' is not valid UTF-8 \(first bad byte at offset 24\)/ },
    { case: 'gzip bytes', name: 'packed.csv', content: new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), error: /'packed\.csv' cannot be read as text: the file holds gzip-compressed data/ },
    { case: 'an empty file', name: 'empty.csv', content: '', error: /'empty\.csv' is empty \(0 bytes\)/ },
    { case: 'a duplicated header name', name: 'twice.csv', content: 'distance,origin,distance\n1,ORD,2\n', error: /'twice\.csv': the column 'distance' appears twice in the header \(fields 1 and 3\)/ },
    { case: 'an unknown format', name: 'flights.xlsx', content: 'distance\n1\n', error: /cannot tell the format of 'flights\.xlsx'/ },
  ])('$case', async ({ name, content, error }) => {
    await expect(streamWindow(memorySource(name, content, 16), dataset, baseline)).rejects.toThrow(DriftStreamError);
    await expect(streamWindow(memorySource(name, content, 16), dataset, baseline)).rejects.toThrow(error);
  });

  test('a Parquet file whose row group cannot be decoded', async () => {
    // Prepare: overwrite the middle of the data pages (the footer stays readable).
    const bytes = flightsParquet(all.slice(0, 3000), 1000);
    bytes.fill(0xff, 200, bytes.length - 2000);

    // Act / Assess
    await expect(streamWindow(memorySource('broken.parquet', bytes), dataset, baseline)).rejects.toThrow(/'broken\.parquet': row group at rows 1–1000 cannot be decoded/);
  });

  test('a truncated Parquet file (no footer)', async () => {
    const bytes = flightsParquet(all.slice(0, 3000), 1000).subarray(0, 5000);
    await expect(streamReference(memorySource('cut.parquet', bytes), dataset, COLUMNS)).rejects.toThrow(/cannot read the Parquet footer of 'cut\.parquet'/);
  });
});

test('a compared column the file lacks counts every row as missing, as in a table', async () => {
  // Prepare
  const text = `distance,origin\n${all
    .slice(0, 1500)
    .map((f) => `${f.distance},${f.origin}`)
    .join('\n')}\n`;
  const expected = await tablePath(sourceOf('csv', all.slice(2000, 4000)), memorySource('part.csv', text, CHUNK));

  // Act
  const actual = await streamPath(sourceOf('csv', all.slice(2000, 4000)), memorySource('part.csv', text, CHUNK));

  // Assess
  expect(actual.sketch.columns.destination).toMatchObject({ count: 0, nullCount: 1500 });
  expect(windowSketchToJSON(actual.sketch)).toEqual(windowSketchToJSON(expected.sketch));
});

test('streaming two parts into one sketch gives the merged sketch of the parts', async () => {
  // Prepare
  const baseline = buildDriftBaseline((await streamReference(sourceOf('csv', all.slice(0, 3000)), dataset, COLUMNS)).columns);
  const a = await streamWindow(sourceOf('csv', all.slice(3000, 4500)), dataset, baseline);
  const b = await streamWindow(sourceOf('parquet', all.slice(4500)), dataset, baseline);

  // Act
  const first = await streamWindow(sourceOf('csv', all.slice(3000, 4500)), dataset, baseline);
  const both = await streamWindow(sourceOf('parquet', all.slice(4500)), dataset, baseline, first.sketch);

  // Assess
  expect(both.rows).toBe(1500);
  expect(windowSketchToJSON(both.sketch)).toEqual(windowSketchToJSON(mergeWindowSketches(a.sketch, b.sketch)));
});

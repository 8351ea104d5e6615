/**
 * Tricky files that must pass: CRLF, BOM, quoted fields (embedded delimiters, newlines, doubled quotes),
 * reordered columns, no trailing newline, blank trailing lines, multibyte UTF-8 cut at every chunk
 * boundary, JSON Lines equivalents, and Parquet.
 */
import { localFileSource } from '../../../lambda/core/validation/local-source';
import { validateDataset } from '../../../lambda/core/validation/validate-dataset';
import { PARQUET_ROWS, flightsParquet, writeBinaryFixtures } from '../../helpers/binary-fixtures';
import { CITIES_DATASET, REMARKS_DATASET, fixtureBytes, flightsDataset, resultOf, validateBytes, validateFixture } from '../../helpers/validation';

const FLIGHTS = flightsDataset();
const CHUNK_SIZES = [1, 2, 3, 4, 5, 6, 7];

describe('tricky valid CSV files', () => {
  test.each([
    ['valid-crlf.csv', 3],
    ['valid-utf8-bom.csv', 2],
    ['valid-reordered-columns.csv', 3],
    ['valid-no-trailing-newline.csv', 2],
    ['valid-blank-trailing-lines.csv', 2],
  ])('%s passes with %i rows', async (name, rows) => {
    // Act
    const { report } = await validateFixture(name, FLIGHTS);
    // Assess
    expect(report.failures).toEqual([]);
    expect(report.verdict).toBe('valid');
    expect(report.rowCount).toBe(rows);
    expect(report.statistics.unsuccessfulExpectations).toBe(0);
  });

  test('CRLF line ends leave no \\r in the last column', async () => {
    // Act
    const { profile } = await validateFixture('valid-crlf.csv', FLIGHTS);
    // Assess
    expect(profile.columns.destination!.categorical!.frequencies).toEqual({ BNA: 1, IAH: 1, PIT: 1 });
  });

  test('the BOM is not part of the first column name', async () => {
    // Act
    const { report, profile } = await validateFixture('valid-utf8-bom.csv', FLIGHTS);
    // Assess
    expect(report.columns[0]).toBe('date');
    expect(profile.columns.date!.numeric!.min).toBe(Date.UTC(2001, 0, 1, 6, 55));
  });

  test('reordered columns are read by name', async () => {
    // Act
    const { report, profile } = await validateFixture('valid-reordered-columns.csv', FLIGHTS);
    // Assess
    expect(report.columns).toEqual(['delay', 'destination', 'date', 'origin', 'distance']);
    expect(profile.columns.delay!.numeric).toMatchObject({ min: -19, max: 0, count: 3 });
    expect(profile.columns.distance!.numeric).toMatchObject({ min: 1117, max: 1797 });
    expect(profile.columns.origin!.categorical!.frequencies).toEqual({ IAH: 1, LAX: 1, SJC: 1 });
  });

  test('the last row without a newline is read whole', async () => {
    // Act
    const { profile } = await validateFixture('valid-no-trailing-newline.csv', FLIGHTS);
    // Assess
    expect(profile.columns.destination!.categorical!.frequencies).toEqual({ BNA: 1, IAH: 1 });
  });

  test('quoted fields keep embedded delimiters, newlines and doubled quotes, unescaped', async () => {
    // Act
    const { report, profile } = await validateFixture('valid-quoted-fields.csv', REMARKS_DATASET);
    // Assess
    expect(report.failures).toEqual([]);
    expect(report.rowCount).toBe(5);
    expect(Object.keys(profile.columns.remark!.categorical!.frequencies).sort()).toEqual(
      ['"', 'delayed, then cancelled', 'line one\nline two', 'plain', 'the "red-eye" flight'].sort(),
    );
    expect(profile.columns.origin!.categorical!.frequencies).toEqual({ BOS: 1, JFK: 1, LAX: 1, ORD: 1, SFO: 1 });
  });

  test('quoted fields with CRLF inside and after them', async () => {
    // Act
    const { report, profile } = await validateFixture('valid-quoted-fields-crlf.csv', REMARKS_DATASET);
    // Assess
    expect(report.verdict).toBe('valid');
    expect(report.rowCount).toBe(2);
    // A newline inside quotes is data: kept as written (CRLF).
    expect(profile.columns.remark!.categorical!.frequencies).toEqual({ 'crlf, inside\r\nthe quote': 1, 'he said "hi"': 1 });
  });

  test('a quoted empty field is a null, like an unquoted one', async () => {
    // Prepare: origin is quoted-empty on row 2, unquoted-empty on row 3.
    const text = 'flight,origin,remark\n1,LAX,a\n2,"",b\n3,,c\n';
    // Act
    const { report } = await validateBytes('nulls.csv', text, REMARKS_DATASET);
    // Assess
    expect(resultOf(report, 'expect_column_values_to_not_be_null', 'origin').result).toMatchObject({
      missingCount: 2,
      partialUnexpectedList: [
        { row: 2, value: null },
        { row: 3, value: null },
      ],
    });
  });

  test('a quoted empty number or datetime is a null too, not a type error', async () => {
    // Prepare
    const text = 'date,delay,distance,origin,destination\n"",1,2,LAX,BNA\n2001/01/01 06:55,"",2,LAX,BNA\n';
    const dataset = flightsDataset({}, { date: { nullable: true }, delay: { nullable: true } });
    // Act
    const { report, profile } = await validateBytes('quoted-empty.csv', text, dataset);
    // Assess
    expect(report.verdict).toBe('valid');
    expect(profile.columns.date).toMatchObject({ nullCount: 1, invalidCount: 0 });
    expect(profile.columns.delay).toMatchObject({ nullCount: 1, invalidCount: 0 });
  });

  test('a quoted number is a number', async () => {
    // Prepare
    const text = 'date,delay,distance,origin,destination\n"2001/01/01 06:55","-19","1797","LAX","BNA"\n';
    // Act
    const { report, profile } = await validateBytes('quoted-numbers.csv', text, FLIGHTS);
    // Assess
    expect(report.verdict).toBe('valid');
    expect(profile.columns.delay!.numeric!.min).toBe(-19);
  });

  test.each(CHUNK_SIZES)('multibyte UTF-8 (é, ü, 日本) split into %i-byte chunks reads the same', async (chunkBytes) => {
    // Prepare
    const bytes = fixtureBytes('valid-multibyte-utf8.csv');
    // Act
    const { report, profile } = await validateBytes('valid-multibyte-utf8.csv', bytes, CITIES_DATASET, chunkBytes);
    // Assess
    expect(report.verdict).toBe('valid');
    expect(report.rowCount).toBe(5);
    expect(profile.columns.city!.categorical!.frequencies).toEqual({ Kraków: 1, Montréal: 1, 'São Paulo': 1, Zürich: 1, 日本橋: 1 });
    expect(profile.columns.country!.categorical!.frequencies).toEqual({ Brasil: 1, Canada: 1, Polska: 1, Schweiz: 1, 日本: 1 });
  });

  test.each(CHUNK_SIZES)('every tricky CSV gives the same outcome in %i-byte chunks as read whole', async (chunkBytes) => {
    // Prepare
    const cases = [
      ['valid-crlf.csv', FLIGHTS],
      ['valid-utf8-bom.csv', FLIGHTS],
      ['valid-reordered-columns.csv', FLIGHTS],
      ['valid-no-trailing-newline.csv', FLIGHTS],
      ['valid-blank-trailing-lines.csv', FLIGHTS],
      ['valid-quoted-fields.csv', REMARKS_DATASET],
      ['valid-quoted-fields-crlf.csv', REMARKS_DATASET],
    ] as const;
    for (const [name, dataset] of cases) {
      // Act
      const whole = await validateFixture(name, dataset);
      const split = await validateBytes(name, fixtureBytes(name), dataset, chunkBytes);
      // Assess
      expect({ name, verdict: split.report.verdict, rows: split.report.rowCount }).toEqual({ name, verdict: 'valid', rows: whole.report.rowCount });
      expect(split.profile).toEqual(whole.profile);
    }
  });
});

describe('JSON Lines', () => {
  test('objects with keys in any order, ISO or slash dates, numeric strings, and a blank line pass', async () => {
    // Act
    const { report, profile } = await validateFixture('valid-flights.jsonl', FLIGHTS);
    // Assess
    expect(report.failures).toEqual([]);
    expect(report.rowCount).toBe(3);
    expect(report.source.format).toBe('jsonl');
    expect([...report.columns].sort()).toEqual(['date', 'delay', 'destination', 'distance', 'origin']);
    expect(profile.columns.delay!.numeric).toMatchObject({ min: -19, max: 0, count: 3 });
    expect(profile.columns.date!.numeric).toMatchObject({ min: Date.UTC(2001, 0, 1, 6, 55), max: Date.UTC(2001, 0, 1, 9, 24) });
  });

  test.each(CHUNK_SIZES)('BOM, CRLF, multibyte and no trailing newline in %i-byte chunks', async (chunkBytes) => {
    // Prepare
    const bytes = fixtureBytes('valid-multibyte-bom-crlf.jsonl');
    // Act
    const { report, profile } = await validateBytes('valid-multibyte-bom-crlf.jsonl', bytes, CITIES_DATASET, chunkBytes);
    // Assess
    expect(report.failures).toEqual([]);
    expect(report.rowCount).toBe(3);
    expect(profile.columns.city!.categorical!.frequencies).toEqual({ Montréal: 1, Zürich: 1, 日本橋: 1 });
  });

  test('the JSON Lines and CSV forms of the same rows profile alike', async () => {
    // Prepare
    const csv = 'date,delay,distance,origin,destination\n2001-01-01T06:55:00Z,-19,1797,LAX,BNA\n2001-01-01T08:47:00Z,0,1609,SJC,IAH\n';
    const jsonl = '{"date":"2001-01-01T06:55:00Z","delay":-19,"distance":1797,"origin":"LAX","destination":"BNA"}\n{"date":"2001-01-01T08:47:00Z","delay":0,"distance":1609,"origin":"SJC","destination":"IAH"}\n';
    // Act
    const fromCsv = await validateBytes('f.csv', csv, FLIGHTS);
    const fromJsonl = await validateBytes('f.jsonl', jsonl, FLIGHTS);
    // Assess
    expect(fromJsonl.profile).toEqual(fromCsv.profile);
  });
});

describe('Parquet', () => {
  test('a Parquet file read from disk passes, across row groups, with bigint and timestamp columns', async () => {
    // Prepare
    const fixtures = writeBinaryFixtures();
    try {
      // Act
      const { report, profile } = await validateDataset(localFileSource(fixtures.path('valid-flights.parquet'), 'valid-flights.parquet'), FLIGHTS);
      // Assess
      expect(report.failures).toEqual([]);
      expect(report.rowCount).toBe(PARQUET_ROWS.length);
      expect(report.source.format).toBe('parquet');
      expect(report.columns).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
      expect(profile.columns.delay!.numeric).toMatchObject({ count: 5, min: -19, max: 20 });
      expect(profile.columns.date!.numeric).toMatchObject({ min: Date.UTC(2001, 0, 1, 6, 55), max: Date.UTC(2001, 0, 1, 11, 45) });
      expect(profile.columns.origin!.categorical!.frequencies).toEqual({ HNL: 1, IAH: 1, LAX: 1, MIA: 1, SJC: 1 });
    } finally {
      fixtures.cleanup();
    }
  });

  test('row numbers in Parquet samples count across row groups', async () => {
    // Prepare: the 4th row (second row group of 3-row groups) is out of range.
    const rows = PARQUET_ROWS.map((r, i) => (i === 3 ? { ...r, delay: 5000 } : r));
    const bytes = flightsParquet({ rows: rows as never, rowGroupSize: 3 });
    // Act
    const { report } = await validateBytes('flights.parquet', bytes, FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(resultOf(report, 'expect_column_values_to_be_between', 'delay').result.partialUnexpectedList).toEqual([{ row: 4, value: '5000' }]);
  });

  test('Parquet nulls, missing and unknown columns are checked like CSV ones', async () => {
    // Prepare: origin has a null; distance is absent; carrier is extra.
    const bytes = flightsParquet({
      mutate: (columns) => [
        ...columns.filter((c) => c.name !== 'distance').map((c) => (c.name === 'origin' ? { ...c, data: ['LAX', null, 'IAH', 'HNL', 'MIA'] } : c)),
        { name: 'carrier', data: ['AA', 'UA', 'DL', 'HA', 'AA'], type: 'STRING' as const },
      ],
    });
    // Act
    const { report } = await validateBytes('flights.parquet', bytes, FLIGHTS);
    // Assess
    expect(resultOf(report, 'expect_table_columns_to_match_set').result.details).toEqual({ missingColumns: ['distance'], unknownColumns: ['carrier'], unknownColumnPolicy: 'fail' });
    expect(resultOf(report, 'expect_column_values_to_not_be_null', 'origin').result).toMatchObject({ unexpectedCount: 1, partialUnexpectedList: [{ row: 2, value: null }] });
  });
});

/**
 * File-level failures: each bad file is rejected with one failure named for what it is, a message that
 * says so, and (for row-level problems) 1-based sample rows.
 */
import { resolveFormat, validateDataset } from '../../../lambda/core/validation/validate-dataset';
import { localFileSource, memorySource } from '../../../lambda/core/validation/local-source';
import { LATIN1_FIRST_BAD_BYTE, NUL_OFFSET, binaryWithNul, flightsParquet, gzipCsv, latin1Csv, utf16leCsv, writeBinaryFixtures } from '../../helpers/binary-fixtures';
import { CITIES_DATASET, failureKinds, failureOf, flightsDataset, validateBytes, validateFixture } from '../../helpers/validation';

const FLIGHTS = flightsDataset();

describe('empty and header-only files', () => {
  test('a 0-byte file is empty_file', async () => {
    // Prepare: empty.csv is 0 bytes.
    // Act
    const { report } = await validateFixture('empty.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['empty_file']);
    expect(report.failures[0]!.message).toMatch(/empty \(0 bytes\)/);
    expect(report.rowCount).toBe(0);
  });

  test('a file of blank lines only is empty_file (CSV and JSON Lines)', async () => {
    // Prepare
    const blank = '\n\r\n\n';
    // Act
    const csv = await validateBytes('blank.csv', blank, FLIGHTS);
    const jsonl = await validateFixture('blank-lines-only.jsonl', FLIGHTS);
    // Assess
    expect(failureKinds(csv.report)).toEqual(['empty_file']);
    expect(csv.report.failures[0]!.message).toMatch(/no records \(only blank lines\)/);
    expect(failureKinds(jsonl.report)).toEqual(['empty_file']);
    expect(jsonl.report.failures[0]!.message).toMatch(/no JSON lines/);
  });

  test('a header with no data rows is header_only', async () => {
    // Act
    const { report } = await validateFixture('header-only.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)[0]).toBe('header_only');
    expect(report.failures[0]!.message).toMatch(/header but no data rows/);
    expect(report.columns).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
    expect(report.rowCount).toBe(0);
  });
});

describe('content that is not UTF-8 text', () => {
  let fixtures: ReturnType<typeof writeBinaryFixtures>;
  beforeAll(() => {
    fixtures = writeBinaryFixtures();
  });
  afterAll(() => fixtures.cleanup());

  test('Latin-1 bytes are not_utf8, with the offset of the first bad byte', async () => {
    // Act
    const { report } = await validateDataset(localFileSource(fixtures.path('latin1-encoded.csv')), CITIES_DATASET);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['not_utf8']);
    expect(report.failures[0]!.message).toMatch(new RegExp(`not valid UTF-8 \\(first bad byte at offset ${LATIN1_FIRST_BAD_BYTE}\\); re-encode it as UTF-8`));
  });

  test('a file ending inside a multi-byte character is not_utf8', async () => {
    // Prepare: 'é' is C3 A9 in UTF-8; cut after C3.
    const bytes = new Uint8Array([...new TextEncoder().encode('city,country,population\nMontr'), 0xc3]);
    // Act
    const { report } = await validateBytes('cut.csv', bytes, CITIES_DATASET);
    // Assess
    expect(failureKinds(report)).toEqual(['not_utf8']);
    expect(report.failures[0]!.message).toMatch(/ends inside a multi-byte character/);
  });

  test('gzip bytes in a file named .csv are compressed_content', async () => {
    // Act
    const { report } = await validateDataset(localFileSource(fixtures.path('gzip-content.csv')), FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['compressed_content']);
    expect(report.failures[0]!.message).toMatch(/gzip-compressed data, not CSV or JSON Lines text/);
  });

  test('gzip bytes named .jsonl are compressed_content too', async () => {
    // Act
    const { report } = await validateBytes('flights.jsonl', gzipCsv(), FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['compressed_content']);
  });

  test('a NUL byte marks binary_content, with its offset', async () => {
    // Act
    const { report } = await validateDataset(localFileSource(fixtures.path('nul-bytes.csv')), FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['binary_content']);
    expect(report.failures[0]!.message).toMatch(new RegExp(`binary data \\(a NUL byte at offset ${NUL_OFFSET}\\)`));
  });

  test('UTF-16 with a BOM is named as UTF-16, not as garbage rows', async () => {
    // Act
    const { report } = await validateDataset(localFileSource(fixtures.path('utf16le-with-bom.csv')), FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['not_utf8']);
    expect(report.failures[0]!.message).toMatch(/UTF-16 \(little-endian\) text; re-encode it as UTF-8/);
  });

  test('a Parquet file named .csv is binary_content that says to rename it', async () => {
    // Act
    const { report } = await validateBytes('flights.csv', flightsParquet(), FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['binary_content']);
    expect(report.failures[0]!.message).toMatch(/a Parquet file \(name it \.parquet/);
  });

  test('mostly-control-character content is binary_content', async () => {
    // Prepare: bytes 1..8 repeated (no NUL, no magic number).
    const bytes = new Uint8Array(400).map((_, i) => (i % 8) + 1);
    // Act
    const { report } = await validateBytes('noise.csv', bytes, FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['binary_content']);
    expect(report.failures[0]!.message).toMatch(/400 control bytes in the first 400/);
  });

  // The sniff must not depend on how the storage happens to chunk the stream.
  test.each([1, 2, 3, 7])('gzip, NUL and Latin-1 are named the same when the stream comes in %i-byte chunks', async (chunkBytes) => {
    // Act
    const gz = await validateBytes('gzip-content.csv', gzipCsv(), FLIGHTS, chunkBytes);
    const nul = await validateBytes('nul-bytes.csv', binaryWithNul(), FLIGHTS, chunkBytes);
    const latin1 = await validateBytes('latin1.csv', latin1Csv(), CITIES_DATASET, chunkBytes);
    const utf16 = await validateBytes('utf16.csv', utf16leCsv(), FLIGHTS, chunkBytes);
    // Assess
    expect(failureKinds(gz.report)).toEqual(['compressed_content']);
    expect(failureKinds(nul.report)).toEqual(['binary_content']);
    expect(failureKinds(latin1.report)).toEqual(['not_utf8']);
    expect(failureKinds(utf16.report)).toEqual(['not_utf8']);
  });
});

describe('CSV structure', () => {
  test('a semicolon-separated file is wrong_delimiter, naming both delimiters', async () => {
    // Act
    const { report } = await validateFixture('wrong-delimiter-semicolon.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['wrong_delimiter']);
    expect(report.failures[0]!.message).toMatch(/splits on ";" into 5 columns but the config's delimiter is ","/);
  });

  test('the same file passes when the config declares the semicolon', async () => {
    // Prepare
    const dataset = flightsDataset({ delimiter: ';' });
    // Act
    const { report } = await validateFixture('wrong-delimiter-semicolon.csv', dataset);
    // Assess
    expect(report.verdict).toBe('valid');
    expect(report.rowCount).toBe(2);
  });

  test('a tab-separated file read with ";" is wrong_delimiter naming the tab', async () => {
    // Prepare
    const tsv = 'date\tdelay\tdistance\torigin\tdestination\n2001/01/01 06:55\t-19\t1797\tLAX\tBNA\n';
    // Act
    const { report } = await validateBytes('flights.tsv', tsv, flightsDataset({ delimiter: ';' }));
    // Assess
    expect(failureKinds(report)).toEqual(['wrong_delimiter']);
    expect(report.failures[0]!.message).toMatch(/splits on "\\t" into 5 columns but the config's delimiter is ";"/);
  });

  test('rows with too few or too many fields are ragged_rows with counts and samples', async () => {
    // Act
    const { report } = await validateFixture('ragged-rows.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    const ragged = failureOf(report, 'ragged_rows');
    expect(ragged.message).toMatch(/^2 rows have a field count different from the header's 5/);
    expect(ragged.count).toBe(2);
    expect(ragged.samples).toEqual([
      { row: 2, value: '4 fields: 2001/01/01 08:47,0,1609,SJC' },
      { row: 4, value: '6 fields: 2001/01/01 10:18,-3,102,HNL,LIH,extra' },
    ]);
    expect(report.rowCount).toBe(4);
  });

  test('a quote that never closes is unclosed_quote, naming the row where it opened', async () => {
    // Act
    const { report } = await validateFixture('unclosed-quote.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)[0]).toBe('unclosed_quote');
    expect(report.failures[0]!.message).toMatch(/quoted field opened in record 2 \(row 2\) is never closed/);
    expect(report.rowCount).toBe(1);
  });

  test('an unclosed quote in the header is reported as such', async () => {
    // Act
    const { report } = await validateBytes('bad-header.csv', 'date,"delay\n2001/01/01 06:55,-19\n', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toContain('unclosed_quote');
    expect(failureOf(report, 'unclosed_quote').message).toMatch(/record 0/);
  });

  test('text after a closing quote is malformed_quote with the row', async () => {
    // Act
    const { report } = await validateFixture('text-after-closing-quote.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    const bad = failureOf(report, 'malformed_quote');
    expect(bad.message).toMatch(/^1 row has text after a closing quote/);
    expect(bad.count).toBe(1);
    expect(bad.samples).toEqual([{ row: 2, value: '2001/01/01 08:47,0,1609,SJC,IAH' }]);
    expect(failureKinds(report)).toEqual(['malformed_quote']);
  });

  test('a header naming a column twice is duplicate_columns', async () => {
    // Act
    const { report } = await validateFixture('duplicate-header.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['duplicate_columns']);
    expect(report.failures[0]!.message).toMatch(/the header names 'delay' more than once/);
  });

  test('an open record past the size limit stops reading as record_too_large', async () => {
    // Prepare: a quote opened on row 1 and never closed, 17 M characters long.
    const big = `date,delay,distance,origin,destination\n2001/01/01 06:55,-19,1797,"${'x'.repeat(17 * 1024 * 1024)}`;
    // Act
    const { report } = await validateBytes('huge.csv', big, FLIGHTS, 1 << 20);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['record_too_large']);
    expect(report.failures[0]!.message).toMatch(/record 1 is still open after 16,777,216 characters: an unclosed quote/);
  });
});

describe('JSON Lines structure', () => {
  test('lines that are not JSON objects are malformed_json_line, with the parser reason', async () => {
    // Act
    const { report } = await validateFixture('malformed-json-line.jsonl', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    const bad = failureOf(report, 'malformed_json_line');
    expect(bad.message).toMatch(/^2 lines are not a JSON object/);
    expect(bad.count).toBe(2);
    expect(bad.samples).toHaveLength(2);
    expect(bad.samples![0]!.row).toBe(2);
    expect(String(bad.samples![0]!.value)).toMatch(/^\{"date":"2001\/01\/01 08:47".*\(.*JSON.*\)$/);
    expect(bad.samples![1]).toEqual({ row: 3, value: '[1,2,3]' });
    expect(report.rowCount).toBe(4);
    expect(failureKinds(report)).toEqual(['malformed_json_line']);
  });

  test('a line past the size limit stops reading as record_too_large (memory stays bounded)', async () => {
    // Prepare: a JSON array of objects on one 17 M-character line, the usual "JSON, not JSON Lines".
    const object = '{"date":"2001/01/01 06:55","delay":-19,"distance":1797,"origin":"LAX","destination":"BNA"}';
    const oneLine = `[${Array.from({ length: Math.ceil((17 * 1024 * 1024) / (object.length + 1)) }, () => object).join(',')}]`;
    // Act
    const { report } = await validateBytes('flights.json', oneLine, FLIGHTS, 1 << 20);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['record_too_large']);
    expect(report.failures[0]!.message).toMatch(/line 1 is still open after 16,777,216 characters: not one JSON object per line/);
  });

  test('scalar lines (null, numbers, strings) are malformed too', async () => {
    // Prepare
    const text = 'null\n42\n"text"\n';
    // Act
    const { report } = await validateBytes('scalars.jsonl', text, FLIGHTS);
    // Assess
    expect(failureOf(report, 'malformed_json_line').samples).toEqual([
      { row: 1, value: 'null' },
      { row: 2, value: '42' },
      { row: 3, value: '"text"' },
    ]);
  });
});

describe('names and sizes', () => {
  test('a .gz name is compressed_content before any byte is read', async () => {
    // Act
    const { report } = await validateBytes('flights.csv.gz', 'not read', FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['compressed_content']);
    expect(report.failures[0]!.message).toMatch(/'flights\.csv\.gz' is compressed; upload the uncompressed/);
    expect(report.source.bytes).toBe(0);
  });

  test('an unknown extension under format auto is unsupported_format', async () => {
    // Act
    const { report } = await validateBytes('flights.xlsx', 'a,b\n', FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['unsupported_format']);
    expect(report.failures[0]!.message).toMatch(/cannot tell the format of 'flights\.xlsx'.*set dataset\.format/);
  });

  test('a declared format overrides the extension', () => {
    // Act / Assess
    expect(resolveFormat('upload.bin', 'csv')).toBe('csv');
    expect(resolveFormat('a.TSV', 'auto')).toBe('csv');
    expect(resolveFormat('a.ndjson', 'auto')).toBe('jsonl');
    expect(resolveFormat('a.json', 'auto')).toBe('jsonl');
    expect(resolveFormat('a.parquet', 'auto')).toBe('parquet');
    expect(resolveFormat('a.parquet.zst', 'auto')).toMatchObject({ compressed: true });
    expect(resolveFormat('a.dat', 'auto')).toMatchObject({ compressed: false });
  });

  test('a file above maxFileMb is file_too_large and is not read', async () => {
    // Prepare: the source claims 3 MiB; its stream would throw if read.
    const source = { ...memorySource('big.csv', ''), size: 3 * 1024 * 1024, stream: () => { throw new Error('must not be read'); } };
    // Act
    const { report } = await validateDataset(source, flightsDataset({ maxFileMb: 2 }));
    // Assess
    expect(failureKinds(report)).toEqual(['file_too_large']);
    expect(report.failures[0]!.message).toMatch(/3\.0 MB, above dataset\.maxFileMb \(2\); split it into parts/);
  });

  test('a .parquet that is not Parquet is unreadable_parquet', async () => {
    // Act
    const { report } = await validateBytes('flights.parquet', 'date,delay\n2001-01-01,1\n', FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['unreadable_parquet']);
    expect(report.failures[0]!.message).toMatch(/does not start with the Parquet magic bytes "PAR1"/);
  });

  test('a truncated Parquet file is unreadable_parquet naming the footer', async () => {
    // Prepare: keep the head and a fake tail so the magic bytes match but the footer is garbage.
    const whole = flightsParquet();
    const truncated = new Uint8Array([...whole.subarray(0, 40), 0, 0, 0, 0, ...new TextEncoder().encode('PAR1')]);
    // Act
    const { report } = await validateBytes('flights.parquet', truncated, FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['unreadable_parquet']);
    expect(report.failures[0]!.message).toMatch(/Parquet footer cannot be read/);
  });

  test('an empty .parquet is empty_file', async () => {
    // Act
    const { report } = await validateBytes('flights.parquet', new Uint8Array(0), FLIGHTS);
    // Assess
    expect(failureKinds(report)).toEqual(['empty_file']);
  });
});

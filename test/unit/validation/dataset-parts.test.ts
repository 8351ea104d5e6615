/**
 * Part-file datasets, pure core: what an object under incoming/ starts, which files of a `_SUCCESS`
 * folder are parts, the `_manifest.json` schema, deterministic run names, and the merge of the parts'
 * validations into the report and profile a single file of the same rows gets.
 */
import type { ValidationOutcome } from '../../../lambda/core/validation/dataset-validator';
import {
  MAX_PARTS,
  PartsManifestError,
  classifyIncomingKey,
  parsePartsManifest,
  partsExecutionName,
  partsFromListing,
} from '../../../lambda/core/validation/dataset-parts';
import { memorySource } from '../../../lambda/core/validation/local-source';
import { PartValidationError, mergePartValidations, validatePart } from '../../../lambda/core/validation/part-validation';
import { validateDataset } from '../../../lambda/core/validation/validate-dataset';
import { FLIGHT_COLUMNS, flights, flightsCsv } from '../../helpers/flights';
import { flightsDataset } from '../../helpers/validation';

/** Report and profile without what depends on how the data was split (timings, source name and bytes); moments to 10 digits. */
function comparable({ report, profile }: ValidationOutcome): unknown {
  const { meta: _meta, source: _source, ...rest } = report;
  return JSON.parse(JSON.stringify({ report: rest, profile }), (_key, value: unknown) =>
    typeof value === 'number' && !Number.isSafeInteger(value) ? Number(value.toPrecision(10)) : value,
  );
}

/** 20k real flights in `n` CSV parts, each with its own header. */
function csvParts(n: number, rows = flights()): string[] {
  const size = Math.ceil(rows.length / n);
  return Array.from({ length: n }, (_, i) => flightsCsv(rows.slice(i * size, (i + 1) * size)));
}

describe('classifyIncomingKey', () => {
  test.each([
    ['incoming/flights.csv', { kind: 'file' }],
    ['incoming/2001/q1/flights.csv', { kind: 'file' }],
    ['incoming/2001/q1/_SUCCESS', { kind: 'parts', prefix: 'incoming/2001/q1/', marker: '_SUCCESS' }],
    ['incoming/export/_manifest.json', { kind: 'parts', prefix: 'incoming/export/', marker: '_manifest.json' }],
  ])('%s → %j', (key, expected) => {
    expect(classifyIncomingKey(key)).toEqual(expected);
  });

  test.each([
    ['incoming/export/part-00000.csv', /is a part file; the run starts when its folder's _SUCCESS or _manifest\.json arrives/],
    ['incoming/export/part-00001-c000.snappy.parquet', /is a part file/],
    ['incoming/export/_committed_123', /hidden or metadata file \(its name starts with '_'\)/],
    ['incoming/export/.part-00000.csv.crc', /hidden or metadata file \(its name starts with '\.'\)/],
    ['incoming/exp/_temporary/0/part-00000.csv', /inside a hidden or metadata folder \('_temporary\/'\)/],
    ['incoming/.staging/flights.csv', /inside a hidden or metadata folder \('\.staging\/'\)/],
    ['incoming/_SUCCESS', /marker directly under incoming\/; put the parts and the marker in a folder of their own/],
    ['incoming/2001/', /is not a file under incoming\//],
    ['validated/r1/a.csv', /is not a file under incoming\//],
  ])('%s starts nothing', (key, reason) => {
    const kind = classifyIncomingKey(key);
    expect(kind.kind).toBe('ignored');
    expect(kind.kind === 'ignored' && kind.reason).toMatch(reason);
  });
});

describe('partsFromListing', () => {
  test('data files directly in the folder, in key order; markers, hidden, nested and empty files are not parts', () => {
    // Prepare
    const listing = [
      { key: 'incoming/x/part-00010.csv', size: 5 },
      { key: 'incoming/x/_SUCCESS', size: 0 },
      { key: 'incoming/x/part-00002.csv', size: 5, versionId: 'v2' },
      { key: 'incoming/x/.part-00002.csv.crc', size: 1 },
      { key: 'incoming/x/sub/part-00000.csv', size: 5 },
      { key: 'incoming/x/part-00003.csv', size: 0 },
      { key: 'incoming/x/data.csv', size: 7 },
    ];

    // Act
    const parts = partsFromListing('incoming/x/', listing);

    // Assess
    expect(parts).toEqual([
      { index: 0, key: 'incoming/x/data.csv', bytes: 7 },
      { index: 1, key: 'incoming/x/part-00002.csv', versionId: 'v2', bytes: 5 },
      { index: 2, key: 'incoming/x/part-00010.csv', bytes: 5 },
    ]);
  });
});

describe('parsePartsManifest', () => {
  test('relative keys become full keys, in the manifest order', () => {
    expect(parsePartsManifest('{"parts": ["b.csv", "sub/a.csv"]}', 'incoming/x/_manifest.json')).toEqual(['incoming/x/b.csv', 'incoming/x/sub/a.csv']);
  });

  test.each([
    ['not json', /incoming\/x\/_manifest\.json is not JSON .*expected \{"parts": \["part-00000\.csv", …\]\}/],
    ['{}', /is not a parts manifest: parts: .*expected/],
    ['{"parts": []}', /parts: at least one part/],
    ['{"parts": ["a.csv", "a.csv"]}', /parts: each part listed once/],
    ['{"parts": ["../other/a.csv"]}', /parts\.0: no empty, "\." or "\.\." path segments/],
    ['{"parts": ["/incoming/a.csv"]}', /parts\.0: a key relative to the manifest's folder/],
    ['{"parts": ["a.csv", "_SUCCESS"]}', /parts\.1: a data file/],
  ])('%s is a PartsManifestError', (text, message) => {
    const parse = (): unknown => parsePartsManifest(text, 'incoming/x/_manifest.json');
    expect(parse).toThrow(PartsManifestError);
    expect(parse).toThrow(message);
  });

  test(`more than MAX_PARTS (${MAX_PARTS}) parts is a PartsManifestError`, () => {
    const text = JSON.stringify({ parts: Array.from({ length: MAX_PARTS + 1 }, (_, i) => `p${i}.csv`) });
    expect(() => parsePartsManifest(text, 'incoming/x/_manifest.json')).toThrow(/parts: at most 1000 parts/);
  });
});

describe('partsExecutionName', () => {
  test('named after the folder, deterministic per bucket, marker key and version', () => {
    const name = partsExecutionName('b', 'incoming/2001/q1 export/_SUCCESS', 'v1');
    expect(name).toMatch(/^run-q1-export-[0-9a-f]{20}$/);
    expect(partsExecutionName('b', 'incoming/2001/q1 export/_SUCCESS', 'v1')).toBe(name);
    expect(partsExecutionName('b', 'incoming/2001/q1 export/_SUCCESS', 'v2')).not.toBe(name);
    expect(partsExecutionName('b', 'incoming/2001/q1 export/_manifest.json', 'v1')).not.toBe(name);
    expect(partsExecutionName('c', 'incoming/2001/q1 export/_SUCCESS', 'v1')).not.toBe(name);
    expect(partsExecutionName('b', `incoming/${'x'.repeat(200)}/_SUCCESS`).length).toBeLessThanOrEqual(80);
  });
});

describe('mergePartValidations', () => {
  const dataset = flightsDataset();

  test('4 CSV parts of 20k real flights merge to the report and profile of the same rows in one file', async () => {
    // Prepare
    const parts = csvParts(4);
    const single = await validateDataset(memorySource('flights.csv', flightsCsv(flights())), dataset);

    // Act
    const validations = await Promise.all(parts.map((text, i) => validatePart(i, memorySource(`incoming/x/part-${i}.csv`, text, 4096), dataset)));
    const merged = mergePartValidations([...validations].reverse(), dataset, 'incoming/x/');

    // Assess
    expect(single.report.verdict).toBe('valid');
    expect(merged.report.rowCount).toBe(20_000);
    expect(merged.report.source).toEqual({ name: 'incoming/x/', format: 'csv', bytes: parts.reduce((s, p) => s + Buffer.byteLength(p), 0) });
    expect(merged.report.columns).toEqual([...FLIGHT_COLUMNS]);
    expect(comparable(merged)).toEqual(comparable(single));
  });

  test('bad rows in a later part are reported with their row number in the whole dataset', async () => {
    // Prepare
    const parts = csvParts(4);
    const lines = parts[2]!.split('\n');
    lines[5] = '2001/01/01 09:00,late,300,SFO,LAX'; // data row 4 of part 2
    parts[2] = lines.join('\n');

    // Act
    const validations = await Promise.all(parts.map((text, i) => validatePart(i, memorySource(`incoming/x/part-${i}.csv`, text), dataset)));
    const merged = mergePartValidations(validations, dataset, 'incoming/x/');

    // Assess
    expect(merged.report.verdict).toBe('invalid');
    const delayType = merged.report.results.find((r) => r.expectationType === 'expect_column_values_to_be_of_type' && r.kwargs.column === 'delay')!;
    expect(delayType.result.partialUnexpectedList).toEqual([{ row: 2 * 5000 + 5, value: 'late' }]);
  });

  test('a part whose header differs is a mismatched_parts failure naming the part', async () => {
    // Prepare
    const parts = csvParts(3);
    parts[1] = parts[1]!.replace('date,delay,distance,origin,destination', 'date,distance,delay,origin,destination');

    // Act
    const validations = await Promise.all(parts.map((text, i) => validatePart(i, memorySource(`incoming/x/part-${i}.csv`, text), dataset)));
    const merged = mergePartValidations(validations, dataset, 'incoming/x/');

    // Assess
    expect(merged.report.verdict).toBe('invalid');
    const mismatch = merged.report.failures.find((f) => f.kind === 'mismatched_parts')!;
    expect(mismatch.message).toMatch(/part 1 \(incoming\/x\/part-1\.csv\) has columns \[date, distance, delay, origin, destination\], the first part \(incoming\/x\/part-0\.csv\) has \[date, delay, distance, origin, destination\]/);
  });

  test('a part of another format is a mismatched_parts failure', async () => {
    // Prepare
    const csv = await validatePart(0, memorySource('incoming/x/a.csv', flightsCsv(flights(200))), dataset);
    const jsonl = await validatePart(1, memorySource('incoming/x/b.jsonl', `${JSON.stringify(flights(1)[0])}\n`), dataset);

    // Act
    const merged = mergePartValidations([csv, jsonl], dataset, 'incoming/x/');

    // Assess
    expect(merged.report.failures.map((f) => f.kind)).toContain('mismatched_parts');
    expect(merged.report.failures.find((f) => f.kind === 'mismatched_parts')!.message).toMatch(/part 1 \(incoming\/x\/b\.jsonl\) is jsonl, the first part \(incoming\/x\/a\.csv\) is csv/);
  });

  test('a missing part or no parts at all is a PartValidationError', async () => {
    // Prepare
    const a = await validatePart(0, memorySource('incoming/x/a.csv', flightsCsv(flights(10))), dataset);
    const c = await validatePart(2, memorySource('incoming/x/c.csv', flightsCsv(flights(10))), dataset);

    // Assess
    expect(() => mergePartValidations([a, c], dataset, 'incoming/x/')).toThrow(PartValidationError);
    expect(() => mergePartValidations([a, c], dataset, 'incoming/x/')).toThrow(/part 1 is missing \(next is 2, incoming\/x\/c\.csv\)/);
    expect(() => mergePartValidations([], dataset, 'incoming/x/')).toThrow(/no part validations to merge/);
  });

  test('a part state survives a JSON round trip (it is stored in S3 between the Map and the merge)', async () => {
    // Prepare
    const parts = csvParts(2, flights(3000));
    const validations = await Promise.all(parts.map((text, i) => validatePart(i, memorySource(`incoming/x/p${i}.csv`, text), dataset)));

    // Act
    const direct = mergePartValidations(validations, dataset, 'incoming/x/');
    const stored = mergePartValidations(JSON.parse(JSON.stringify(validations)), dataset, 'incoming/x/');

    // Assess
    expect(comparable(stored)).toEqual(comparable(direct));
  });
});

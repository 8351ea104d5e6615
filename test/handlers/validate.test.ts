/**
 * The validate Lambda against a real S3-protocol server (s3rver, in process): uploads real flights data
 * to `incoming/`, invokes the handler, and reads back what it filed. s3rver has no bucket versioning,
 * so no assertion here depends on a version id.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { parquetMetadata } from 'hyparquet';
import { loadConfig } from '../../config/load';
import { s3Client } from '../../lambda/aws/clients';
import { ObjectNotFoundError, s3DatasetSource } from '../../lambda/aws/s3-store';
import type { RunRecord } from '../../lambda/core/runs/run-record';
import type { ValidationReport } from '../../lambda/core/validation/report';
import type { DatasetProfile } from '../../lambda/core/validation/dataset-validator';
import { FLIGHTS_3M_PARQUET, FLIGHT_COLUMNS, flightCsvLine, flights, flightsCsv, flightsJsonLines, flightsParquet } from '../helpers/flights';
import { listKeys, type LocalS3, startS3rver } from '../helpers/s3rver';

type ValidateModule = typeof import('../../lambda/handlers/validate');

const DATA_BUCKET = 'mlops-data-test';
const ARTIFACT_BUCKET = 'mlops-artifacts-test';

let s3: LocalS3;
let validate: ValidateModule;
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3rver([DATA_BUCKET, ARTIFACT_BUCKET]);
  Object.assign(process.env, s3.env, {
    DATA_BUCKET,
    ARTIFACT_BUCKET,
    DATASET_SCHEMA: JSON.stringify(loadConfig({ env: 'dev' }).dataset),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  // The handler parses its environment at module load: import it only once the variables are set.
  validate = await import('../../lambda/handlers/validate');
});

afterAll(async () => {
  // The handler's process-wide client (same module registry as the handler) keeps sockets alive.
  s3Client().destroy();
  await s3?.stop();
  process.env = savedEnv;
});

async function put(key: string, body: string | Uint8Array): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: key, Body: body }));
}

async function bytesOf(bucket: string, key: string): Promise<Buffer> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function jsonOf<T>(bucket: string, key: string): Promise<T> {
  return JSON.parse((await bytesOf(bucket, key)).toString('utf8')) as T;
}

const keysUnder = (bucket: string, prefix: string): Promise<string[]> => listKeys(s3.client, bucket, prefix);

async function etagOf(bucket: string, key: string): Promise<string | undefined> {
  return (await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag;
}

function kinds(failures: ReadonlyArray<{ kind: string }>): string[] {
  return failures.map((f) => f.kind).sort();
}

describe('valid data', () => {
  test('a CSV slice of the real flights is accepted: report, profile and validated copy filed, original untouched', async () => {
    // Prepare
    const key = 'incoming/2001/01/flights-5k.csv';
    const body = Buffer.from(flightsCsv(flights(5000)), 'utf8');
    await put(key, body);
    const etag = await etagOf(DATA_BUCKET, key);

    // Act
    const result = await validate.handler({ runId: 'run-csv-valid', key });

    // Assess
    expect(result).toEqual({
      runId: 'run-csv-valid',
      verdict: 'valid',
      source: { key, bytes: body.byteLength },
      rowCount: 5000,
      reportKey: 'runs/run-csv-valid/validate/report.json',
      profileKey: 'runs/run-csv-valid/validate/profile.json',
      validatedKey: 'validated/run-csv-valid/2001/01/flights-5k.csv',
      failures: [],
    });
    expect(result).not.toHaveProperty('profile');
    const report = await jsonOf<ValidationReport>(ARTIFACT_BUCKET, result.reportKey);
    expect(report).toMatchObject({ success: true, verdict: 'valid', rowCount: 5000, columns: [...FLIGHT_COLUMNS], failures: [] });
    expect(report.source).toEqual({ name: key, format: 'csv', bytes: body.byteLength });
    expect(report.results.every((r) => r.success)).toBe(true);
    const profile = await jsonOf<DatasetProfile & { source: unknown; createdAt: string }>(ARTIFACT_BUCKET, result.profileKey!);
    expect(profile.rowCount).toBe(5000);
    expect(Object.keys(profile.columns).sort()).toEqual([...FLIGHT_COLUMNS].sort());
    expect(profile.columns.delay).toMatchObject({ count: 5000, nullCount: 0, invalidCount: 0 });
    const delays = flights(5000).map((f) => f.delay);
    expect(profile.columns.delay!.numeric!.min).toBe(Math.min(...delays));
    expect(profile.columns.delay!.numeric!.max).toBe(Math.max(...delays));
    expect(profile.columns.delay!.numeric!.mean).toBeCloseTo(delays.reduce((a, b) => a + b, 0) / delays.length, 9);
    expect(profile.source).toEqual(result.source);
    expect(Number.isNaN(Date.parse(profile.createdAt))).toBe(false);
    expect((await bytesOf(DATA_BUCKET, result.validatedKey!)).equals(body)).toBe(true);
    expect((await bytesOf(DATA_BUCKET, key)).equals(body)).toBe(true);
    expect(await etagOf(DATA_BUCKET, key)).toBe(etag);
    expect(await keysUnder(DATA_BUCKET, 'quarantine/run-csv-valid/')).toEqual([]);
    expect(await keysUnder(ARTIFACT_BUCKET, 'runs/run-csv-valid/')).toEqual(['runs/run-csv-valid/run.json', result.profileKey, result.reportKey].sort());
    expect(await jsonOf<RunRecord>(ARTIFACT_BUCKET, 'runs/run-csv-valid/run.json')).toMatchObject({
      status: 'running',
      stages: { validate: { status: 'succeeded', outputs: { verdict: 'valid', rowCount: 5000 } } },
      metrics: { rowsValidated: 5000 },
    });
  });

  test('a JSON Lines file of the real flights is accepted', async () => {
    // Prepare
    const key = 'incoming/flights-2k.jsonl';
    const body = Buffer.from(flightsJsonLines(flights(2000)), 'utf8');
    await put(key, body);

    // Act
    const result = await validate.handler({ runId: 'run-jsonl-valid', bucket: DATA_BUCKET, key });

    // Assess
    expect(result).toMatchObject({ verdict: 'valid', rowCount: 2000, failures: [], validatedKey: 'validated/run-jsonl-valid/flights-2k.jsonl' });
    const report = await jsonOf<ValidationReport>(ARTIFACT_BUCKET, result.reportKey);
    expect(report.source.format).toBe('jsonl');
    expect(report.rowCount).toBe(2000);
    expect((await jsonOf<DatasetProfile>(ARTIFACT_BUCKET, result.profileKey!)).columns.origin!.count).toBe(2000);
    expect((await bytesOf(DATA_BUCKET, result.validatedKey!)).equals(body)).toBe(true);
    expect((await bytesOf(DATA_BUCKET, key)).equals(body)).toBe(true);
  });
  test('a key with a space and non-ASCII letters is read and copied under the same relative path', async () => {
    // Prepare
    const key = 'incoming/2001 Q1/flüge – jan.csv';
    const body = Buffer.from(flightsCsv(flights(1000)), 'utf8');
    await put(key, body);

    // Act
    const result = await validate.handler({ runId: 'run-odd-key', key });

    // Assess
    expect(result).toMatchObject({ verdict: 'valid', rowCount: 1000, validatedKey: 'validated/run-odd-key/2001 Q1/flüge – jan.csv' });
    expect((await bytesOf(DATA_BUCKET, result.validatedKey!)).equals(body)).toBe(true);
  });
});

describe('invalid data', () => {
  test('ragged rows and bad values: quarantined byte-for-byte with the report beside it, original untouched', async () => {
    // Prepare: 1,500 real rows, then break three of them.
    const lines = flightsCsv(flights(1500)).split('\n');
    lines[3] = `${lines[3]},EXTRA`; // data row 3: six fields
    lines[10] = '2001/01/01 09:00,12,300,SFO'; // data row 10: four fields
    lines[20] = '2001/01/01 10:00,late,300,SFO,LAX'; // data row 20: delay is not an integer
    lines[30] = '2001/01/01 11:00,5,300,sfo,LAX'; // data row 30: origin breaks ^[A-Z]{3}$
    const body = Buffer.from(lines.join('\n'), 'utf8');
    const key = 'incoming/broken/flights.csv';
    await put(key, body);
    const etag = await etagOf(DATA_BUCKET, key);

    // Act
    const result = await validate.handler({ runId: 'run-csv-invalid', key });

    // Assess
    expect(result).toMatchObject({
      verdict: 'invalid',
      rowCount: 1500,
      reportKey: 'runs/run-csv-invalid/validate/report.json',
      quarantineKey: 'quarantine/run-csv-invalid/broken/flights.csv',
    });
    expect(result).not.toHaveProperty('profileKey');
    expect(result).not.toHaveProperty('validatedKey');
    expect(kinds(result.failures)).toEqual(['expectations_failed', 'ragged_rows']);
    expect((await bytesOf(DATA_BUCKET, result.quarantineKey!)).equals(body)).toBe(true);
    const beside = await jsonOf<ValidationReport>(DATA_BUCKET, `${result.quarantineKey}.report.json`);
    const filed = await jsonOf<ValidationReport>(ARTIFACT_BUCKET, result.reportKey);
    expect(beside).toEqual(filed);
    expect(beside.verdict).toBe('invalid');
    const ragged = beside.failures.find((f) => f.kind === 'ragged_rows')!;
    expect(ragged.count).toBe(2);
    expect(ragged.samples!.map((s) => s.row)).toEqual([3, 10]);
    const delayType = beside.results.find((r) => r.expectationType === 'expect_column_values_to_be_of_type' && r.kwargs.column === 'delay')!;
    expect(delayType.result.unexpectedCount).toBe(1);
    expect(delayType.result.partialUnexpectedList).toEqual([{ row: 20, value: 'late' }]);
    const originRegex = beside.results.find((r) => r.expectationType === 'expect_column_values_to_match_regex' && r.kwargs.column === 'origin')!;
    expect(originRegex.success).toBe(false);
    expect(originRegex.result.partialUnexpectedList).toEqual([{ row: 30, value: 'sfo' }]);
    expect((await bytesOf(DATA_BUCKET, key)).equals(body)).toBe(true);
    expect(await etagOf(DATA_BUCKET, key)).toBe(etag);
    expect(await keysUnder(DATA_BUCKET, 'validated/run-csv-invalid/')).toEqual([]);
    expect(await keysUnder(ARTIFACT_BUCKET, 'runs/run-csv-invalid/')).toEqual([result.reportKey, 'runs/run-csv-invalid/run.json'].sort());
  });

  test('a JSON Lines file with malformed lines is quarantined with the lines named', async () => {
    // Prepare
    const lines = flightsJsonLines(flights(1200)).split('\n');
    lines[4] = '{"date":"2001/01/01 09:00","delay":1,'; // line 5: cut short
    lines[7] = '[1,2,3]'; // line 8: not an object
    const body = lines.join('\n');
    const key = 'incoming/flights-bad.jsonl';
    await put(key, body);

    // Act
    const result = await validate.handler({ runId: 'run-jsonl-invalid', key });

    // Assess
    expect(result.verdict).toBe('invalid');
    expect(kinds(result.failures)).toContain('malformed_json_line');
    const beside = await jsonOf<ValidationReport>(DATA_BUCKET, `${result.quarantineKey}.report.json`);
    const malformed = beside.failures.find((f) => f.kind === 'malformed_json_line')!;
    expect(malformed.count).toBe(2);
    expect(malformed.samples!.map((s) => s.row)).toEqual([5, 8]);
    expect((await bytesOf(DATA_BUCKET, result.quarantineKey!)).toString('utf8')).toBe(body);
    expect((await bytesOf(DATA_BUCKET, key)).toString('utf8')).toBe(body);
  });

  test('gzip bytes under a .csv name are named compressed content and quarantined as they are', async () => {
    // Prepare: 8 MiB that start like a gzip stream.
    const body = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 2654435761) >>> 24;
    body[0] = 0x1f;
    body[1] = 0x8b;
    const key = 'incoming/flights-jan.csv';
    await put(key, body);

    // Act
    const result = await validate.handler({ runId: 'run-gzip', key });

    // Assess
    expect(result.verdict).toBe('invalid');
    expect(kinds(result.failures)).toEqual(['compressed_content']);
    expect(result.rowCount).toBe(0);
    expect((await bytesOf(DATA_BUCKET, result.quarantineKey!)).equals(body)).toBe(true);
  });

  test('CSV content under a .parquet name is quarantined as unreadable Parquet', async () => {
    // Prepare
    const key = 'incoming/not-really.parquet';
    await put(key, flightsCsv(flights(10)));

    // Act
    const result = await validate.handler({ runId: 'run-fake-parquet', key });

    // Assess
    expect(result.verdict).toBe('invalid');
    expect(kinds(result.failures)).toEqual(['unreadable_parquet']);
    expect(result.quarantineKey).toBe('quarantine/run-fake-parquet/not-really.parquet');
  });
});

describe('Parquet over ranged GETs', () => {
  test('slices of an S3 source over the real 3M-row flights file are byte-exact against the file on disk', async () => {
    // Prepare
    const parquetBytes = readFileSync(FLIGHTS_3M_PARQUET);
    const key = 'incoming/flights-3m.parquet';
    await put(key, parquetBytes);
    const source = await s3DatasetSource(s3.client, { bucket: DATA_BUCKET, key });
    const buffer = await source.asyncBuffer();
    const size = parquetBytes.byteLength;

    // Act
    const slices = await Promise.all([
      buffer.slice(0, 4),
      buffer.slice(size - 8),
      buffer.slice(1_000_003, 1_065_539),
      buffer.slice(size - 1, size),
      buffer.slice(10, 10),
    ]);

    // Assess
    expect(source.size).toBe(size);
    expect(buffer.byteLength).toBe(size);
    expect(Buffer.from(slices[0]!).toString('latin1')).toBe('PAR1');
    expect(Buffer.from(slices[1]!).equals(parquetBytes.subarray(size - 8))).toBe(true);
    expect(Buffer.from(slices[2]!).equals(parquetBytes.subarray(1_000_003, 1_065_539))).toBe(true);
    expect(Buffer.from(slices[3]!).equals(parquetBytes.subarray(size - 1))).toBe(true);
    expect(slices[4]!.byteLength).toBe(0);
  });

  test('a small Parquet with out-of-range values is quarantined byte-for-byte with row numbers in the report', async () => {
    // Prepare: 1,500 real flights written as Parquet, two values broken.
    const rows = flights(1500).map((f, i) => (i === 99 ? { ...f, origin: 'sfo' } : i === 199 ? { ...f, distance: 0 } : f));
    const body = flightsParquet(rows);
    const small = 'incoming/small/flights-1500.parquet';
    await put(small, body);

    // Act
    const result = await validate.handler({ runId: 'run-parquet-invalid', key: small });

    // Assess
    expect(result).toMatchObject({ verdict: 'invalid', rowCount: 1500, quarantineKey: 'quarantine/run-parquet-invalid/small/flights-1500.parquet' });
    expect(kinds(result.failures)).toEqual(['expectations_failed']);
    const beside = await jsonOf<ValidationReport>(DATA_BUCKET, `${result.quarantineKey}.report.json`);
    expect(beside.source.format).toBe('parquet');
    expect(beside.results.filter((r) => !r.success).map((r) => `${r.expectationType}:${String(r.kwargs.column)}`)).toEqual([
      'expect_column_values_to_be_between:distance',
      'expect_column_values_to_match_regex:origin',
    ]);
    const origin = beside.results.find((r) => r.expectationType === 'expect_column_values_to_match_regex' && r.kwargs.column === 'origin')!;
    expect(origin.result.partialUnexpectedList).toEqual([{ row: 100, value: 'sfo' }]);
    const distance = beside.results.find((r) => r.expectationType === 'expect_column_values_to_be_between' && r.kwargs.column === 'distance')!;
    expect(distance.result.partialUnexpectedList).toEqual([{ row: 200, value: 0 }]);
    expect(Buffer.from(body).equals(await bytesOf(DATA_BUCKET, result.quarantineKey!))).toBe(true);
    expect(Buffer.from(body).equals(await bytesOf(DATA_BUCKET, small))).toBe(true);
  });

  test('a Parquet of 20,000 real flights in 4 row groups is validated through ranged reads only', async () => {
    // Prepare: record every GetObject the handler's own client sends.
    const body = Buffer.from(flightsParquet(flights(), 5000));
    const key20k = 'incoming/flights-20k.parquet';
    await put(key20k, body);
    const ranges: Array<string | undefined> = [];
    const client: S3Client = s3Client();
    const name = 'record-get-ranges';
    client.middlewareStack.add(
      (next, context) => async (args) => {
        // Reads of the data (not of the run record in the artifact bucket).
        const input = args.input as { Range?: string; Bucket?: string };
        if (context.commandName === 'GetObjectCommand' && input.Bucket === DATA_BUCKET) ranges.push(input.Range);
        return next(args);
      },
      { step: 'initialize', name },
    );

    // Act
    let result: Awaited<ReturnType<ValidateModule['handler']>>;
    try {
      result = await validate.handler({ runId: 'run-parquet-20k', key: key20k });
    } finally {
      client.middlewareStack.remove(name);
    }

    // Assess
    expect(result).toMatchObject({ verdict: 'valid', rowCount: 20_000, failures: [], validatedKey: 'validated/run-parquet-20k/flights-20k.parquet' });
    expect(parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer).row_groups).toHaveLength(4);
    expect(ranges.every((r) => r !== undefined && /^bytes=\d+-\d+$/.test(r))).toBe(true);
    const spans = ranges.map((r) => r!.slice('bytes='.length).split('-').map(Number) as [number, number]);
    // The magic bytes, then hyparquet's footer prefetch (the last 512 KiB: here the whole file), then the row groups.
    const [magic, footer, ...groups] = spans;
    expect(magic).toEqual([0, 3]);
    expect(footer).toEqual([Math.max(0, body.byteLength - 512 * 1024), body.byteLength - 1]);
    expect(groups.length).toBeGreaterThanOrEqual(4);
    const sorted = [...groups].sort((a, b) => a[0] - b[0]);
    expect(sorted.every(([start], i) => i === 0 || start > sorted[i - 1]![1])).toBe(true); // each column chunk is read once
    const profile = await jsonOf<DatasetProfile>(ARTIFACT_BUCKET, result.profileKey!);
    expect(profile.rowCount).toBe(20_000);
    for (const column of FLIGHT_COLUMNS) expect(profile.columns[column]!).toMatchObject({ count: 20_000, nullCount: 0, invalidCount: 0 });
    expect(profile.columns.distance!.numeric!.max).toBe(Math.max(...flights().map((f) => f.distance)));
    expect((await bytesOf(DATA_BUCKET, result.validatedKey!)).equals(body)).toBe(true);
    expect((await bytesOf(DATA_BUCKET, key20k)).equals(body)).toBe(true);
  });
});

describe('a large object', () => {
  /** Generate CSV of at least `targetBytes` lazily, cycling through the real flights. */
  function* largeCsv(targetBytes: number, counter: { rows: number; bytes: number }): Generator<Buffer> {
    const rows = flights().map((f) => `${flightCsvLine(f)}\n`);
    const header = Buffer.from(`${FLIGHT_COLUMNS.join(',')}\n`);
    counter.bytes += header.byteLength;
    yield header;
    let i = 0;
    while (counter.bytes < targetBytes) {
      let batch = '';
      for (let k = 0; k < 2000; k++, i++) batch += rows[i % rows.length];
      const chunk = Buffer.from(batch, 'utf8');
      counter.rows += 2000;
      counter.bytes += chunk.byteLength;
      yield chunk;
    }
  }

  test('a ~200 MB CSV uploaded in parts is streamed with heap growth far below its size', async () => {
    // Prepare
    const key = 'incoming/large/flights-200mb.csv';
    const counter = { rows: 0, bytes: 0 };
    await new Upload({
      client: s3.client,
      params: { Bucket: DATA_BUCKET, Key: key, Body: Readable.from(largeCsv(200 * 1024 * 1024, counter)) },
      partSize: 16 * 1024 * 1024,
      queueSize: 2,
    }).done();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 10);

    // Act
    let result: Awaited<ReturnType<ValidateModule['handler']>>;
    try {
      result = await validate.handler({ runId: 'run-large', key });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed);

    // Assess
    expect(result).toMatchObject({ verdict: 'valid', rowCount: counter.rows, failures: [] });
    expect(result.source.bytes).toBe(counter.bytes);
    expect(counter.bytes).toBeGreaterThanOrEqual(200 * 1024 * 1024);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
    expect((await jsonOf<DatasetProfile>(ARTIFACT_BUCKET, result.profileKey!)).columns.date!.count).toBe(counter.rows);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: DATA_BUCKET, Key: result.validatedKey! }));
    expect(head.ContentLength).toBe(counter.bytes);
    // ~30 s on an idle 2-CPU machine, most of it Jest's VM-context overhead on the parse loop; room for a busy CI box.
  }, 120_000);
});

describe('bad requests', () => {
  test.each([
    ['no runId', { key: 'incoming/a.csv' }, /runId/],
    ['a runId with a slash', { runId: 'a/b', key: 'incoming/a.csv' }, /runId: letters, digits/],
    ['the runId ".."', { runId: '..', key: 'incoming/a.csv' }, /runId: .*not "\." or "\.\."/],
    ['the runId "."', { runId: '.', key: 'incoming/a.csv' }, /runId: .*not "\." or "\.\."/],
    ['an empty key', { runId: 'r1', key: '' }, /key/],
    ['a numeric key', { runId: 'r1', key: 42 }, /key/],
    ['an empty versionId', { runId: 'r1', key: 'incoming/a.csv', versionId: '' }, /versionId/],
    ['a key outside incoming/', { runId: 'r1', key: 'validated/r0/a.csv' }, /key: a key under incoming\//],
    ['the incoming/ prefix itself', { runId: 'r1', key: 'incoming/' }, /key: a key under incoming\//],
    ['no object at all', null, /\(event\)/],
  ])('%s is an InvalidEventError naming the field', async (_label, event, message) => {
    // Act
    const call = validate.handler(event);

    // Assess
    await expect(call).rejects.toThrow(validate.InvalidEventError);
    await expect(call).rejects.toThrow(message);
  });

  test('an event naming another bucket is refused before any read', async () => {
    // Act
    const call = validate.handler({ runId: 'r-other', bucket: ARTIFACT_BUCKET, key: 'incoming/x.csv' });

    // Assess
    await expect(call).rejects.toThrow(validate.InvalidEventError);
    await expect(call).rejects.toThrow(`validate reads only the data bucket ${DATA_BUCKET}, got ${ARTIFACT_BUCKET}`);
  });

  test('a missing object is an ObjectNotFoundError naming it, and nothing is filed', async () => {
    // Act
    const call = validate.handler({ runId: 'run-missing', key: 'incoming/nope.csv' });

    // Assess
    await expect(call).rejects.toThrow(ObjectNotFoundError);
    await expect(call).rejects.toThrow(`s3://${DATA_BUCKET}/incoming/nope.csv does not exist`);
    expect(await keysUnder(ARTIFACT_BUCKET, 'runs/run-missing/')).toEqual([]);
    expect(await keysUnder(DATA_BUCKET, 'quarantine/run-missing/')).toEqual([]);
  });
});

/**
 * The predict request's envelope and the check of each record against the model's contract: every
 * refusal names the instance, the field and the expectation.
 */
import type { DatasetConfig } from '../../../config/schema';
import { BadRequestError, InvalidModelError } from '../../../lambda/core/serving/errors';
import { assertRecords, checkRecords, formatProblem, parsePredictRequest, requestContract, type RawRecord, type RequestContract } from '../../../lambda/core/serving/request';
import { trainFixture } from './fixtures';

const GOOD: RawRecord = { date: '2001/01/14 21:55', distance: 1000, origin: 'SFO', destination: 'LAX' };

async function contract(overrides: Partial<Pick<DatasetConfig, 'unknownColumns'>> & { nullable?: string[] } = {}): Promise<RequestContract> {
  const run = await trainFixture();
  const columns = Object.fromEntries(Object.entries(run.config.dataset.columns).map(([name, c]) => [name, { ...c, nullable: overrides.nullable?.includes(name) ?? false }]));
  return requestContract(run.spec, { columns, unknownColumns: overrides.unknownColumns ?? 'fail' });
}

/** The error a function throws (undefined when it returns). */
function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
}

function messages(records: RawRecord[], c: RequestContract): string[] {
  return checkRecords(records, c).problems.map(formatProblem);
}

describe('the envelope', () => {
  test('a JSON object is one record; {"instances": [...]} is a batch', () => {
    // Act
    const single = parsePredictRequest(GOOD, { maxBatch: 3 });
    const batch = parsePredictRequest({ instances: [GOOD, GOOD] }, { maxBatch: 3 });
    const explained = parsePredictRequest({ instances: [GOOD], explain: true }, { maxBatch: 3 });

    // Assess: only a batch can ask for explanations (in a single record "explain" would be a column).
    expect(single).toEqual({ instances: [GOOD], batch: false, explain: false });
    expect(batch).toEqual({ instances: [GOOD, GOOD], batch: true, explain: false });
    expect(explained).toEqual({ instances: [GOOD], batch: true, explain: true });
  });

  test.each([
    ['an array', [GOOD], /the body must be a JSON object.*got an array/],
    ['a number', 42, /got the number 42/],
    ['null', null, /got null/],
    ['a string', 'hello', /got the string "hello"/],
    ['too many instances', { instances: [GOOD, GOOD, GOOD, GOOD] }, /instances: at most 3 records \(serving\.maxBatch\), got 4/],
    ['empty instances', { instances: [] }, /instances: at least one record/],
    ['instances not an array', { instances: GOOD }, /instances: an array of records/],
    ['a non-object instance', { instances: [GOOD, 7] }, /instances\[1\]: expected a record \(a JSON object\), got the number 7/],
    ['an extra top-level field', { instances: [GOOD], verbose: true }, /unknown top-level field 'verbose': a batch is \{"instances": \[record, …\], "explain"\?: true\|false\}/],
  ])('%s is a BadRequestError', (_name, body, message) => {
    // Act
    const act = () => parsePredictRequest(body, { maxBatch: 3 });

    // Assess
    expect(act).toThrow(BadRequestError);
    expect(act).toThrow(message);
  });
});

describe('the contract of a model', () => {
  test('fields are the spec\'s feature columns with their trained type; every declared column is known', async () => {
    // Act
    const c = await contract({ nullable: ['distance'] });

    // Assess
    expect(c.fields).toEqual([
      { name: 'origin', type: 'category', nullable: false },
      { name: 'destination', type: 'category', nullable: false },
      { name: 'distance', type: 'integer', nullable: true },
      { name: 'date', type: 'datetime', nullable: false },
    ]);
    expect([...c.declared].sort()).toEqual(['date', 'delay', 'destination', 'distance', 'origin']);
  });

  test('a spec column without a known type is an InvalidModelError', async () => {
    // Prepare
    const run = await trainFixture();

    // Act
    const act = () => requestContract({ ...run.spec, columnTypes: { ...run.spec.columnTypes, distance: 'float128' } }, run.config.dataset);

    // Assess
    expect(act).toThrow(InvalidModelError);
    expect(act).toThrow(/feature column 'distance' has no known type \(columnTypes says "float128"\)/);
  });
});

describe('records', () => {
  test('a good record, and the target or other declared columns beside it, pass', async () => {
    // Prepare
    const c = await contract();

    // Act
    const check = checkRecords([GOOD, { ...GOOD, delay: 12 }, { ...GOOD, origin: 'NEVER-SEEN' }], c);

    // Assess
    expect(check).toEqual({ problems: [], warnings: [] });
  });

  test.each([
    ['a missing feature', { date: GOOD.date, origin: 'SFO', destination: 'LAX' }, "instance 0, field 'distance': expected a whole JSON number, got nothing (the field is missing)"],
    ['a numeric string', { ...GOOD, distance: '1000' }, "field 'distance': expected a whole JSON number, got the string \"1000\" (numbers are not accepted as strings)"],
    ['"NaN"', { ...GOOD, distance: 'NaN' }, 'got the string "NaN" (JSON has no NaN or Infinity'],
    ['"Infinity"', { ...GOOD, distance: 'Infinity' }, 'got the string "Infinity" (JSON has no NaN or Infinity'],
    ['"-inf"', { ...GOOD, distance: '-inf' }, 'got the string "-inf" (JSON has no NaN or Infinity'],
    ['a number out of range (1e999 parses to Infinity)', { ...GOOD, distance: Number.POSITIVE_INFINITY }, "field 'distance': expected a whole JSON number, got a number out of range (Infinity)"],
    ['a fraction for an integer', { ...GOOD, distance: 10.5 }, "field 'distance': expected a whole JSON number, got the number 10.5 (not a whole number)"],
    ['a boolean for a number', { ...GOOD, distance: true }, "field 'distance': expected a whole JSON number, got the boolean true"],
    ['null where not nullable', { ...GOOD, origin: null }, "field 'origin': expected a JSON string (category) (the column is not nullable), got null"],
    ['an empty string where not nullable', { ...GOOD, origin: '' }, "field 'origin': expected a JSON string (category) (the column is not nullable), got the empty string (read as a missing value)"],
    ['a number for a category', { ...GOOD, origin: 42 }, "field 'origin': expected a JSON string (category), got the number 42"],
    ['an object as a value', { ...GOOD, destination: { code: 'LAX' } }, "field 'destination': expected a JSON string (category), got an object"],
    ['an array as a value', { ...GOOD, destination: ['LAX'] }, "field 'destination': expected a JSON string (category), got an array"],
    ['a bad datetime', { ...GOOD, date: '14/01/2001' }, "field 'date': expected a date-time string such as \"2001-01-14T21:55:00Z\" or \"2001/01/14 21:55\" (no zone = UTC), got the string \"14/01/2001\""],
    ['an impossible date', { ...GOOD, date: '2001-02-30' }, "field 'date': expected a date-time string"],
    ['epoch milliseconds for a datetime', { ...GOOD, date: 979509300000 }, "field 'date': expected a date-time string such as \"2001-01-14T21:55:00Z\" or \"2001/01/14 21:55\" (no zone = UTC), got the number 979509300000"],
    ['an unknown field (fail)', { ...GOOD, seats: 180 }, "instance 0, field 'seats': expected no such field: one of the dataset's columns (date, delay, distance, origin, destination); dataset.unknownColumns is 'fail', got the number 180"],
  ])('%s is refused, naming the field and the expectation', async (_name, record, message) => {
    // Prepare
    const c = await contract();

    // Act
    const found = messages([record as RawRecord], c);

    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  test('null, "" and absence are accepted as missing only where the column is nullable', async () => {
    // Prepare
    const c = await contract({ nullable: ['distance'] });
    const { distance: _omitted, ...absent } = GOOD;

    // Act
    const accepted = messages([{ ...GOOD, distance: null }, { ...GOOD, distance: '' }], c);
    const missing = messages([absent], c);

    // Assess
    expect(accepted).toEqual([]);
    expect(missing).toEqual(["instance 0, field 'distance': expected a whole JSON number or null, got nothing (the field is missing; send null for a missing value)"]);
  });

  test('unknown fields: warn accepts with a warning, ignore accepts silently', async () => {
    // Prepare
    const warn = await contract({ unknownColumns: 'warn' });
    const ignore = await contract({ unknownColumns: 'ignore' });
    const records = [GOOD, { ...GOOD, seats: 180 }];

    // Act
    const warned = checkRecords(records, warn);
    const ignored = checkRecords(records, ignore);

    // Assess
    expect(warned).toEqual({ problems: [], warnings: ["instance 1, field 'seats': not a column of the dataset; ignored (dataset.unknownColumns is 'warn')"] });
    expect(ignored).toEqual({ problems: [], warnings: [] });
  });

  test('every problem of every instance is listed, each with its instance index', async () => {
    // Prepare
    const c = await contract();
    const records = [GOOD, { ...GOOD, distance: 'x', origin: null }, GOOD, { ...GOOD, date: 'soon' }];

    // Act
    const act = () => assertRecords(records, c);
    const thrown = thrownBy(act);

    // Assess
    expect(act).toThrow(/^invalid records: instance 1, field 'origin': .*; instance 1, field 'distance': .*; instance 3, field 'date': /);
    expect(thrown).toBeInstanceOf(BadRequestError);
    expect((thrown as BadRequestError).problems.map((p) => [p.instance, p.field])).toEqual([
      [1, 'origin'],
      [1, 'distance'],
      [3, 'date'],
    ]);
  });

  test('a batch with many bad records lists the first 50 and counts the rest', async () => {
    // Prepare
    const c = await contract();
    const records = Array.from({ length: 60 }, () => ({ ...GOOD, distance: 'far' }));

    // Act
    const act = () => assertRecords(records, c);

    // Assess
    expect(act).toThrow(/instance 49, field 'distance'.*; and 10 more$/);
  });
});

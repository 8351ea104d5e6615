/**
 * Checks from the dataset schema, with Great Expectations' result conventions: counts, percents over
 * non-missing values, up to 20 samples with 1-based row numbers (the header is not a row), `mostly`.
 */
import { MAX_SAMPLES } from '../../../lambda/core/validation/report';
import { datasetConfig, failedChecks, failureKinds, flightsDataset, resultOf, validateBytes, validateFixture } from '../../helpers/validation';

const FLIGHTS = flightsDataset();

describe('table checks', () => {
  test('a missing required column fails the column-set check and is named', async () => {
    // Act
    const { report } = await validateFixture('missing-required-column.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failureKinds(report)).toEqual(['expectations_failed']);
    expect(report.failures[0]!.message).toMatch(/expect_table_columns_to_match_set \(missing distance\)/);
    expect(failedChecks(report)).toEqual(['expect_table_columns_to_match_set']);
    expect(resultOf(report, 'expect_table_columns_to_match_set').result).toMatchObject({
      observedValue: ['date', 'delay', 'origin', 'destination'],
      details: { missingColumns: ['distance'], unknownColumns: [] },
    });
    // The absent column is reported once (by the table check), not as two all-null rows.
    expect(report.results.filter((r) => r.kwargs.column === 'distance')).toEqual([]);
  });

  test('a missing column that is not required passes', async () => {
    // Prepare
    const dataset = flightsDataset({}, { distance: { required: false } });
    // Act
    const { report } = await validateFixture('missing-required-column.csv', dataset);
    // Assess
    expect(report.verdict).toBe('valid');
    expect(report.rowCount).toBe(2);
  });

  test.each([
    ['fail', 'invalid', ['carrier'], false, [expect.stringMatching(/expect_table_columns_to_match_set \(unknown carrier\)/)]],
    ['warn', 'valid', ['carrier'], true, []],
    ['ignore', 'valid', [], true, []],
  ] as const)('an unknown column under policy %s: %s', async (policy, verdict, listed, success, messages) => {
    // Prepare
    const dataset = flightsDataset({ unknownColumns: policy });
    // Act
    const { report } = await validateFixture('unknown-column.csv', dataset);
    // Assess
    expect(report.verdict).toBe(verdict);
    const check = resultOf(report, 'expect_table_columns_to_match_set');
    expect(check.success).toBe(success);
    expect(check.kwargs.exact_match).toBe(policy === 'fail');
    expect(check.result.details).toEqual({ missingColumns: [], unknownColumns: listed, unknownColumnPolicy: policy });
    expect(report.failures.map((f) => f.message)).toEqual(messages);
  });

  test('unknown keys in JSON Lines follow the same policy', async () => {
    // Act
    const failing = await validateFixture('type-errors.jsonl', flightsDataset({}, { delay: { mostly: 0.5 }, destination: { nullable: true } }));
    const ignoring = await validateFixture('type-errors.jsonl', flightsDataset({ unknownColumns: 'ignore' }, { delay: { mostly: 0.5 }, destination: { nullable: true } }));
    // Assess
    expect(failedChecks(failing.report)).toEqual(['expect_table_columns_to_match_set']);
    expect(resultOf(failing.report, 'expect_table_columns_to_match_set').result.details).toMatchObject({ unknownColumns: ['carrier'] });
    expect(ignoring.report.verdict).toBe('valid');
  });

  test('fewer rows than rowCount.min fails the row-count check with the observed count', async () => {
    // Prepare
    const dataset = flightsDataset({ rowCount: { min: 1000 } });
    // Act
    const { report } = await validateFixture('too-few-rows.csv', dataset);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failedChecks(report)).toEqual(['expect_table_row_count_to_be_between']);
    expect(resultOf(report, 'expect_table_row_count_to_be_between')).toMatchObject({
      kwargs: { min_value: 1000, max_value: null },
      success: false,
      result: { observedValue: 3 },
    });
    expect(report.failures[0]!.message).toMatch(/expect_table_row_count_to_be_between \(observed 3\)/);
  });

  test('more rows than rowCount.max fails too, and the bounds are inclusive', async () => {
    // Act
    const over = await validateFixture('too-few-rows.csv', flightsDataset({ rowCount: { max: 2 } }));
    const exact = await validateFixture('too-few-rows.csv', flightsDataset({ rowCount: { min: 3, max: 3 } }));
    // Assess
    expect(failedChecks(over.report)).toEqual(['expect_table_row_count_to_be_between']);
    expect(exact.report.verdict).toBe('valid');
  });
});

describe('column checks', () => {
  test('type errors are counted with their raw values and 1-based rows', async () => {
    // Act
    const { report } = await validateFixture('type-errors.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failedChecks(report)).toEqual(['expect_column_values_to_be_of_type(delay)']);
    const check = resultOf(report, 'expect_column_values_to_be_of_type', 'delay');
    expect(check.kwargs).toEqual({ column: 'delay', type_: 'int' });
    expect(check.result).toEqual({
      elementCount: 5,
      missingCount: 0,
      missingPercent: 0,
      unexpectedCount: 2,
      unexpectedPercent: 40,
      unexpectedPercentTotal: 40,
      partialUnexpectedList: [
        { row: 2, value: 'late' },
        { row: 3, value: '-4.5' },
      ],
    });
    expect(report.failures[0]!.message).toMatch(/delay: expect_column_values_to_be_of_type \(2 unexpected, 40%\)/);
  });

  test('type errors in JSON Lines keep the JSON value', async () => {
    // Act
    const { report } = await validateFixture('type-errors.jsonl', flightsDataset({ unknownColumns: 'ignore' }));
    // Assess
    expect(failedChecks(report)).toEqual(['expect_column_values_to_be_of_type(delay)', 'expect_column_values_to_not_be_null(destination)']);
    expect(resultOf(report, 'expect_column_values_to_be_of_type', 'delay').result.partialUnexpectedList).toEqual([{ row: 2, value: 'late' }]);
    expect(resultOf(report, 'expect_column_values_to_not_be_null', 'destination').result.partialUnexpectedList).toEqual([{ row: 3, value: null }]);
  });

  test('values outside min/max fail the between check, per column', async () => {
    // Act
    const { report } = await validateFixture('out-of-range.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failedChecks(report)).toEqual(['expect_column_values_to_be_between(delay)', 'expect_column_values_to_be_between(distance)']);
    const delay = resultOf(report, 'expect_column_values_to_be_between', 'delay');
    expect(delay.kwargs).toEqual({ column: 'delay', min_value: -120, max_value: 2000 });
    expect(delay.result).toMatchObject({ unexpectedCount: 2, unexpectedPercent: 40, partialUnexpectedList: [{ row: 2, value: '-121' }, { row: 4, value: '2001' }] });
    const distance = resultOf(report, 'expect_column_values_to_be_between', 'distance');
    expect(distance.result).toMatchObject({ unexpectedCount: 1, partialUnexpectedList: [{ row: 5, value: '0' }] });
    expect(report.failures[0]!.message).toMatch(/delay: expect_column_values_to_be_between \(2 unexpected, 40%\); distance: expect_column_values_to_be_between \(1 unexpected, 20%\)/);
  });

  test('bounds are inclusive', async () => {
    // Prepare
    const text = 'date,delay,distance,origin,destination\n2001-01-01T00:00:00,-120,1,LAX,BNA\n2001-12-31T23:59:59,2000,6000,SJC,IAH\n';
    // Act
    const { report } = await validateBytes('edges.csv', text, FLIGHTS);
    // Assess
    expect(report.verdict).toBe('valid');
  });

  test('values not matching the regex fail the regex check', async () => {
    // Act
    const { report } = await validateFixture('regex-mismatch.csv', FLIGHTS);
    // Assess
    expect(failedChecks(report)).toEqual(['expect_column_values_to_match_regex(origin)', 'expect_column_values_to_match_regex(destination)']);
    expect(resultOf(report, 'expect_column_values_to_match_regex', 'origin')).toMatchObject({
      kwargs: { column: 'origin', regex: '^[A-Z]{3}$' },
      result: { unexpectedCount: 1, unexpectedPercent: 25, partialUnexpectedList: [{ row: 2, value: 'sjc' }] },
    });
    expect(resultOf(report, 'expect_column_values_to_match_regex', 'destination').result.partialUnexpectedList).toEqual([{ row: 3, value: 'PITT' }]);
  });

  test('a bad category is reported on every row it occurs in, not only the first', async () => {
    // Prepare: the same bad value three times (categories are checked once per distinct value).
    const text = 'date,delay,distance,origin,destination\n' + ['lax', 'LAX', 'lax', 'lax'].map((o) => `2001/01/01 06:55,1,2,${o},BNA`).join('\n');
    // Act
    const { report } = await validateBytes('repeat.csv', text, FLIGHTS);
    // Assess
    expect(resultOf(report, 'expect_column_values_to_match_regex', 'origin').result).toMatchObject({
      unexpectedCount: 3,
      partialUnexpectedList: [
        { row: 1, value: 'lax' },
        { row: 3, value: 'lax' },
        { row: 4, value: 'lax' },
      ],
    });
  });

  test('values outside the allowed set fail the in-set check', async () => {
    // Prepare
    const dataset = flightsDataset({}, { origin: { allowed: ['LAX', 'SJC', 'IAH', 'HNL'] } });
    // Act
    const { report } = await validateFixture('not-in-allowed-set.csv', dataset);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failedChecks(report)).toEqual(['expect_column_values_to_be_in_set(origin)']);
    expect(resultOf(report, 'expect_column_values_to_be_in_set', 'origin')).toMatchObject({
      kwargs: { column: 'origin', value_set: ['LAX', 'SJC', 'IAH', 'HNL'] },
      result: { unexpectedCount: 1, unexpectedPercent: 25, partialUnexpectedList: [{ row: 3, value: 'ORD' }] },
    });
  });

  test('nulls in non-nullable columns fail not-null; percents follow GE', async () => {
    // Act
    const { report } = await validateFixture('null-in-non-nullable.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failedChecks(report)).toEqual([
      'expect_column_values_to_not_be_null(date)',
      'expect_column_values_to_not_be_null(delay)',
      'expect_column_values_to_not_be_null(destination)',
    ]);
    expect(resultOf(report, 'expect_column_values_to_not_be_null', 'delay').result).toEqual({
      elementCount: 4,
      missingCount: 1,
      missingPercent: 25,
      unexpectedCount: 1,
      unexpectedPercent: 25,
      unexpectedPercentTotal: 25,
      partialUnexpectedList: [{ row: 2, value: null }],
    });
    // The type check sees only the 3 present values.
    expect(resultOf(report, 'expect_column_values_to_be_of_type', 'delay').result).toMatchObject({ unexpectedCount: 0, missingCount: 1 });
  });

  test('nulls pass in nullable columns, and percents are over the non-missing values', async () => {
    // Prepare: 10 rows, 2 nulls and 2 out-of-range delays.
    const delays = ['', '', '3000', '3000', '1', '2', '3', '4', '5', '6'];
    const text = 'date,delay,distance,origin,destination\n' + delays.map((d) => `2001/01/01 06:55,${d},100,LAX,BNA`).join('\n');
    const dataset = flightsDataset({}, { delay: { nullable: true } });
    // Act
    const { report } = await validateBytes('nullable.csv', text, dataset);
    // Assess
    expect(report.results.some((r) => r.expectationType === 'expect_column_values_to_not_be_null' && r.kwargs.column === 'delay')).toBe(false);
    expect(resultOf(report, 'expect_column_values_to_be_between', 'delay').result).toMatchObject({
      elementCount: 10,
      missingCount: 2,
      missingPercent: 20,
      unexpectedCount: 2,
      unexpectedPercent: 25,
      unexpectedPercentTotal: 20,
    });
  });

  test('datetimes outside the declared range fail the between check', async () => {
    // Act
    const { report } = await validateFixture('datetime-out-of-range.csv', FLIGHTS);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failedChecks(report)).toEqual(['expect_column_values_to_be_between(date)']);
    expect(resultOf(report, 'expect_column_values_to_be_between', 'date')).toMatchObject({
      kwargs: { column: 'date', min_value: '2001-01-01T00:00:00', max_value: '2001-12-31T23:59:59' },
      result: {
        unexpectedCount: 2,
        partialUnexpectedList: [
          { row: 2, value: '2000/12/31 23:59' },
          { row: 4, value: '2002/01/01 00:00' },
        ],
      },
    });
  });

  test('dates that are not calendar dates or not ISO are type errors, not range errors', async () => {
    // Prepare
    const dates = ['2001-02-30', '2001-13-01', '01/02/2001', '2001-01-01T24:00', '2001-01-01T10:00:00+0100', '2001-03-04 05:06:07.89Z'];
    const text = 'date,delay,distance,origin,destination\n' + dates.map((d) => `${d},1,2,LAX,BNA`).join('\n');
    // Act
    const { report } = await validateBytes('dates.csv', text, FLIGHTS);
    // Assess
    expect(resultOf(report, 'expect_column_values_to_be_of_type', 'date').result.partialUnexpectedList).toEqual([
      { row: 1, value: '2001-02-30' },
      { row: 2, value: '2001-13-01' },
      { row: 3, value: '01/02/2001' },
      { row: 4, value: '2001-01-01T24:00' },
    ]);
  });

  test('string lengths are checked against minLength/maxLength', async () => {
    // Prepare
    const dataset = datasetConfig({ code: { type: 'string', minLength: 2, maxLength: 3 } });
    // Act
    const { report } = await validateBytes('codes.csv', 'code\nA\nAB\nABC\nABCD\n', dataset);
    // Assess
    expect(resultOf(report, 'expect_column_value_lengths_to_be_between', 'code')).toMatchObject({
      kwargs: { column: 'code', min_value: 2, max_value: 3 },
      success: false,
      result: { unexpectedCount: 2, partialUnexpectedList: [{ row: 1, value: 'A' }, { row: 4, value: 'ABCD' }] },
    });
  });

  test('booleans accept the usual spellings and reject others', async () => {
    // Prepare
    const dataset = datasetConfig({ ok: { type: 'boolean' } });
    // Act
    const { report, profile } = await validateBytes('bools.csv', 'ok\ntrue\nFALSE\nyes\nN\n1\n0\nmaybe\n', dataset);
    // Assess
    expect(resultOf(report, 'expect_column_values_to_be_of_type', 'ok').result).toMatchObject({ unexpectedCount: 1, partialUnexpectedList: [{ row: 7, value: 'maybe' }] });
    expect(profile.columns.ok!.categorical!.frequencies).toEqual({ true: 3, false: 3 });
  });

  test('numbers refuse hex literals, words and infinities', async () => {
    // Prepare
    const dataset = datasetConfig({ x: { type: 'number' } });
    // Act
    const { report } = await validateBytes('nums.csv', 'x\n1.5\n-2e3\n 7 \n0x1A\nInfinity\nNaN\n1,5\n', { ...dataset, delimiter: ';' });
    // Assess
    expect(resultOf(report, 'expect_column_values_to_be_of_type', 'x').result.partialUnexpectedList).toEqual([
      { row: 4, value: '0x1A' },
      { row: 5, value: 'Infinity' },
      { row: 6, value: 'NaN' },
      { row: 7, value: '1,5' },
    ]);
  });
});

describe('samples and mostly', () => {
  test(`at most ${MAX_SAMPLES} samples are kept, but every bad value is counted`, async () => {
    // Prepare: 50 rows, every one out of range.
    const text = 'date,delay,distance,origin,destination\n' + Array.from({ length: 50 }, (_, i) => `2001/01/01 06:55,${5000 + i},100,LAX,BNA`).join('\n');
    // Act
    const { report } = await validateBytes('many-bad.csv', text, FLIGHTS);
    // Assess
    const result = resultOf(report, 'expect_column_values_to_be_between', 'delay').result;
    expect(result.unexpectedCount).toBe(50);
    expect(result.unexpectedPercent).toBe(100);
    expect(result.partialUnexpectedList).toHaveLength(MAX_SAMPLES);
    expect(result.partialUnexpectedList![0]).toEqual({ row: 1, value: '5000' });
    expect(result.partialUnexpectedList![MAX_SAMPLES - 1]).toEqual({ row: MAX_SAMPLES, value: String(5000 + MAX_SAMPLES - 1) });
  });

  /** 100 rows, every 20th delay out of range: 5% bad. */
  const fivePercentBad = 'date,delay,distance,origin,destination\n' + Array.from({ length: 100 }, (_, i) => `2001/01/01 06:55,${i % 20 === 19 ? 9999 : i},100,LAX,BNA`).join('\n') + '\n';

  test('mostly 0.9 tolerates 5% bad values', async () => {
    // Prepare
    const dataset = flightsDataset({}, { delay: { mostly: 0.9 } });
    // Act
    const { report } = await validateBytes('five-percent.csv', fivePercentBad, dataset);
    // Assess
    expect(report.verdict).toBe('valid');
    expect(resultOf(report, 'expect_column_values_to_be_between', 'delay')).toMatchObject({
      kwargs: { mostly: 0.9 },
      success: true,
      result: { unexpectedCount: 5, unexpectedPercent: 5 },
    });
  });

  test('mostly 0.99 does not', async () => {
    // Prepare
    const dataset = flightsDataset({}, { delay: { mostly: 0.99 } });
    // Act
    const { report } = await validateBytes('five-percent.csv', fivePercentBad, dataset);
    // Assess
    expect(report.verdict).toBe('invalid');
    expect(failedChecks(report)).toEqual(['expect_column_values_to_be_between(delay)']);
    expect(resultOf(report, 'expect_column_values_to_be_between', 'delay').result.partialUnexpectedList).toEqual([20, 40, 60, 80, 100].map((row) => ({ row, value: '9999' })));
  });

  test('mostly exactly at the bad share passes (the bound is inclusive)', async () => {
    // Prepare
    const dataset = flightsDataset({}, { delay: { mostly: 0.95 } });
    // Act
    const { report } = await validateBytes('five-percent.csv', fivePercentBad, dataset);
    // Assess
    expect(resultOf(report, 'expect_column_values_to_be_between', 'delay').success).toBe(true);
  });

  test('the report statistics count evaluated and failed expectations', async () => {
    // Act
    const { report } = await validateFixture('out-of-range.csv', FLIGHTS);
    // Assess: 2 table checks + per column (not null, type, between or regex) = 2 + 5 × 3.
    expect(report.statistics).toEqual({
      evaluatedExpectations: 17,
      successfulExpectations: 15,
      unsuccessfulExpectations: 2,
      successPercent: 88.2353,
    });
    expect(report.success).toBe(false);
    expect(report.source).toEqual({ name: 'out-of-range.csv', format: 'csv', bytes: 205 });
  });
});

/**
 * Behaviours fixed after the first review of the validation core: own-property reads in JSON Lines,
 * warnings for ignored columns, and a usable histogram for datetimes without declared bounds.
 */
import { datasetConfig, resultOf, validateBytes } from '../../helpers/validation';

describe('JSON Lines reads own properties only', () => {
  test('a column named "constructor" absent from a line is a null, not Object.prototype.constructor', async () => {
    // Prepare
    const dataset = datasetConfig({ id: { type: 'integer' }, constructor: { type: 'string', nullable: true, required: false } });
    const text = '{"id":1}\n{"id":2,"constructor":"x"}\n';

    // Act
    const { report, profile } = await validateBytes('objects.jsonl', text, dataset);

    // Assess
    expect(report.verdict).toBe('valid');
    expect(resultOf(report, 'expect_column_values_to_be_of_type', 'constructor').result.unexpectedCount).toBe(0);
    expect(profile.columns.constructor).toMatchObject({ count: 2, nullCount: 1, invalidCount: 0 });
  });
});

describe('unknown columns under the "warn" policy', () => {
  test('the file is valid and the report says which columns were ignored', async () => {
    // Prepare
    const dataset = datasetConfig({ id: { type: 'integer' } }, { unknownColumns: 'warn' });

    // Act
    const { report } = await validateBytes('extra.csv', 'id,carrier\n1,AA\n2,UA\n', dataset);

    // Assess
    expect(report.verdict).toBe('valid');
    expect(report.warnings).toEqual([expect.stringMatching(/carrier.*dataset\.unknownColumns is "warn"/)]);
  });

  test('under "fail" the warnings list stays empty and the file is invalid', async () => {
    // Prepare
    const dataset = datasetConfig({ id: { type: 'integer' } }, { unknownColumns: 'fail' });

    // Act
    const { report } = await validateBytes('extra.csv', 'id,carrier\n1,AA\n', dataset);

    // Assess
    expect(report.verdict).toBe('invalid');
    expect(report.warnings).toEqual([]);
  });
});

describe('datetime histogram without declared bounds', () => {
  test('values land in monthly bins, not in the overflow', async () => {
    // Prepare
    const dataset = datasetConfig({ at: { type: 'datetime' } });

    // Act
    const { profile } = await validateBytes('times.csv', 'at\n2001-01-15T10:00:00\n2001-01-20T10:00:00\n2001-03-02T00:00:00\n', dataset);

    // Assess
    const histogram = profile.columns.at!.numeric!.histogram;
    expect(histogram.overflow).toBe(0);
    expect(histogram.underflow).toBe(0);
    const january = histogram.edges.indexOf(Date.UTC(2001, 0, 1));
    expect(histogram.counts[january]).toBe(2);
    expect(histogram.counts[january + 2]).toBe(1);
  });
});

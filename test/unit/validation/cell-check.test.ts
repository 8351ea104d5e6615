/**
 * One cell against its column's declaration (a retrain admits labelled captures row by row): for every
 * column type and constraint, a value `cellViolation` refuses is exactly a value the validate stage's
 * ColumnValidator counts as unexpected — the two say the same thing about the same cells.
 */
import type { ColumnConfig } from '../../../config/schema';
import { ColumnValidator } from '../../../lambda/core/validation/column-validator';
import { cellViolation } from '../../../lambda/core/validation/cell-check';

const CASES: ReadonlyArray<readonly [string, ColumnConfig, readonly unknown[]]> = [
  ['integer 1..6000', { type: 'integer', min: 1, max: 6000 } as ColumnConfig, [1, 6000, 0, 6001, '950', 'x', 2.5, null, '']],
  ['nullable number', { type: 'number', max: 10, nullable: true } as ColumnConfig, [9.5, 10.5, null, 'NaN', '3e1']],
  ['datetime 2001', { type: 'datetime', min: '2001-01-01T00:00:00', max: '2001-12-31T23:59:59' } as ColumnConfig, ['2001-04-01T08:00:00', '2002-01-01T00:00:00', '2001-02-30T00:00:00', 'soon']],
  ['airport code', { type: 'category', regex: '^[A-Z]{3}$' } as ColumnConfig, ['SFO', 'sfo', 'SFOX', 7]],
  ['allowed set', { type: 'category', allowed: ['a', 'b'] } as ColumnConfig, ['a', 'c', null]],
  ['string lengths', { type: 'string', minLength: 2, maxLength: 3 } as ColumnConfig, ['ab', 'a', 'abcd']],
  ['boolean', { type: 'boolean' } as ColumnConfig, [true, 'yes', 'n', 'maybe']],
];

test.each(CASES)('%s: refused cells are the validator’s unexpected ones, one by one', (_name, spec, values) => {
  for (const value of values) {
    // Act
    const validator = new ColumnValidator('c', { ...spec, mostly: 1 } as ColumnConfig);
    validator.accept(value, 1);
    const unexpected = validator.results().some((r) => (r.result.unexpectedCount ?? 0) > 0);

    // Assess
    expect({ value, refused: cellViolation(spec, value) !== undefined }).toEqual({ value, refused: unexpected });
  }
});

test('the reason names what is wrong', () => {
  expect(cellViolation({ type: 'integer', min: 1, max: 6000 } as ColumnConfig, 7000)).toBe('7000 is outside [1, 6000]');
  expect(cellViolation({ type: 'category', regex: '^[A-Z]{3}$' } as ColumnConfig, 'sfo')).toBe('"sfo" does not match ^[A-Z]{3}$');
  expect(cellViolation({ type: 'integer' } as ColumnConfig, null)).toBe('missing, and the column is not nullable');
});

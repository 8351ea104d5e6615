/** Cell parsers: what each declared type accepts, and what it refuses (a type failure, not a null). */
import { isNullCell, parseBoolean, parseDateTime, parseDateTimeString, parseInteger, parseNumber, parseText } from '../../../lambda/core/validation/values';

describe('parseDateTimeString', () => {
  test.each([
    ['2001-01-01', Date.UTC(2001, 0, 1)],
    ['2001/01/14 21:55', Date.UTC(2001, 0, 14, 21, 55)],
    ['2001-01-14T21:55', Date.UTC(2001, 0, 14, 21, 55)],
    ['2001-01-14T21:55:07', Date.UTC(2001, 0, 14, 21, 55, 7)],
    ['2001-01-14T21:55:07.123', Date.UTC(2001, 0, 14, 21, 55, 7, 123)],
    ['2001-01-14T21:55:07.1239', Date.UTC(2001, 0, 14, 21, 55, 7, 123)],
    ['2001-01-14T21:55:07Z', Date.UTC(2001, 0, 14, 21, 55, 7)],
    ['2001-01-14T21:55:07+02:00', Date.UTC(2001, 0, 14, 19, 55, 7)],
    ['2001-01-14T21:55-0130', Date.UTC(2001, 0, 14, 23, 25)],
    ['2000-02-29', Date.UTC(2000, 1, 29)],
    ['1969-12-31T23:59:59Z', -1000],
  ])('reads %s', (text, expected) => {
    // Act
    const ms = parseDateTimeString(text);
    // Assess
    expect(ms).toBe(expected);
  });

  test.each([
    '2001-02-29', // not a leap year
    '1900-02-29', // century, not a leap year
    '2001-04-31',
    '2001-13-01',
    '2001-00-10',
    '2001-01-00',
    '2001-1-1',
    '01/14/2001',
    '14.01.2001',
    '2001-01-14T24:00',
    '2001-01-14T21:60',
    '2001-01-14T21:55:60',
    '2001-01-14T21:55:07.',
    '2001-01-14T21:55Q',
    '2001-01-14T21:55+2',
    '2001-01-14 ',
    '2001-01-14T9:05',
    'yesterday',
    '',
  ])('refuses %j', (text) => {
    // Act / Assess
    expect(parseDateTimeString(text)).toBeUndefined();
  });

  test('reads a range of a longer text without slicing it', () => {
    // Prepare
    const line = 'x,2001-01-14 21:55,y';
    // Act / Assess
    expect(parseDateTimeString(line, 2, 18)).toBe(Date.UTC(2001, 0, 14, 21, 55));
    expect(parseDateTimeString(line, 2, 12)).toBe(Date.UTC(2001, 0, 14));
  });

  test('an invalid date after a valid one of the same day prefix is still refused', () => {
    // Act: parse a valid date, then malformed texts that share its first characters.
    const valid = parseDateTimeString('2001-03-04');
    const badMonth = parseDateTimeString('2001-0x-04');
    const badDay = parseDateTimeString('2001-03-0x');
    // Assess
    expect(valid).toBe(Date.UTC(2001, 2, 4));
    expect(badMonth).toBeUndefined();
    expect(badDay).toBeUndefined();
  });

  test('parseDateTime takes Dates and refuses numbers', () => {
    // Act / Assess
    expect(parseDateTime(new Date(Date.UTC(2001, 0, 1)))).toBe(Date.UTC(2001, 0, 1));
    expect(parseDateTime(new Date(Number.NaN))).toBeUndefined();
    expect(parseDateTime(978307200000)).toBeUndefined();
  });
});

describe('numbers, integers, booleans, text, nulls', () => {
  test('parseNumber takes decimals, numbers and safe bigints', () => {
    // Act / Assess
    expect(parseNumber('1.5')).toBe(1.5);
    expect(parseNumber(' -2e3 ')).toBe(-2000);
    expect(parseNumber(7)).toBe(7);
    expect(parseNumber(12n)).toBe(12);
  });

  test.each(['0x1A', ' 0x1A', '\t0x1A', '\n0b11', '0o17', 'Infinity', 'abc', ' ', '', '1,5'])('parseNumber refuses %j', (text) => {
    // Act / Assess
    expect(parseNumber(text)).toBeUndefined();
  });

  test('parseNumber refuses non-finite numbers, unsafe bigints and other types', () => {
    // Act / Assess
    expect(parseNumber(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(parseNumber(Number.NaN)).toBeUndefined();
    expect(parseNumber(2n ** 60n)).toBeUndefined();
    expect(parseNumber(true)).toBeUndefined();
    expect(parseNumber({})).toBeUndefined();
  });

  test('parseInteger refuses fractions', () => {
    // Act / Assess
    expect(parseInteger('12')).toBe(12);
    expect(parseInteger('12.0')).toBe(12);
    expect(parseInteger('12.5')).toBeUndefined();
    expect(parseInteger(3.25)).toBeUndefined();
  });

  test('parseBoolean takes the usual spellings in any case', () => {
    // Act / Assess
    expect(['true', 'T', 'Yes', 'y', '1', ' TRUE '].map(parseBoolean)).toEqual([true, true, true, true, true, true]);
    expect(['false', 'F', 'NO', 'n', '0'].map(parseBoolean)).toEqual([false, false, false, false, false]);
    expect([true, false, 1, 0].map(parseBoolean)).toEqual([true, false, true, false]);
    expect(['maybe', '2', 2, null].map(parseBoolean)).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('parseText takes strings and JSON scalars, not objects', () => {
    // Act / Assess
    expect(parseText('LAX')).toBe('LAX');
    expect(parseText(5)).toBe('5');
    expect(parseText(false)).toBe('false');
    expect(parseText({ a: 1 })).toBeUndefined();
    expect(parseText(['a'])).toBeUndefined();
  });

  test('isNullCell: absent, JSON null and an empty field are nulls; blanks and zero are not', () => {
    // Act / Assess
    expect([undefined, null, ''].map(isNullCell)).toEqual([true, true, true]);
    expect([' ', 0, false, 'null'].map(isNullCell)).toEqual([false, false, false, false]);
  });
});

/**
 * The report's text helpers: escaping, and number, duration, size, instant and nested-value formats.
 */
import { escapeHtml, flatten, formatBytes, formatDuration, formatInstant, formatNumber, formatPercent, formatValue } from '../../../lambda/core/report/format';

describe('report formats', () => {
  test('escapeHtml escapes the five characters that matter in text and attributes', () => {
    // Act
    const escaped = escapeHtml(`<a href="x" title='y'>&</a>`);

    // Assess
    expect(escaped).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  test.each([
    [1_234_567, '1,234,567'],
    [30.153412, '30.15'],
    [123.456, '123.46'],
    [12_345.67, '12,345.7'],
    [0.000123456, '0.0001235'],
    [-0.0001548, '-0.0001548'],
    [NaN, 'NaN'],
    [Infinity, '∞'],
    [-Infinity, '−∞'],
    [null, 'n/a'],
    ['12', 'n/a'],
  ])('formatNumber(%p) is %p', (value, text) => {
    // Act + Assess
    expect(formatNumber(value)).toBe(text);
  });

  test.each([
    [850, '850 ms'],
    [2500, '2.5 s'],
    [185_000, '3 min 05 s'],
    [-1, 'n/a'],
  ])('formatDuration(%p) is %p', (ms, text) => {
    // Act + Assess
    expect(formatDuration(ms)).toBe(text);
  });

  test('percentages are signed, sizes scaled, instants to the minute, values on one line', () => {
    // Act + Assess
    expect(formatPercent(0.0123)).toBe('+1.23%');
    expect(formatPercent(-0.0123)).toBe('−1.23%');
    expect(formatBytes(644_000)).toBe('628.9 KB');
    expect(formatInstant(Date.UTC(2001, 0, 1, 0, 7))).toBe('2001-01-01 00:07');
    expect(formatInstant(null)).toBe('n/a');
    expect(formatValue(['hour', 'dayOfWeek'])).toBe('["hour","dayOfWeek"]');
    expect(formatValue(0.5)).toBe('0.5');
  });

  test('flatten turns nested objects into dotted keys and keeps arrays whole', () => {
    // Act
    const rows = flatten({ data: { rows: { train: 16, test: 4 }, key: 'k' }, files: ['a', 'b'], empty: {} });

    // Assess
    expect(rows).toEqual([
      ['data.rows.train', 16],
      ['data.rows.test', 4],
      ['data.key', 'k'],
      ['files', ['a', 'b']],
      ['empty', {}],
    ]);
  });
});

/**
 * The streaming CSV parser on its own: RFC 4180 cases, and the same records whatever the chunking —
 * the text is fed split at every position (and in pieces of every small size) and compared with the
 * unsplit parse.
 */
import { CsvParser, type CsvRecord } from '../../../lambda/core/validation/csv-parser';

/** What the parser emitted, as plain data. */
interface Parsed {
  records: Array<{ index: number; fields: string[]; malformed: boolean; empties: boolean[] }>;
  unclosedQuoteAt: number | undefined;
}

function snapshot(record: CsvRecord): Parsed['records'][number] {
  return {
    index: record.index,
    fields: record.toArray(),
    malformed: record.malformed,
    empties: Array.from({ length: record.length }, (_, i) => record.isEmpty(i)),
  };
}

/** Parse `pieces` pushed one after another, then end. */
function parse(pieces: readonly string[], delimiter = ','): Parsed {
  const records: Parsed['records'] = [];
  const parser = new CsvParser(delimiter, (r) => records.push(snapshot(r)));
  for (const piece of pieces) parser.push(piece);
  parser.end();
  return { records, unclosedQuoteAt: parser.unclosedQuoteAt };
}

/** The text cut into pieces of `size` characters. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Every RFC 4180 feature at once, plus CR, blank lines and a last line with no newline. */
const TRICKY = [
  'id,name,note,amount\r\n',
  '1,"Smith, John","said ""hi""\nthen left",12.5\r\n',
  '\r\n',
  '2,,"",-3\n',
  '3,"a""""b","line1\r\nline2",\n',
  '\n',
  '4,plain,"ends with quote""",7e2\r\n',
  '5,"x",y,"z"',
].join('');

describe('CsvParser', () => {
  test('parses the tricky text unsplit', () => {
    // Act
    const { records, unclosedQuoteAt } = parse([TRICKY]);
    // Assess
    expect(unclosedQuoteAt).toBeUndefined();
    expect(records.map((r) => r.fields)).toEqual([
      ['id', 'name', 'note', 'amount'],
      ['1', 'Smith, John', 'said "hi"\nthen left', '12.5'],
      ['2', '', '', '-3'],
      ['3', 'a""b', 'line1\r\nline2', ''],
      ['4', 'plain', 'ends with quote"', '7e2'],
      ['5', 'x', 'y', 'z'],
    ]);
    expect(records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(records.every((r) => !r.malformed)).toBe(true);
    // An empty field is empty whether quoted (`""`) or not: both are CSV nulls.
    expect(records[2]!.empties).toEqual([false, true, true, false]);
    expect(records[3]!.empties).toEqual([false, false, false, true]);
  });

  test('gives the same records when split at every position', () => {
    // Prepare
    const whole = parse([TRICKY]);
    for (let cut = 0; cut <= TRICKY.length; cut++) {
      // Act
      const split = parse([TRICKY.slice(0, cut), TRICKY.slice(cut)]);
      // Assess
      expect({ cut, ...split }).toEqual({ cut, ...whole });
    }
  });

  test('gives the same records when split at every pair of positions', () => {
    // Prepare
    const whole = parse([TRICKY]);
    for (let a = 0; a <= TRICKY.length; a++) {
      for (let b = a; b <= TRICKY.length; b += 4) {
        // Act
        const split = parse([TRICKY.slice(0, a), TRICKY.slice(a, b), TRICKY.slice(b)]);
        // Assess
        expect({ a, b, ...split }).toEqual({ a, b, ...whole });
      }
    }
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 11, 64])('gives the same records in pieces of %i characters', (size) => {
    // Prepare
    const whole = parse([TRICKY]);
    // Act
    const split = parse(pieces(TRICKY, size));
    // Assess
    expect(split).toEqual(whole);
  });

  test('marks text after a closing quote as malformed, at any split', () => {
    // Prepare
    const text = 'a,b\n"x"y,1\n2,3\n';
    for (let cut = 0; cut <= text.length; cut++) {
      // Act
      const { records } = parse([text.slice(0, cut), text.slice(cut)]);
      // Assess
      expect({ cut, malformed: records.map((r) => r.malformed) }).toEqual({ cut, malformed: [false, true, false] });
    }
  });

  test('reports an unclosed quote with the record where it opened, at any split', () => {
    // Prepare
    const text = 'a,b\n1,2\n3,"open\n4,5\n';
    for (let cut = 0; cut <= text.length; cut++) {
      // Act
      const { records, unclosedQuoteAt } = parse([text.slice(0, cut), text.slice(cut)]);
      // Assess
      expect({ cut, unclosedQuoteAt, rows: records.length }).toEqual({ cut, unclosedQuoteAt: 2, rows: 2 });
    }
  });

  test('a delimiter at the end of a record makes an empty last field', () => {
    // Act
    const { records } = parse(['a,b,\n1,2,']);
    // Assess
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b', ''],
      ['1', '2', ''],
    ]);
  });

  test('a lone CR inside an unquoted field is data, not a line end', () => {
    // Act
    const { records } = parse(['a,b\nx\ry,1\n']);
    // Assess
    expect(records[1]!.fields).toEqual(['x\ry', '1']);
  });

  test('other delimiters work, and a comma is then data', () => {
    // Act
    const { records } = parse(['a;b\n1,5;"x;y"\n'], ';');
    // Assess
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['1,5', 'x;y'],
    ]);
  });

  test('holds only the unfinished record between pushes', () => {
    // Prepare
    const parser = new CsvParser(',', () => undefined);
    // Act
    parser.push('a,b\n1,2\n3,"long');
    // Assess
    expect(parser.pendingChars).toBe('3,"long'.length);
    expect(parser.recordCount).toBe(2);
  });

  test.each(['', ';;', '"', '\n', '\r'])('refuses the delimiter %j', (delimiter) => {
    // Act / Assess
    expect(() => new CsvParser(delimiter, () => undefined)).toThrow(/CSV delimiter must be one character other than a quote or newline/);
  });
});

describe('CsvRecord.num', () => {
  function nums(line: string): number[] {
    const out: number[] = [];
    const parser = new CsvParser(',', (r) => {
      for (let i = 0; i < r.length; i++) out.push(r.num(i));
    });
    parser.push(line);
    parser.end();
    return out;
  }

  test('reads integers, decimals, exponents, signs and padded numbers', () => {
    // Act
    const values = nums('12,-7,+3,0012,1.5,-2.5e3,.5, 42 ,"17",123456789012345,1234567890123456789');
    // Assess
    expect(values).toEqual([12, -7, 3, 12, 1.5, -2500, 0.5, 42, 17, 123456789012345, 1234567890123456789]);
  });

  test('returns NaN for words, hex/binary/octal, infinities, blanks and lone signs', () => {
    // Act
    const values = nums('abc,0x1A,0b11,0o17, 0x1A,Infinity,-Infinity,, ,-,+,1e999,12abc');
    // Assess
    expect(values.every((v) => Number.isNaN(v))).toBe(true);
    expect(values).toHaveLength(13);
  });
});

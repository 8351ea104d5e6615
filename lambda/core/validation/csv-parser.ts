/**
 * A streaming RFC 4180 CSV parser over decoded text chunks: quoted fields with embedded delimiters,
 * newlines and doubled quotes; LF or CRLF record ends; blank lines skipped; no trailing newline needed.
 * Memory holds one chunk plus the unfinished record, whatever the file size.
 *
 * Speed comes from not making strings: a record is handed over as a {@link CsvRecord} view of field
 * offsets into the decoded chunk, and consumers slice a field (`str`) or parse a number from its
 * characters (`num`) only when they need it. `bench/validate/parsers.ts` measured the kept parsers
 * (udsv, papaparse, csv-parser, csv-parse) on the 3M-row flights file: none reached the throughput
 * target with every field read, which is why this one is ours (README, "Validation benchmark").
 */

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const ZERO = 0x30;

/** Field flags: plain text, quoted, or quoted with doubled quotes to unescape. */
const PLAIN = 0;
const QUOTED = 1;
const QUOTED_ESCAPED = 2;

/** A view of one record: field offsets into the current text chunk. Valid only during the callback. */
export class CsvRecord {
  /** Number of fields. */
  length = 0;
  /** Record index in the file, the header being 0. */
  index = 0;
  /** True when a closing quote was followed by other text before the delimiter (RFC 4180 violation). */
  malformed = false;
  /** The decoded chunk the offsets point into. */
  text = '';
  /** Start offset of each field. */
  starts = new Int32Array(16);
  /** End offset (exclusive) of each field. */
  ends = new Int32Array(16);
  /** Quoting of each field. */
  flags = new Uint8Array(16);

  /** Double the field capacity. */
  grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    starts.set(this.starts);
    const ends = new Int32Array(n);
    ends.set(this.ends);
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.starts = starts;
    this.ends = ends;
    this.flags = flags;
  }

  /**
   * Whether field `i` is empty, quoted (`""`) or not: a CSV null, as an empty value is in every format
   * (`isNullCell('')`) and in pandas. Every column type must see `""` the same way.
   */
  isEmpty(i: number): boolean {
    return this.starts[i] === this.ends[i];
  }

  /** Field `i` as a string (quotes removed, doubled quotes unescaped). */
  str(i: number): string {
    const s = this.text.slice(this.starts[i], this.ends[i]);
    return this.flags[i] === QUOTED_ESCAPED ? s.replaceAll('""', '"') : s;
  }

  /**
   * Field `i` as a finite number, or NaN. Plain integers of up to 15 digits are read from the characters;
   * anything else (decimals, exponents, spaces) goes through `Number`. Hex, binary and octal literals,
   * which `Number` would accept, are refused: data files mean decimals.
   */
  num(i: number): number {
    const text = this.text;
    let p = this.starts[i]!;
    const end = this.ends[i]!;
    if (p === end) return Number.NaN;
    let negative = false;
    const first = text.charCodeAt(p);
    if (first === MINUS) {
      negative = true;
      p++;
    } else if (first === PLUS) {
      p++;
    }
    const digitsStart = p;
    let v = 0;
    while (p < end) {
      const d = text.charCodeAt(p) - ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    if (p === end && p > digitsStart && p - digitsStart <= 15) return negative ? -v : v;
    const s = this.str(i).trim();
    if (s === '' || /^[+-]?0[xXbBoO]/.test(s)) return Number.NaN;
    const x = Number(s);
    return Number.isFinite(x) ? x : Number.NaN;
  }

  /** The whole record as strings (for headers and samples). */
  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.str(i));
  }
}

/** Receives each record; the view is reused for the next record. */
export type CsvRecordHandler = (record: CsvRecord) => void;

/** Streaming CSV parser; feed decoded text with {@link CsvParser.push}, finish with {@link CsvParser.end}. */
export class CsvParser {
  /** Records emitted so far (the header included). */
  recordCount = 0;
  /** When the input ended inside a quoted field: the index of the record where that quote opened. */
  unclosedQuoteAt: number | undefined;
  private readonly record = new CsvRecord();
  private carry = '';
  private readonly delimiterCode: number;

  constructor(
    private readonly delimiter: string,
    private readonly onRecord: CsvRecordHandler,
  ) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new RangeError(`CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
    }
    this.delimiterCode = delimiter.charCodeAt(0);
  }

  /** Characters held for the unfinished record at the end of the last chunk. */
  get pendingChars(): number {
    return this.carry.length;
  }

  /** Parse every complete record in `chunk`, after what was left from the previous chunk. */
  push(chunk: string): void {
    const text = this.carry === '' ? chunk : this.carry + chunk;
    const consumed = this.scan(text, false);
    this.carry = consumed < text.length ? text.slice(consumed) : '';
  }

  /** Parse what is left as the last record (it may lack a trailing newline). */
  end(): void {
    const rest = this.carry;
    this.carry = '';
    if (rest !== '') this.scan(rest, true);
  }

  private emit(count: number): void {
    const record = this.record;
    record.length = count;
    // A blank line is one empty unquoted field: skipped, as pandas does.
    if (count === 1 && record.starts[0] === record.ends[0] && record.flags[0] === PLAIN) {
      record.malformed = false;
      return;
    }
    record.index = this.recordCount++;
    this.onRecord(record);
    record.malformed = false;
  }

  /** Scan records from `text`; returns the offset of the first unfinished record. */
  private scan(text: string, final: boolean): number {
    const record = this.record;
    const delimiterCode = this.delimiterCode;
    const delimiter = this.delimiter;
    record.text = text;
    const len = text.length;
    let pos = 0;
    let recordStart = 0;
    let fields = 0;
    // The next delimiter and newline at or after pos (len when none), refreshed lazily.
    let nextDelimiter = -1;
    let nextLF = -1;

    while (pos < len) {
      if (fields === record.starts.length) record.grow();
      let c = text.charCodeAt(pos);

      if (c === QUOTE) {
        const start = pos + 1;
        let flag = QUOTED;
        let q = start;
        for (;;) {
          q = text.indexOf('"', q);
          if (q === -1 || (q + 1 === len && !final)) {
            if (!final) return recordStart;
            this.unclosedQuoteAt = this.recordCount;
            return len;
          }
          if (q + 1 < len && text.charCodeAt(q + 1) === QUOTE) {
            flag = QUOTED_ESCAPED;
            q += 2;
            continue;
          }
          break;
        }
        record.starts[fields] = start;
        record.ends[fields] = q;
        record.flags[fields] = flag;
        fields++;
        pos = q + 1;
        if (pos < len) {
          c = text.charCodeAt(pos);
          if (c === CR) {
            if (pos + 1 < len) {
              if (text.charCodeAt(pos + 1) === LF) c = text.charCodeAt(++pos);
            } else if (!final) {
              return recordStart;
            } else {
              pos = len;
            }
          }
          if (pos < len && c !== delimiterCode && c !== LF) {
            // Text after a closing quote: skip it up to the field's end and mark the record.
            record.malformed = true;
            while (pos < len) {
              c = text.charCodeAt(pos);
              if (c === delimiterCode || c === LF) break;
              pos++;
            }
            if (pos === len && !final) return recordStart;
          }
        }
      } else {
        const start = pos;
        if (nextDelimiter < pos) {
          nextDelimiter = text.indexOf(delimiter, pos);
          if (nextDelimiter === -1) nextDelimiter = len;
        }
        if (nextLF < pos) {
          nextLF = text.indexOf('\n', pos);
          if (nextLF === -1) nextLF = len;
        }
        pos = nextDelimiter < nextLF ? nextDelimiter : nextLF;
        if (pos === len && !final) return recordStart;
        c = pos < len ? text.charCodeAt(pos) : -1;
        let end = pos;
        if ((pos === len || c === LF) && end > start && text.charCodeAt(end - 1) === CR) end--;
        record.starts[fields] = start;
        record.ends[fields] = end;
        record.flags[fields] = PLAIN;
        fields++;
      }

      if (pos >= len) break;
      pos++;
      if (c === LF) {
        this.emit(fields);
        fields = 0;
        recordStart = pos;
      } else if (pos === len) {
        // A delimiter ends the text: one more (empty) field follows, unless more text is coming.
        if (!final) return recordStart;
        if (fields === record.starts.length) record.grow();
        record.starts[fields] = record.ends[fields] = pos;
        record.flags[fields] = PLAIN;
        fields++;
      }
    }

    if (fields > 0) this.emit(fields);
    return len;
  }
}

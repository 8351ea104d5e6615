/**
 * Hand-written streaming CSV parser (RFC 4180) that decodes each chunk to a JS string
 * once and then scans it with native `indexOf` / `charCodeAt`.
 *
 * Same semantics and RowView API as byte-csv.ts. The difference is where strings come
 * from: byte-csv.ts creates every field string with `buf.toString(enc, start, end)`
 * (a call into C++ per field), while here a field string is a `slice()` of the
 * already-decoded chunk, which V8 does in JIT-compiled code. Numbers are parsed from
 * char codes in both.
 *
 * - LF or CRLF line endings; quoted fields may contain `,`, newlines and `""`.
 * - Multi-byte UTF-8 sequences split across chunks are handled by StringDecoder.
 * - Blank lines are skipped.
 */
import { StringDecoder } from 'node:string_decoder';

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const ZERO = 0x30;

const PLAIN = 0;
const QUOTED = 1;
const QUOTED_ESCAPED = 2;

export class StringRowView {
  /** Number of fields in the row. */
  length = 0;
  /** @internal */ text = '';
  /** @internal */ starts = new Int32Array(16);
  /** @internal */ ends = new Int32Array(16);
  /** @internal */ flags = new Uint8Array(16);

  /** @internal */
  grow(): void {
    const n = this.starts.length * 2;
    const s = new Int32Array(n);
    s.set(this.starts);
    const e = new Int32Array(n);
    e.set(this.ends);
    const f = new Uint8Array(n);
    f.set(this.flags);
    this.starts = s;
    this.ends = e;
    this.flags = f;
  }

  /** Field `i` as a string. */
  str(i: number): string {
    const s = this.text.slice(this.starts[i], this.ends[i]);
    return this.flags[i] === QUOTED_ESCAPED ? s.replaceAll('""', '"') : s;
  }

  /**
   * Field `i` as a number. Integers with up to 15 digits are parsed from char codes;
   * anything else falls back to Number(). Empty fields give NaN.
   */
  num(i: number): number {
    const text = this.text;
    let p = this.starts[i]!;
    const end = this.ends[i]!;
    if (p === end) return NaN;
    let neg = false;
    const c0 = text.charCodeAt(p);
    if (c0 === MINUS) {
      neg = true;
      p++;
    } else if (c0 === PLUS) {
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
    if (p === end && p > digitsStart && p - digitsStart <= 15) return neg ? -v : v;
    return Number(this.str(i).trim() || NaN);
  }
}

export interface StringCsvOptions {
  /** Treat the first row as a header (exposed via `header`, not passed to onRow). Default true. */
  header?: boolean;
}

export class StringCsvParser {
  /** Header names (when `header` is enabled), available after the first row. */
  header: string[] | null = null;
  /** Data rows emitted so far. */
  rows = 0;

  private readonly row = new StringRowView();
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  private needHeader: boolean;

  constructor(
    private readonly onRow: (row: StringRowView) => void,
    opts: StringCsvOptions = {},
  ) {
    this.needHeader = opts.header ?? true;
  }

  /** Feeds the next chunk (raw bytes, or already-decoded text). */
  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const data = this.carry === '' ? text : this.carry + text;
    const consumed = this.scan(data, false);
    this.carry = consumed < data.length ? data.slice(consumed) : '';
  }

  /** Flushes the last row (which may lack a trailing newline). */
  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest !== '') this.scan(rest, true);
  }

  private emit(): void {
    const row = this.row;
    if (row.length === 1 && row.starts[0] === row.ends[0] && row.flags[0] === PLAIN) return; // blank line
    if (this.needHeader) {
      this.needHeader = false;
      this.header = Array.from({ length: row.length }, (_, i) => row.str(i));
      return;
    }
    this.rows++;
    this.onRow(row);
  }

  /** See ByteCsvParser.scan: returns the offset of the first incomplete row. */
  private scan(text: string, final: boolean): number {
    const row = this.row;
    row.text = text;
    const len = text.length;
    let pos = 0;
    let rowStart = 0;
    let nf = 0;
    // next comma / newline at or after pos (len when there is none), refreshed lazily
    let nextComma = -1;
    let nextLF = -1;

    while (pos < len) {
      if (nf === row.starts.length) row.grow();
      let c = text.charCodeAt(pos);

      if (c === QUOTE) {
        const start = pos + 1;
        let flag = QUOTED;
        let q = start;
        for (;;) {
          q = text.indexOf('"', q);
          if (q === -1 || (q + 1 === len && !final)) {
            if (!final) return rowStart;
            throw new Error(`unterminated quoted field at char ${start - 1}`);
          }
          if (q + 1 < len && text.charCodeAt(q + 1) === QUOTE) {
            flag = QUOTED_ESCAPED;
            q += 2;
            continue;
          }
          break;
        }
        row.starts[nf] = start;
        row.ends[nf] = q;
        row.flags[nf] = flag;
        nf++;
        pos = q + 1;
        if (pos < len) {
          c = text.charCodeAt(pos);
          if (c === CR) {
            if (pos + 1 < len) {
              if (text.charCodeAt(pos + 1) === LF) c = text.charCodeAt(++pos);
            } else if (!final) {
              return rowStart;
            } else {
              pos = len;
            }
          }
          if (pos < len && c !== COMMA && c !== LF) {
            throw new Error(`unexpected char 0x${c.toString(16)} after closing quote at char ${pos}`);
          }
        }
      } else {
        const start = pos;
        if (nextComma < pos) {
          nextComma = text.indexOf(',', pos);
          if (nextComma === -1) nextComma = len;
        }
        if (nextLF < pos) {
          nextLF = text.indexOf('\n', pos);
          if (nextLF === -1) nextLF = len;
        }
        pos = nextComma < nextLF ? nextComma : nextLF;
        if (pos === len && !final) return rowStart;
        c = pos < len ? text.charCodeAt(pos) : -1;
        let end = pos;
        if ((pos === len || c === LF) && end > start && text.charCodeAt(end - 1) === CR) end--;
        row.starts[nf] = start;
        row.ends[nf] = end;
        row.flags[nf] = PLAIN;
        nf++;
      }

      if (pos >= len) break;
      pos++;
      if (c === LF) {
        row.length = nf;
        this.emit();
        nf = 0;
        rowStart = pos;
      } else if (pos === len) {
        if (!final) return rowStart;
        if (nf === row.starts.length) row.grow();
        row.starts[nf] = row.ends[nf] = pos;
        row.flags[nf] = PLAIN;
        nf++;
      }
    }

    if (nf > 0) {
      row.length = nf;
      this.emit();
    }
    return len;
  }
}

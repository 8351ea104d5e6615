/**
 * Minimal byte-level streaming CSV parser (RFC 4180), used as the performance ceiling
 * in the parser benchmark.
 *
 * - Works on raw Buffers: scans for `,` `\n` `"`; accepts LF or CRLF line endings.
 * - Quoted fields may contain `,`, newlines and `""` escapes.
 * - Rows may straddle chunks: the unfinished tail of a chunk is carried over and
 *   re-scanned together with the next chunk.
 * - Nothing is materialised while scanning. Each row is handed to the callback as a
 *   RowView that records field offsets; `num(i)` parses a number straight from the bytes
 *   and `str(i)` decodes a string only when asked. A RowView is valid only during the
 *   callback.
 * - Blank lines are skipped.
 */

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const ZERO = 0x30;

/** Field flags. */
const PLAIN = 0;
const QUOTED = 1;
const QUOTED_ESCAPED = 2;

export class RowView {
  /** Number of fields in the row. */
  length = 0;
  /** @internal */ buf: Buffer = Buffer.alloc(0);
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

  /** Field `i` as a string (UTF-8). */
  str(i: number): string {
    const s = this.buf.toString('utf8', this.starts[i], this.ends[i]);
    return this.flags[i] === QUOTED_ESCAPED ? s.replaceAll('""', '"') : s;
  }

  /** Field `i` as a string, decoding bytes as latin1 (faster; only correct for ASCII data). */
  latin1(i: number): string {
    const s = this.buf.toString('latin1', this.starts[i], this.ends[i]);
    return this.flags[i] === QUOTED_ESCAPED ? s.replaceAll('""', '"') : s;
  }

  /**
   * Field `i` as a number. Integers with up to 15 digits are parsed straight from the
   * bytes; anything else (decimals, exponents, whitespace, ...) falls back to Number().
   * Empty fields give NaN.
   */
  num(i: number): number {
    const buf = this.buf;
    let p = this.starts[i]!;
    const end = this.ends[i]!;
    if (p === end) return NaN;
    let neg = false;
    const c0 = buf[p]!;
    if (c0 === MINUS) {
      neg = true;
      p++;
    } else if (c0 === PLUS) {
      p++;
    }
    const digitsStart = p;
    let v = 0;
    while (p < end) {
      const d = buf[p]! - ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    if (p === end && p > digitsStart && p - digitsStart <= 15) return neg ? -v : v;
    return Number(this.str(i).trim() || NaN);
  }
}

export interface ByteCsvOptions {
  /** Treat the first row as a header (exposed via `header`, not passed to onRow). Default true. */
  header?: boolean;
}

export class ByteCsvParser {
  /** Header names (when `header` is enabled), available after the first row. */
  header: string[] | null = null;
  /** Data rows emitted so far. */
  rows = 0;

  private readonly row = new RowView();
  private carry: Buffer | null = null;
  private needHeader: boolean;

  constructor(
    private readonly onRow: (row: RowView) => void,
    opts: ByteCsvOptions = {},
  ) {
    this.needHeader = opts.header ?? true;
  }

  /** Feeds the next chunk of bytes. */
  push(chunk: Buffer): void {
    const data = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    const consumed = this.scan(data, false);
    this.carry = consumed < data.length ? data.subarray(consumed) : null;
  }

  /** Flushes the last row (which may lack a trailing newline). */
  end(): void {
    if (this.carry !== null) {
      this.scan(this.carry, true);
      this.carry = null;
    }
  }

  private emit(): void {
    const row = this.row;
    // skip blank lines: a single, empty, unquoted field
    if (row.length === 1 && row.starts[0] === row.ends[0] && row.flags[0] === PLAIN) return;
    if (this.needHeader) {
      this.needHeader = false;
      this.header = Array.from({ length: row.length }, (_, i) => row.str(i));
      return;
    }
    this.rows++;
    this.onRow(row);
  }

  /**
   * Scans complete rows of `buf`, calling onRow for each. Returns the offset of the first
   * byte of the first incomplete row (buf.length if none). With `final`, end of buffer
   * terminates the last row.
   */
  private scan(buf: Buffer, final: boolean): number {
    const row = this.row;
    row.buf = buf;
    const len = buf.length;
    let pos = 0;
    let rowStart = 0;
    let nf = 0;

    while (pos < len) {
      if (nf === row.starts.length) row.grow();
      let c = buf[pos]!;

      if (c === QUOTE) {
        // quoted field: find the closing quote, skipping "" escapes
        const start = pos + 1;
        let flag = QUOTED;
        let q = start;
        for (;;) {
          q = buf.indexOf(QUOTE, q);
          if (q === -1 || (q + 1 === len && !final)) {
            // closing quote not seen yet (or can't tell whether it's an escape)
            if (!final) return rowStart;
            throw new Error(`unterminated quoted field at byte ${start - 1}`);
          }
          if (q + 1 < len && buf[q + 1] === QUOTE) {
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
          c = buf[pos]!;
          if (c === CR) {
            if (pos + 1 < len) {
              if (buf[pos + 1] === LF) c = buf[++pos]!;
            } else if (!final) {
              return rowStart; // can't tell yet whether CRLF follows
            } else {
              pos = len; // trailing CR at end of data
            }
          }
          if (pos < len && c !== COMMA && c !== LF) {
            throw new Error(`unexpected byte 0x${c.toString(16)} after closing quote at byte ${pos}`);
          }
        }
      } else {
        // unquoted field: runs to the next comma or newline
        const start = pos;
        while (c !== COMMA && c !== LF) {
          if (++pos === len) break;
          c = buf[pos]!;
        }
        if (pos === len && !final) return rowStart;
        let end = pos;
        if ((pos === len || c === LF) && end > start && buf[end - 1] === CR) end--;
        row.starts[nf] = start;
        row.ends[nf] = end;
        row.flags[nf] = PLAIN;
        nf++;
      }

      if (pos >= len) break; // final: end of data terminates the row
      pos++; // consume the delimiter
      if (c === LF) {
        row.length = nf;
        this.emit();
        nf = 0;
        rowStart = pos;
      } else if (pos === len) {
        // trailing comma at the very end of the data: one more (empty) field follows
        if (!final) return rowStart;
        if (nf === row.starts.length) row.grow();
        row.starts[nf] = row.ends[nf] = pos;
        row.flags[nf] = PLAIN;
        nf++;
      }
    }

    if (nf > 0) {
      // only reachable with final: data ended without a trailing newline
      row.length = nf;
      this.emit();
    }
    return len;
  }
}

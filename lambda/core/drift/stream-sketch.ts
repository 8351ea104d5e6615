/**
 * Drift straight from data files, never holding a file: the reference is read once into what its
 * baseline needs, the current window is read into its window sketch, row batch by row batch (a decoded
 * CSV or JSON Lines chunk, a Parquet row group's column chunk).
 *
 * - **Reference** ({@link streamReference}): per numerical column a `Float64Array` of its values (the
 *   baseline needs exact quantiles, bin offsets and, for KS, every distinct value: 8 bytes a row, where a
 *   table row costs far more); per categorical column only the count of each category.
 * - **Current window** ({@link streamWindow}): each value goes into the {@link WindowSketch} as it is
 *   read; memory is the sketch plus one chunk, whatever the file size.
 *
 * Only the compared columns are converted. Every cell is parsed as `readTable` parses it (`numericCell`,
 * `textCell`: the same column kinds, nulls and numbers), so the baseline, the sketch and the verdicts equal
 * those built from tables. Reading reuses the validate stage's readers: the streaming CSV parser
 * (`csv-parser.ts`), its chunk limits (`text-reader.ts`), the first-bytes sniffer and the Parquet
 * row-group loop (`parquet-chunks.ts`).
 *
 * Bad input is never silent: a CSV record with the wrong number of fields and a JSON line that is not an
 * object are skipped and counted ({@link StreamStats}); content that cannot be read (binary or compressed
 * bytes, invalid UTF-8, an unclosed quote, an undecodable Parquet row group, a duplicated header name)
 * throws a {@link DriftStreamError} naming the file and the place.
 */
import { isAscii } from 'node:buffer';
import { parquetMetadataAsync } from 'hyparquet';
import type { ColumnType, DatasetConfig } from '../../../config/schema';
import { numericCell, textCell } from '../features/table';
import { CsvParser, type CsvRecord } from '../validation/csv-parser';
import { ParquetRowGroupError, forEachParquetChunk, type ParquetMetadata } from '../validation/parquet-chunks';
import { SNIFF_BYTES, firstInvalidUtf8, sniff } from '../validation/sniff';
import { MAX_RECORD_CHARS } from '../validation/text-reader';
import { resolveFormat, type DatasetFormat, type DatasetSource } from '../validation/validate-dataset';
import { categoryKey, type DriftBaseline, type ReferenceColumn } from './drift-baseline';
import { newWindowSketch, type WindowSketch } from './window-sketch';

/** A file could not be read for drift; the message names the file and what is wrong where. */
export class DriftStreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DriftStreamError';
  }
}

/** How many skipped rows {@link StreamStats.skipped} describes. */
export const SKIPPED_EXAMPLES = 3;

/** What reading one file found. */
export interface StreamStats {
  /** Data rows read (skipped rows excluded), as `readTable` counts them. */
  readonly rows: number;
  /** Rows skipped: CSV records with another number of fields than the header, JSON lines that are not objects. */
  readonly skippedRows: number;
  /** The first {@link SKIPPED_EXAMPLES} skipped rows, each saying where and why. */
  readonly skipped: readonly string[];
}

/** The reference as its baseline needs it. */
export interface StreamedReference extends StreamStats {
  /** The compared columns that are declared, ready for `buildDriftBaseline`. */
  readonly columns: Record<string, ReferenceColumn>;
}

/** The current window's sketch, with what reading found. */
export interface StreamedWindow extends StreamStats {
  readonly sketch: WindowSketch;
}

/** Whether a declared type loads as numbers, as `readTable` loads it (booleans as 0/1). */
function isNumericType(type: ColumnType): boolean {
  return type === 'number' || type === 'integer' || type === 'datetime' || type === 'boolean';
}

/** Field quoting in a {@link CsvRecord} (`flags`): plain text, as csv-parser.ts numbers it. */
const PLAIN_FIELD = 0;

/**
 * One categorical column's counting: each key is resolved to a slot once, then counted by slot. Short
 * plain ASCII CSV fields (airport codes, states, flags) are looked up by a number made from their
 * characters, so the common case makes no string at all.
 */
class CategoryCounter {
  nullCount = 0;
  private readonly byKey = new Map<string, number>();
  private readonly byCode = new Map<number, number>();

  constructor(
    private readonly resolve: (key: string) => number,
    private readonly count: (slot: number) => void,
  ) {}

  /** Count one category key (undefined = missing). */
  add(key: string | undefined): void {
    if (key === undefined) {
      this.nullCount++;
      return;
    }
    let slot = this.byKey.get(key);
    if (slot === undefined) {
      slot = this.resolve(key);
      this.byKey.set(key, slot);
    }
    this.count(slot);
  }

  /** Count field `i` of a CSV record: `readTable` reads an empty field as missing, any other as its text. */
  addField(record: CsvRecord, i: number): void {
    const start = record.starts[i]!;
    const length = record.ends[i]! - start;
    if (length === 0) {
      this.nullCount++;
      return;
    }
    if (length <= 4 && record.flags[i] === PLAIN_FIELD) {
      // (length − 1) then 7 bits per character: distinct lengths land in disjoint ranges, all below 2^30 (a small integer).
      const text = record.text;
      let code = length - 1;
      let ascii = true;
      for (let p = start; p < start + length; p++) {
        const c = text.charCodeAt(p);
        if (c > 127) {
          ascii = false;
          break;
        }
        code = code * 128 + c;
      }
      if (ascii) {
        let slot = this.byCode.get(code);
        if (slot === undefined) {
          const key = record.str(i);
          slot = this.byKey.get(key) ?? this.resolve(key);
          this.byKey.set(key, slot);
          this.byCode.set(code, slot);
        }
        this.count(slot);
        return;
      }
    }
    this.add(record.str(i));
  }
}

/** One compared column while a file is read: numbers (NaN = missing) or categories. */
type ColumnSink =
  | { readonly name: string; readonly type: ColumnType; readonly kind: 'numerical'; readonly add: (x: number) => void }
  | { readonly name: string; readonly type: ColumnType; readonly kind: 'categorical'; readonly counter: CategoryCounter };

/** Add one raw cell (JSON Lines or Parquet value, `undefined` when absent) to a sink, parsed as `readTable` parses it. */
function addCell(sink: ColumnSink, raw: unknown): void {
  if (sink.kind === 'numerical') sink.add(numericCell(sink.type, raw));
  else sink.counter.add(categoryKey(textCell(raw)));
}

/** Add `n` missing values (a column the file lacks). */
function addNulls(sink: ColumnSink, n: number): void {
  if (sink.kind === 'categorical') sink.counter.nullCount += n;
  else for (let i = 0; i < n; i++) sink.add(Number.NaN);
}

function formatOf(source: DatasetSource, dataset: Pick<DatasetConfig, 'format'>): DatasetFormat {
  const format = resolveFormat(source.name, dataset.format);
  if (typeof format !== 'string') throw new DriftStreamError(format.error);
  return format;
}

/** Counts skipped rows and keeps the first few reasons. */
class Skips {
  count = 0;
  readonly examples: string[] = [];

  add(why: () => string): void {
    if (this.count++ < SKIPPED_EXAMPLES) this.examples.push(why());
  }
}

/** Read the compared columns of one file into the sinks; returns the rows read and skipped. */
async function readInto(source: DatasetSource, dataset: Pick<DatasetConfig, 'format' | 'delimiter'>, sinks: readonly ColumnSink[]): Promise<StreamStats> {
  const format = formatOf(source, dataset);
  if (format === 'parquet') return readParquetInto(source, sinks);
  const skips = new Skips();
  const rows = format === 'csv' ? await readCsvInto(source, dataset.delimiter, sinks, skips) : await readJsonLinesInto(source, sinks, skips);
  return { rows, skippedRows: skips.count, skipped: skips.examples };
}

/**
 * Hand each decoded text chunk of a byte stream on: sniffs the first bytes for binary or compressed
 * content, then decodes strict UTF-8 (a BOM is dropped). Pure-ASCII chunks are copied byte for byte (much
 * cheaper than decoding) until the first chunk that is not ASCII, as the validate stage's reader does.
 */
async function decodeText(source: DatasetSource, onText: (text: string) => void): Promise<number> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  let asciiSoFar = true;
  const feed = (chunk: Uint8Array): void => {
    let text: string;
    try {
      if (asciiSoFar && isAscii(chunk)) text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
      else {
        asciiSoFar = false;
        text = decoder.decode(chunk, { stream: true });
      }
    } catch (error) {
      const at = firstInvalidUtf8(chunk);
      throw new DriftStreamError(`'${source.name}' is not valid UTF-8 (first bad byte at offset ${at >= 0 ? offset + at : `~${offset}`}); re-encode it as UTF-8`, { cause: error });
    }
    offset += chunk.byteLength;
    if (text.length > 0) onText(text);
  };
  let head: Uint8Array[] | undefined = [];
  let headBytes = 0;
  const sniffHead = (): void => {
    const bytes = head!.length === 1 ? head![0]! : new Uint8Array(Buffer.concat(head!));
    head = undefined;
    if (bytes.byteLength === 0) return;
    const found = sniff(bytes);
    if (found) throw new DriftStreamError(`'${source.name}' cannot be read as text: ${found.message}`);
    feed(bytes);
  };
  for await (const chunk of source.stream()) {
    if (head) {
      head.push(chunk);
      headBytes += chunk.byteLength;
      if (headBytes >= SNIFF_BYTES) sniffHead();
      continue;
    }
    feed(chunk);
  }
  if (head) sniffHead();
  try {
    const tail = decoder.decode();
    if (tail.length > 0) onText(tail);
  } catch (error) {
    throw new DriftStreamError(`'${source.name}' is not valid UTF-8 (it ends inside a multi-byte character); re-encode it as UTF-8`, { cause: error });
  }
  return offset;
}

/** Stream a CSV file into the sinks; returns the data rows read (records with the header's field count). */
async function readCsvInto(source: DatasetSource, delimiter: string, sinks: readonly ColumnSink[], skips: Skips): Promise<number> {
  let fields = -1;
  let rows = 0;
  // Per compared column its field index in the header (−1: not in the file, every row is missing).
  let numbers: Array<{ readonly index: number; readonly add: (x: number) => void }> = [];
  let converted: Array<{ readonly index: number; readonly sink: ColumnSink }> = [];
  let categories: Array<{ readonly index: number; readonly counter: CategoryCounter }> = [];
  let absent: ColumnSink[] = [];
  const parser = new CsvParser(delimiter, (record) => {
    if (record.index === 0) {
      const header = record.toArray().map((h) => h.trim());
      fields = header.length;
      for (const sink of sinks) {
        const index = header.indexOf(sink.name);
        if (index >= 0 && header.indexOf(sink.name, index + 1) >= 0) {
          throw new DriftStreamError(`'${source.name}': the column '${sink.name}' appears twice in the header (fields ${index + 1} and ${header.indexOf(sink.name, index + 1) + 1})`);
        }
      }
      const at = (sink: ColumnSink): number => header.indexOf(sink.name);
      // CsvRecord.num parses exactly as parseNumber does (plain integers from the characters, the rest with Number, no hex).
      numbers = sinks.flatMap((s) => (s.kind === 'numerical' && at(s) >= 0 && (s.type === 'number' || s.type === 'integer') ? [{ index: at(s), add: s.add }] : []));
      converted = sinks.flatMap((s) => (s.kind === 'numerical' && at(s) >= 0 && s.type !== 'number' && s.type !== 'integer' ? [{ index: at(s), sink: s }] : []));
      categories = sinks.flatMap((s) => (s.kind === 'categorical' && at(s) >= 0 ? [{ index: at(s), counter: s.counter }] : []));
      absent = sinks.filter((s) => at(s) < 0);
      return;
    }
    if (record.length !== fields) {
      const length = record.length;
      const index = record.index;
      skips.add(() => `record ${index} has ${length} field${length === 1 ? '' : 's'}, the header ${fields}`);
      return;
    }
    rows++;
    for (let k = 0; k < numbers.length; k++) {
      const c = numbers[k]!;
      c.add(record.num(c.index));
    }
    for (let k = 0; k < categories.length; k++) {
      const c = categories[k]!;
      c.counter.addField(record, c.index);
    }
    for (const c of converted) addCell(c.sink, record.isEmpty(c.index) ? null : record.str(c.index));
  });
  const bytes = await decodeText(source, (text) => {
    parser.push(text);
    if (parser.pendingChars > MAX_RECORD_CHARS) {
      throw new DriftStreamError(
        `'${source.name}': record ${parser.recordCount} is still open after ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters: an unclosed quote, or a field far larger than any real one`,
      );
    }
  });
  parser.end();
  if (bytes === 0) throw new DriftStreamError(`'${source.name}' is empty (0 bytes)`);
  if (parser.unclosedQuoteAt !== undefined) {
    throw new DriftStreamError(`'${source.name}': a quoted field opened in record ${parser.unclosedQuoteAt} is never closed (the rest of the file would be read into it)`);
  }
  if (fields < 0) throw new DriftStreamError(`'${source.name}' holds no header (only blank lines)`);
  for (const sink of absent) addNulls(sink, rows);
  return rows;
}

/** Stream a JSON Lines file into the sinks: one object per line, blank lines ignored, other lines skipped and counted. */
async function readJsonLinesInto(source: DatasetSource, sinks: readonly ColumnSink[], skips: Skips): Promise<number> {
  let rows = 0;
  let lines = 0;
  let rest = '';
  const line = (text: string): void => {
    lines++;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const at = lines;
      skips.add(() => `line ${at} is not JSON (${(error as Error).message})`);
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const at = lines;
      skips.add(() => `line ${at} is not a JSON object`);
      return;
    }
    rows++;
    const record = value as Record<string, unknown>;
    for (const sink of sinks) addCell(sink, Object.hasOwn(record, sink.name) ? record[sink.name] : null);
  };
  const bytes = await decodeText(source, (text) => {
    const all = rest + text;
    let start = 0;
    for (let nl = all.indexOf('\n'); nl !== -1; nl = all.indexOf('\n', start)) {
      line(all.slice(start, nl));
      start = nl + 1;
    }
    rest = all.slice(start);
    if (rest.length > MAX_RECORD_CHARS) {
      throw new DriftStreamError(`'${source.name}': line ${lines + 1} is still open after ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters: not one JSON object per line`);
    }
  });
  if (bytes === 0) throw new DriftStreamError(`'${source.name}' is empty (0 bytes)`);
  if (rest !== '') line(rest);
  return rows;
}

/** Stream a Parquet file's compared columns into the sinks, one row group at a time. */
async function readParquetInto(source: DatasetSource, sinks: readonly ColumnSink[]): Promise<StreamStats> {
  const file = await source.asyncBuffer();
  let metadata: ParquetMetadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new DriftStreamError(`cannot read the Parquet footer of '${source.name}': ${(error as Error).message}`, { cause: error });
  }
  const rows = Number(metadata.num_rows);
  const inFile = new Set(metadata.schema.slice(1).map((e) => e.name));
  const byName = new Map(sinks.map((s) => [s.name, s]));
  try {
    await forEachParquetChunk(
      file,
      metadata,
      sinks.filter((s) => inFile.has(s.name)).map((s) => s.name),
      (column, values) => {
        const sink = byName.get(column)!;
        for (let i = 0; i < values.length; i++) addCell(sink, values[i]);
      },
    );
  } catch (error) {
    if (error instanceof ParquetRowGroupError) throw new DriftStreamError(`'${source.name}': ${error.message}`, { cause: error });
    throw error;
  }
  for (const sink of sinks) if (!inFile.has(sink.name)) addNulls(sink, rows);
  return { rows, skippedRows: 0, skipped: [] };
}

/** A growable Float64Array. */
class NumberColumn {
  private values = new Float64Array(1 << 16);
  length = 0;

  readonly add = (x: number): void => {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = x;
  };

  /** The values read (a view, no copy). */
  result(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}

/**
 * Read the reference file's compared columns into the form `buildDriftBaseline` takes: numbers as a
 * `Float64Array` per column (NaN for missing), categories as counts. Columns not declared in the dataset
 * are left out, as `tableReference` leaves them out of a table.
 * @throws DriftStreamError when the file cannot be read
 */
export async function streamReference(source: DatasetSource, dataset: Pick<DatasetConfig, 'format' | 'delimiter' | 'columns'>, columns: readonly string[]): Promise<StreamedReference> {
  const numbers = new Map<string, NumberColumn>();
  const categories = new Map<string, { readonly counter: CategoryCounter; readonly keys: string[]; readonly counts: number[] }>();
  const sinks: ColumnSink[] = [];
  for (const name of columns) {
    const spec = dataset.columns[name];
    if (!spec) continue;
    if (isNumericType(spec.type)) {
      const column = new NumberColumn();
      numbers.set(name, column);
      sinks.push({ name, type: spec.type, kind: 'numerical', add: column.add });
    } else {
      const keys: string[] = [];
      const counts: number[] = [];
      const counter = new CategoryCounter(
        (key) => {
          keys.push(key);
          counts.push(0);
          return keys.length - 1;
        },
        (slot) => void counts[slot]!++,
      );
      categories.set(name, { counter, keys, counts });
      sinks.push({ name, type: spec.type, kind: 'categorical', counter });
    }
  }
  const stats = await readInto(source, dataset, sinks);
  const out: Record<string, ReferenceColumn> = {};
  for (const sink of sinks) {
    const number = numbers.get(sink.name);
    if (number) out[sink.name] = { kind: 'numerical', values: number.result() };
    else {
      const c = categories.get(sink.name)!;
      out[sink.name] = { kind: 'categorical', counts: new Map(c.keys.map((k, i) => [k, c.counts[i]!])), nullCount: c.counter.nullCount };
    }
  }
  return { ...stats, columns: out };
}

/**
 * Read the current file into a window sketch of the baseline (a fresh one, or `into` to add to), value by
 * value as it is read. Baseline columns the dataset does not declare, or the file lacks, count as missing.
 * @throws DriftStreamError when the file cannot be read
 */
export async function streamWindow(
  source: DatasetSource,
  dataset: Pick<DatasetConfig, 'format' | 'delimiter' | 'columns'>,
  baseline: DriftBaseline,
  into: WindowSketch = newWindowSketch(baseline),
): Promise<StreamedWindow> {
  if (into.baseline !== baseline) throw new RangeError('streamWindow: the sketch given was made from another baseline');
  const sinks: ColumnSink[] = [];
  for (const [name, column] of Object.entries(baseline.columns)) {
    const state = into.columns[name]!;
    // The baseline's kind decides how a value is read, as addValue decides; the declared type says how a cell parses.
    const type: ColumnType = dataset.columns[name]?.type ?? (column.kind === 'numerical' ? 'number' : 'category');
    if (column.kind === 'numerical') {
      sinks.push({ name, type: isNumericType(type) ? type : 'number', kind: 'numerical', add: into.numeric.get(name)! });
    } else {
      const lookup = into.lookups.get(name)!;
      const cells = state.cells;
      const other = cells.length - 1;
      const counter = new CategoryCounter(
        (key) => lookup.get(key) ?? other,
        (slot) => {
          cells[slot]!++;
          state.count++;
        },
      );
      sinks.push({ name, type, kind: 'categorical', counter });
    }
  }
  const stats = await readInto(source, dataset, sinks);
  for (const sink of sinks) if (sink.kind === 'categorical') into.columns[sink.name]!.nullCount += sink.counter.nullCount;
  return { ...stats, sketch: into };
}

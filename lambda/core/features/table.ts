/**
 * A dataset file loaded into typed columns for training: numbers, integers, datetimes (epoch ms) and
 * booleans (0/1) as Float64Array with NaN for missing or unparseable values; categories and strings as
 * arrays of strings (null when missing). The validate stage has already judged the file; this reader is
 * tolerant and never throws on a bad cell.
 */
import { parquetMetadataAsync } from 'hyparquet';
import { forEachParquetChunk } from '../validation/parquet-chunks';
import type { DatasetConfig } from '../../../config/schema';
import { CsvParser } from '../validation/csv-parser';
import { parseBoolean, parseDateTime, parseNumber, parseText } from '../validation/values';
import type { DatasetSource } from '../validation/validate-dataset';
import { resolveFormat } from '../validation/validate-dataset';

/** One loaded column. */
export type TableColumn =
  | { readonly kind: 'numeric'; readonly values: Float64Array }
  | { readonly kind: 'text'; readonly values: ReadonlyArray<string | null> };

/** Rows of a dataset as typed columns, keyed by declared column name. */
export interface Table {
  readonly rows: number;
  readonly columns: Readonly<Record<string, TableColumn>>;
}

/** The table could not be read (unsupported format, no header). */
export class TableReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TableReadError';
  }
}

/** Whether a declared type loads as numbers. */
function isNumericType(type: string): boolean {
  return type === 'number' || type === 'integer' || type === 'datetime' || type === 'boolean';
}

/** Parse one raw cell of a numeric-kind column to a number (NaN when missing or bad). */
export function numericCell(type: string, raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return Number.NaN;
  if (type === 'datetime') return parseDateTime(raw) ?? Number.NaN;
  if (type === 'boolean') {
    const b = parseBoolean(raw);
    return b === undefined ? Number.NaN : b ? 1 : 0;
  }
  return parseNumber(raw) ?? Number.NaN;
}

/** Parse one raw cell of a text column (null when missing). */
export function textCell(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  return parseText(raw) ?? null;
}

/** Growable column builders. */
class ColumnBuilder {
  numbers: Float64Array;
  texts: Array<string | null>;
  length = 0;

  constructor(readonly type: string) {
    this.numbers = new Float64Array(isNumericType(type) ? 1024 : 0);
    this.texts = [];
  }

  push(raw: unknown): void {
    if (isNumericType(this.type)) {
      if (this.length === this.numbers.length) {
        const grown = new Float64Array(this.numbers.length * 2);
        grown.set(this.numbers);
        this.numbers = grown;
      }
      this.numbers[this.length] = numericCell(this.type, raw);
    } else {
      const text = textCell(raw);
      // Categories repeat: keep one copy per distinct value, not a slice of each read buffer.
      this.texts.push(text === null ? null : intern(text));
    }
    this.length++;
  }

  build(): TableColumn {
    return isNumericType(this.type) ? { kind: 'numeric', values: this.numbers.slice(0, this.length) } : { kind: 'text', values: this.texts };
  }
}

const interned = new Map<string, string>();

function intern(s: string): string {
  const known = interned.get(s);
  if (known !== undefined) return known;
  const copy = (' ' + s).slice(1);
  if (interned.size < 100_000) interned.set(copy, copy);
  return copy;
}

/**
 * Load the declared columns of a Parquet source, one row group at a time through random access (ranged
 * reads on S3). Columns the file lacks load as missing values.
 */
async function readParquetTable(source: DatasetSource, dataset: DatasetConfig): Promise<Table> {
  const file = await source.asyncBuffer();
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new TableReadError(`cannot read the Parquet footer of '${source.name}': ${(error as Error).message}`, { cause: error });
  }
  const rows = Number(metadata.num_rows);
  const inFile = new Set(metadata.schema.slice(1).map((e) => e.name));
  const numbers = new Map<string, Float64Array>();
  const texts = new Map<string, Array<string | null>>();
  for (const [name, spec] of Object.entries(dataset.columns)) {
    if (isNumericType(spec.type)) numbers.set(name, new Float64Array(rows).fill(Number.NaN));
    else texts.set(name, new Array<string | null>(rows).fill(null));
  }
  const wanted = Object.keys(dataset.columns).filter((c) => inFile.has(c));
  await forEachParquetChunk(file, metadata, wanted, (column, values, firstRow) => {
    const type = dataset.columns[column]!.type;
    const target = numbers.get(column);
    const text = texts.get(column);
    for (let i = 0; i < values.length; i++) {
      if (target) target[firstRow + i] = numericCell(type, values[i]);
      else if (text) {
        const t = textCell(values[i]);
        text[firstRow + i] = t === null ? null : intern(t);
      }
    }
  });
  const columns: Record<string, TableColumn> = {};
  for (const [name, values] of numbers) columns[name] = { kind: 'numeric', values };
  for (const [name, values] of texts) columns[name] = { kind: 'text', values };
  return { rows, columns };
}

/**
 * Load the declared columns of a dataset into a {@link Table}: one CSV, JSON Lines or Parquet source, or
 * the parts of a part-file dataset, read in the order given and concatenated. Every part must have the
 * first part's format; each CSV part has its own header, and every header must equal the first part's.
 * @throws TableReadError naming the source or part that cannot be read or that differs
 */
export async function readTable(sources: DatasetSource | readonly DatasetSource[], dataset: DatasetConfig): Promise<Table> {
  const parts: readonly DatasetSource[] = Array.isArray(sources) ? sources : [sources as DatasetSource];
  const first = parts[0];
  if (!first) throw new TableReadError('no data to load: a dataset needs at least one source');
  const format = formatOf(first, dataset);
  for (const [i, part] of parts.entries()) {
    const partFormat = formatOf(part, dataset);
    if (partFormat !== format) throw new TableReadError(`part ${i} ('${part.name}') is ${partFormat} but the first part ('${first.name}') is ${format}: every part of a dataset has one format`);
  }
  if (format === 'parquet') {
    const tables: Table[] = [];
    for (const part of parts) tables.push(await readParquetTable(part, dataset));
    return tables.length === 1 ? tables[0]! : concatTables(tables);
  }
  const builders = new Map(Object.entries(dataset.columns).map(([name, spec]) => [name, new ColumnBuilder(spec.type)]));
  let rows = 0;
  let firstHeader: string[] | undefined;
  for (const [i, part] of parts.entries()) {
    if (format === 'csv') {
      const header = await readCsvInto(part, dataset.delimiter, builders, (n) => (rows += n));
      if (header === undefined) continue;
      if (firstHeader === undefined) firstHeader = header;
      else if (header.length !== firstHeader.length || header.some((h, k) => h !== firstHeader![k])) {
        throw new TableReadError(`part ${i} ('${part.name}') has the header [${header.join(', ')}] but the first part ('${first.name}') has [${firstHeader.join(', ')}]: every part of a dataset has the same columns in the same order`);
      }
    } else {
      rows += await readJsonLinesInto(part, builders);
    }
  }
  const columns: Record<string, TableColumn> = {};
  for (const [name, b] of builders) columns[name] = b.build();
  return { rows, columns };
}

function formatOf(source: DatasetSource, dataset: DatasetConfig): 'csv' | 'jsonl' | 'parquet' {
  const format = resolveFormat(source.name, dataset.format);
  if (typeof format !== 'string') throw new TableReadError(`cannot load '${source.name}' for training: ${format.error}`);
  return format;
}

/** Read one CSV source into the builders; returns its header (undefined for an empty source). */
async function readCsvInto(source: DatasetSource, delimiter: string, builders: Map<string, ColumnBuilder>, addRows: (n: number) => void): Promise<string[] | undefined> {
  const decoder = new TextDecoder('utf-8');
  let header: string[] | undefined;
  let slots: Array<ColumnBuilder | undefined> = [];
  let missing: ColumnBuilder[] = [];
  let rows = 0;
  const parser = new CsvParser(delimiter, (record) => {
    if (record.index === 0) {
      header = record.toArray().map((h) => h.trim());
      slots = header.map((h) => builders.get(h));
      missing = [...builders.entries()].filter(([name]) => !header!.includes(name)).map(([, b]) => b);
      return;
    }
    if (record.length !== slots.length) return;
    rows++;
    for (let i = 0; i < slots.length; i++) slots[i]?.push(record.isEmpty(i) ? null : record.str(i));
    for (const b of missing) b.push(null);
  });
  for await (const chunk of source.stream()) parser.push(decoder.decode(chunk, { stream: true }));
  parser.push(decoder.decode());
  parser.end();
  addRows(rows);
  return header;
}

/** Read one JSON Lines source into the builders; returns the rows read. */
async function readJsonLinesInto(source: DatasetSource, builders: Map<string, ColumnBuilder>): Promise<number> {
  const decoder = new TextDecoder('utf-8');
  let rows = 0;
  let rest = '';
  const line = (text: string): void => {
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    rows++;
    const record = value as Record<string, unknown>;
    for (const [name, b] of builders) b.push(Object.hasOwn(record, name) ? record[name] : null);
  };
  for await (const chunk of source.stream()) {
    const all = rest + decoder.decode(chunk, { stream: true });
    const lines = all.split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) line(l);
  }
  line(rest + decoder.decode());
  return rows;
}

/** Tables with the same columns, one after the other. */
function concatTables(tables: readonly Table[]): Table {
  const rows = tables.reduce((sum, t) => sum + t.rows, 0);
  const columns: Record<string, TableColumn> = {};
  for (const name of Object.keys(tables[0]!.columns)) {
    const parts = tables.map((t) => t.columns[name]!);
    if (parts[0]!.kind === 'numeric') {
      const values = new Float64Array(rows);
      let at = 0;
      for (const p of parts) {
        values.set(p.values as Float64Array, at);
        at += p.values.length;
      }
      columns[name] = { kind: 'numeric', values };
    } else {
      columns[name] = { kind: 'text', values: parts.flatMap((p) => p.values as ReadonlyArray<string | null>) };
    }
  }
  return { rows, columns };
}

/** Build a table from records in memory (tests, the predict path's batches). */
export function tableFromRecords(records: ReadonlyArray<Readonly<Record<string, unknown>>>, dataset: Pick<DatasetConfig, 'columns'>): Table {
  const builders = new Map(Object.entries(dataset.columns).map(([name, spec]) => [name, new ColumnBuilder(spec.type)]));
  for (const record of records) for (const [name, b] of builders) b.push(Object.hasOwn(record, name) ? record[name] : null);
  const columns: Record<string, TableColumn> = {};
  for (const [name, b] of builders) columns[name] = b.build();
  return { rows: records.length, columns };
}

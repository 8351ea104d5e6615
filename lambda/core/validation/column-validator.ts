/**
 * Checks and profiles one column, one cell at a time, as the file streams by. Every expectation the
 * column's declaration implies is evaluated here: not null, type, between, in set, regex, lengths, and
 * datetime range — each with its own unexpected count and samples, and the column's `mostly`.
 */
import type { ColumnConfig } from '../../../config/schema';
import { ColumnProfiler, linearEdges, type CategoryCount, type ColumnProfileJson } from '../profile/column-profile';
import type { CsvRecord } from './csv-parser';
import { UnexpectedCollector, percent, type CollectorState, type ExpectationResult } from './report';
import { isNullCell, parseBoolean, parseDateTime, parseDateTimeString, parseInteger, parseNumber, parseText } from './values';

/** The plain-data state of a {@link ColumnValidator}. */
export interface ColumnValidatorState {
  readonly elementCount: number;
  readonly missingCount: number;
  readonly collectors: readonly CollectorState[];
  readonly profile: ColumnProfileJson;
}

/** `CategoryCount.checked` states. */
const PASSED = 1;
const FAILED = 2;

/** Bins of the fixed-edge histogram when a column declares both bounds. */
const BOUNDED_BINS = 50;

const TYPE_NAMES: Record<ColumnConfig['type'], string> = {
  number: 'number',
  integer: 'int',
  category: 'str',
  string: 'str',
  boolean: 'bool',
  datetime: 'datetime',
};

/** Validator + profiler of one declared column. */
export class ColumnValidator {
  /** Rows seen for this column. */
  elementCount = 0;
  /** Null (missing) cells. */
  missingCount = 0;
  readonly profiler: ColumnProfiler;
  private readonly notNull = new UnexpectedCollector();
  private readonly typeCheck = new UnexpectedCollector();
  private readonly between = new UnexpectedCollector();
  private readonly inSet = new UnexpectedCollector();
  private readonly regexCheck = new UnexpectedCollector();
  private readonly lengths = new UnexpectedCollector();
  private readonly kind: ColumnConfig['type'];
  /** Counters of short ASCII values by their packed key (see {@link packShortAscii}). */
  private readonly shortValues = new ShortKeyTable();
  private readonly min: number | undefined;
  private readonly max: number | undefined;
  private readonly allowed: Set<string> | undefined;
  private readonly regex: RegExp | undefined;
  private readonly minLength: number | undefined;
  private readonly maxLength: number | undefined;

  constructor(
    readonly name: string,
    readonly spec: ColumnConfig,
  ) {
    this.kind = spec.type;
    if (spec.type === 'number' || spec.type === 'integer') {
      this.min = spec.min;
      this.max = spec.max;
    } else if (spec.type === 'datetime') {
      this.min = spec.min !== undefined ? parseDateTimeString(spec.min) : undefined;
      this.max = spec.max !== undefined ? parseDateTimeString(spec.max) : undefined;
    }
    if (spec.type === 'category') this.allowed = spec.allowed ? new Set(spec.allowed) : undefined;
    if (spec.type === 'category' || spec.type === 'string') this.regex = spec.regex !== undefined ? new RegExp(spec.regex) : undefined;
    if (spec.type === 'string') {
      this.minLength = spec.minLength;
      this.maxLength = spec.maxLength;
    }
    const bounded = this.min !== undefined && this.max !== undefined && this.max > this.min;
    this.profiler = new ColumnProfiler(spec.type, bounded ? { edges: linearEdges(this.min!, this.max!, BOUNDED_BINS) } : {});
  }

  /** Check and profile one cell of data row `row` (1-based). */
  accept(raw: unknown, row: number): void {
    this.elementCount++;
    if (isNullCell(raw)) {
      this.missingCount++;
      if (!this.spec.nullable) this.notNull.add(row, raw ?? null);
      this.profiler.addNull();
      return;
    }
    switch (this.kind) {
      case 'number':
      case 'integer': {
        const x = this.kind === 'integer' ? parseInteger(raw) : parseNumber(raw);
        if (x === undefined) return this.invalid(row, raw);
        if ((this.min !== undefined && x < this.min) || (this.max !== undefined && x > this.max)) this.between.add(row, raw);
        this.profiler.addNumber(x);
        return;
      }
      case 'datetime': {
        const t = parseDateTime(raw);
        if (t === undefined) return this.invalid(row, raw);
        if ((this.min !== undefined && t < this.min) || (this.max !== undefined && t > this.max)) this.between.add(row, raw);
        this.profiler.addNumber(t);
        return;
      }
      case 'boolean': {
        const b = parseBoolean(raw);
        if (b === undefined) return this.invalid(row, raw);
        this.profiler.addCategory(b ? 'true' : 'false');
        return;
      }
      case 'category':
      case 'string': {
        const text = parseText(raw);
        if (text === undefined) return this.invalid(row, raw);
        this.acceptText(text, row, raw);
        return;
      }
    }
  }

  /**
   * Profile a text value and check it once per distinct value (unless it failed: then every time).
   * Returns the value's counter (undefined past the cap of distinct values).
   */
  private acceptText(s: string, row: number, raw: unknown): CategoryCount | undefined {
    const entry = this.profiler.addCategory(s);
    if (entry !== undefined && entry.checked === PASSED) return entry;
    let good = true;
    if (this.allowed && !this.allowed.has(s)) {
      this.inSet.add(row, raw);
      good = false;
    }
    if (this.regex && !this.regex.test(s)) {
      this.regexCheck.add(row, raw);
      good = false;
    }
    if ((this.minLength !== undefined && s.length < this.minLength) || (this.maxLength !== undefined && s.length > this.maxLength)) {
      this.lengths.add(row, raw);
      good = false;
    }
    if (entry !== undefined) entry.checked = good ? PASSED : FAILED;
    return entry;
  }

  /**
   * Check and profile field `i` of a CSV record: the fast path. Numbers and datetimes are read from the
   * record's characters without making a string; other types fall back to {@link accept}.
   */
  acceptCsv(record: CsvRecord, i: number, row: number): void {
    const kind = this.kind;
    if (kind === 'number' || kind === 'integer') {
      if (record.isEmpty(i)) return this.accept(undefined, row);
      const x = record.num(i);
      if (x !== x || (kind === 'integer' && !Number.isInteger(x))) {
        this.elementCount++;
        return this.invalid(row, record.str(i));
      }
      this.elementCount++;
      if ((this.min !== undefined && x < this.min) || (this.max !== undefined && x > this.max)) this.between.add(row, record.str(i));
      this.profiler.addNumber(x);
      return;
    }
    if (kind === 'datetime') {
      if (record.isEmpty(i)) return this.accept(undefined, row);
      const t = record.flags[i] === 0 ? parseDateTimeString(record.text, record.starts[i], record.ends[i]) : parseDateTimeString(record.str(i));
      this.elementCount++;
      if (t === undefined) return this.invalid(row, record.str(i));
      if ((this.min !== undefined && t < this.min) || (this.max !== undefined && t > this.max)) this.between.add(row, record.str(i));
      this.profiler.addNumber(t);
      return;
    }
    if ((kind === 'category' || kind === 'string') && !record.isEmpty(i)) {
      this.elementCount++;
      // Short ASCII values (airport codes, flags, states) are looked up by a number packed from their
      // characters: no string is made and no string is hashed for a value seen before.
      const packed = packShortAscii(record, i);
      if (packed >= 0) {
        const entry = this.shortValues.get(packed);
        if (entry !== undefined && entry.checked === PASSED) {
          this.profiler.addKnownCategory(entry);
          return;
        }
        const s = record.str(i);
        const added = this.acceptText(s, row, s);
        if (added !== undefined && entry === undefined) this.shortValues.set(packed, added);
        return;
      }
      const s = record.str(i);
      this.acceptText(s, row, s);
      return;
    }
    this.accept(record.isEmpty(i) ? undefined : record.str(i), row);
  }

  private invalid(row: number, raw: unknown): void {
    this.typeCheck.add(row, raw);
    this.profiler.addInvalid();
  }

  /** Plain-data state, to merge the validation of a file's parts (worker threads, Distributed Map). */
  toState(): ColumnValidatorState {
    return {
      elementCount: this.elementCount,
      missingCount: this.missingCount,
      collectors: this.collectors().map((c) => c.toState()),
      profile: this.profiler.toJSON(),
    };
  }

  /** Fold in the state of a later part of the file whose rows start after `rowOffset`. */
  mergeState(state: ColumnValidatorState, rowOffset: number): void {
    this.elementCount += state.elementCount;
    this.missingCount += state.missingCount;
    this.collectors().forEach((c, i) => c.mergeFrom(state.collectors[i]!, rowOffset));
    this.profiler.merge(ColumnProfiler.fromJSON(state.profile));
  }

  private collectors(): UnexpectedCollector[] {
    return [this.notNull, this.typeCheck, this.between, this.inSet, this.regexCheck, this.lengths];
  }

  /** The column's expectation results, Great Expectations style. */
  results(): ExpectationResult[] {
    const mostly = this.spec.mostly ?? 1;
    const column = this.name;
    const out: ExpectationResult[] = [];
    const nonMissing = this.elementCount - this.missingCount;
    const mapResult = (type: string, kwargs: Record<string, unknown>, collector: UnexpectedCollector, base: number): ExpectationResult => ({
      expectationType: type,
      kwargs: { column, ...kwargs, ...(mostly < 1 ? { mostly } : {}) },
      success: base === 0 || (base - collector.count) / base >= mostly,
      result: {
        elementCount: this.elementCount,
        missingCount: this.missingCount,
        missingPercent: percent(this.missingCount, this.elementCount),
        unexpectedCount: collector.count,
        unexpectedPercent: percent(collector.count, base),
        unexpectedPercentTotal: percent(collector.count, this.elementCount),
        partialUnexpectedList: collector.samples,
      },
    });
    if (!this.spec.nullable) out.push(mapResult('expect_column_values_to_not_be_null', {}, this.notNull, this.elementCount));
    out.push(mapResult('expect_column_values_to_be_of_type', { type_: TYPE_NAMES[this.kind] }, this.typeCheck, nonMissing));
    const spec = this.spec;
    if ((spec.type === 'number' || spec.type === 'integer' || spec.type === 'datetime') && (spec.min !== undefined || spec.max !== undefined)) {
      out.push(mapResult('expect_column_values_to_be_between', { min_value: spec.min ?? null, max_value: spec.max ?? null }, this.between, nonMissing));
    }
    if (spec.type === 'category' && spec.allowed) {
      out.push(mapResult('expect_column_values_to_be_in_set', { value_set: spec.allowed }, this.inSet, nonMissing));
    }
    if ((spec.type === 'category' || spec.type === 'string') && spec.regex !== undefined) {
      out.push(mapResult('expect_column_values_to_match_regex', { regex: spec.regex }, this.regexCheck, nonMissing));
    }
    if (spec.type === 'string' && (spec.minLength !== undefined || spec.maxLength !== undefined)) {
      out.push(mapResult('expect_column_value_lengths_to_be_between', { min_value: spec.minLength ?? null, max_value: spec.maxLength ?? null }, this.lengths, nonMissing));
    }
    return out;
  }
}


/**
 * A unique non-negative small integer for an unquoted field of 1–4 ASCII characters (7 bits each plus
 * the length), or -1 for anything else. Fits a V8 small integer, so map lookups never hash a string.
 */
function packShortAscii(record: CsvRecord, i: number): number {
  const start = record.starts[i]!;
  const length = record.ends[i]! - start;
  if (length > 4 || record.flags[i] !== 0) return -1;
  const text = record.text;
  // The length (1–4, stored as 0–3) leads, so 'A' and '\0A' differ; the maximum stays below 2^30.
  let key = length - 1;
  for (let k = 0; k < length; k++) {
    const c = text.charCodeAt(start + k);
    if (c > 127) return -1;
    key = key * 128 + c;
  }
  return key;
}

/**
 * An open-addressing hash table from packed short keys (see {@link packShortAscii}) to category
 * counters: a typed-array probe instead of a Map lookup, on the hottest path for categorical columns.
 * Holds up to half its capacity; past that, values simply take the string path.
 */
class ShortKeyTable {
  private readonly keys = new Int32Array(SHORT_TABLE_SIZE).fill(-1);
  private readonly values: Array<CategoryCount | undefined> = new Array(SHORT_TABLE_SIZE).fill(undefined);
  private size = 0;

  get(key: number): CategoryCount | undefined {
    let slot = Math.imul(key, 0x9e3779b1) >>> SHORT_TABLE_SHIFT;
    for (;;) {
      const k = this.keys[slot]!;
      if (k === key) return this.values[slot];
      if (k === -1) return undefined;
      slot = (slot + 1) & (SHORT_TABLE_SIZE - 1);
    }
  }

  set(key: number, value: CategoryCount): void {
    if (this.size >= SHORT_TABLE_SIZE / 2) return;
    let slot = Math.imul(key, 0x9e3779b1) >>> SHORT_TABLE_SHIFT;
    while (this.keys[slot] !== -1 && this.keys[slot] !== key) slot = (slot + 1) & (SHORT_TABLE_SIZE - 1);
    if (this.keys[slot] === -1) this.size++;
    this.keys[slot] = key;
    this.values[slot] = value;
  }
}

/** Slots of a {@link ShortKeyTable} (a power of two) and the shift that maps a 32-bit hash onto them. */
const SHORT_TABLE_SIZE = 4096;
const SHORT_TABLE_SHIFT = 32 - 12;

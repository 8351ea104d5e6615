/**
 * Validates one dataset file against the config's dataset declaration, whatever its format: readers
 * feed it a header and rows (CSV), objects (JSON Lines) or column chunks (Parquet); it runs every column
 * validator, the table-level checks, and builds the report and the mergeable profile.
 */
import type { DatasetConfig } from '../../../config/schema';
import { ColumnProfiler, type ColumnProfileJson } from '../profile/column-profile';
import { ColumnValidator, type ColumnValidatorState } from './column-validator';
import type { CsvRecord } from './csv-parser';
import { UnexpectedCollector, percent, type CollectorState, type ExpectationResult, type FailureKind, type ValidationFailure, type ValidationReport } from './report';

/** Profile of a whole dataset file (or of merged parts): one mergeable profile per declared column. */
export interface DatasetProfile {
  readonly rowCount: number;
  readonly columns: Readonly<Record<string, ColumnProfileJson>>;
}

/** What validating one file produces. */
export interface ValidationOutcome {
  readonly report: ValidationReport;
  readonly profile: DatasetProfile;
}

/** Where the file came from, for the report. */
export interface SourceInfo {
  readonly name: string;
  readonly format: 'csv' | 'jsonl' | 'parquet';
}

/**
 * The plain-data state of a {@link DatasetValidator} after reading one part of a file: what a worker
 * sends back so the parts of a file merge to the validation of the whole.
 */
export interface DatasetValidatorState {
  readonly rowCount: number;
  readonly bytes: number;
  readonly aborted: boolean;
  readonly failures: readonly ValidationFailure[];
  readonly ragged: CollectorState;
  readonly malformed: CollectorState;
  readonly badQuotes: CollectorState;
  readonly unknown: readonly string[];
  readonly present: readonly string[];
  readonly columns: Readonly<Record<string, ColumnValidatorState>>;
}

/** Unknown columns listed at most. */
const MAX_UNKNOWN = 100;

/** Stateful validator of one file; readers call `setColumns`, then `acceptRecord`/`acceptObject`/`acceptColumnChunk`. */
export class DatasetValidator {
  /** Data rows seen (the header is not a row). */
  rowCount = 0;
  private readonly started = Date.now();
  private readonly failures: ValidationFailure[] = [];
  private readonly warnings: string[] = [];
  private readonly validators = new Map<string, ColumnValidator>();
  private readonly ragged = new UnexpectedCollector();
  private readonly malformed = new UnexpectedCollector();
  private readonly badQuotes = new UnexpectedCollector();
  private readonly delimiter: string;
  private readonly unknown = new Set<string>();
  private fileColumns: string[] = [];
  /** Per file-column index: its validator, or undefined for an undeclared column. */
  private slots: Array<ColumnValidator | undefined> = [];
  private headerSeen = false;
  private bytes = 0;
  private aborted = false;

  constructor(
    private readonly dataset: DatasetConfig,
    private readonly source: SourceInfo,
  ) {
    for (const [name, spec] of Object.entries(dataset.columns)) this.validators.set(name, new ColumnValidator(name, spec));
    this.delimiter = dataset.delimiter;
  }

  /** Whether a fatal file-level failure stopped validation (no more input is useful). */
  get isAborted(): boolean {
    return this.aborted;
  }

  /** The file's columns as its header (CSV) or schema (Parquet) names them; undefined for JSON Lines. */
  get header(): readonly string[] | undefined {
    return this.headerSeen ? this.fileColumns : undefined;
  }

  /** Count bytes read, for the report. */
  addBytes(n: number): void {
    this.bytes += n;
  }

  /** Record a file-level failure; `fatal` stops further parsing. */
  fail(kind: FailureKind, message: string, fatal = false, extra: { samples?: ValidationFailure['samples']; count?: number } = {}): void {
    this.failures.push({ kind, message, ...extra });
    if (fatal) this.aborted = true;
  }

  /** Declare the file's columns (CSV header, Parquet schema). Returns false when the header is unusable. */
  setColumns(columns: readonly string[]): boolean {
    this.headerSeen = true;
    this.fileColumns = columns.map((c) => c.trim());
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const c of this.fileColumns) (seen.has(c) ? duplicates : seen).add(c);
    if (duplicates.size > 0) {
      this.fail('duplicate_columns', `the header names ${[...duplicates].map((d) => `'${d}'`).join(', ')} more than once`, true);
      return false;
    }
    this.slots = this.fileColumns.map((c) => this.validators.get(c));
    for (const c of this.fileColumns) if (!this.validators.has(c) && this.unknown.size < MAX_UNKNOWN) this.unknown.add(c);
    return true;
  }

  /** Detect a header split on the wrong delimiter; records a fatal failure and returns true if so. */
  checkDelimiter(header: readonly string[], delimiter: string): boolean {
    const declared = this.validators.size;
    if (header.length !== 1 || declared < 2) return false;
    const line = header[0]!;
    for (const candidate of [',', ';', '\t', '|']) {
      if (candidate === delimiter) continue;
      const parts = line.split(candidate);
      if (parts.length >= 2 && parts.some((p) => this.validators.has(p.trim()))) {
        this.fail(
          'wrong_delimiter',
          `the header splits on ${JSON.stringify(candidate)} into ${parts.length} columns but the config's delimiter is ${JSON.stringify(delimiter)} (set dataset.delimiter, or re-export the file)`,
          true,
        );
        return true;
      }
    }
    return false;
  }

  /** One CSV data record, aligned with the header. Ragged and badly quoted records are counted, not read. */
  acceptRecord(record: CsvRecord): void {
    const row = ++this.rowCount;
    const slots = this.slots;
    if (record.length !== slots.length) {
      this.ragged.add(row, `${record.length} fields: ${preview(record.toArray().join(this.delimiter))}`);
      return;
    }
    if (record.malformed) {
      this.badQuotes.add(row, preview(record.toArray().join(this.delimiter)));
      return;
    }
    for (let i = 0; i < slots.length; i++) {
      const v = slots[i];
      if (v !== undefined) v.acceptCsv(record, i, row);
    }
    // Declared columns absent from the file count as nulls, so their checks still see every row.
    if (this.missingValidators.length > 0) for (const v of this.missingValidators) v.accept(undefined, row);
  }

  /** One JSON Lines record (already parsed). Non-objects are malformed lines. */
  acceptObject(value: unknown, rawLine: string): void {
    const row = ++this.rowCount;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.malformed.add(row, preview(rawLine));
      return;
    }
    const record = value as Record<string, unknown>;
    let declaredSeen = 0;
    for (const [name, v] of this.validators) {
      // Own properties only: a column named "constructor" must not read Object.prototype.
      const cell = Object.hasOwn(record, name) ? record[name] : undefined;
      if (cell !== undefined) declaredSeen++;
      v.accept(cell, row);
    }
    if (this.dataset.unknownColumns !== 'ignore') {
      const keys = Object.keys(record);
      if (keys.length > declaredSeen) for (const k of keys) if (!this.validators.has(k) && this.unknown.size < MAX_UNKNOWN) this.unknown.add(k);
    }
    for (const k in record) if (this.validators.has(k)) this.present.add(k);
  }

  /** A JSON line that did not parse. */
  acceptMalformed(rawLine: string, reason: string): void {
    const row = ++this.rowCount;
    this.malformed.add(row, `${preview(rawLine)} (${reason})`);
  }

  /** Cells of one column for rows `firstRow…` (1-based), as Parquet delivers them column by column. */
  acceptColumnChunk(column: string, values: ArrayLike<unknown>, firstRow: number): void {
    const v = this.validators.get(column);
    if (!v) return;
    for (let i = 0; i < values.length; i++) v.accept(values[i], firstRow + i);
  }

  /** Set the row count when a reader knows it up front (Parquet). */
  setRowCount(rows: number): void {
    this.rowCount = rows;
  }

  private present = new Set<string>();

  private get missingValidators(): ColumnValidator[] {
    if (this.missingCache === undefined) {
      const inFile = new Set(this.fileColumns);
      this.missingCache = [...this.validators.values()].filter((v) => !inFile.has(v.name));
    }
    return this.missingCache;
  }

  private missingCache: ColumnValidator[] | undefined;

  /** Plain-data state of this part of the file. */
  toState(): DatasetValidatorState {
    const columns: Record<string, ColumnValidatorState> = {};
    for (const [name, v] of this.validators) columns[name] = v.toState();
    return {
      rowCount: this.rowCount,
      bytes: this.bytes,
      aborted: this.aborted,
      failures: this.failures,
      ragged: this.ragged.toState(),
      malformed: this.malformed.toState(),
      badQuotes: this.badQuotes.toState(),
      unknown: [...this.unknown],
      present: [...this.present],
      columns,
    };
  }

  /**
   * Fold in the state of the next part of the same file (parts merged in file order): counts add,
   * samples keep file order with row numbers shifted by the rows before the part, profiles merge.
   */
  mergeState(state: DatasetValidatorState): void {
    const offset = this.rowCount;
    this.rowCount += state.rowCount;
    this.bytes += state.bytes;
    this.aborted ||= state.aborted;
    for (const failure of state.failures) {
      this.failures.push(failure.samples ? { ...failure, samples: failure.samples.map((s) => ({ row: s.row + offset, value: s.value })) } : failure);
    }
    this.ragged.mergeFrom(state.ragged, offset);
    this.malformed.mergeFrom(state.malformed, offset);
    this.badQuotes.mergeFrom(state.badQuotes, offset);
    for (const u of state.unknown) if (this.unknown.size < MAX_UNKNOWN) this.unknown.add(u);
    for (const p of state.present) this.present.add(p);
    for (const [name, column] of Object.entries(state.columns)) this.validators.get(name)?.mergeState(column, offset);
  }

  /** Build the report and profile. */
  finish(): ValidationOutcome {
    const results: ExpectationResult[] = [];
    const columnsInFile = this.headerSeen ? this.fileColumns : [...this.present, ...this.unknown];
    const inFile = new Set(columnsInFile);

    if (!this.aborted) {
      if (this.headerSeen && this.rowCount === 0 && this.source.format === 'csv') {
        this.fail('header_only', 'the file has a header but no data rows');
      }
      if (this.ragged.count > 0) {
        this.fail(
          'ragged_rows',
          `${this.ragged.count} row${this.ragged.count === 1 ? ' has' : 's have'} a field count different from the header's ${this.fileColumns.length}`,
          false,
          { samples: this.ragged.samples, count: this.ragged.count },
        );
      }
      if (this.badQuotes.count > 0) {
        this.fail('malformed_quote', `${this.badQuotes.count} row${this.badQuotes.count === 1 ? ' has' : 's have'} text after a closing quote (RFC 4180: a quoted field ends at its closing quote)`, false, {
          samples: this.badQuotes.samples,
          count: this.badQuotes.count,
        });
      }
      if (this.malformed.count > 0) {
        this.fail('malformed_json_line', `${this.malformed.count} line${this.malformed.count === 1 ? ' is' : 's are'} not a JSON object`, false, {
          samples: this.malformed.samples,
          count: this.malformed.count,
        });
      }

      // Table: required columns present, unknown columns per policy.
      const missing = [...this.validators.values()].filter((v) => v.spec.required && !inFile.has(v.name)).map((v) => v.name);
      const unknown = [...this.unknown];
      const policy = this.dataset.unknownColumns;
      results.push({
        expectationType: 'expect_table_columns_to_match_set',
        kwargs: { column_set: [...this.validators.keys()], exact_match: policy === 'fail' },
        success: missing.length === 0 && (policy !== 'fail' || unknown.length === 0),
        result: {
          observedValue: columnsInFile,
          details: { missingColumns: missing, unknownColumns: policy === 'ignore' ? [] : unknown, unknownColumnPolicy: policy },
        },
      });
      const { min, max } = this.dataset.rowCount;
      results.push({
        expectationType: 'expect_table_row_count_to_be_between',
        kwargs: { min_value: min ?? null, max_value: max ?? null },
        success: (min === undefined || this.rowCount >= min) && (max === undefined || this.rowCount <= max),
        result: { observedValue: this.rowCount },
      });
      for (const v of this.validators.values()) {
        // A column absent from the file is reported once, by the table check, not as all-null values.
        if (!inFile.has(v.name)) continue;
        results.push(...v.results());
      }
      if (policy === 'warn' && unknown.length > 0) {
        this.warnings.push(`columns not declared in the dataset schema were ignored: ${unknown.join(', ')} (dataset.unknownColumns is "warn")`);
      }
      const failed = results.filter((r) => !r.success);
      if (failed.length > 0) {
        this.fail('expectations_failed', `${failed.length} of ${results.length} expectations failed: ${failed.map((r) => describe(r)).join('; ')}`);
      }
    }

    const successful = results.filter((r) => r.success).length;
    const success = this.failures.length === 0;
    const report: ValidationReport = {
      success,
      verdict: success ? 'valid' : 'invalid',
      source: { name: this.source.name, format: this.source.format, bytes: this.bytes },
      rowCount: this.rowCount,
      columns: columnsInFile,
      failures: this.failures,
      warnings: this.warnings,
      statistics: {
        evaluatedExpectations: results.length,
        successfulExpectations: successful,
        unsuccessfulExpectations: results.length - successful,
        successPercent: percent(successful, results.length),
      },
      results,
      meta: { validatedAt: new Date().toISOString(), durationMs: Date.now() - this.started, engine: 'mlops-platform validate' },
    };
    const columns: Record<string, ColumnProfileJson> = {};
    for (const v of this.validators.values()) columns[v.name] = v.profiler.toJSON();
    return { report, profile: { rowCount: this.rowCount, columns } };
  }
}

function preview(line: string): string {
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

function describe(r: ExpectationResult): string {
  const column = typeof r.kwargs.column === 'string' ? `${r.kwargs.column}: ` : '';
  const counts = r.result.unexpectedCount !== undefined ? ` (${r.result.unexpectedCount} unexpected, ${r.result.unexpectedPercent}%)` : '';
  const details = r.result.details as { missingColumns?: string[]; unknownColumns?: string[] } | undefined;
  const extra = details
    ? [details.missingColumns?.length ? `missing ${details.missingColumns.join(', ')}` : '', details.unknownColumns?.length ? `unknown ${details.unknownColumns.join(', ')}` : '']
        .filter(Boolean)
        .join(', ')
    : r.result.observedValue !== undefined
      ? `observed ${JSON.stringify(r.result.observedValue)}`
      : '';
  return `${column}${r.expectationType}${counts}${extra ? ` (${extra})` : ''}`;
}

/** Merge the profiles of disjoint parts of one dataset into the profile of the whole. */
export function mergeProfiles(a: DatasetProfile, b: DatasetProfile): DatasetProfile {
  const columns: Record<string, ColumnProfileJson> = {};
  for (const name of new Set([...Object.keys(a.columns), ...Object.keys(b.columns)])) {
    const pa = a.columns[name];
    const pb = b.columns[name];
    if (pa && pb) {
      const merged = ColumnProfiler.fromJSON(pa);
      merged.merge(ColumnProfiler.fromJSON(pb));
      columns[name] = merged.toJSON();
    } else {
      columns[name] = (pa ?? pb)!;
    }
  }
  return { rowCount: a.rowCount + b.rowCount, columns };
}


/**
 * The validation report, following Great Expectations' result conventions (camelCased): one result per
 * expectation with `success`, `elementCount`, `unexpectedCount` and percent, and up to 20 sample bad
 * values with their row numbers; file-level failures are named for what they are.
 */

/** Bad values kept per expectation, with their row numbers. */
export const MAX_SAMPLES = 20;

/** One sample of an unexpected value: 1-based data row (the header is not a row) and the raw value. */
export interface UnexpectedSample {
  readonly row: number;
  readonly value: unknown;
}

/** The counts Great Expectations reports for a column-map expectation. */
export interface ExpectationCounts {
  readonly elementCount: number;
  readonly missingCount: number;
  readonly missingPercent: number;
  readonly unexpectedCount: number;
  /** Unexpected share of the non-missing values, in percent (GE's `unexpected_percent`). */
  readonly unexpectedPercent: number;
  /** Unexpected share of all values, in percent. */
  readonly unexpectedPercentTotal: number;
  readonly partialUnexpectedList: readonly UnexpectedSample[];
}

/** The result of one expectation. */
export interface ExpectationResult {
  /** Great Expectations' name for the check, e.g. `expect_column_values_to_be_between`. */
  readonly expectationType: string;
  /** The check's arguments (column, bounds, `mostly`, …). */
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly success: boolean;
  /** Counts for column checks; `observedValue` for table checks. */
  readonly result: Partial<ExpectationCounts> & { readonly observedValue?: unknown; readonly details?: Readonly<Record<string, unknown>> };
}

/** Kinds of file-level failure, each named for what it is. */
export type FailureKind =
  | 'empty_file'
  | 'header_only'
  | 'not_utf8'
  | 'compressed_content'
  | 'binary_content'
  | 'wrong_delimiter'
  | 'ragged_rows'
  | 'unclosed_quote'
  | 'malformed_quote'
  | 'record_too_large'
  | 'malformed_json_line'
  | 'unreadable_parquet'
  | 'duplicate_columns'
  | 'file_too_large'
  | 'unsupported_format'
  | 'mismatched_parts'
  | 'expectations_failed';

/** One reason a file is invalid. */
export interface ValidationFailure {
  readonly kind: FailureKind;
  /** One sentence a user can act on. */
  readonly message: string;
  /** Sample rows where the failure was seen, when it is row-level. */
  readonly samples?: readonly UnexpectedSample[];
  /** How many rows had it. */
  readonly count?: number;
}

/** Summary counts in Great Expectations' `statistics` block. */
export interface ValidationStatistics {
  readonly evaluatedExpectations: number;
  readonly successfulExpectations: number;
  readonly unsuccessfulExpectations: number;
  readonly successPercent: number;
}

/** The full report of validating one file. */
export interface ValidationReport {
  readonly success: boolean;
  readonly verdict: 'valid' | 'invalid';
  readonly source: { readonly name: string; readonly format: string; readonly bytes: number };
  readonly rowCount: number;
  readonly columns: readonly string[];
  readonly failures: readonly ValidationFailure[];
  /** Things worth knowing that do not make the file invalid (e.g. ignored columns under the "warn" policy). */
  readonly warnings: readonly string[];
  readonly statistics: ValidationStatistics;
  readonly results: readonly ExpectationResult[];
  readonly meta: { readonly validatedAt: string; readonly durationMs: number; readonly engine: string };
}

/** Collects unexpected values for one expectation: a count and the first {@link MAX_SAMPLES} samples. */
export class UnexpectedCollector {
  count = 0;
  readonly samples: UnexpectedSample[] = [];

  add(row: number, value: unknown): void {
    this.count++;
    if (this.samples.length < MAX_SAMPLES) this.samples.push({ row, value: detach(value) });
  }

  /** Add the counts and samples of a later part of the file, whose rows start after `rowOffset`. */
  mergeFrom(other: CollectorState, rowOffset: number): void {
    this.count += other.count;
    for (const sample of other.samples) {
      if (this.samples.length >= MAX_SAMPLES) break;
      this.samples.push({ row: sample.row + rowOffset, value: sample.value });
    }
  }

  /** Plain-data form, to cross a worker boundary. */
  toState(): CollectorState {
    return { count: this.count, samples: this.samples };
  }
}

/** The plain-data state of an {@link UnexpectedCollector}. */
export interface CollectorState {
  readonly count: number;
  readonly samples: readonly UnexpectedSample[];
}

/** A copy of a sampled value that does not pin the read buffer it was sliced from. */
function detach(value: unknown): unknown {
  if (typeof value === 'string') return (' ' + (value.length > 200 ? `${value.slice(0, 200)}…` : value)).slice(1);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : String(value);
  return value;
}

/** Round a percentage to 4 decimals for the report. */
export function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1e6) / 1e4;
}

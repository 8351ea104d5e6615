/**
 * Validating a part-file dataset in parallel: each part is read into its own {@link DatasetValidator}
 * and reduced to a plain-data, mergeable state ({@link PartValidation}); the states merged in part order
 * give the report and profile of the whole dataset — the same merge that `mlops validate` uses for the
 * byte ranges of one large file. Row numbers in the merged report count across the parts in order.
 */
import type { DatasetConfig } from '../../../config/schema';
import { DatasetValidator, type DatasetValidatorState, type ValidationOutcome } from './dataset-validator';
import { readDataset, type DatasetFormat, type DatasetSource } from './validate-dataset';

/** Format of the file a {@link PartValidation} document was written by. */
export const PART_VALIDATION_FORMAT = 'mlops-part-validation/1';

/** What validating one part leaves for the merge (stored as JSON between the two). */
export interface PartValidation {
  readonly format: typeof PART_VALIDATION_FORMAT;
  /** 0-based position of the part in the dataset. */
  readonly index: number;
  /** The part's object key (or path). */
  readonly key: string;
  /** The part's file format. */
  readonly fileFormat: DatasetFormat;
  /** The part's header (CSV) or schema columns (Parquet); absent for JSON Lines. */
  readonly header?: readonly string[];
  /** The validator's state after reading the whole part. */
  readonly state: DatasetValidatorState;
}

/** A small summary of one part's validation, for the state machine (which keeps payloads small). */
export interface PartSummary {
  readonly index: number;
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
  /** File-level failures the part showed on its own (column checks are judged after the merge). */
  readonly fileFailures: number;
  /** Where the part's state was written. */
  readonly stateKey: string;
}

/** Validate one part of a dataset: read it whole, keep the mergeable state (the verdict comes from the merge). */
export async function validatePart(index: number, source: DatasetSource, dataset: DatasetConfig): Promise<PartValidation> {
  const { validator, format } = await readDataset(source, dataset);
  return {
    format: PART_VALIDATION_FORMAT,
    index,
    key: source.name,
    fileFormat: format,
    ...(validator.header ? { header: [...validator.header] } : {}),
    state: validator.toState(),
  };
}

/** The summary the state machine carries for a part. */
export function summarizePart(part: PartValidation, stateKey: string): PartSummary {
  return { index: part.index, key: part.key, rows: part.state.rowCount, bytes: part.state.bytes, fileFailures: part.state.failures.length, stateKey };
}

/** A stored part validation is not one (wrong format, or written for another part). */
export class PartValidationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PartValidationError';
  }
}

/**
 * Merge the parts' validations, in part order, into the outcome of validating the whole dataset: one
 * report and one profile, shaped exactly as a single file's. Every part must have the first part's
 * format and header (same columns in the same order); a part that differs is a `mismatched_parts`
 * failure naming it.
 * @param name the dataset's name in the report (its folder)
 */
export function mergePartValidations(parts: readonly PartValidation[], dataset: DatasetConfig, name: string): ValidationOutcome {
  const ordered = [...parts].sort((a, b) => a.index - b.index);
  ordered.forEach((p, i) => {
    if (p.format !== PART_VALIDATION_FORMAT) throw new PartValidationError(`part ${i} (${p.key}): not a ${PART_VALIDATION_FORMAT} document`);
    if (p.index !== i) throw new PartValidationError(`part validations are not parts 0…${ordered.length - 1}: part ${i} is missing (next is ${p.index}, ${p.key})`);
  });
  const first = ordered[0];
  if (!first) throw new PartValidationError('no part validations to merge: a part-file dataset has at least one part');
  const merged = new DatasetValidator(dataset, { name, format: first.fileFormat });
  // The header is set once, as a one-file read sets it; a duplicated header already failed in the part.
  if (first.header && new Set(first.header).size === first.header.length) merged.setColumns(first.header);
  const mismatches: string[] = [];
  for (const part of ordered) {
    if (part.fileFormat !== first.fileFormat) {
      mismatches.push(`part ${part.index} (${part.key}) is ${part.fileFormat}, the first part (${first.key}) is ${first.fileFormat}`);
    } else if (!sameHeader(part.header, first.header)) {
      mismatches.push(`part ${part.index} (${part.key}) has columns [${(part.header ?? []).join(', ')}], the first part (${first.key}) has [${(first.header ?? []).join(', ')}]`);
    }
    merged.mergeState(part.state);
  }
  if (mismatches.length > 0) {
    merged.fail('mismatched_parts', `the parts do not agree: ${mismatches.slice(0, 5).join('; ')}${mismatches.length > 5 ? `; and ${mismatches.length - 5} more` : ''}`);
  }
  return merged.finish();
}

function sameHeader(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

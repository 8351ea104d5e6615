/**
 * Helpers for the validation core's unit tests: dataset declarations built through the real zod column
 * schema (so defaults are the config's), fixture access, and lookups into a report.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { columnSchema, type DatasetConfig } from '../../config/schema';
import type { ExpectationResult, ValidationFailure, ValidationReport } from '../../lambda/core/validation/report';
import { localFileSource, memorySource } from '../../lambda/core/validation/local-source';
import { validateDataset, type DatasetSource } from '../../lambda/core/validation/validate-dataset';
import type { ValidationOutcome } from '../../lambda/core/validation/dataset-validator';

/** Folder of the committed validation fixtures. */
export const VALIDATION_FIXTURES = join(__dirname, '..', 'fixtures', 'validation');

/** Absolute path of a fixture in `test/fixtures/validation/`. */
export function fixturePath(name: string): string {
  return join(VALIDATION_FIXTURES, name);
}

/** The bytes of a fixture. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

/** A column declaration as written in a config file (defaults are filled in by the schema). */
export type ColumnInput = Record<string, unknown> & { type: string };

/**
 * A dataset declaration with the config schema's defaults: format auto, delimiter ',', unknown columns
 * fail, at least one row. `extra` overrides any dataset field.
 */
export function datasetConfig(columns: Record<string, ColumnInput>, extra: Partial<Omit<DatasetConfig, 'columns'>> = {}): DatasetConfig {
  const parsed = Object.fromEntries(Object.entries(columns).map(([name, spec]) => [name, columnSchema.parse(spec)]));
  return {
    format: 'auto',
    delimiter: ',',
    target: Object.keys(columns)[0]!,
    task: 'regression',
    split: { by: 'random', testFraction: 0.2, seed: 42 },
    unknownColumns: 'fail',
    rowCount: { min: 1 },
    maxFileMb: 2048,
    ...extra,
    columns: parsed,
  };
}

/** The flights columns as `config/dev.json` declares them (the fixtures' schema). */
export const FLIGHT_COLUMNS: Record<string, ColumnInput> = {
  date: { type: 'datetime', min: '2001-01-01T00:00:00', max: '2001-12-31T23:59:59' },
  delay: { type: 'integer', min: -120, max: 2000 },
  distance: { type: 'integer', min: 1, max: 6000 },
  origin: { type: 'category', regex: '^[A-Z]{3}$' },
  destination: { type: 'category', regex: '^[A-Z]{3}$' },
};

/** The flights dataset declaration, with per-test overrides of columns and dataset fields. */
export function flightsDataset(
  extra: Partial<Omit<DatasetConfig, 'columns'>> = {},
  columnOverrides: Record<string, Partial<ColumnInput>> = {},
): DatasetConfig {
  const columns: Record<string, ColumnInput> = {};
  for (const [name, spec] of Object.entries(FLIGHT_COLUMNS)) columns[name] = { ...spec, ...columnOverrides[name] } as ColumnInput;
  return datasetConfig(columns, { target: 'delay', ...extra });
}

/** Free-text schema of `valid-quoted-fields*.csv`. */
export const REMARKS_DATASET = datasetConfig({
  flight: { type: 'integer', min: 1 },
  origin: { type: 'category', regex: '^[A-Z]{3}$' },
  remark: { type: 'string' },
});

/** Schema of the multibyte fixtures (`valid-multibyte-*`). */
export const CITIES_DATASET = datasetConfig({
  city: { type: 'category' },
  country: { type: 'category' },
  population: { type: 'integer', min: 0 },
});

/** Validate a committed fixture, read from disk as the CLI reads it. */
export function validateFixture(name: string, dataset: DatasetConfig): Promise<ValidationOutcome> {
  return validateDataset(localFileSource(fixturePath(name), name), dataset);
}

/** Validate bytes or text from memory, optionally split into `chunkBytes`-sized stream chunks. */
export function validateBytes(name: string, content: string | Uint8Array, dataset: DatasetConfig, chunkBytes?: number): Promise<ValidationOutcome> {
  return validateDataset(memorySource(name, content, chunkBytes), dataset);
}

/** A source whose stream is produced lazily by `generate` (nothing is held in memory). */
export function generatedSource(name: string, size: number, generate: () => AsyncIterable<Uint8Array>): DatasetSource {
  return {
    name,
    size,
    stream: generate,
    asyncBuffer: () => Promise.reject(new Error('a generated source has no random access')),
  };
}

/** The kinds of a report's failures, in order. */
export function failureKinds(report: ValidationReport): string[] {
  return report.failures.map((f) => f.kind);
}

/** The failure of a kind; throws (failing the test with the report's failures) when absent. */
export function failureOf(report: ValidationReport, kind: string): ValidationFailure {
  const found = report.failures.find((f) => f.kind === kind);
  if (!found) throw new Error(`no '${kind}' failure; failures: ${JSON.stringify(report.failures)}`);
  return found;
}

/** The result of one expectation (by GE name, and column for column checks); throws when absent. */
export function resultOf(report: ValidationReport, expectationType: string, column?: string): ExpectationResult {
  const found = report.results.find((r) => r.expectationType === expectationType && (column === undefined || r.kwargs.column === column));
  if (!found) throw new Error(`no ${expectationType}${column ? ` for ${column}` : ''}; results: ${report.results.map((r) => `${r.expectationType}(${String(r.kwargs.column ?? '')})`).join(', ')}`);
  return found;
}

/** The results that failed, as `type(column)` strings (a compact view for exact assertions). */
export function failedChecks(report: ValidationReport): string[] {
  return report.results.filter((r) => !r.success).map((r) => (r.kwargs.column === undefined ? r.expectationType : `${r.expectationType}(${String(r.kwargs.column)})`));
}

/** A deterministic PRNG for reproducible random data: the one the core uses for splits and sampling. */
export { seededRandom } from '../../lambda/core/features/matrix';

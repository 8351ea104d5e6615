/**
 * The predict request: its envelope (one record, or `{"instances": [...]}` up to `serving.maxBatch`)
 * and the check of every record against the columns the model's transform spec reads.
 *
 * Serving checks types, not data quality: a value of the right type outside the training range, or a
 * category the model never saw, reaches the transform spec (unseen categories become the "other" code)
 * and the drift monitor, instead of being refused. What is refused, each problem naming the instance,
 * the field and the expectation:
 * - a feature column absent from a record (send `null` for a missing value of a nullable column);
 * - `null` (or `""`, which training reads as missing) for a column that is not nullable;
 * - a value of the wrong JSON type: numbers and integers must be JSON numbers (no numeric strings, so
 *   no `"NaN"` or `"Infinity"`), and finite (`1e999` parses to Infinity); integers whole; categories
 *   and strings JSON strings; booleans `true`/`false`; datetimes strings the training path parses
 *   (`parseDateTimeString`: `YYYY-MM-DD` or `YYYY/MM/DD`, optional time and zone; no zone = UTC);
 * - a field that is not a declared column, when `dataset.unknownColumns` is `fail` (`warn` accepts the
 *   record and reports a warning; `ignore` accepts it silently). Declared columns the model does not
 *   use (the target, say) are accepted and ignored.
 */
import { z } from 'zod';
import type { ColumnType, DatasetConfig } from '../../../config/schema';
import type { TransformSpec } from '../features/transform-spec';
import { parseDateTimeString } from '../validation/values';
import { BadRequestError, InvalidModelError, type FieldProblem } from './errors';

/** One raw record: column name → raw JSON value. */
export type RawRecord = Readonly<Record<string, unknown>>;

/** A column a record must carry for the model. */
export interface FeatureField {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

/** What a record must look like for one model: its feature fields, the declared columns, the policy. */
export interface RequestContract {
  /** The columns the transform spec reads, in the spec's order. */
  readonly fields: readonly FeatureField[];
  /** Every name a record may carry without being "unknown". */
  readonly declared: ReadonlySet<string>;
  /** What a field that is not declared does (`dataset.unknownColumns`). */
  readonly unknownColumns: DatasetConfig['unknownColumns'];
}

const COLUMN_TYPES: ReadonlySet<string> = new Set<ColumnType>(['number', 'integer', 'category', 'string', 'boolean', 'datetime']);

/** Whether a spec's column type is one the config schema declares. */
export function isColumnType(type: string | undefined): type is ColumnType {
  return type !== undefined && COLUMN_TYPES.has(type);
}

/**
 * The contract of a model: the spec's feature columns with the type they were trained with (the
 * spec's `columnTypes`), nullability from the dataset declaration (a column the dataset no longer
 * declares is not nullable), and the unknown-field policy.
 * @throws InvalidModelError when the spec names a column without a known type
 */
export function requestContract(spec: Pick<TransformSpec, 'features' | 'columnTypes' | 'target'>, dataset: Pick<DatasetConfig, 'columns' | 'unknownColumns'>): RequestContract {
  const fields: FeatureField[] = [];
  const seen = new Set<string>();
  for (const feature of spec.features) {
    if (seen.has(feature.column)) continue;
    seen.add(feature.column);
    const type = spec.columnTypes[feature.column];
    if (!isColumnType(type)) throw new InvalidModelError(`the transform spec's feature column '${feature.column}' has no known type (columnTypes says ${JSON.stringify(type)})`);
    fields.push({ name: feature.column, type, nullable: dataset.columns[feature.column]?.nullable ?? false });
  }
  const declared = new Set([...Object.keys(dataset.columns), ...Object.keys(spec.columnTypes)]);
  if (spec.target.kind === 'label') declared.add(spec.target.name);
  return { fields, declared, unknownColumns: dataset.unknownColumns };
}

/** The request body after the envelope check: the records, and whether it was a batch. */
export interface PredictRequest {
  readonly instances: readonly RawRecord[];
  readonly batch: boolean;
  /** The batch asked for per-prediction explanations (`"explain": true`). */
  readonly explain: boolean;
}

const recordSchema = z.record(z.string(), z.unknown());

/** The batch envelope: `instances`, a non-empty array of JSON objects, at most `maxBatch`; optionally `explain`. */
export function batchSchema(maxBatch: number) {
  // Built once per limit: making a zod schema costs more than parsing a small batch with it.
  let schema = batchSchemas.get(maxBatch);
  if (schema === undefined) {
    schema = makeBatchSchema(maxBatch);
    batchSchemas.set(maxBatch, schema);
  }
  return schema;
}

const batchSchemas = new Map<number, ReturnType<typeof makeBatchSchema>>();

function makeBatchSchema(maxBatch: number) {
  return z.strictObject({
    instances: z
      .array(recordSchema, { error: (issue) => (issue.input === undefined ? 'required: an array of records' : 'an array of records (JSON objects)') })
      .min(1, 'at least one record')
      .max(maxBatch, `at most ${maxBatch} records (serving.maxBatch)`),
    explain: z.boolean({ error: 'true or false: whether to explain each prediction' }).optional(),
  });
}

function describeIssuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'the body' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/**
 * Read the envelope: a JSON object is one record, unless it has an `instances` member, which makes it a
 * batch (so a column named `instances` can only be sent in the batch form).
 * @throws BadRequestError for a body that is not an object, or a batch that breaks {@link batchSchema}
 */
export function parsePredictRequest(body: unknown, options: { readonly maxBatch: number }): PredictRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const got = Array.isArray(body) ? 'an array' : describeValue(body);
    throw new BadRequestError(`the body must be a JSON object: one record {"column": value, …} or a batch {"instances": [record, …]}; got ${got}`);
  }
  if (Object.hasOwn(body, 'instances')) {
    const parsed = batchSchema(options.maxBatch).safeParse(body);
    if (!parsed.success) {
      const messages = parsed.error.issues.map((i) => {
        if (i.code === 'unrecognized_keys') return `unknown top-level field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}: a batch is {"instances": [record, …], "explain"?: true|false}`;
        if (i.code === 'too_big' && i.path.length === 1) return `instances: ${i.message}, got ${(body as { instances: unknown[] }).instances.length}`;
        if (i.path.length === 2 && i.path[0] === 'instances') return `instances[${String(i.path[1])}]: expected a record (a JSON object), got ${describeValue((body as { instances: unknown[] }).instances[i.path[1] as number])}`;
        return `${describeIssuePath(i.path)}: ${i.message}`;
      });
      throw new BadRequestError(`invalid batch: ${messages.join('; ')}`);
    }
    return { instances: parsed.data.instances, batch: true, explain: parsed.data.explain === true };
  }
  return { instances: [singleRecord(body)], batch: false, explain: false };
}

/**
 * What `recordSchema.parse` returns for a JSON object, without zod on the path of every single-record
 * request: a JSON object always passes, and the result has the same own keys and values in the same
 * order, less a `__proto__` key, which zod strips (so that it cannot set the prototype of its copy).
 */
function singleRecord(body: object): RawRecord {
  if (!Object.hasOwn(body, '__proto__')) return body as RawRecord;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (key !== '__proto__') copy[key] = value;
  return copy;
}

/** A short description of a received JSON value, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : `a number out of range (${value})`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

const EXPECTED: Readonly<Record<ColumnType, string>> = {
  number: 'a finite JSON number',
  integer: 'a whole JSON number',
  category: 'a JSON string (category)',
  string: 'a JSON string',
  boolean: 'true or false',
  datetime: 'a date-time string such as "2001-01-14T21:55:00Z" or "2001/01/14 21:55" (no zone = UTC)',
};

/** What a field expects, in words. */
function expectedOf(field: FeatureField): string {
  return field.nullable ? `${EXPECTED[field.type]} or null` : EXPECTED[field.type];
}

/** Whether a value is of the field's type (null and "" are handled before). */
function isOfType(type: ColumnType, value: unknown): boolean {
  switch (type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'category':
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'datetime':
      return typeof value === 'string' && parseDateTimeString(value) !== undefined;
  }
}

/** Why a received value does not fit, beyond "got X" (the notes that save a client a round trip). */
function hint(field: FeatureField, value: unknown): string {
  if ((field.type === 'number' || field.type === 'integer') && typeof value === 'string') {
    return /^\s*[+-]?(nan|inf|infinity)\s*$/i.test(value) ? ' (JSON has no NaN or Infinity; numbers are not accepted as strings)' : ' (numbers are not accepted as strings)';
  }
  if (field.type === 'integer' && typeof value === 'number' && Number.isFinite(value)) return ' (not a whole number)';
  return '';
}

/** The outcome of checking the records: every problem, and the warnings of the `warn` policy. */
export interface RecordCheck {
  readonly problems: readonly FieldProblem[];
  readonly warnings: readonly string[];
}

/** Check each record against the contract; collects every problem (none means the records can be scored). */
export function checkRecords(records: readonly RawRecord[], contract: RequestContract): RecordCheck {
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  records.forEach((record, instance) => {
    for (const field of contract.fields) {
      if (!Object.hasOwn(record, field.name)) {
        problems.push({ instance, field: field.name, expected: expectedOf(field), received: field.nullable ? 'nothing (the field is missing; send null for a missing value)' : 'nothing (the field is missing)' });
        continue;
      }
      const value = record[field.name];
      if (value === null || value === '') {
        if (!field.nullable) problems.push({ instance, field: field.name, expected: `${EXPECTED[field.type]} (the column is not nullable)`, received: value === null ? 'null' : 'the empty string (read as a missing value)' });
        continue;
      }
      if (!isOfType(field.type, value)) problems.push({ instance, field: field.name, expected: expectedOf(field), received: `${describeValue(value)}${hint(field, value)}` });
    }
    if (contract.unknownColumns === 'ignore') return;
    for (const name of Object.keys(record)) {
      if (contract.declared.has(name)) continue;
      if (contract.unknownColumns === 'fail') {
        problems.push({ instance, field: name, expected: `no such field: one of the dataset's columns (${[...contract.declared].join(', ')}); dataset.unknownColumns is 'fail'`, received: describeValue(record[name]) });
      } else {
        warnings.push(`instance ${instance}, field '${name}': not a column of the dataset; ignored (dataset.unknownColumns is 'warn')`);
      }
    }
  });
  return { problems, warnings };
}

/** How many field problems a 400 lists in its message (all are in `problems`, up to {@link MAX_LISTED_PROBLEMS}). */
export const MAX_LISTED_PROBLEMS = 50;

/** One problem as a sentence: `instance 0, field 'distance': expected …, got …`. */
export function formatProblem(p: FieldProblem): string {
  return `instance ${p.instance}, field '${p.field}': expected ${p.expected}, got ${p.received}`;
}

/**
 * Check the records and throw when any problem is found.
 * @returns the warnings of the `warn` policy
 * @throws BadRequestError listing the problems (at most {@link MAX_LISTED_PROBLEMS})
 */
export function assertRecords(records: readonly RawRecord[], contract: RequestContract): readonly string[] {
  const { problems, warnings } = checkRecords(records, contract);
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
    const more = problems.length - listed.length;
    throw new BadRequestError(`invalid record${problems.length > 1 ? 's' : ''}: ${listed.map(formatProblem).join('; ')}${more > 0 ? `; and ${more} more` : ''}`, listed);
  }
  return warnings;
}

/**
 * Feature engineering as a fitted, versioned transform spec. `fitTransformSpec` learns every statistic
 * (categories kept, means, scales, ranges) from the training rows only; `applyTransformSpec` turns any
 * table — the test split, a batch of live requests — into the feature matrix with exactly the same
 * rules. The spec is plain JSON: the features stage stores it next to the model, and the predict path
 * applies it to each request, so training and serving cannot drift apart.
 */
import type { DatasetConfig, FeaturesConfig } from '../../../config/schema';
import type { Feature, FeatureMatrix } from './matrix';
import type { Table, TableColumn } from './table';

/** Version tag of the spec format. */
export const TRANSFORM_SPEC_FORMAT = 'mlops-transform/1';

/** The name of the "everything else" category (unseen, rare or missing values). */
export const OTHER_CATEGORY = '__other__';

/** Parts a datetime column can contribute. */
export type DatetimePart = 'dayOfWeek' | 'month' | 'hour' | 'dayOfYear' | 'dayOfMonth' | 'minuteOfDay';

/** One fitted feature rule. */
export type FittedFeature =
  | { readonly transform: 'onehot'; readonly column: string; readonly categories: readonly string[] }
  | { readonly transform: 'native'; readonly column: string; readonly categories: readonly string[] }
  | { readonly transform: 'standardize'; readonly column: string; readonly mean: number; readonly std: number }
  | { readonly transform: 'minmax'; readonly column: string; readonly min: number; readonly max: number }
  | { readonly transform: 'log1p'; readonly column: string }
  | { readonly transform: 'passthrough'; readonly column: string }
  | { readonly transform: 'datetime'; readonly column: string; readonly parts: readonly DatetimePart[]; readonly cyclic: boolean };

/** How the target is read: a column, or a binary label derived from a numeric column. */
export type TargetSpec =
  | { readonly kind: 'column'; readonly column: string }
  | { readonly kind: 'label'; readonly name: string; readonly from: string; readonly op: '>' | '>=' | '<' | '<='; readonly threshold: number };

/** The fitted spec: everything needed to turn raw rows into model input, identically everywhere. */
export interface TransformSpec {
  readonly format: typeof TRANSFORM_SPEC_FORMAT;
  readonly task: DatasetConfig['task'];
  readonly target: TargetSpec;
  /** Declared type of each input column (how raw cells are parsed). */
  readonly columnTypes: Readonly<Record<string, string>>;
  readonly features: readonly FittedFeature[];
  /** Names of the matrix columns the spec produces, in order. */
  readonly outputs: readonly string[];
  /** Rows the statistics were fitted on. */
  readonly fittedRows: number;
}

/** A feature refers to a column the table does not have, or a transform that cannot apply. */
export class TransformError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransformError';
  }
}

const PERIOD: Record<DatetimePart, number> = { dayOfWeek: 7, month: 12, hour: 24, dayOfYear: 366, dayOfMonth: 31, minuteOfDay: 1440 };

/** The part of an epoch-millisecond instant (UTC: naive timestamps are stored as UTC). */
export function datetimePart(ms: number, part: DatetimePart): number {
  if (Number.isNaN(ms)) return Number.NaN;
  const d = new Date(ms);
  switch (part) {
    case 'dayOfWeek':
      return d.getUTCDay();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'hour':
      return d.getUTCHours();
    case 'dayOfMonth':
      return d.getUTCDate();
    case 'minuteOfDay':
      return d.getUTCHours() * 60 + d.getUTCMinutes();
    case 'dayOfYear':
      return Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  }
}

function normalizeFeature(name: string, feature: FeaturesConfig[string]): { transform: string; topK?: number; parts?: DatetimePart[]; cyclic?: boolean } {
  if (typeof feature === 'string') return { transform: feature };
  if (Array.isArray(feature)) return { transform: 'datetime', parts: [...feature], cyclic: false };
  if (feature.transform === 'datetime') return { transform: 'datetime', parts: [...feature.parts], cyclic: feature.cyclic };
  if (feature.transform === 'onehot' || feature.transform === 'native') return { transform: feature.transform, topK: feature.topK };
  throw new TransformError(`feature '${name}': unknown transform`);
}

function column(table: Table, name: string): TableColumn {
  const col = table.columns[name];
  if (!col) throw new TransformError(`the table has no column '${name}' (columns: ${Object.keys(table.columns).join(', ')})`);
  return col;
}

function numericValues(table: Table, name: string): Float64Array {
  const col = column(table, name);
  if (col.kind !== 'numeric') throw new TransformError(`column '${name}' holds text; a numeric transform cannot apply`);
  return col.values;
}

/** The `topK` most frequent values among `rows` (ties broken by value, so the result is deterministic). */
function topCategories(values: ReadonlyArray<string | null>, rows: ArrayLike<number>, topK: number): string[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!];
    if (v !== null && v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, topK)
    .map(([v]) => v);
}

function textValues(table: Table, name: string): ReadonlyArray<string | null> {
  const col = column(table, name);
  if (col.kind === 'text') return col.values;
  // A boolean or number column one-hot encoded: its values as text.
  return Array.from(col.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/**
 * Fit the spec on the training rows of `table` (`trainRows` are row indices), following the config's
 * `features` section. Statistics never look at rows outside `trainRows`.
 */
export function fitTransformSpec(table: Table, trainRows: ArrayLike<number>, dataset: DatasetConfig, features: FeaturesConfig): TransformSpec {
  const fitted: FittedFeature[] = [];
  for (const [name, raw] of Object.entries(features)) {
    const f = normalizeFeature(name, raw);
    switch (f.transform) {
      case 'onehot':
      case 'native':
        fitted.push({ transform: f.transform, column: name, categories: topCategories(textValues(table, name), trainRows, f.topK ?? 20) });
        break;
      case 'standardize': {
        const values = numericValues(table, name);
        let n = 0;
        let mean = 0;
        let m2 = 0;
        for (let i = 0; i < trainRows.length; i++) {
          const x = values[trainRows[i]!]!;
          if (Number.isNaN(x)) continue;
          n++;
          const delta = x - mean;
          mean += delta / n;
          m2 += delta * (x - mean);
        }
        const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
        fitted.push({ transform: 'standardize', column: name, mean, std: std > 0 ? std : 1 });
        break;
      }
      case 'minmax': {
        const values = numericValues(table, name);
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < trainRows.length; i++) {
          const x = values[trainRows[i]!]!;
          if (x < min) min = x;
          if (x > max) max = x;
        }
        fitted.push({ transform: 'minmax', column: name, min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 1 });
        break;
      }
      case 'log1p':
      case 'passthrough':
        numericValues(table, name);
        fitted.push({ transform: f.transform, column: name });
        break;
      case 'datetime':
        numericValues(table, name);
        fitted.push({ transform: 'datetime', column: name, parts: f.parts ?? [], cyclic: f.cyclic ?? false });
        break;
      default:
        throw new TransformError(`feature '${name}': unknown transform '${f.transform}'`);
    }
  }
  const target = targetSpecOf(dataset);
  const columnTypes: Record<string, string> = {};
  for (const [name, spec] of Object.entries(dataset.columns)) columnTypes[name] = spec.type;
  return { format: TRANSFORM_SPEC_FORMAT, task: dataset.task, target, columnTypes, features: fitted, outputs: outputNames(fitted), fittedRows: trainRows.length };
}

function outputNames(features: readonly FittedFeature[]): string[] {
  const names: string[] = [];
  for (const f of features) {
    if (f.transform === 'onehot') {
      for (const c of f.categories) names.push(`${f.column}=${c}`);
      names.push(`${f.column}=${OTHER_CATEGORY}`);
    } else if (f.transform === 'datetime') {
      for (const p of f.parts) {
        if (f.cyclic) names.push(`${f.column}.${p}.sin`, `${f.column}.${p}.cos`);
        else names.push(`${f.column}.${p}`);
      }
    } else {
      names.push(f.column);
    }
  }
  return names;
}

/** Apply a fitted spec to the rows of a table (all rows when `rows` is omitted). */
export function applyTransformSpec(spec: TransformSpec, table: Table, rows?: ArrayLike<number>): FeatureMatrix {
  const n = rows ? rows.length : table.rows;
  const at = (i: number): number => (rows ? rows[i]! : i);
  const out: Feature[] = [];
  for (const f of spec.features) {
    switch (f.transform) {
      case 'onehot': {
        const values = textValues(table, f.column);
        const index = new Map(f.categories.map((c, k) => [c, k]));
        const columns = Array.from({ length: f.categories.length + 1 }, () => new Float64Array(n));
        for (let i = 0; i < n; i++) {
          const v = values[at(i)];
          const k = v === null || v === undefined ? undefined : index.get(v);
          columns[k ?? f.categories.length]![i] = 1;
        }
        columns.forEach((values_, k) => out.push({ kind: 'numeric', name: `${f.column}=${k < f.categories.length ? f.categories[k] : OTHER_CATEGORY}`, values: values_ }));
        break;
      }
      case 'native': {
        const values = textValues(table, f.column);
        const index = new Map(f.categories.map((c, k) => [c, k + 1]));
        const codes = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const v = values[at(i)];
          codes[i] = v === null || v === undefined ? 0 : (index.get(v) ?? 0);
        }
        out.push({ kind: 'categorical', name: f.column, codes, cardinality: f.categories.length + 1 });
        break;
      }
      case 'standardize':
      case 'minmax':
      case 'log1p':
      case 'passthrough': {
        const values = numericValues(table, f.column);
        const result = new Float64Array(n);
        for (let i = 0; i < n; i++) result[i] = scalar(f, values[at(i)]!);
        out.push({ kind: 'numeric', name: f.column, values: result });
        break;
      }
      case 'datetime': {
        const values = numericValues(table, f.column);
        for (const part of f.parts) {
          const period = PERIOD[part];
          const plain = new Float64Array(n);
          for (let i = 0; i < n; i++) plain[i] = datetimePart(values[at(i)]!, part);
          if (!f.cyclic) {
            out.push({ kind: 'numeric', name: `${f.column}.${part}`, values: plain });
            continue;
          }
          const sin = new Float64Array(n);
          const cos = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const angle = (2 * Math.PI * plain[i]!) / period;
            sin[i] = Math.sin(angle);
            cos[i] = Math.cos(angle);
          }
          out.push({ kind: 'numeric', name: `${f.column}.${part}.sin`, values: sin }, { kind: 'numeric', name: `${f.column}.${part}.cos`, values: cos });
        }
        break;
      }
    }
  }
  return { rows: n, features: out };
}

function scalar(f: Extract<FittedFeature, { transform: 'standardize' | 'minmax' | 'log1p' | 'passthrough' }>, x: number): number {
  switch (f.transform) {
    case 'standardize':
      return (x - f.mean) / f.std;
    case 'minmax':
      return f.max > f.min ? (x - f.min) / (f.max - f.min) : 0;
    case 'log1p':
      return x > -1 ? Math.log1p(x) : Number.NaN;
    case 'passthrough':
      return x;
  }
}

/** How the config says to read the target: its column, or the derived label. */
export function targetSpecOf(dataset: Pick<DatasetConfig, 'label' | 'target'>): TargetSpec {
  return dataset.label
    ? { kind: 'label', name: dataset.label.name, from: dataset.label.from, op: dataset.label.op, threshold: dataset.label.threshold }
    : { kind: 'column', column: dataset.target };
}

/** The target vector of the given rows: the column's values, or the derived 0/1 label. NaN when missing. */
export function targetValues(spec: Pick<TransformSpec, 'target'>, table: Table, rows?: ArrayLike<number>): Float64Array {
  const n = rows ? rows.length : table.rows;
  const at = (i: number): number => (rows ? rows[i]! : i);
  const y = new Float64Array(n);
  const target = spec.target;
  const source = numericValues(table, target.kind === 'column' ? target.column : target.from);
  for (let i = 0; i < n; i++) {
    const v = source[at(i)]!;
    if (target.kind === 'column' || Number.isNaN(v)) {
      y[i] = v;
      continue;
    }
    const t = target.threshold;
    y[i] = (target.op === '>' ? v > t : target.op === '>=' ? v >= t : target.op === '<' ? v < t : v <= t) ? 1 : 0;
  }
  return y;
}

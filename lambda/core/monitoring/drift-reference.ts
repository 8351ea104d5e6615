/**
 * The drift baseline of a model version, made from its training rows when the features stage fits the
 * transform spec, and registered with the version (`drift-baseline.json`): the drift check compares live
 * inputs with the champion's baseline, so the method, bins and categories of each column are fixed by the
 * data the model learnt from, never by production data.
 *
 * The columns compared are the model's input columns (those its transform spec reads) other than
 * datetimes: a timestamp's value moves on by construction (April is never inside January–March), so its
 * raw drift says nothing; its parts (hour, day of week) are what the model uses.
 */
import type { DatasetConfig } from '../../../config/schema';
import type { Table } from '../features/table';
import type { TransformSpec } from '../features/transform-spec';
import { buildDriftBaseline, type DriftBaseline, type DriftBaselineOptions, type ReferenceColumn } from '../drift/drift-baseline';

/** The registry file of a version's drift baseline. */
export const DRIFT_BASELINE_FILE = 'drift-baseline.json';

/**
 * The columns a config's drift is checked on, before any model exists (alarms, dashboard, `mlops drift`):
 * its feature columns but datetimes and the target — what {@link driftColumns} gives for any spec fitted
 * from this config.
 */
export function configDriftColumns(config: { readonly dataset: Pick<DatasetConfig, 'columns' | 'target'>; readonly features: Readonly<Record<string, unknown>> }): string[] {
  return Object.keys(config.features).filter((c) => c !== config.dataset.target && config.dataset.columns[c] !== undefined && config.dataset.columns[c]!.type !== 'datetime');
}

/** The input columns a model's drift is checked on: those its spec reads, except datetimes. */
export function driftColumns(spec: Pick<TransformSpec, 'features' | 'columnTypes'>): string[] {
  const columns = new Set<string>();
  for (const f of spec.features) if (spec.columnTypes[f.column] !== 'datetime') columns.add(f.column);
  return [...columns];
}

/** The named columns of a table as drift reference columns (numbers as numbers, text as categories); `rows` picks rows. */
export function tableReference(table: Table, columns: readonly string[], rows?: Int32Array): Record<string, ReferenceColumn> {
  const out: Record<string, ReferenceColumn> = {};
  for (const name of columns) {
    const column = table.columns[name];
    if (!column) continue;
    if (column.kind === 'numeric') {
      out[name] = { kind: 'numerical', values: rows ? Float64Array.from(rows, (r) => column.values[r]!) : column.values };
    } else {
      out[name] = { kind: 'categorical', values: rows ? Array.from(rows, (r) => column.values[r] ?? null) : column.values };
    }
  }
  return out;
}

/** The reference columns of `rows` of the table (the training split), typed as the spec declares them. */
export function driftReference(table: Table, rows: Int32Array, spec: Pick<TransformSpec, 'features' | 'columnTypes'>): Record<string, ReferenceColumn> {
  return tableReference(table, driftColumns(spec), rows);
}

/** The drift baseline of a training split. */
export function trainingDriftBaseline(table: Table, rows: Int32Array, spec: Pick<TransformSpec, 'features' | 'columnTypes'>, options: DriftBaselineOptions = {}): DriftBaseline {
  return buildDriftBaseline(driftReference(table, rows, spec), options);
}

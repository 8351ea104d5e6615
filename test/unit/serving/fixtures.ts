/**
 * A real small training run on flights rows for the serving tests: the CSV read by the training reader,
 * the transform spec fitted, the matrix built and a model trained — exactly the artifacts the features
 * and train stages produce and the registry stores.
 */
import { loadConfig } from '../../../config/load';
import type { PlatformConfig } from '../../../config/schema';
import type { FeatureMatrix } from '../../../lambda/core/features/matrix';
import { readTable, type Table } from '../../../lambda/core/features/table';
import { applyTransformSpec, fitTransformSpec, targetValues, type TransformSpec } from '../../../lambda/core/features/transform-spec';
import { trainModel, type TrainedModel } from '../../../lambda/core/models/train-model';
import { registerVersion, setStage, type RegistryStore } from '../../../lambda/core/registry/registry';
import { memorySource } from '../../../lambda/core/validation/local-source';
import { flights, flightsCsv, type Flight } from '../../helpers/flights';

/** The artifacts of one training run and the rows it saw. */
export interface TrainedFixture {
  readonly config: PlatformConfig;
  /** The training rows as raw records (what a client sends, plus the target `delay`). */
  readonly rows: ReadonlyArray<FlightRecord>;
  readonly table: Table;
  readonly spec: TransformSpec;
  readonly model: TrainedModel;
  /** The training matrix of all rows (the features stage's matrix). */
  readonly matrix: FeatureMatrix;
}

/** A flight as a raw record. */
export type FlightRecord = { readonly [K in keyof Flight]: Flight[K] };

/** Which run to make. */
export interface FixtureOptions {
  readonly task?: 'regression' | 'binary';
  readonly algorithm?: 'gbdt' | 'linear';
  readonly rows?: number;
}

const cache = new Map<string, Promise<TrainedFixture>>();

/** Train on the first `rows` flights (dev config: regression on delay; staging: binary late = delay > 15). */
export function trainFixture(options: FixtureOptions = {}): Promise<TrainedFixture> {
  const key = JSON.stringify(options);
  let run = cache.get(key);
  if (!run) {
    run = train(options);
    cache.set(key, run);
  }
  return run;
}

async function train({ task = 'regression', algorithm = 'gbdt', rows: n = 3000 }: FixtureOptions): Promise<TrainedFixture> {
  const base = loadConfig({ env: task === 'binary' ? 'staging' : 'dev' });
  const config: PlatformConfig = {
    ...base,
    // Few kept categories, so some airports are "other" in training and unseen ones exist.
    features: { origin: { transform: 'native', topK: 10 }, destination: { transform: 'onehot', topK: 8 }, distance: 'standardize', date: { transform: 'datetime', parts: ['hour', 'dayOfWeek'], cyclic: true } },
    model: { ...base.model, algorithm, params: { ...base.model.params, iterations: 15, minSamplesLeaf: 20, l2: 1 } },
  };
  const rows = flights(n);
  const table = await readTable(memorySource('flights.csv', flightsCsv(rows), 16 * 1024), config.dataset);
  const all = Int32Array.from({ length: table.rows }, (_, i) => i);
  const spec = fitTransformSpec(table, all, config.dataset, config.features);
  const matrix = applyTransformSpec(spec, table);
  const model = trainModel({ x: matrix, y: targetValues(spec, table) }, config.model, config.dataset.task, { threads: 1 });
  return { config, rows: rows.map((f): FlightRecord => ({ ...f })), table, spec, model, matrix };
}

/** One matrix row as plain numbers (numeric values, categorical codes), by feature name. */
export function matrixRow(matrix: FeatureMatrix, row: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of matrix.features) out[f.name] = f.kind === 'numeric' ? f.values[row]! : f.codes[row]!;
  return out;
}

/** Register the fixture's model as a new version with the registry core; champion unless told otherwise. */
export async function registerFixture(registry: RegistryStore, fixture: TrainedFixture, options: { readonly champion?: boolean; readonly runId?: string } = {}): Promise<number> {
  const runId = options.runId ?? 'run-serving-test';
  const version = await registerVersion(
    registry,
    fixture.config.name,
    { model: fixture.model, transformSpec: fixture.spec, metrics: {}, importance: [], profile: {} },
    { runId, algorithm: fixture.model.algorithm },
  );
  if (options.champion ?? true) await setStage(registry, fixture.config.name, version, 'champion', { by: 'test', reason: 'serving test' });
  return version;
}

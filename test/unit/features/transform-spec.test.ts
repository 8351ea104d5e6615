/**
 * The features stage's core: tables from files, splits, and the fitted transform spec — fitted on the
 * training rows only, applied identically to any table, a JSON artifact that survives a round trip.
 */
import { loadConfig } from '../../../config/load';
import { memorySource } from '../../../lambda/core/validation/local-source';
import { splitRows } from '../../../lambda/core/features/split';
import { TableReadError, readTable, tableFromRecords, type Table } from '../../../lambda/core/features/table';
import {
  OTHER_CATEGORY,
  TransformError,
  applyTransformSpec,
  datetimePart,
  fitTransformSpec,
  targetValues,
  type TransformSpec,
} from '../../../lambda/core/features/transform-spec';
import type { FeatureMatrix, NumericFeature, CategoricalFeature } from '../../../lambda/core/features/matrix';
import { flights, flightsCsv, flightsParquet } from '../../helpers/flights';

const dev = loadConfig({ env: 'dev' });
const staging = loadConfig({ env: 'staging' });

function numeric(matrix: FeatureMatrix, name: string): Float64Array {
  const f = matrix.features.find((x) => x.name === name);
  if (!f || f.kind !== 'numeric') throw new Error(`no numeric feature ${name}: ${matrix.features.map((x) => x.name).join(', ')}`);
  return (f as NumericFeature).values;
}

function categorical(matrix: FeatureMatrix, name: string): CategoricalFeature {
  const f = matrix.features.find((x) => x.name === name);
  if (!f || f.kind !== 'categorical') throw new Error(`no categorical feature ${name}`);
  return f;
}

const SMALL = tableFromRecords(
  [
    { date: '2001-01-01T06:30:00', delay: '10', distance: '100', origin: 'ORD', destination: 'LAX' },
    { date: '2001-01-02T18:00:00', delay: '20', distance: '300', origin: 'ORD', destination: 'SFO' },
    { date: '2001-01-03T12:00:00', delay: '-5', distance: '500', origin: 'ATL', destination: 'LAX' },
    { date: '2001-04-01T00:00:00', delay: '40', distance: '9000', origin: 'ZZZ', destination: null },
  ],
  dev.dataset,
);

describe('readTable', () => {
  test('loads a real CSV slice into typed columns, datetimes as epoch ms', async () => {
    // Prepare
    const rows = flights(500);
    const source = memorySource('flights.csv', flightsCsv(rows), 4096);

    // Act
    const table = await readTable(source, dev.dataset);

    // Assess
    expect(table.rows).toBe(500);
    const delay = table.columns.delay!;
    expect(delay.kind).toBe('numeric');
    expect(Array.from((delay as { values: Float64Array }).values.slice(0, 3))).toEqual(rows.slice(0, 3).map((r) => r.delay));
    expect(table.columns.origin).toMatchObject({ kind: 'text' });
    expect((table.columns.origin as { values: ReadonlyArray<string | null> }).values[0]).toBe(rows[0]!.origin);
  });

  test('Parquet loads to the same table as the same rows in CSV, row group by row group', async () => {
    // Prepare
    const rows = flights(3000);
    const parquet = memorySource('flights.parquet', flightsParquet(rows, 700));
    const csv = memorySource('flights.csv', flightsCsv(rows));

    // Act
    const fromParquet = await readTable(parquet, dev.dataset);
    const fromCsv = await readTable(csv, dev.dataset);

    // Assess
    expect(fromParquet.rows).toBe(3000);
    for (const name of Object.keys(dev.dataset.columns)) {
      expect({ name, values: Array.from(fromParquet.columns[name]!.values as ArrayLike<unknown>) }).toEqual({ name, values: Array.from(fromCsv.columns[name]!.values as ArrayLike<unknown>) });
    }
  });

  test('an unreadable Parquet file is a TableReadError naming the file', async () => {
    // Act
    const load = readTable(memorySource('broken.parquet', 'PAR1 not really parquet PAR1'), dev.dataset);

    // Assess
    await expect(load).rejects.toThrow(TableReadError);
    await expect(load).rejects.toThrow(/cannot read the Parquet footer of 'broken\.parquet'/);
  });
});

describe('fitTransformSpec', () => {
  test('statistics come from the training rows only', () => {
    // Prepare: rows 0–2 train, row 3 (distance 9000, origin ZZZ) test.
    const train = Int32Array.from([0, 1, 2]);

    // Act
    const spec = fitTransformSpec(SMALL, train, dev.dataset, { distance: 'standardize', origin: { transform: 'onehot', topK: 5 } });

    // Assess
    expect(spec.features[0]).toEqual({ transform: 'standardize', column: 'distance', mean: 300, std: 200 });
    expect(spec.features[1]).toEqual({ transform: 'onehot', column: 'origin', categories: ['ORD', 'ATL'] });
    expect(spec.outputs).toEqual(['distance', 'origin=ORD', 'origin=ATL', `origin=${OTHER_CATEGORY}`]);
  });

  test('one-hot and native encodings send unseen and missing values to "other"', () => {
    // Prepare
    const spec = fitTransformSpec(SMALL, Int32Array.from([0, 1, 2]), dev.dataset, {
      origin: { transform: 'onehot', topK: 1 },
      destination: { transform: 'native', topK: 5 },
    });

    // Act
    const m = applyTransformSpec(spec, SMALL);

    // Assess
    expect(Array.from(numeric(m, 'origin=ORD'))).toEqual([1, 1, 0, 0]);
    expect(Array.from(numeric(m, `origin=${OTHER_CATEGORY}`))).toEqual([0, 0, 1, 1]);
    const dest = categorical(m, 'destination');
    expect(dest.cardinality).toBe(3); // LAX, SFO + other
    expect(Array.from(dest.codes)).toEqual([1, 2, 1, 0]);
  });

  test('datetime parts, plain and cyclic', () => {
    // Prepare
    const spec = fitTransformSpec(SMALL, Int32Array.from([0, 1, 2]), dev.dataset, {
      date: { transform: 'datetime', parts: ['hour', 'dayOfWeek', 'month'], cyclic: true },
    });

    // Act
    const m = applyTransformSpec(spec, SMALL);

    // Assess
    expect(spec.outputs).toContain('date.hour.sin');
    expect(numeric(m, 'date.hour.sin')[1]).toBeCloseTo(Math.sin((2 * Math.PI * 18) / 24), 12);
    expect(numeric(m, 'date.month.cos')[3]).toBeCloseTo(Math.cos((2 * Math.PI * 4) / 12), 12);
    expect(datetimePart(Date.UTC(2001, 0, 1, 6, 30), 'dayOfWeek')).toBe(1); // a Monday
    expect(datetimePart(Date.UTC(2001, 11, 31), 'dayOfYear')).toBe(365);
    expect(datetimePart(Date.UTC(2001, 0, 1, 6, 30), 'minuteOfDay')).toBe(390);
  });

  test('min-max, log1p and passthrough apply their formulas', () => {
    // Prepare
    const spec = fitTransformSpec(SMALL, Int32Array.from([0, 1, 2]), dev.dataset, { distance: 'minmax', delay: 'log1p' });
    const pass = fitTransformSpec(SMALL, Int32Array.from([0, 1, 2]), dev.dataset, { distance: 'passthrough' });

    // Act
    const m = applyTransformSpec(spec, SMALL);

    // Assess
    expect(Array.from(numeric(m, 'distance'))).toEqual([0, 0.5, 1, 22.25]);
    expect(numeric(m, 'delay')[0]).toBeCloseTo(Math.log1p(10), 12);
    expect(Array.from(numeric(applyTransformSpec(pass, SMALL), 'distance'))).toEqual([100, 300, 500, 9000]);
  });

  test('a numeric transform on a text column is a TransformError naming the column', () => {
    // Act
    const fit = (): TransformSpec => fitTransformSpec(SMALL, Int32Array.from([0]), dev.dataset, { origin: 'standardize' });

    // Assess
    expect(fit).toThrow(TransformError);
    expect(fit).toThrow(/column 'origin' holds text/);
  });
});

describe('the same raw record gives the same vector, in training and at prediction', () => {
  test('a batch-transformed row equals the one-row transform of the raw record, also after a JSON round trip', async () => {
    // Prepare: a spec fitted on real rows, the way the features stage fits it.
    const rows = flights(2000);
    const table = await readTable(memorySource('flights.csv', flightsCsv(rows)), dev.dataset);
    const spec = fitTransformSpec(table, Int32Array.from({ length: 1500 }, (_, i) => i), dev.dataset, {
      ...dev.features,
      distance: 'standardize',
      date: { transform: 'datetime', parts: ['hour', 'dayOfWeek'], cyclic: true },
    });
    const stored = JSON.parse(JSON.stringify(spec)) as TransformSpec;
    const index = 1777;
    const raw = rows[index]!;

    // Act
    const batch = applyTransformSpec(spec, table);
    const single = applyTransformSpec(stored, tableFromRecords([{ ...raw, delay: String(raw.delay), distance: raw.distance }], dev.dataset));

    // Assess
    const rowOf = (m: FeatureMatrix, i: number): Array<[string, string, number]> =>
      m.features.map((f) => [f.name, f.kind, f.kind === 'numeric' ? f.values[i]! : f.codes[i]!]);
    expect(rowOf(single, 0)).toEqual(rowOf(batch, index));
  });
});

describe('targets and splits', () => {
  test('a derived label: late = delay > 15', () => {
    // Prepare
    const spec = fitTransformSpec(SMALL, Int32Array.from([0, 1, 2]), staging.dataset, { distance: 'standardize' });

    // Act
    const y = targetValues(spec, SMALL);

    // Assess
    expect(spec.target).toEqual({ kind: 'label', name: 'late', from: 'delay', op: '>', threshold: 15 });
    expect(Array.from(y)).toEqual([0, 1, 0, 1]);
  });

  test('a time split with a cutoff puts rows at or after it in the test split', () => {
    // Prepare
    const y = Float64Array.from([1, 2, Number.NaN, 4]);

    // Act
    const split = splitRows(SMALL, y, { by: 'time', column: 'date', cutoff: '2001-01-02T18:00:00', testFraction: 0.2 });

    // Assess
    expect(Array.from(split.train)).toEqual([0]);
    expect(Array.from(split.test)).toEqual([1, 3]);
    expect(split.dropped).toBe(1);
    expect(split.cutoff).toBe('2001-01-02T18:00:00.000Z');
  });

  test('a time split without a cutoff takes the last testFraction of the time range', () => {
    // Act
    const split = splitRows(SMALL, Float64Array.from([1, 2, 3, 4]), { by: 'time', column: 'date', testFraction: 0.5 });

    // Assess: the range is Jan 1 06:30 – Apr 1; its midpoint is mid-February.
    expect(Array.from(split.train)).toEqual([0, 1, 2]);
    expect(Array.from(split.test)).toEqual([3]);
  });

  test('a random split is deterministic for a seed and roughly the asked fraction', () => {
    // Prepare
    const table: Table = { rows: 10_000, columns: {} };
    const y = new Float64Array(10_000);

    // Act
    const a = splitRows(table, y, { by: 'random', testFraction: 0.2, seed: 7 });
    const b = splitRows(table, y, { by: 'random', testFraction: 0.2, seed: 7 });
    const c = splitRows(table, y, { by: 'random', testFraction: 0.2, seed: 8 });

    // Assess
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
    expect(a.test.length / 10_000).toBeGreaterThan(0.18);
    expect(a.test.length / 10_000).toBeLessThan(0.22);
    expect(a.train.length + a.test.length).toBe(10_000);
  });
});

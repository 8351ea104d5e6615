/**
 * Window sketches merge: a window split into parts (one invocation each), sketched part by part and
 * merged, gives the sketch — and the drift — of the whole window. Data: the 5,000 real flights of
 * vega-datasets (January–March 2001), reference = the first rows, window = the rest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeDrift, type DriftResult } from '../../../lambda/core/drift/compute-drift';
import { buildDriftBaseline, type DriftBaseline } from '../../../lambda/core/drift/drift-baseline';
import { VEGA_DATA_DIR } from '../../helpers/flights';
import { seededRandom } from '../../helpers/validation';
import {
  addRecords,
  addValue,
  addValues,
  mergeWindowSketches,
  newWindowSketch,
  windowSketchFromJSON,
  windowSketchToJSON,
  type WindowSketch,
} from '../../../lambda/core/drift/window-sketch';

interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

const FLIGHTS: Flight[] = JSON.parse(readFileSync(join(VEGA_DATA_DIR, 'flights-5k.json'), 'utf8'));
const rows = (flights: readonly Flight[]): Array<Record<string, unknown>> =>
  flights.map((f) => ({ delay: f.delay, distance: f.distance, origin: f.origin, destination: f.destination, date: Date.parse(`${f.date.replaceAll('/', '-').replace(' ', 'T')}:00Z`) }));

/** A baseline over every column: `referenceRows` decides KS/chi-square (≤ 1000) or Wasserstein/JS. */
function flightsBaseline(referenceRows: number): DriftBaseline {
  const reference = rows(FLIGHTS.slice(0, referenceRows));
  return buildDriftBaseline({
    delay: { kind: 'numerical', values: reference.map((r) => r.delay as number) },
    distance: { kind: 'numerical', values: reference.map((r) => r.distance as number) },
    date: { kind: 'numerical', values: reference.map((r) => r.date as number) },
    origin: { kind: 'categorical', values: reference.map((r) => r.origin as string) },
    destination: { kind: 'categorical', values: reference.map((r) => r.destination as string) },
  });
}

function sketchOf(baseline: DriftBaseline, flights: readonly Flight[]): WindowSketch {
  const sketch = newWindowSketch(baseline);
  addRecords(sketch, rows(flights));
  return sketch;
}

/** Drift results equal, with float scores compared to a relative 1e-12 (offset sums add in another order). */
function expectSameDrift(actual: DriftResult, expected: DriftResult): void {
  const { columns: a, ...restA } = actual;
  const { columns: e, ...restE } = expected;
  expect(restA).toEqual(restE);
  for (const [name, column] of Object.entries(e)) {
    const { score, statistic } = a[name]!;
    expect({ name, ...withoutFloats(a[name]!) }).toEqual({ name, ...withoutFloats(column) });
    expect({ name, score: close(score, column.score), statistic: close(statistic, column.statistic) }).toEqual({ name, score: true, statistic: true });
  }
}

function close(a: number, b: number): boolean {
  return a === b || (Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)));
}

function withoutFloats(column: DriftResult['columns'][string]): object {
  const { score: _score, statistic: _statistic, ...rest } = column;
  return rest;
}

describe('mergeWindowSketches', () => {
  test.each([
    ['KS / chi-square baseline (800 reference rows)', 800],
    ['Wasserstein / Jensen–Shannon baseline (2000 reference rows)', 2000],
  ])('%s: three parts merged give the drift of the whole window', (_name, referenceRows) => {
    // Prepare
    const baseline = flightsBaseline(referenceRows);
    const window = FLIGHTS.slice(referenceRows);
    const cuts = [0, 700, 1900, window.length];
    const parts = cuts.slice(1).map((end, i) => sketchOf(baseline, window.slice(cuts[i], end)));
    const whole = sketchOf(baseline, window);
    // Act
    const merged = parts.reduce((a, b) => mergeWindowSketches(a, b));
    // Assess
    const json = windowSketchToJSON(merged);
    const wholeJson = windowSketchToJSON(whole);
    for (const name of Object.keys(wholeJson.columns)) {
      const { offsets: _o, tails: _t, ...counts } = json.columns[name]!;
      const { offsets: _wo, tails: _wt, ...wholeCounts } = wholeJson.columns[name]!;
      expect(counts).toEqual(wholeCounts);
    }
    expectSameDrift(computeDrift(baseline, merged), computeDrift(baseline, whole));
  });

  test('the merge is commutative, leaves its inputs alone, and survives JSON text', () => {
    // Prepare
    const baseline = flightsBaseline(2000);
    const a = sketchOf(baseline, FLIGHTS.slice(2000, 3000));
    const b = sketchOf(baseline, FLIGHTS.slice(3000));
    const before = JSON.stringify(windowSketchToJSON(a));
    // Act
    const ab = mergeWindowSketches(a, b);
    const ba = mergeWindowSketches(windowSketchFromJSON(baseline, JSON.parse(JSON.stringify(windowSketchToJSON(b)))), a);
    // Assess
    expect(JSON.stringify(windowSketchToJSON(a))).toBe(before);
    expect(windowSketchToJSON(ba)).toEqual(windowSketchToJSON(ab));
    expect(ab.columns.origin!.count).toBe(3000);
  });

  test('the flights window (February–March) has drifted against January: dates certainly, the dataset by share', () => {
    // Prepare
    const baseline = flightsBaseline(2000);
    // Act
    const result = computeDrift(baseline, sketchOf(baseline, FLIGHTS.slice(2000)));
    // Assess
    expect(result.columns.date).toMatchObject({ method: 'wasserstein', drifted: true, psiBand: 'significant' });
    expect(result.driftedShare).toBe(result.driftedCount / 5);
    expect(result.datasetDrift).toBe(result.driftedShare >= 0.5);
    expect(computeDrift(baseline, sketchOf(baseline, FLIGHTS.slice(2000)), { datasetDriftShare: 0.2 }).datasetDrift).toBe(true);
  });

  test('a value the baseline never saw lands in "other"; a missing field counts as null', () => {
    // Prepare
    const baseline = flightsBaseline(2000);
    const sketch = newWindowSketch(baseline);
    // Act
    addRecords(sketch, [{ origin: 'ZZZ', delay: 5 }]);
    addValue(sketch, 'delay', '12');
    // Assess
    const origin = sketch.columns.origin!;
    expect(origin.cells[origin.cells.length - 1]).toBe(1);
    expect(sketch.columns.distance).toMatchObject({ count: 0, nullCount: 1 });
    expect(sketch.columns.delay!.count).toBe(2);
  });

  test('refuses sketches of another baseline, unknown columns and JSON that does not fit', () => {
    // Prepare
    const a = newWindowSketch(flightsBaseline(800));
    const b = newWindowSketch(flightsBaseline(2000));
    // Act / Assess
    expect(() => mergeWindowSketches(a, b)).toThrow(/cannot merge window sketches: column "delay" has a different shape/);
    expect(() => computeDrift(flightsBaseline(800), b)).toThrow(/does not fit the baseline at column "delay"/);
    expect(() => addValue(a, 'nope', 1)).toThrow(/column "nope" is not in the drift baseline/);
    expect(() => windowSketchFromJSON(a.baseline, { columns: {} })).toThrow(/window sketch column "delay" does not fit the baseline/);
    expect(() => computeDrift(a.baseline, a, { datasetDriftShare: 0 })).toThrow(/datasetDriftShare must be in \(0, 1\], got 0/);
  });
});

describe('window sketch cells', () => {
  /** The cell of each value by a linear scan: the definition the indexed search must reproduce. */
  function naiveCells(edges: readonly number[], values: readonly number[], cell: (edges: readonly number[], x: number) => number, size: number): number[] {
    const cells = new Array<number>(size).fill(0);
    for (const x of values) {
      const i = cell(edges, x);
      if (i >= 0) cells[i]!++;
    }
    return cells;
  }
  const below = (keys: readonly number[], x: number): number => {
    let i = 0;
    while (i < keys.length && keys[i]! < x) i++;
    return i;
  };

  test.each([
    ['uniform', (u: number) => u * 1000],
    ['log-uniform over 13 decades', (u: number) => Math.exp(u * 30 - 10)],
    ['half-integers (ties on edges)', (u: number) => Math.round(u * 50) / 2],
    ['tiny and huge magnitudes', (u: number) => (u < 0.5 ? 1e-300 : 1e300) * u],
  ])('%s: bins, PSI bins and KS cells equal a linear scan', (_name, draw) => {
    // Prepare
    const random = seededRandom(99);
    const reference = Array.from({ length: 20_000 }, () => draw(random()));
    const current = Array.from({ length: 50_000 }, () => draw(random()));
    const baseline = buildDriftBaseline({ w: { kind: 'numerical', values: reference }, k: { kind: 'numerical', values: reference.slice(0, 900) } });
    const w = baseline.columns.w!;
    const k = baseline.columns.k!;
    if (w.distribution.type !== 'bins' || k.distribution.type !== 'points') throw new Error('unexpected methods');
    const edges = w.distribution.edges;
    const points = k.distribution.values;
    const sketch = newWindowSketch(baseline);
    // Act
    addValues(sketch, 'w', Float64Array.from(current));
    addValues(sketch, 'k', current);
    // Assess
    const bin = (e: readonly number[], x: number): number => {
      if (x < e[0]! || x >= e[e.length - 1]!) return -1;
      const i = below(e, x);
      return e[i] === x ? i : i - 1;
    };
    const point = (p: readonly number[], x: number): number => {
      const i = below(p, x);
      return i < p.length && p[i] === x ? 2 * i + 1 : 2 * i;
    };
    expect(Array.from(sketch.columns.w!.cells)).toEqual(naiveCells(edges, current, bin, edges.length - 1));
    expect(Array.from(sketch.columns.w!.psi!)).toEqual(naiveCells(w.psi!.edges, current, below, w.psi!.edges.length + 1));
    expect(Array.from(sketch.columns.k!.cells)).toEqual(naiveCells(points, current, point, 2 * points.length + 1));
  });

  test('columns fed as typed arrays and as records give the same sketch', () => {
    // Prepare
    const baseline = flightsBaseline(2000);
    const window = FLIGHTS.slice(2000);
    const byColumn = newWindowSketch(baseline);
    // Act
    for (const name of ['delay', 'distance'] as const) addValues(byColumn, name, Float64Array.from(window, (f) => f[name]));
    addValues(byColumn, 'date', rows(window).map((r) => r.date));
    addValues(byColumn, 'origin', window.map((f) => f.origin));
    addValues(byColumn, 'destination', window.map((f) => f.destination));
    // Assess
    expect(windowSketchToJSON(byColumn)).toEqual(windowSketchToJSON(sketchOf(baseline, window)));
  });
});

/**
 * The window's distribution each column result carries (`ColumnDrift.current`): counts on the cells the
 * baseline fixes — a numerical column's PSI bins, a discrete column's values or categories then "other"
 * — with the reference's shares on the same cells. Checked against a direct count on real flights
 * (vega-datasets), for shares that sum to 1, and for merged sketches.
 */
import { computeDrift, OTHER_CELL_LABEL, type ColumnDrift, type DriftResult } from '../../../lambda/core/drift/compute-drift';
import { buildDriftBaseline, categoryKey, type DriftBaseline, type DriftBaselineOptions } from '../../../lambda/core/drift/drift-baseline';
import { addRecords, mergeWindowSketches, newWindowSketch, windowSketchFromJSON, windowSketchToJSON } from '../../../lambda/core/drift/window-sketch';
import { flights, type Flight } from '../../helpers/flights';

/** Flights as drift records: two Wasserstein columns, a Jensen–Shannon one, late flights only for KS / chi-square, and a discrete haul. */
function record(f: Flight): Record<string, unknown> {
  const late = f.delay > 30;
  return {
    delay: f.delay,
    distance: f.distance,
    origin: f.origin,
    late_delay: late ? f.delay : null,
    late_destination: late ? f.destination : null,
    // 0–4 in the reference (≤ 5 values: compared as categories); the window's longer hauls fall in "other".
    haul: Math.floor(f.distance / 500),
  };
}

const REFERENCE = flights(4000).map(record);
const WINDOW = flights(20_000).slice(4000, 9000).map(record);

function baselineOf(options: DriftBaselineOptions = {}): DriftBaseline {
  const column = <T>(name: string): T[] => REFERENCE.map((r) => r[name] as T);
  return buildDriftBaseline(
    {
      delay: { kind: 'numerical', values: column<number>('delay') },
      distance: { kind: 'numerical', values: column<number>('distance') },
      origin: { kind: 'categorical', values: column<string>('origin') },
      late_delay: { kind: 'numerical', values: column<number | null>('late_delay') },
      late_destination: { kind: 'categorical', values: column<string | null>('late_destination') },
      haul: { kind: 'numerical', values: column<number>('haul').map((h) => Math.min(4, h)) },
    },
    options,
  );
}

function driftOf(baseline: DriftBaseline, rows: ReadonlyArray<Record<string, unknown>>): DriftResult {
  const sketch = newWindowSketch(baseline);
  addRecords(sketch, rows);
  return computeDrift(baseline, sketch);
}

/** The window's counts per cell, counted straight from the rows with the cells' own definitions. */
function directCount(baseline: DriftBaseline, name: string, rows: ReadonlyArray<Record<string, unknown>>): { counts: number[]; missing: number } {
  const column = baseline.columns[name]!;
  const d = column.distribution;
  let missing = 0;
  if (column.kind === 'categorical' && d.type === 'categories') {
    const counts = new Array<number>(d.categories.length + 1).fill(0);
    for (const r of rows) {
      const key = categoryKey(r[name]);
      if (key === undefined) missing++;
      else {
        const i = d.categories.indexOf(key);
        counts[i < 0 ? d.categories.length : i]!++;
      }
    }
    return { counts, missing };
  }
  const values: number[] = [];
  for (const r of rows) {
    const v = r[name];
    if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
    else missing++;
  }
  if (d.type === 'values') {
    const counts = d.values.map((v) => values.filter((x) => x === v).length);
    return { counts: [...counts, values.filter((x) => !d.values.includes(x)).length], missing };
  }
  // PSI bins: x ≤ e0, e(i-1) < x ≤ e(i), x > e(last).
  const edges = column.psi!.edges;
  const counts = [values.filter((x) => x <= edges[0]!).length];
  for (let i = 1; i < edges.length; i++) counts.push(values.filter((x) => x > edges[i - 1]! && x <= edges[i]!).length);
  counts.push(values.filter((x) => x > edges[edges.length - 1]!).length);
  return { counts, missing };
}

const sum = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0);

describe('ColumnDrift.current', () => {
  test('every method: the cells hold the direct count of the real window rows, on the baseline’s cells', () => {
    // Prepare
    const baseline = baselineOf();

    // Act
    const result = driftOf(baseline, WINDOW);

    // Assess
    expect(Object.fromEntries(Object.entries(result.columns).map(([n, c]) => [n, c.method]))).toEqual({
      delay: 'wasserstein',
      distance: 'wasserstein',
      origin: 'jensenshannon',
      late_delay: 'ks',
      late_destination: 'chisquare',
      haul: 'jensenshannon',
    });
    for (const [name, column] of Object.entries(result.columns)) {
      const expected = directCount(baseline, name, WINDOW);
      expect({ name, counts: column.current!.counts, missing: column.current!.missing }).toEqual({ name, ...expected });
      expect(sum(column.current!.counts)).toBe(column.currentCount);
      expect(column.current!.missing).toBe(column.currentNullCount);
    }
  });

  test('a numerical column’s cells are its PSI bins: labelled by edge, at most psiBins + 1, reference shares from the baseline', () => {
    // Prepare
    const baseline = baselineOf({ psiBins: 20 });

    // Act
    const distance = driftOf(baseline, WINDOW).columns.distance!;

    // Assess
    const psi = baseline.columns.distance!.psi!;
    const cells = distance.current!.cells;
    expect(distance.current!.layout).toBe('bins');
    expect(cells.labels.length).toBeLessThanOrEqual(21);
    expect(cells.labels).toHaveLength(psi.edges.length + 1);
    expect(cells.labels[0]).toBe(`≤ ${psi.edges[0]}`);
    expect(cells.labels[1]).toBe(`(${psi.edges[0]}, ${psi.edges[1]}]`);
    expect(cells.labels[cells.labels.length - 1]).toBe(`> ${psi.edges[psi.edges.length - 1]}`);
    expect(cells.reference).toEqual(psi.counts.map((c) => c / baseline.columns.distance!.count));
  });

  test('a discrete column’s cells are its baseline categories or values, then "other" for what the baseline never saw', () => {
    // Prepare
    const baseline = baselineOf();

    // Act
    const result = driftOf(baseline, WINDOW);

    // Assess
    const haul = result.columns.haul!.current!;
    expect(haul.layout).toBe('categories');
    expect(haul.cells.labels).toEqual(['0', '1', '2', '3', '4', OTHER_CELL_LABEL]);
    expect(haul.cells.reference[5]).toBe(0);
    expect(haul.counts[5]).toBe(WINDOW.filter((r) => (r.haul as number) > 4).length);
    expect(haul.counts[5]).toBeGreaterThan(0);
    const origin = result.columns.origin!.current!;
    const distribution = baseline.columns.origin!.distribution;
    expect(distribution.type).toBe('categories');
    expect(origin.cells.labels).toEqual([...(distribution.type === 'categories' ? distribution.categories : []), OTHER_CELL_LABEL]);
  });

  test('reference and current shares each sum to 1, one per label', () => {
    // Act
    const result = driftOf(baselineOf(), WINDOW);

    // Assess
    for (const [name, column] of Object.entries(result.columns)) {
      const { labels, reference, current } = column.current!.cells;
      expect({ name, reference: reference.length, current: current.length }).toEqual({ name, reference: labels.length, current: labels.length });
      expect(sum(reference)).toBeCloseTo(1, 12);
      expect(sum(current)).toBeCloseTo(1, 12);
      expect(current).toEqual(column.current!.counts.map((c) => c / column.currentCount));
    }
  });

  test('an empty window has zero counts and zero shares, not NaN', () => {
    // Act
    const result = driftOf(baselineOf(), []);

    // Assess
    for (const column of Object.values(result.columns)) {
      expect(column.current!.counts.every((c) => c === 0)).toBe(true);
      expect(column.current!.cells.current.every((s) => s === 0)).toBe(true);
      expect(sum(column.current!.cells.reference)).toBeCloseTo(1, 12);
    }
  });

  test('two sketches merged (and one through JSON) give the cells of the whole window', () => {
    // Prepare
    const baseline = baselineOf();
    const whole = driftOf(baseline, WINDOW);
    const first = newWindowSketch(baseline);
    const second = newWindowSketch(baseline);
    addRecords(first, WINDOW.slice(0, 1700));
    addRecords(second, WINDOW.slice(1700));

    // Act
    const merged = computeDrift(baseline, mergeWindowSketches(windowSketchFromJSON(baseline, JSON.parse(JSON.stringify(windowSketchToJSON(first)))), second));

    // Assess
    for (const [name, column] of Object.entries(whole.columns)) {
      expect({ name, current: merged.columns[name]!.current }).toEqual({ name, current: column.current });
    }
  });

  test('survives JSON as the drift report stores it (no NaN or ∞ among the cells)', () => {
    // Prepare
    const result = driftOf(baselineOf(), WINDOW);

    // Act
    const read = JSON.parse(JSON.stringify(result)) as DriftResult;

    // Assess
    for (const [name, column] of Object.entries(result.columns)) {
      expect({ name, current: read.columns[name]!.current }).toEqual({ name, current: (column satisfies ColumnDrift).current });
    }
  });
});

/**
 * Method selection follows Evidently's `_get_default_stattest` (evidentlyai/evidently
 * src/evidently/legacy/calculations/stattests/registry.py), decided from the reference alone and stored
 * in the baseline with its threshold and bin edges.
 */
import {
  buildDriftBaseline,
  DEFAULT_DRIFT_THRESHOLDS,
  driftKindOf,
  selectDriftMethod,
  type DriftColumnKind,
  type DriftMethod,
} from '../../../lambda/core/drift/drift-baseline';

describe('selectDriftMethod', () => {
  test.each<[DriftColumnKind, number, number, DriftMethod]>([
    ['numerical', 1000, 6, 'ks'],
    ['numerical', 1001, 6, 'wasserstein'],
    ['numerical', 1000, 5, 'chisquare'],
    ['numerical', 1000, 3, 'chisquare'],
    ['numerical', 1000, 2, 'z'],
    ['numerical', 1000, 1, 'z'],
    ['numerical', 1001, 5, 'jensenshannon'],
    ['categorical', 1000, 300, 'chisquare'],
    ['categorical', 1000, 2, 'z'],
    ['categorical', 1001, 2, 'jensenshannon'],
    ['categorical', 50_000, 40, 'jensenshannon'],
  ])('%s column, %p reference rows, %p unique values → %s', (kind, rows, unique, expected) => {
    // Act / Assess
    expect(selectDriftMethod(kind, rows, unique)).toBe(expected);
  });

  test('the row and unique-value limits are configurable', () => {
    // Act / Assess
    expect(selectDriftMethod('numerical', 5000, 50, { smallReferenceRows: 10_000 })).toBe('ks');
    expect(selectDriftMethod('numerical', 500, 8, { maxDiscreteValues: 10 })).toBe('chisquare');
  });

  test('numbers, integers and datetimes are numerical; categories, strings and booleans categorical', () => {
    // Act / Assess
    expect((['number', 'integer', 'datetime'] as const).map(driftKindOf)).toEqual(['numerical', 'numerical', 'numerical']);
    expect((['category', 'string', 'boolean'] as const).map(driftKindOf)).toEqual(['categorical', 'categorical', 'categorical']);
  });
});

describe('buildDriftBaseline', () => {
  const big = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 3001);

  test('fixes method, Evidently threshold and distribution per column, counting nulls apart', () => {
    // Prepare
    const small = [...Array.from({ length: 999 }, (_, i) => i % 50), null, Number.NaN, Number.POSITIVE_INFINITY];
    // Act
    const baseline = buildDriftBaseline({
      small: { kind: 'numerical', values: small },
      big: { kind: 'numerical', values: big },
      flag: { kind: 'categorical', values: [true, false, true, null, ''] },
      carrier: { kind: 'categorical', values: Array.from({ length: 2000 }, (_, i) => ['AA', 'DL', 'UA'][i % 3]!) },
    });
    // Assess
    expect(baseline.version).toBe(1);
    expect(baseline.columns.small).toMatchObject({ method: 'ks', threshold: 0.05, count: 999, nullCount: 3, uniqueCount: 50, distribution: { type: 'points' } });
    expect(baseline.columns.big).toMatchObject({ method: 'wasserstein', threshold: 0.1, count: 5000, distribution: { type: 'bins', pointEdges: false } });
    expect(baseline.columns.flag).toMatchObject({ method: 'z', count: 3, nullCount: 2, distribution: { categories: ['false', 'true'], counts: [1, 2], other: 0 } });
    expect(baseline.columns.carrier).toMatchObject({ method: 'jensenshannon', threshold: 0.1 });
  });

  test('a numerical column with ≤ 5 values is compared by value; PSI bins are reference deciles', () => {
    // Prepare
    const discrete = Array.from({ length: 300 }, (_, i) => [0, 15, 30][i % 3]!);
    const spread = Array.from({ length: 1000 }, (_, i) => i + 1);
    // Act
    const baseline = buildDriftBaseline({ discrete: { kind: 'numerical', values: discrete }, spread: { kind: 'numerical', values: spread } });
    // Assess
    expect(baseline.columns.discrete).toMatchObject({ method: 'chisquare', distribution: { type: 'values', values: [0, 15, 30], counts: [100, 100, 100] } });
    expect(baseline.columns.discrete!.psi).toBeUndefined();
    expect(baseline.columns.spread!.psi).toEqual({ edges: [100, 200, 300, 400, 500, 600, 700, 800, 900], counts: Array<number>(10).fill(100) });
  });

  test('Wasserstein bins are capped, and the reference std is the population std', () => {
    // Act
    const baseline = buildDriftBaseline({ big: { kind: 'numerical', values: big } }, { wassersteinBins: 100 });
    const bins = baseline.columns.big!.distribution;
    // Assess
    if (bins.type !== 'bins') throw new Error(`expected bins, got ${bins.type}`);
    expect(bins.edges.length).toBeLessThanOrEqual(101);
    expect(bins.edges[0]).toBe(0);
    expect(bins.edges.at(-1)).toBe(3000);
    const mean = big.reduce((a, b) => a + b, 0) / big.length;
    expect(bins.std).toBeCloseTo(Math.sqrt(big.reduce((a, b) => a + (b - mean) ** 2, 0) / big.length), 9);
  });

  test('thresholds are configurable and stored with the column', () => {
    // Act
    const baseline = buildDriftBaseline({ x: { kind: 'numerical', values: big } }, { thresholds: { wasserstein: 0.2 } });
    // Assess
    expect(baseline.columns.x!.threshold).toBe(0.2);
    expect(DEFAULT_DRIFT_THRESHOLDS).toEqual({ ks: 0.05, chisquare: 0.05, z: 0.05, wasserstein: 0.1, jensenshannon: 0.1 });
  });

  test('categories beyond the cap keep their counts in "other"', () => {
    // Prepare
    const values = [...Array<string>(5).fill('a'), ...Array<string>(3).fill('b'), 'c', 'd'];
    // Act
    const baseline = buildDriftBaseline({ x: { kind: 'categorical', values } }, { categoryCap: 2 });
    // Assess
    expect(baseline.columns.x!.distribution).toEqual({ type: 'categories', categories: ['a', 'b'], counts: [5, 3], other: 2 });
    expect(baseline.columns.x!.uniqueCount).toBe(4);
  });

  test('the baseline survives a JSON round trip unchanged', () => {
    // Act
    const baseline = buildDriftBaseline({ x: { kind: 'numerical', values: big }, y: { kind: 'categorical', values: ['a', 'b', 'c'] } });
    // Assess
    expect(JSON.parse(JSON.stringify(baseline))).toEqual(baseline);
  });

  test('refuses non-positive thresholds and bin counts, naming the option and the value', () => {
    // Act / Assess
    expect(() => buildDriftBaseline({}, { thresholds: { ks: 0 } })).toThrow(/thresholds.ks must be a positive number, got 0/);
    expect(() => buildDriftBaseline({}, { psiBins: 0 })).toThrow(/psiBins must be a positive integer, got 0/);
    expect(() => buildDriftBaseline({}, { wassersteinBins: 1.5 })).toThrow(/wassersteinBins must be a positive integer, got 1.5/);
  });
});

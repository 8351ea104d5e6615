/** ColumnProfiler: moments, sketch, histogram and frequencies, and the merge of disjoint parts. */
import { ColumnProfiler, DEFAULT_CATEGORY_CAP, linearEdges, universalEdges, type ColumnProfileJson } from '../../../lambda/core/profile/column-profile';
import { seededRandom } from '../../helpers/validation';

/** Profile `values` with one profiler (nulls as `null`, invalid values as `undefined`). */
function profileNumbers(values: ReadonlyArray<number | null | undefined>, edges?: number[]): ColumnProfiler {
  const p = new ColumnProfiler('number', edges ? { edges } : {});
  for (const v of values) {
    if (v === null) p.addNull();
    else if (v === undefined) p.addInvalid();
    else p.addNumber(v);
  }
  return p;
}

function profileCategories(values: readonly string[], categoryCap?: number): ColumnProfiler {
  const p = new ColumnProfiler('category', categoryCap === undefined ? {} : { categoryCap });
  for (const v of values) p.addCategory(v);
  return p;
}

/** Everything but the floating-point moments, which merge exactly only up to rounding. */
function withoutMoments(json: ColumnProfileJson): unknown {
  const { mean: _mean, variance: _variance, m2: _m2, ...rest } = json.numeric!;
  return { ...json, numeric: rest };
}

const random = seededRandom(7);
const VALUES: Array<number | null | undefined> = Array.from({ length: 10_001 }, (_, i) => (i % 97 === 0 ? null : i % 211 === 0 ? undefined : Math.round((random() * 400 - 100) * 100) / 100));

describe('numeric profiles', () => {
  test('count, nulls, invalid values, min, max, mean and variance', () => {
    // Prepare
    const present = VALUES.filter((v): v is number => typeof v === 'number');
    const mean = present.reduce((a, b) => a + b, 0) / present.length;
    const variance = present.reduce((a, b) => a + (b - mean) ** 2, 0) / (present.length - 1);
    // Act
    const json = profileNumbers(VALUES).toJSON();
    // Assess
    expect(json).toMatchObject({
      type: 'number',
      count: VALUES.length,
      nullCount: VALUES.filter((v) => v === null).length,
      invalidCount: VALUES.filter((v) => v === undefined).length,
    });
    expect(json.numeric!.count).toBe(present.length);
    expect(json.numeric!.min).toBe(Math.min(...present));
    expect(json.numeric!.max).toBe(Math.max(...present));
    expect(json.numeric!.mean! / mean).toBeCloseTo(1, 9);
    expect(json.numeric!.variance! / variance).toBeCloseTo(1, 9);
  });

  test('reported quantiles are ordered and clamped to [min, max]', () => {
    // Act
    const numeric = profileNumbers(VALUES).toJSON().numeric!;
    // Assess
    const q = Object.values(numeric.quantiles);
    expect(Object.keys(numeric.quantiles)).toEqual(['p1', 'p5', 'p10', 'p25', 'p50', 'p75', 'p90', 'p95', 'p99']);
    expect([...q].sort((a, b) => a - b)).toEqual(q);
    expect(Math.min(...q)).toBeGreaterThanOrEqual(numeric.min!);
    expect(Math.max(...q)).toBeLessThanOrEqual(numeric.max!);
  });

  test('merging the two halves equals the whole: sketch, histogram and counts exactly, moments to 1e-9', () => {
    // Prepare
    const half = Math.floor(VALUES.length / 2);
    const whole = profileNumbers(VALUES).toJSON();
    const first = profileNumbers(VALUES.slice(0, half));
    // Act
    first.merge(profileNumbers(VALUES.slice(half)));
    const merged = first.toJSON();
    // Assess
    expect(withoutMoments(merged)).toEqual(withoutMoments(whole));
    expect(merged.numeric!.mean! / whole.numeric!.mean!).toBeCloseTo(1, 9);
    expect(merged.numeric!.variance! / whole.numeric!.variance!).toBeCloseTo(1, 9);
    expect(merged.numeric!.m2 / whole.numeric!.m2).toBeCloseTo(1, 9);
  });

  test('merging through JSON (stored profiles) gives the same result', () => {
    // Prepare
    const half = 3000;
    const whole = profileNumbers(VALUES).toJSON();
    const a = ColumnProfiler.fromJSON(profileNumbers(VALUES.slice(0, half)).toJSON());
    const b = ColumnProfiler.fromJSON(profileNumbers(VALUES.slice(half)).toJSON());
    // Act
    a.merge(b);
    // Assess
    expect(withoutMoments(a.toJSON())).toEqual(withoutMoments(whole));
    expect(a.toJSON().numeric!.mean! / whole.numeric!.mean!).toBeCloseTo(1, 9);
  });

  test('merging with an empty part changes nothing', () => {
    // Prepare
    const full = profileNumbers(VALUES);
    const before = full.toJSON();
    const empty = profileNumbers([]);
    // Act
    empty.merge(full);
    full.merge(profileNumbers([]));
    // Assess
    expect(full.toJSON()).toEqual(before);
    expect(empty.toJSON()).toEqual(before);
  });

  test('an empty profile has null statistics and no quantiles', () => {
    // Act
    const numeric = profileNumbers([null]).toJSON().numeric!;
    // Assess
    expect(numeric).toMatchObject({ count: 0, min: null, max: null, mean: null, variance: null, m2: 0, quantiles: {} });
  });
});

describe('histograms', () => {
  test('fixed linear edges: lower edge inclusive, max in the last bin, under- and overflow counted', () => {
    // Prepare
    const edges = linearEdges(0, 10, 5);
    // Act
    const histogram = profileNumbers([-1, 0, 1.99, 2, 9.99, 10, 10.01], edges).toJSON().numeric!.histogram;
    // Assess
    expect(histogram).toEqual({ edges: [0, 2, 4, 6, 8, 10], counts: [2, 1, 0, 0, 2], underflow: 1, overflow: 1 });
  });

  test('universal edges cover ±5e9 in 1-2-5 steps around zero', () => {
    // Act
    const edges = universalEdges();
    const histogram = profileNumbers([-7, 0, 0.0005, 3, 1e10], edges).toJSON().numeric!.histogram;
    // Assess
    expect(edges).toHaveLength(79);
    expect(edges[39]).toBe(0);
    expect(edges.slice(40, 43)).toEqual([0.001, 0.002, 0.005]);
    expect(edges.at(-1)).toBe(5e9);
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(histogram.overflow).toBe(1);
    expect(histogram.counts[edges.indexOf(2)]).toBe(1);
    expect(histogram.counts[edges.indexOf(-10)]).toBe(1);
  });

  test('profiles with different edges refuse to merge', () => {
    // Prepare
    const a = profileNumbers([1], linearEdges(0, 10, 5));
    const b = profileNumbers([1], linearEdges(0, 10, 4));
    // Act / Assess
    expect(() => a.merge(b)).toThrow(/cannot merge histograms with different edges/);
  });
});

describe('categorical profiles', () => {
  const airports = Array.from({ length: 5000 }, (_, i) => ['LAX', 'SFO', 'JFK', 'ORD', 'ATL'][Math.floor(random() * 5)]! + (i % 50 === 0 ? 'X' : ''));

  test('frequencies sorted by count, distinct values counted', () => {
    // Act
    const json = profileCategories(['b', 'a', 'b', 'c', 'b', 'a']).toJSON();
    // Assess
    expect(json.categorical).toEqual({ distinct: 3, frequencies: { b: 3, a: 2, c: 1 }, otherCount: 0, truncated: false });
    expect(Object.keys(json.categorical!.frequencies)).toEqual(['b', 'a', 'c']);
  });

  test('merging the two halves equals the whole exactly', () => {
    // Prepare
    const whole = profileCategories(airports).toJSON();
    const first = profileCategories(airports.slice(0, 2500));
    // Act
    first.merge(profileCategories(airports.slice(2500)));
    // Assess
    expect(first.toJSON()).toEqual(whole);
    expect(ColumnProfiler.fromJSON(whole).toJSON()).toEqual(whole);
  });

  test('past the cap, new values only add to otherCount', () => {
    // Act
    const json = profileCategories(['a', 'b', 'c', 'a', 'd', 'c'], 2).toJSON();
    // Assess
    expect(json.categorical).toEqual({ distinct: 3, frequencies: { a: 2, b: 1 }, otherCount: 3, truncated: true });
    expect(DEFAULT_CATEGORY_CAP).toBe(1000);
  });

  test('booleans and strings are profiled as categories', () => {
    // Prepare
    const p = new ColumnProfiler('boolean');
    // Act
    p.addCategory('true');
    p.addCategory('false');
    p.addCategory('true');
    p.addNull();
    // Assess
    expect(p.toJSON()).toEqual({ type: 'boolean', count: 4, nullCount: 1, invalidCount: 0, categorical: { distinct: 2, frequencies: { true: 2, false: 1 }, otherCount: 0, truncated: false } });
  });
});

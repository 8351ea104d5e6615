/**
 * Drift scores from baseline + window sketch, against published Evidently and scipy test vectors and
 * against scipy 1.17.1 on generated data (the Park–Miller generator below is reproduced in Python, so
 * each expected value can be recomputed with the scipy call named beside it).
 */
import { buildDriftBaseline, type DriftBaselineOptions, type ReferenceColumn } from '../../../lambda/core/drift/drift-baseline';
import {
  chiSquareTest,
  computeDrift,
  jensenShannonDistance,
  ksStatistic,
  populationStabilityIndex,
  psiBand,
  PSI_EPSILON,
  twoProportionZTest,
  type ColumnDrift,
} from '../../../lambda/core/drift/compute-drift';
import { addValues, newWindowSketch } from '../../../lambda/core/drift/window-sketch';

/** Park–Miller minimal standard generator: exact in float64, so Python reproduces it bit for bit. */
function parkMiller(seed: number): { u: () => number; normal: (mu: number, sd: number) => number } {
  let s = seed;
  const u = (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const normal = (mu: number, sd: number): number => {
    let t = 0;
    for (let i = 0; i < 12; i++) t += u();
    return Math.floor((mu + sd * (t - 6)) * 1000 + 0.5) / 1000;
  };
  return { u, normal };
}

/** Categories drawn with the given probabilities (same loop as the Python script). */
function categories(u: () => number, n: number, probabilities: ReadonlyArray<readonly [string, number]>): string[] {
  return Array.from({ length: n }, () => {
    const x = u();
    let acc = 0;
    for (const [k, p] of probabilities) {
      acc += p;
      if (x < acc) return k;
    }
    return probabilities[probabilities.length - 1]![0];
  });
}

/** Drift of a single column `x`: baseline from `reference`, window from `current`. */
function driftOf(reference: ReferenceColumn, current: ArrayLike<unknown>, options: DriftBaselineOptions = {}): ColumnDrift {
  const baseline = buildDriftBaseline({ x: reference }, options);
  const sketch = newWindowSketch(baseline);
  addValues(sketch, 'x', current);
  return computeDrift(baseline, sketch).columns.x!;
}

const repeat = (values: readonly string[], times: readonly number[]): string[] => values.flatMap((v, i) => Array<string>(times[i]!).fill(v));

describe('Evidently known answers (evidentlyai/evidently tests/stattests/test_stattests.py)', () => {
  test('test_freq_obs_eq_freq_exp: chi-square p = 0.67309, no drift', () => {
    // Prepare
    const reference = repeat(['1', '2', '3', '4', '5', '6'], [16, 18, 16, 14, 12, 12]);
    const current = repeat(['1', '2', '3', '4', '5', '6'], [16, 16, 16, 16, 16, 8]);
    // Act
    const drift = driftOf({ kind: 'categorical', values: reference }, current);
    // Assess
    expect(drift.method).toBe('chisquare');
    expect(drift.score).toBeCloseTo(0.67309, 5);
    expect(drift.drifted).toBe(false);
  });

  test('test_freq_obs_not_eq_freq_exp: doubling the reference leaves p = 0.67309', () => {
    // Prepare
    const reference = repeat(['1', '2', '3', '4', '5', '6'], [32, 36, 32, 28, 24, 24]);
    const current = repeat(['1', '2', '3', '4', '5', '6'], [16, 16, 16, 16, 16, 8]);
    // Act
    const drift = driftOf({ kind: 'categorical', values: reference }, current);
    // Assess
    expect(drift.score).toBeCloseTo(0.67309, 5);
  });

  test('test_cat_feature_with_nans and test_chi_stat_test_cat_feature: equal shares give p = 1 (nulls dropped)', () => {
    // Prepare
    const withNulls = [...repeat(['a', 'b'], [10, 10]), ...Array<null>(10).fill(null)];
    // Act
    const nulls = driftOf({ kind: 'categorical', values: withNulls }, withNulls);
    const plain = driftOf({ kind: 'categorical', values: repeat(['a', 'b', 'c'], [10, 10, 10]) }, repeat(['a', 'b', 'c'], [10, 10, 10]));
    // Assess
    expect(nulls).toMatchObject({ method: 'z', drifted: false, currentNullCount: 10 });
    expect(nulls.score).toBeCloseTo(1, 5);
    expect(plain).toMatchObject({ method: 'chisquare', drifted: false });
    expect(plain.score).toBeCloseTo(1, 5);
  });

  test('test_z_stat_test_cat_feature: ["a","b"]×10 against itself gives z-test p = 1', () => {
    // Prepare
    const values = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'a' : 'b'));
    // Act
    const drift = driftOf({ kind: 'categorical', values }, values);
    // Assess
    expect(drift.method).toBe('z');
    expect(drift.score).toBeCloseTo(1, 5);
  });
});

describe('scipy known answers', () => {
  test('jensenshannon: scipy/spatial/tests/test_distance.py test_jensenshannon vectors', () => {
    // Act / Assess
    expect(jensenShannonDistance([1, 0], [0.5, 0.5])).toBeCloseTo(0.46450140402245893, 12);
    expect(jensenShannonDistance([1, 0, 0], [1, 0, 0])).toBe(0);
    expect(jensenShannonDistance([1, 2], [0.5, 1.5])).toBeCloseTo(0.0649045, 7);
    // base 2 there gives 1.0 for disjoint supports; with the natural log that is √ln 2.
    expect(jensenShannonDistance([1, 0, 0], [0, 1, 0])).toBeCloseTo(Math.sqrt(Math.LN2), 12);
  });

  test.each([
    // scipy/stats/tests/test_stats.py TestWassersteinDistance (weights written out as repeats).
    ['test_same_distribution', [1, 2, 3], [2, 1, 3], 0],
    ['test_shift', [1, 2, 3, 4, 5], [11, 12, 13, 14, 15], 10],
    ['test_shift (weighted [3,1,1] / [1,3,1])', [4.5, 4.5, 4.5, 6.7, 2.1], [4.6, 7, 7, 7, 9.2], 2.5],
    // Computed with scipy 1.17.1: stats.wasserstein_distance(reference, current) — the reference of
    // test_combine_weights with a current window on its support, and values outside the reference range.
    ['test_combine_weights reference, current on its support', [0, 0, 1, 1, 1, 1, 5], [0, 1, 1, 5, 5, 5, 5], 1.857142857142857],
    ['values below and above the reference range', [0, 1, 3], [-2, 5, 6, 8], 3.9166666666666665],
  ])('wasserstein %s: W1 = %p', (_name, reference, current, expected) => {
    // Prepare: force the Wasserstein method on tiny samples.
    const options = { smallReferenceRows: 0, maxDiscreteValues: 0 };
    // Act
    const drift = driftOf({ kind: 'numerical', values: reference as number[] }, current as number[], options);
    // Assess
    expect(drift.method).toBe('wasserstein');
    expect(drift.statistic).toBeCloseTo(expected as number, 12);
  });

  test('ks_2samp testRepeatedValues: the KS statistic from reference points and window cells is exact with ties', () => {
    // Prepare: x2233 = 2×3, 3×4, 5×5, 6×4 as reference points; x3344 = x2233 + 1 as window cells
    // (layout: gap, value, gap, value, …, gap) — 3×3, 4×4, 6×5, 7×4.
    const points = { type: 'points' as const, values: [2, 3, 5, 6], counts: [3, 4, 5, 4] };
    const cells = [0, 0, 3, 0, 4, 0, 5, 4];
    // Act
    const d = ksStatistic(points, cells);
    // Assess (scipy/stats/tests/test_stats.py TestKSTwoSamples.testRepeatedValues: D = 5/16)
    expect(d).toBeCloseTo(5 / 16, 15);
  });

  test('ks_2samp test100_110 end to end: D = 232/1100, p = 0.015739183865607353', () => {
    // Prepare: numpy linspace(1, 100, 100) and linspace(1, 100, 110) + 20 + 0.1.
    const linspace = (n: number): number[] => Array.from({ length: n }, (_, i) => (i === n - 1 ? 100 : 1 + (i * 99) / (n - 1)));
    const current = linspace(110).map((x) => x + 20 + 0.1);
    // Act
    const drift = driftOf({ kind: 'numerical', values: linspace(100) }, current);
    // Assess
    expect(drift.method).toBe('ks');
    expect(drift.statistic).toBeCloseTo(232 / 1100, 12);
    expect(drift.pValue! / 0.015739183865607353).toBeCloseTo(1, 9);
    expect(drift.drifted).toBe(true);
  });
});

describe('against scipy 1.17.1 on generated data', () => {
  test('KS, exact regime (800 vs 5000): ks_2samp → D = 0.0774, p = 0.0004857560621231792', () => {
    // Prepare
    const g = parkMiller(42);
    const reference = Array.from({ length: 800 }, () => g.normal(0, 1));
    const current = Array.from({ length: 5000 }, () => g.normal(0.15, 1));
    // Act
    const drift = driftOf({ kind: 'numerical', values: reference }, Float64Array.from(current));
    // Assess
    expect(drift.statistic).toBeCloseTo(0.0774, 12);
    expect(drift.score / 0.0004857560621231792).toBeCloseTo(1, 9);
    expect(drift.drifted).toBe(true);
  });

  test('KS, asymptotic regime (600 vs 20000): ks_2samp → D = 0.029316666666666658, p = 0.6867664375800602', () => {
    // Prepare
    const g = parkMiller(7);
    const reference = Array.from({ length: 600 }, () => g.normal(0, 1));
    const current = Array.from({ length: 20_000 }, () => g.normal(0.05, 1));
    // Act
    const drift = driftOf({ kind: 'numerical', values: reference }, current);
    // Assess
    expect(drift.statistic).toBeCloseTo(0.029316666666666658, 12);
    expect(drift.score / 0.6867664375800602).toBeCloseTo(1, 9);
    expect(drift.drifted).toBe(false);
  });

  test('Wasserstein on continuous values (5000 vs 8000): within 1e-3 relative of wasserstein_distance / np.std = 0.15147827183262028', () => {
    // Prepare
    const g = parkMiller(11);
    const reference = Array.from({ length: 5000 }, () => g.normal(10, 2));
    const current = Array.from({ length: 8000 }, () => g.normal(10.3, 2.2));
    // Act
    const drift = driftOf({ kind: 'numerical', values: reference }, current);
    // Assess: binned with 1000 reference-quantile bins; only bins where the CDFs cross are approximated.
    expect(drift.method).toBe('wasserstein');
    expect(Math.abs(drift.score / 0.15147827183262028 - 1)).toBeLessThan(1e-3);
    expect(drift.drifted).toBe(true);
  });

  test('Wasserstein on integers (≤ 1001 distinct values): exact, wasserstein_distance / np.std = 0.14867111861415253', () => {
    // Prepare
    const g = parkMiller(13);
    const reference = Array.from({ length: 5000 }, () => Math.floor(g.u() * 300));
    const current = Array.from({ length: 8000 }, () => 10 + Math.floor(g.u() * 310));
    // Act
    const drift = driftOf({ kind: 'numerical', values: reference }, current);
    // Assess
    expect(drift.score / 0.14867111861415253).toBeCloseTo(1, 12);
  });

  test('Jensen–Shannon on 4 airports (3000 vs 2000): distance.jensenshannon = 0.09111587350602345', () => {
    // Prepare
    const g = parkMiller(17);
    const reference = categories(g.u, 3000, [['JFK', 0.4], ['LAX', 0.3], ['ORD', 0.2], ['SFO', 0.1]]);
    const current = categories(g.u, 2000, [['JFK', 0.3], ['LAX', 0.3], ['ORD', 0.25], ['SFO', 0.15]]);
    // Act
    const drift = driftOf({ kind: 'categorical', values: reference }, current);
    // Assess
    expect(drift.method).toBe('jensenshannon');
    expect(drift.score).toBeCloseTo(0.09111587350602345, 12);
    expect(drift.drifted).toBe(false);
  });

  test('chi-square (500 vs 400): chisquare(cur, ref·m/n).pvalue = 0.006812057366581342', () => {
    // Prepare
    const g = parkMiller(19);
    const reference = categories(g.u, 500, [['a', 0.5], ['b', 0.3], ['c', 0.2]]);
    const current = categories(g.u, 400, [['a', 0.42], ['b', 0.33], ['c', 0.25]]);
    // Act
    const drift = driftOf({ kind: 'categorical', values: reference }, current);
    // Assess
    expect(drift.method).toBe('chisquare');
    expect(drift.score / 0.006812057366581342).toBeCloseTo(1, 9);
    expect(drift.drifted).toBe(true);
  });

  test('z-test (600 vs 500): Evidently proportions_diff_z_test → p = 0.05682157006706645, no drift', () => {
    // Prepare
    const g = parkMiller(23);
    const reference = categories(g.u, 600, [['no', 0.7], ['yes', 0.3]]);
    const current = categories(g.u, 500, [['no', 0.64], ['yes', 0.36]]);
    // Act
    const drift = driftOf({ kind: 'categorical', values: reference }, current);
    // Assess
    expect(drift.method).toBe('z');
    expect(drift.score / 0.05682157006706645).toBeCloseTo(1, 9);
    expect(drift.drifted).toBe(false);
  });
});

describe('statistics on counts', () => {
  test('PSI: Σ (r − c)·ln(r/c) over shares, an empty bin counted at the documented epsilon', () => {
    // Prepare: shares 0.5/0.3/0.2/0 against 0.4/0.3/0.2/0.1.
    const reference = [50, 30, 20, 0];
    const current = [40, 30, 20, 10];
    const expected = (0.5 - 0.4) * Math.log(0.5 / 0.4) + (PSI_EPSILON - 0.1) * Math.log(PSI_EPSILON / 0.1);
    // Act
    const psi = populationStabilityIndex(reference, current);
    // Assess
    expect(psi).toBeCloseTo(expected, 12);
    expect(populationStabilityIndex(reference, reference)).toBe(0);
    expect(populationStabilityIndex([1, 2], [0, 0])).toBeNaN();
  });

  test('PSI bands are < 0.1 stable, < 0.25 moderate, else significant', () => {
    // Act / Assess
    expect([0, 0.0999, 0.1, 0.2499, 0.25, 3].map(psiBand)).toEqual(['stable', 'stable', 'moderate', 'moderate', 'significant', 'significant']);
  });

  test('a category seen only in the window makes chi-square infinite (p = 0), as scipy', () => {
    // Act
    const result = chiSquareTest([10, 10, 10, 0], [10, 10, 10, 1]);
    // Assess
    expect(result).toEqual({ statistic: Number.POSITIVE_INFINITY, pValue: 0 });
  });

  test('z-test: one value on both sides cannot differ (p = 1); empty sides give NaN', () => {
    // Act / Assess
    expect(twoProportionZTest([20, 0], [15, 0])).toEqual({ statistic: 0, pValue: 1 });
    expect(twoProportionZTest([20, 0], [0, 0]).pValue).toBeNaN();
  });

  test('an empty window scores NaN and never drifts', () => {
    // Act
    const drift = driftOf({ kind: 'numerical', values: Array.from({ length: 50 }, (_, i) => i) }, [null, Number.NaN]);
    // Assess
    expect(drift).toMatchObject({ method: 'ks', drifted: false, currentCount: 0, currentNullCount: 2 });
    expect(drift.score).toBeNaN();
  });

  test('numerical PSI uses reference deciles: a window equal to the reference scores 0, a shifted one is significant', () => {
    // Prepare
    const reference = Array.from({ length: 2000 }, (_, i) => i);
    // Act
    const same = driftOf({ kind: 'numerical', values: reference }, reference);
    const shifted = driftOf({ kind: 'numerical', values: reference }, reference.map((x) => x + 600));
    // Assess
    expect(same.psi).toBe(0);
    expect(same.psiBand).toBe('stable');
    expect(shifted.psiBand).toBe('significant');
  });
});

/** Distribution functions behind the drift tests, against published scipy test vectors and scipy 1.17.1 values. */
import {
  chiSquareSf,
  gammaQ,
  kolmogorovCdfDurbin,
  kolmogorovCdfPelzGood,
  kolmogorovSf,
  ksTwoSamplePValue,
  normalCdf,
  normalTwoSidedSf,
} from '../../../lambda/core/drift/distributions';

/** Relative closeness, with an absolute floor for values near zero. */
function assertClose(actual: number, expected: number, relative: number, absolute = 0): void {
  expect({ actual, close: Math.abs(actual - expected) <= relative * Math.abs(expected) + absolute }).toEqual({ actual, close: true });
}

describe('chi-square and normal tails', () => {
  // Expected values computed with scipy 1.17.1: stats.chi2.sf(x, df) and 2 * stats.norm.sf(z).
  test.each([
    [3.2, 5, 0.6691829020332432],
    [40, 3, 1.065509033425585e-8],
    [0.5, 1, 0.47950012218695337],
    [150, 100, 0.0009039320423540184],
  ])('chiSquareSf(%p, %p) matches scipy chi2.sf to 1e-12', (statistic, df, expected) => {
    // Act
    const p = chiSquareSf(statistic, df);
    // Assess
    assertClose(p, expected, 1e-12);
  });

  test.each([
    [1.96, 0.04999579029644087],
    [0.5, 0.6170750774519738],
    [8, 1.244192114854348e-15],
  ])('normalTwoSidedSf(%p) matches 2·scipy norm.sf to 1e-12, tiny tails included', (z, expected) => {
    // Act / Assess
    assertClose(normalTwoSidedSf(z), expected, 1e-12);
    assertClose(normalTwoSidedSf(-z), expected, 1e-12);
  });

  test('normalCdf is symmetric and gammaQ has its limits', () => {
    // Act / Assess
    assertClose(normalCdf(0), 0.5, 1e-15);
    assertClose(normalCdf(1.96) + normalCdf(-1.96), 1, 1e-15);
    expect(gammaQ(2, 0)).toBe(1);
    expect(gammaQ(2, Number.POSITIVE_INFINITY)).toBe(0);
    expect(chiSquareSf(0, 3)).toBe(1);
    expect(chiSquareSf(Number.NaN, 3)).toBeNaN();
  });
});

describe('two-sample KS p-value (scipy ks_2samp, method="auto")', () => {
  // Source: scipy/scipy scipy/stats/tests/test_stats.py, class TestKSTwoSamples (two-sided cases).
  test.each([
    ['testSmall', 1, 1, 1, 1.0],
    ['testTwoVsThree (+0.01)', 2, 3, 1 / 3, 1.0],
    ['testTwoVsThree (−0.01)', 2, 3, 2 / 3, 0.6],
    ['testTwoVsFour (+0.01)', 2, 4, 2 / 4, 14 / 15],
    ['testTwoVsFour (−0.01)', 2, 4, 3 / 4, 6 / 15],
    ['test100_100 (+2.1)', 100, 100, 3 / 100, 0.9999999999962055],
    ['test100_100 (+1.9)', 100, 100, 2 / 100, 1.0],
    ['test100_110 (+20.1)', 100, 110, 232 / 1100, 0.015739183865607353],
    ['test100_110 (+19.9)', 100, 110, 229 / 1100, 0.017803803861026313],
    ['testRepeatedValues x2233/x3344', 16, 16, 5 / 16, 0.4262934613454952],
    ['testRepeatedValues x2356/x3467', 21, 26, 190 / 21 / 26, 0.0919245790168125],
    ['testEqualSizes', 3, 3, 1 / 3, 1.0],
    ['testLargeBoth (asymptotic)', 10_000, 11_000, 563 / 110_000, 0.9990660108966576],
  ])('%s: n=%p, m=%p, D=%p → p within 1e-9 relative', (_name, n, m, d, expected) => {
    // Act
    const p = ksTwoSamplePValue(n, m, d);
    // Assess
    assertClose(p, expected, 1e-9);
  });

  test('testLarge (10000 vs 110, exact) agrees with scipy 1.17.1 down to 1e-26', () => {
    // scipy/stats/tests/test_stats.py testLarge publishes 4.218847493575595e-15 at 6 decimals (older
    // algorithm); scipy 1.17.1's 1−p recursion gives 6.263465662260858e-26 — the value we reproduce.
    // Act
    const p = ksTwoSamplePValue(10_000, 110, 55_275 / 110_000);
    // Assess
    assertClose(p, 6.263465662260858e-26, 1e-9);
  });

  test('a zero statistic or NaN input gives 1 or NaN', () => {
    // Act / Assess
    expect(ksTwoSamplePValue(10, 12, 0)).toBe(1);
    expect(ksTwoSamplePValue(10, 12, Number.NaN)).toBeNaN();
    expect(ksTwoSamplePValue(0, 12, 0.5)).toBeNaN();
  });
});

describe('Kolmogorov distribution (scipy kstwo.sf)', () => {
  // Expected values computed with scipy 1.17.1: stats.kstwo.sf(x, n); every algorithm region is visited
  // (Durbin matrix, 2·Smirnov, Pelz–Good, the Ruben–Gambino ends).
  test.each([
    [1000, 0.03, 0.3226902143914636],
    [1000, 0.05, 0.013012074781090332],
    [1000, 0.02, 0.8108971656895577],
    [500, 0.06, 0.05243463489026223],
    [100, 0.1, 0.2526927570063874],
    [100, 0.2, 0.0005551927327988775],
    [50, 0.3, 0.00017353260202718738],
    [140, 0.15, 0.0032495604415101703],
    [300, 0.07, 0.1007893525964727],
    [999, 0.045, 0.033920198922785194],
    [2000, 0.04, 0.0032305680961256145],
  ])('kolmogorovSf(n=%p, x=%p) matches within 1e-9 relative', (n, x, expected) => {
    // Act / Assess
    assertClose(kolmogorovSf(n, x), expected, 1e-9);
  });

  test('the ends of the distribution are exact', () => {
    // Act / Assess
    expect(kolmogorovSf(1000, 0.6)).toBe(0);
    expect(kolmogorovSf(10, 0)).toBe(1);
    expect(kolmogorovSf(10, 1)).toBe(0);
    expect(kolmogorovSf(10, 0.04)).toBe(1);
    // n·x ≤ 1: P(D ≥ x) = 1 − n!/nⁿ·(2nx − 1)ⁿ; for n = 2, x = 0.4: 1 − (2/4)·0.6² = 0.82.
    assertClose(kolmogorovSf(2, 0.4), 0.82, 1e-12);
  });

  test('Durbin (exact) and Pelz–Good (asymptotic) agree where both apply', () => {
    // Act
    const exact = kolmogorovCdfDurbin(5000, 0.012);
    const asymptotic = kolmogorovCdfPelzGood(5000, 0.012);
    // Assess
    assertClose(asymptotic, exact, 1e-6);
  });
});

/** Binary metrics against hand-computed values and, for the AUC, the O(n²) pair-counting definition. */
import { accuracy, auc, binaryMetrics, f1, logLoss, precision, recall } from '../../../lambda/core/metrics/binary';
import { seededRandom } from '../../../lambda/core/features/matrix';

/** The definition of the AUC: over all (positive, negative) pairs, 1 if the positive scores higher, ½ if tied. */
function pairCountAuc(y: Float64Array, p: Float64Array): number {
  let score = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      if (p[i]! > p[j]!) score += 1;
      else if (p[i] === p[j]) score += 0.5;
    }
  }
  return score / pairs;
}

describe('auc', () => {
  test('matches the hand count on scikit-learn documentation example', () => {
    // Prepare: positives 0.35 and 0.8 against negatives 0.1 and 0.4 win 3 of 4 pairs
    const y = Float64Array.of(0, 0, 1, 1);
    const p = Float64Array.of(0.1, 0.4, 0.35, 0.8);
    // Act
    const value = auc(y, p);
    // Assess
    expect(value).toBe(0.75);
  });

  test('counts tied scores as half a win', () => {
    // Prepare: positives {0.35, 0.8, 0.4}, negatives {0.1, 0.4, 0.4}:
    // 0.35 beats 0.1 (1); 0.8 beats all (3); 0.4 beats 0.1 and ties twice (1 + ½ + ½) → 6 of 9 pairs
    const y = Float64Array.of(0, 0, 1, 1, 0, 1);
    const p = Float64Array.of(0.1, 0.4, 0.35, 0.8, 0.4, 0.4);
    // Act
    const value = auc(y, p);
    // Assess
    expect(value).toBeCloseTo(6 / 9, 15);
  });

  test('equals the pair-counting definition on random data with many ties', () => {
    // Prepare: scores rounded to one decimal, so most of them tie
    const random = seededRandom(42);
    const n = 600;
    const y = new Float64Array(n);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = Math.round(random() * 10) / 10;
      y[i] = random() < 0.3 + 0.4 * p[i]! ? 1 : 0;
    }
    // Act
    const value = auc(y, p);
    // Assess
    expect(value).toBeCloseTo(pairCountAuc(y, p), 12);
    expect(value).toBeGreaterThan(0.5);
  });

  test('is 1 for a perfect ranking, 0 for a reversed one and ½ for a constant score', () => {
    // Prepare
    const y = Float64Array.of(0, 0, 1, 1);
    // Act
    const perfect = auc(y, Float64Array.of(0.1, 0.2, 0.8, 0.9));
    const reversed = auc(y, Float64Array.of(0.9, 0.8, 0.2, 0.1));
    const constant = auc(y, Float64Array.of(0.5, 0.5, 0.5, 0.5));
    // Assess
    expect(perfect).toBe(1);
    expect(reversed).toBe(0);
    expect(constant).toBe(0.5);
  });

  test('is NaN when only one class is present', () => {
    // Prepare
    const y = Float64Array.of(1, 1, 1);
    // Act
    const value = auc(y, Float64Array.of(0.1, 0.5, 0.9));
    // Assess
    expect(value).toBeNaN();
  });

  test('rejects labels other than 0 and 1, NaN scores and length mismatches', () => {
    // Prepare
    const p = Float64Array.of(0.1, 0.5, 0.9);
    // Act
    const badLabel = (): number => auc(Float64Array.of(0, 1, 2), p);
    const nanScore = (): number => auc(Float64Array.of(0, 1, 1), Float64Array.of(0.1, Number.NaN, 0.9));
    const mismatch = (): number => auc(Float64Array.of(0, 1), p);
    // Assess
    expect(badLabel).toThrow(/auc: y\[2\] is 2; expected 0 or 1/);
    expect(nanScore).toThrow(/auc: p\[1\] is NaN; expected a probability/);
    expect(mismatch).toThrow(/auc: y has 2 values but p has 3; expected the same length/);
  });
});

describe('logLoss', () => {
  test('is the mean negative log-likelihood', () => {
    // Prepare: −(ln 0.9 + ln 0.8 + ln 0.6) / 3 = (0.1053605 + 0.2231436 + 0.5108256) / 3
    const y = Float64Array.of(1, 0, 1);
    const p = Float64Array.of(0.9, 0.2, 0.6);
    // Act
    const value = logLoss(y, p);
    // Assess
    expect(value).toBeCloseTo(0.2797765635793423, 15);
  });

  test('clips probabilities to [1e-15, 1 − 1e-15] so a confident miss is finite', () => {
    // Prepare: the first row costs −ln(1e-15) = 34.53878; the second −ln(1 − (1 − 1e-15)), where 1 − 1e-15
    // rounds to 0.999999999999999000799 in floating point, so it costs 34.53958 (scikit-learn's np.clip gives the same)
    const y = Float64Array.of(1, 0);
    const p = Float64Array.of(0, 1);
    const expected = (-Math.log(1e-15) - Math.log(1 - (1 - 1e-15))) / 2;
    // Act
    const value = logLoss(y, p);
    // Assess
    expect(value).toBeCloseTo(expected, 12);
    expect(value).toBeCloseTo(34.53918, 5);
  });
});

describe('thresholded metrics', () => {
  // Rows: (1, 0.9) TP, (1, 0.4) FN, (0, 0.6) FP, (0, 0.1) TN, (1, 0.5) TP at 0.5 — p ≥ threshold is positive —, (0, 0.2) TN
  const y = Float64Array.of(1, 1, 0, 0, 1, 0);
  const p = Float64Array.of(0.9, 0.4, 0.6, 0.1, 0.5, 0.2);

  test('at the default threshold 0.5 (TP 2, FN 1, FP 1, TN 2)', () => {
    // Prepare
    const expected = { accuracy: 4 / 6, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 };
    // Act
    const values = { accuracy: accuracy(y, p), precision: precision(y, p), recall: recall(y, p), f1: f1(y, p) };
    // Assess
    expect(values.accuracy).toBeCloseTo(expected.accuracy, 15);
    expect(values.precision).toBeCloseTo(expected.precision, 15);
    expect(values.recall).toBeCloseTo(expected.recall, 15);
    expect(values.f1).toBeCloseTo(expected.f1, 15);
  });

  test('at threshold 0.55 (TP 1, FN 2, FP 1, TN 2)', () => {
    // Prepare: F1 = 2TP / (2TP + FP + FN) = 2 / 5
    const threshold = 0.55;
    // Act
    const values = [accuracy(y, p, threshold), precision(y, p, threshold), recall(y, p, threshold), f1(y, p, threshold)];
    // Assess
    expect(values[0]).toBeCloseTo(3 / 6, 15);
    expect(values[1]).toBeCloseTo(1 / 2, 15);
    expect(values[2]).toBeCloseTo(1 / 3, 15);
    expect(values[3]).toBeCloseTo(2 / 5, 15);
  });

  test('precision, recall and F1 are 0 when nothing is predicted positive', () => {
    // Prepare
    const threshold = 0.95;
    // Act
    const values = [precision(y, p, threshold), recall(y, p, threshold), f1(y, p, threshold)];
    // Assess
    expect(values).toEqual([0, 0, 0]);
  });

  test('binaryMetrics returns every metric, equal to the individual functions', () => {
    // Prepare
    const threshold = 0.55;
    // Act
    const metrics = binaryMetrics(y, p, threshold);
    // Assess
    expect(metrics).toEqual({
      auc: auc(y, p),
      logloss: logLoss(y, p),
      accuracy: accuracy(y, p, threshold),
      precision: precision(y, p, threshold),
      recall: recall(y, p, threshold),
      f1: f1(y, p, threshold),
      threshold,
    });
    expect(binaryMetrics(y, p).threshold).toBe(0.5);
  });
});

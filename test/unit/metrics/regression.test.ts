/** Regression metrics against values computed by hand. */
import { mae, mape, r2, rmse } from '../../../lambda/core/metrics/regression';

// scikit-learn's documentation example: errors 0.5, −0.5, 0, −1.
const Y = Float64Array.of(3, -0.5, 2, 7);
const PRED = Float64Array.of(2.5, 0, 2, 8);

describe('rmse', () => {
  test('is √(Σ error² / n)', () => {
    // Prepare: squared errors 0.25 + 0.25 + 0 + 1 = 1.5, over 4 rows = 0.375
    const expected = 0.6123724356957945;
    // Act
    const value = rmse(Y, PRED);
    // Assess
    expect(value).toBeCloseTo(expected, 15);
  });

  test('is 0 for a perfect prediction', () => {
    // Prepare
    const y = Float64Array.of(1, 2, 3);
    // Act
    const value = rmse(y, y.slice());
    // Assess
    expect(value).toBe(0);
  });

  test('rejects vectors of different lengths or empty ones', () => {
    // Prepare
    const short = Float64Array.of(1, 2);
    // Act
    const mismatched = (): number => rmse(Y, short);
    const empty = (): number => rmse(new Float64Array(0), new Float64Array(0));
    // Assess
    expect(mismatched).toThrow(/rmse: y has 4 values but pred has 2; expected the same length/);
    expect(empty).toThrow(/rmse: y and pred are empty/);
  });
});

describe('mae', () => {
  test('is Σ|error| / n', () => {
    // Prepare: |errors| 0.5 + 0.5 + 0 + 1 = 2, over 4 rows
    const expected = 0.5;
    // Act
    const value = mae(Y, PRED);
    // Assess
    expect(value).toBe(expected);
  });
});

describe('r2', () => {
  test('is 1 − SSres / SStot', () => {
    // Prepare: ȳ = 2.875; SStot = 0.125² + 3.375² + 0.875² + 4.125² = 29.1875; SSres = 1.5
    const expected = 1 - 1.5 / 29.1875;
    // Act
    const value = r2(Y, PRED);
    // Assess
    expect(value).toBeCloseTo(expected, 14);
    expect(value).toBeCloseTo(0.9486081370449679, 14);
  });

  test('is negative when worse than predicting the mean', () => {
    // Prepare: ȳ = 2, SStot = 2; predictions reversed give SSres = 8
    const y = Float64Array.of(1, 2, 3);
    const pred = Float64Array.of(3, 2, 1);
    // Act
    const value = r2(y, pred);
    // Assess
    expect(value).toBe(1 - 8 / 2);
  });

  test('with a constant target is 1 for a perfect prediction and 0 otherwise', () => {
    // Prepare
    const y = Float64Array.of(4, 4, 4);
    // Act
    const perfect = r2(y, Float64Array.of(4, 4, 4));
    const imperfect = r2(y, Float64Array.of(4, 5, 4));
    // Assess
    expect(perfect).toBe(1);
    expect(imperfect).toBe(0);
  });
});

describe('mape', () => {
  test('is the mean of |error| / |y| as a fraction', () => {
    // Prepare: 0.5/3 + 0.5/0.5 + 0/2 + 1/7, over 4 rows
    const expected = (0.5 / 3 + 1 + 0 + 1 / 7) / 4;
    // Act
    const value = mape(Y, PRED);
    // Assess
    expect(value).toBeCloseTo(expected, 15);
    expect(value).toBeCloseTo(0.3273809523809524, 15);
  });

  test('skips rows whose target is zero', () => {
    // Prepare: the first row is skipped; 1/2 + 1/4 over the 2 remaining rows
    const y = Float64Array.of(0, 2, 4);
    const pred = Float64Array.of(5, 1, 5);
    // Act
    const value = mape(y, pred);
    // Assess
    expect(value).toBe(0.375);
  });

  test('is NaN when every target is zero', () => {
    // Prepare
    const y = Float64Array.of(0, 0);
    // Act
    const value = mape(y, Float64Array.of(1, 2));
    // Assess
    expect(value).toBeNaN();
  });
});

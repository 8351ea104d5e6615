/** DDSketch: quantiles within the relative accuracy, exact merges, JSON round trips. */
import { DEFAULT_RELATIVE_ACCURACY, QuantileSketch } from '../../../lambda/core/profile/quantile-sketch';
import { seededRandom } from '../../helpers/validation';

const QUANTILES = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];

/** The exact value the sketch approximates: the element at rank floor(q·(n−1)) of the sorted data. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

/** Log-normal-ish positive values, normal values with negatives, and integers with many zeros. */
function datasets(): { lognormal: number[]; normal: number[]; delays: number[] } {
  const random = seededRandom(20240601);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return {
    lognormal: Array.from({ length: 20_000 }, () => Math.exp(3 + 1.5 * normal())),
    normal: Array.from({ length: 20_000 }, () => 15 + 40 * normal()),
    delays: Array.from({ length: 20_000 }, () => (random() < 0.3 ? 0 : Math.round(-20 + random() * 200))),
  };
}

describe('QuantileSketch', () => {
  test.each(Object.entries(datasets()))('%s: every quantile is within the relative accuracy of the exact one', (_name, values) => {
    // Prepare
    const sketch = new QuantileSketch();
    const sorted = [...values].sort((a, b) => a - b);
    // Act
    for (const v of values) sketch.add(v);
    // Assess
    expect(sketch.count).toBe(values.length);
    for (const q of QUANTILES) {
      const exact = exactQuantile(sorted, q);
      const estimate = sketch.quantile(q);
      expect({ q, withinAccuracy: Math.abs(estimate - exact) <= DEFAULT_RELATIVE_ACCURACY * Math.abs(exact) + 1e-12 }).toEqual({ q, withinAccuracy: true });
    }
  });

  test('a coarser accuracy is honoured too', () => {
    // Prepare
    const values = datasets().lognormal;
    const sorted = [...values].sort((a, b) => a - b);
    const sketch = new QuantileSketch(0.05);
    // Act
    for (const v of values) sketch.add(v);
    // Assess
    for (const q of QUANTILES) expect(Math.abs(sketch.quantile(q) - exactQuantile(sorted, q))).toBeLessThanOrEqual(0.05 * exactQuantile(sorted, q));
  });

  test('merging the sketches of two halves equals the sketch of the whole exactly', () => {
    // Prepare
    const values = datasets().normal;
    const whole = new QuantileSketch();
    const first = new QuantileSketch();
    const second = new QuantileSketch();
    values.forEach((v, i) => {
      whole.add(v);
      (i < values.length / 2 ? first : second).add(v);
    });
    // Act
    first.merge(second);
    // Assess
    expect(first.toJSON()).toEqual(whole.toJSON());
    expect(QUANTILES.map((q) => first.quantile(q))).toEqual(QUANTILES.map((q) => whole.quantile(q)));
  });

  test('merging in either order, or through JSON, gives the same sketch', () => {
    // Prepare
    const { lognormal, delays } = datasets();
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    lognormal.forEach((v) => a.add(v));
    delays.forEach((v) => b.add(-v));
    const ab = QuantileSketch.fromJSON(a.toJSON());
    const ba = QuantileSketch.fromJSON(b.toJSON());
    // Act
    ab.merge(b);
    ba.merge(QuantileSketch.fromJSON(a.toJSON()));
    // Assess
    expect(ab.toJSON()).toEqual(ba.toJSON());
    expect(ab.count).toBe(lognormal.length + delays.length);
  });

  test('zeros and tiny magnitudes count as zero; an empty sketch answers NaN', () => {
    // Prepare
    const sketch = new QuantileSketch();
    // Act
    const empty = sketch.quantile(0.5);
    sketch.add(0);
    sketch.add(1e-12);
    sketch.add(-1e-12);
    // Assess
    expect(empty).toBeNaN();
    expect(sketch.toJSON()).toMatchObject({ count: 3, zeroCount: 3, positive: [], negative: [] });
    expect(sketch.quantile(0.5)).toBe(0);
  });

  test('refuses a bad accuracy and merging sketches of different accuracy', () => {
    // Act / Assess
    expect(() => new QuantileSketch(0)).toThrow(/relativeAccuracy must be in \(0, 1\), got 0/);
    expect(() => new QuantileSketch(1)).toThrow(/relativeAccuracy must be in \(0, 1\)/);
    expect(() => new QuantileSketch(0.01).merge(new QuantileSketch(0.02))).toThrow(/cannot merge sketches of accuracy 0.01 and 0.02/);
  });
});

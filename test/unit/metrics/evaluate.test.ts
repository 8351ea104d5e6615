/** The evaluate stage's metric helpers: all regression metrics at once and the direction of each gate metric. */
import { configJsonSchema } from '../../../config/schema';
import { binaryMetrics as binaryFromBinary } from '../../../lambda/core/metrics/binary';
import { binaryMetrics, isBetter, METRIC_DIRECTION, regressionMetrics, type GateMetric } from '../../../lambda/core/metrics/evaluate';
import { mae, mape, r2, rmse } from '../../../lambda/core/metrics/regression';

describe('regressionMetrics', () => {
  test('returns RMSE, MAE, R² and MAPE of the same vectors', () => {
    // Prepare
    const y = Float64Array.of(3, -0.5, 2, 7);
    const pred = Float64Array.of(2.5, 0, 2, 8);
    // Act
    const metrics = regressionMetrics(y, pred);
    // Assess
    expect(metrics).toEqual({ rmse: rmse(y, pred), mae: mae(y, pred), r2: r2(y, pred), mape: mape(y, pred) });
    expect(metrics.mae).toBe(0.5);
  });

  test('re-exports binaryMetrics', () => {
    // Prepare / Act
    const reexported = binaryMetrics;
    // Assess
    expect(reexported).toBe(binaryFromBinary);
  });
});

describe('isBetter', () => {
  test.each<[GateMetric, number, number]>([
    ['rmse', 1, 2],
    ['mae', 1, 2],
    ['mape', 0.1, 0.2],
    ['logloss', 0.3, 0.6],
    ['r2', 0.9, 0.8],
    ['auc', 0.8, 0.7],
    ['accuracy', 0.9, 0.8],
    ['f1', 0.7, 0.6],
  ])('%s: %d is better than %d and not the other way round', (metric, better, worse) => {
    // Prepare / Act
    const forward = isBetter(metric, better, worse);
    const backward = isBetter(metric, worse, better);
    // Assess
    expect(forward).toBe(true);
    expect(backward).toBe(false);
  });

  test('an equal value or a NaN is never better', () => {
    // Prepare / Act
    const results = [isBetter('rmse', 1, 1), isBetter('auc', 0.7, 0.7), isBetter('rmse', Number.NaN, 1), isBetter('rmse', 1, Number.NaN), isBetter('auc', Number.NaN, 0.5)];
    // Assess
    expect(results).toEqual([false, false, false, false, false]);
  });

  test('knows a direction for exactly the metrics of the config schema gate.metric enum', () => {
    // Prepare
    const schema = configJsonSchema() as { properties: { gate: { properties: { metric: { enum: string[] } } } } };
    // Act
    const names = Object.keys(METRIC_DIRECTION).sort();
    // Assess
    expect(names).toEqual([...schema.properties.gate.properties.metric.enum].sort());
  });
});

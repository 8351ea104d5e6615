/**
 * The evaluation gate decides from the config: beat the naive baseline, reach the absolute bound,
 * improve on the champion by the minimum — with a reason for every check.
 */
import { baselinePredictions, decide, relativeImprovement } from '../../../lambda/core/evaluate/gate';
import { permutationImportance } from '../../../lambda/core/evaluate/permutation-importance';
import type { FeatureMatrix } from '../../../lambda/core/features/matrix';
import { rmse } from '../../../lambda/core/metrics/regression';

const rmseGate = { metric: 'rmse' as const, minImprovement: 0.01, mustBeatBaseline: true };
const aucGate = { metric: 'auc' as const, minImprovement: 0, mustBeatBaseline: true, bound: 0.6 };

describe('decide', () => {
  test('the first model that beats the baseline is deployed', () => {
    // Act
    const d = decide(rmseGate, { candidate: 30.1, baseline: 32.09 });

    // Assess
    expect(d.decision).toBe('deploy');
    expect(d.reasons).toEqual(['rmse 30.10 beats the naive baseline\'s 32.09', 'no champion yet: this would be the first model']);
  });

  test('a model no better than the mean is rejected, saying so', () => {
    // Act
    const d = decide(rmseGate, { candidate: 32.09, baseline: 32.09 });

    // Assess
    expect(d.decision).toBe('reject');
    expect(d.reasons[0]).toBe("rmse 32.09 does not beat the naive baseline's 32.09");
  });

  test('improvement over the champion must reach minImprovement (relative, direction-aware)', () => {
    // Act
    const small = decide(rmseGate, { candidate: 29.9, baseline: 32, champion: { version: 3, value: 30 } });
    const enough = decide(rmseGate, { candidate: 29.6, baseline: 32, champion: { version: 3, value: 30 } });

    // Assess
    expect(small.decision).toBe('reject');
    expect(small.improvement).toBeCloseTo(0.00333, 4);
    expect(small.reasons[0]).toMatch(/vs champion v3 30\.00: 0\.33% better \(gate needs ≥ 1\.00%\)/);
    expect(enough.decision).toBe('deploy');
  });

  test('a score metric with a bound: worse than the champion or below the bound is rejected', () => {
    // Act
    const worse = decide(aucGate, { candidate: 0.68, baseline: 0.5, champion: { version: 1, value: 0.69 } });
    const low = decide(aucGate, { candidate: 0.58, baseline: 0.5 });
    const equal = decide(aucGate, { candidate: 0.69, baseline: 0.5, champion: { version: 1, value: 0.69 } });

    // Assess
    expect(worse.decision).toBe('reject');
    expect(worse.reasons[0]).toMatch(/1\.45% worse/);
    expect(low.decision).toBe('reject');
    expect(low.reasons).toContain('auc 0.5800 misses the bound ≥ 0.6000');
    expect(equal.decision).toBe('deploy');
  });

  test('a NaN metric is always rejected', () => {
    // Act
    const d = decide({ ...rmseGate, mustBeatBaseline: false }, { candidate: Number.NaN, baseline: 1 });

    // Assess
    expect(d.decision).toBe('reject');
    expect(d.reasons[0]).toMatch(/not a number/);
  });

  test('relative improvement and baseline predictions', () => {
    // Assess
    expect(relativeImprovement('rmse', 9, 10)).toBeCloseTo(0.1, 12);
    expect(relativeImprovement('auc', 0.66, 0.6)).toBeCloseTo(0.1, 12);
    expect(Array.from(baselinePredictions(Float64Array.from([1, 2, Number.NaN, 6]), 2))).toEqual([3, 3]);
  });
});

describe('permutationImportance', () => {
  test('the feature the model uses matters, the ignored one does not', () => {
    // Prepare: y = 3·a exactly; the model knows it and ignores b.
    const n = 500;
    const a = Float64Array.from({ length: n }, (_, i) => i % 37);
    const b = Float64Array.from({ length: n }, (_, i) => (i * 7) % 11);
    const y = a.map((v) => 3 * v);
    const x: FeatureMatrix = { rows: n, features: [{ kind: 'numeric', name: 'a', values: a }, { kind: 'numeric', name: 'b', values: b }] };
    const predict = (m: FeatureMatrix): Float64Array => (m.features[0] as { values: Float64Array }).values.map((v) => 3 * v);

    // Act
    const importance = permutationImportance(x, y, predict, rmse, 'rmse', { repeats: 2, seed: 1 });

    // Assess
    expect(importance[0]!.feature).toBe('a');
    expect(importance[0]!.importance).toBeGreaterThan(10);
    expect(importance[1]).toEqual({ feature: 'b', importance: 0 });
  });
});

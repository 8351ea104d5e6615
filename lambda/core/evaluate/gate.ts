/**
 * The evaluation gate: deploy or reject a candidate model from its holdout metric, compared with a naive
 * baseline, an absolute bound and the current champion, as the config's `gate` says. Every check that
 * fails adds a reason; a candidate is deployed only when none fails.
 */
import type { PlatformConfig } from '../../../config/schema';
import { METRIC_DIRECTION, isBetter, type GateMetric } from '../metrics/evaluate';

/** The gate section of the config. */
export type GateConfig = PlatformConfig['gate'];

/** What the gate compares. */
export interface GateInput {
  /** The candidate's value of the gate metric on the holdout. */
  readonly candidate: number;
  /** The naive baseline's value (mean for regression, prior for binary) on the same holdout. */
  readonly baseline: number;
  /** The champion's value on the same holdout, and its version; absent for the first model. */
  readonly champion?: { readonly version: number; readonly value: number };
}

/** The gate's decision with its evidence. */
export interface GateDecision {
  readonly decision: 'deploy' | 'reject';
  readonly metric: GateMetric;
  /** Why: one sentence per check, passed or failed. */
  readonly reasons: readonly string[];
  readonly candidate: number;
  readonly baseline: number;
  readonly champion?: { readonly version: number; readonly value: number };
  /** Relative improvement over the champion (positive = better), when there is one. */
  readonly improvement?: number;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(2) : x.toPrecision(4)) : String(x);
}

/** Relative improvement of `candidate` over `reference` for the metric's direction (0.01 = 1% better). */
export function relativeImprovement(metric: GateMetric, candidate: number, reference: number): number {
  const scale = Math.abs(reference) > 0 ? Math.abs(reference) : 1;
  return METRIC_DIRECTION[metric] === 'lower' ? (reference - candidate) / scale : (candidate - reference) / scale;
}

/** Apply the gate. */
export function decide(gate: GateConfig, input: GateInput): GateDecision {
  const { metric } = gate;
  const { candidate, baseline, champion } = input;
  const failed: string[] = [];
  const passed: string[] = [];
  if (!Number.isFinite(candidate)) {
    failed.push(`the candidate's ${metric} is not a number (${candidate})`);
  }
  if (gate.mustBeatBaseline) {
    (isBetter(metric, candidate, baseline) ? passed : failed).push(
      `${metric} ${fmt(candidate)} ${isBetter(metric, candidate, baseline) ? 'beats' : 'does not beat'} the naive baseline's ${fmt(baseline)}`,
    );
  }
  if (gate.bound !== undefined) {
    const ok = METRIC_DIRECTION[metric] === 'lower' ? candidate <= gate.bound : candidate >= gate.bound;
    (ok ? passed : failed).push(`${metric} ${fmt(candidate)} ${ok ? 'reaches' : 'misses'} the bound ${METRIC_DIRECTION[metric] === 'lower' ? '≤' : '≥'} ${fmt(gate.bound)}`);
  }
  let improvement: number | undefined;
  if (champion) {
    improvement = relativeImprovement(metric, candidate, champion.value);
    // With minImprovement 0 an equal model passes; a worse one never does.
    const ok = Number.isFinite(improvement) && improvement >= gate.minImprovement;
    (ok ? passed : failed).push(
      `${metric} ${fmt(candidate)} vs champion v${champion.version} ${fmt(champion.value)}: ${(improvement * 100).toFixed(2)}% ${improvement >= 0 ? 'better' : 'worse'} (gate needs ≥ ${(gate.minImprovement * 100).toFixed(2)}%)`,
    );
  } else {
    passed.push('no champion yet: this would be the first model');
  }
  const decision = failed.length === 0 ? 'deploy' : 'reject';
  return {
    decision,
    metric,
    reasons: [...failed, ...passed],
    candidate,
    baseline,
    ...(champion ? { champion } : {}),
    ...(improvement !== undefined ? { improvement } : {}),
  };
}

/** Predictions of the naive baseline: the training mean (regression) or the training prior (binary). */
export function baselinePredictions(yTrain: Float64Array, rows: number): Float64Array {
  let sum = 0;
  let n = 0;
  for (const y of yTrain) {
    if (Number.isNaN(y)) continue;
    sum += y;
    n++;
  }
  return new Float64Array(rows).fill(n > 0 ? sum / n : 0);
}

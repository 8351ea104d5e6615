/**
 * Documents of made-up runs for the report's unit tests: a run record taken through some stages, an
 * evaluation against a champion, a validation report, and a registry manifest.
 */
import type { VersionManifest } from '../../lambda/core/registry/registry';
import { newRunRecord, runFinished, stageFailed, stageStarted, stageSucceeded, type RunRecord, type StageName } from '../../lambda/core/runs/run-record';
import type { Evaluation } from '../../lambda/core/stages/evaluate-stage';
import type { ValidationReport } from '../../lambda/core/validation/report';

/** When the made-up runs start. */
export const T0 = '2026-11-27T10:00:00.000Z';

/** `seconds` after {@link T0}. */
export function at(seconds: number): string {
  return new Date(Date.parse(T0) + seconds * 1000).toISOString();
}

/** A run record whose `stages` each took 2 s, one after another. */
export function runThrough(runId: string, stages: readonly StageName[]): RunRecord {
  let record = newRunRecord(runId, { kind: 'upload', bucket: 'flights-dev-data', key: 'incoming/flights.csv' }, T0);
  stages.forEach((stage, i) => {
    record = stageSucceeded(stageStarted(record, stage, at(2 * i)), stage, at(2 * i + 2), stage === 'evaluate' ? { metrics: { rmse: 30.1534 } } : {});
  });
  return record;
}

/** A run that registered flights v2 as champion. */
export function registeredRun(runId = 'run-ok'): RunRecord {
  return runFinished(runThrough(runId, ['validate', 'features', 'train', 'evaluate', 'register']), 'succeeded', at(10), { decision: 'deploy', model: 'flights', version: 2, stage: 'champion' });
}

/** A run the gate rejected. */
export function rejectedRun(runId = 'run-rejected'): RunRecord {
  return runFinished(runThrough(runId, ['validate', 'features', 'train', 'evaluate']), 'rejected', at(8), { decision: 'reject', evaluationKey: `runs/${runId}/evaluate/evaluation.json` });
}

/** A run whose train stage crashed. */
export function crashedRun(runId = 'run-crashed'): RunRecord {
  const record = stageStarted(runThrough(runId, ['validate', 'features']), 'train', at(4));
  return stageFailed(record, 'train', at(5.5), { name: 'TrainingCrashError', cause: 'the model ran out of memory at iteration 40' });
}

/** An evaluation of a regression candidate against a champion, with importance. */
export function evaluation(overrides: Partial<Evaluation> = {}): Evaluation {
  return {
    metrics: { rmse: 30.1534, mae: 18.72, r2: 0.0123, mape: 1.8512 },
    baseline: { rmse: 30.84, mae: 18.94, r2: -0.0001548, mape: 1.815 },
    champion: { version: 1, metrics: { rmse: 30.53, mae: 18.78, r2: 0.01996, mape: 1.857 } },
    gate: {
      decision: 'deploy',
      metric: 'rmse',
      reasons: ['rmse 30.15 vs champion v1 30.53: 1.23% better (gate needs ≥ 1.00%)', "rmse 30.15 beats the naive baseline's 30.84"],
      candidate: 30.1534,
      baseline: 30.84,
      champion: { version: 1, value: 30.53 },
      improvement: 0.0123,
    },
    importance: {
      model: [
        { feature: 'origin', importance: 72.5 },
        { feature: 'date.hour', importance: 5.1 },
        { feature: 'distance', importance: 1.5 },
      ],
      permutation: [
        { feature: 'origin', importance: 0.1024 },
        { feature: 'date.hour', importance: 0.7787 },
        { feature: 'distance', importance: -0.0412 },
      ],
    },
    testRows: 4156,
    ...overrides,
  };
}

/** A validation report: valid, or invalid with one failed expectation. */
export function validationReport(verdict: 'valid' | 'invalid' = 'valid'): ValidationReport {
  const invalid = verdict === 'invalid';
  return {
    success: !invalid,
    verdict,
    source: { name: 'incoming/flights.csv', format: 'csv', bytes: 644_000 },
    rowCount: 20_000,
    columns: ['date', 'delay', 'distance', 'origin', 'destination'],
    failures: invalid ? [{ kind: 'expectations_failed', message: '1 expectation failed: distance between 1 and 6000', count: 1 }] : [],
    warnings: [],
    statistics: { evaluatedExpectations: 2, successfulExpectations: invalid ? 1 : 2, unsuccessfulExpectations: invalid ? 1 : 0, successPercent: invalid ? 50 : 100 },
    results: [
      { expectationType: 'expect_table_row_count_to_be_between', kwargs: { min_value: 100 }, success: true, result: { observedValue: 20_000 } },
      {
        expectationType: 'expect_column_values_to_be_between',
        kwargs: { column: 'distance', min_value: 1, max_value: 6000 },
        success: !invalid,
        result: { elementCount: 20_000, unexpectedCount: invalid ? 1 : 0, unexpectedPercent: invalid ? 0.005 : 0, partialUnexpectedList: invalid ? [{ row: 7, value: 0 }] : [] },
      },
    ],
    meta: { validatedAt: at(1), durationMs: 812, engine: 'mlops-platform validate' },
  };
}

/** The manifest of flights v2, registered by `runId`. */
export function manifest(runId = 'run-ok'): VersionManifest {
  return {
    name: 'flights',
    version: 2,
    registeredAt: at(9),
    runId,
    files: ['model.json', 'transform-spec.json', 'metrics.json', 'importance.json', 'profile.json'],
    algorithm: 'gbdt',
    task: 'regression',
    data: { bucket: 'flights-dev-data', key: 'incoming/flights.csv', sha256: 'ab'.repeat(32), rows: { train: 16_000, test: 4000, dropped: 0 } },
    configHash: 'cd'.repeat(32),
    codeVersion: 'abc1234',
  };
}

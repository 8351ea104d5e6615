/**
 * Run records — the platform's experiment tracking (MLflow's run, kept in S3 as
 * `runs/<runId>/run.json`). Every stage updates the record when it starts and ends: status, timings,
 * params, metrics and outputs, and on failure the stage, error name and cause. The functions here are
 * pure: they take a record and return the next one; handlers read and write it.
 */
import { ARTIFACT_PREFIX } from '../layout';

/** Pipeline stages, in order. */
export const STAGES = ['validate', 'features', 'train', 'evaluate', 'register'] as const;

/** One pipeline stage. */
export type StageName = (typeof STAGES)[number];

/** Overall status of a run. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'rejected';

/** What one stage did. */
export interface StageEntry {
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly durationMs?: number;
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly error?: { readonly name: string; readonly cause: string };
}

/** What started a run. */
export interface RunTrigger {
  readonly kind: 'upload' | 'manual' | 'drift';
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

/** The run record. */
export interface RunRecord {
  readonly runId: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly trigger: RunTrigger;
  readonly stages: Readonly<Partial<Record<StageName, StageEntry>>>;
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, number>>;
  /** Final outcome: the gate decision, the registered version, the failure. */
  readonly outcome?: Readonly<Record<string, unknown>>;
}

/** Key of a run's record: `runs/<runId>/run.json`. */
export function runRecordKey(runId: string): string {
  return `${ARTIFACT_PREFIX.runs}${runId}/run.json`;
}

/** A new record for a run that is starting. */
export function newRunRecord(runId: string, trigger: RunTrigger, at: string): RunRecord {
  return { runId, status: 'running', startedAt: at, trigger, stages: {}, params: {}, metrics: {} };
}

/** Mark a stage as started. */
export function stageStarted(record: RunRecord, stage: StageName, at: string): RunRecord {
  return { ...record, status: 'running', stages: { ...record.stages, [stage]: { status: 'running', startedAt: at } } };
}

/** Mark a stage as finished, with its outputs, params and metrics merged into the run. */
export function stageSucceeded(
  record: RunRecord,
  stage: StageName,
  at: string,
  result: { readonly outputs?: Record<string, unknown>; readonly params?: Record<string, unknown>; readonly metrics?: Record<string, number> } = {},
): RunRecord {
  const started = record.stages[stage]?.startedAt ?? at;
  const entry: StageEntry = {
    status: 'succeeded',
    startedAt: started,
    finishedAt: at,
    durationMs: Date.parse(at) - Date.parse(started),
    ...(result.outputs ? { outputs: result.outputs } : {}),
  };
  return {
    ...record,
    stages: { ...record.stages, [stage]: entry },
    params: { ...record.params, ...result.params },
    metrics: { ...record.metrics, ...result.metrics },
  };
}

/** Mark a stage and the run as failed with the error's name and cause (what the state machine's Catch passes). */
export function stageFailed(record: RunRecord, stage: StageName, at: string, error: { readonly name: string; readonly cause: string }): RunRecord {
  const started = record.stages[stage]?.startedAt ?? at;
  return {
    ...record,
    status: 'failed',
    finishedAt: at,
    stages: { ...record.stages, [stage]: { status: 'failed', startedAt: started, finishedAt: at, durationMs: Date.parse(at) - Date.parse(started), error } },
    outcome: { failedStage: stage, error: error.name, cause: error.cause },
  };
}

/** Close a run with its final status and outcome. */
export function runFinished(record: RunRecord, status: Exclude<RunStatus, 'running'>, at: string, outcome: Record<string, unknown>): RunRecord {
  return { ...record, status, finishedAt: at, outcome: { ...record.outcome, ...outcome } };
}

/**
 * Gathering a run's documents for its report from the artifact bucket — the run record, the validation
 * report and profile, the evaluation, and the registry manifest of the version it registered — through
 * the same store interfaces the stages use, so it reads S3 and memory alike. Keys come from the run
 * record where a stage recorded them, else from the fixed layout. A document that is absent is
 * `undefined`; one that exists but is not JSON is `undefined` with a problem saying so.
 */
import { runKey } from '../layout';
import { versionKey, type RegistryStore, type VersionManifest } from '../registry/registry';
import { runRecordKey, type RunRecord } from '../runs/run-record';
import { ArtifactNotFoundError, type ArtifactStore } from '../stages/artifact-store';
import type { Evaluation } from '../stages/evaluate-stage';
import type { DatasetProfile } from '../validation/dataset-validator';
import type { ValidationReport } from '../validation/report';
import type { RunReportInput } from './run-report';

/** The run has no record: the id is wrong, or the run has not started writing yet. */
export class RunNotFoundError extends Error {
  constructor(
    readonly runId: string,
    readonly key: string,
  ) {
    super(`run ${runId} has no record (${key} does not exist)`);
    this.name = 'RunNotFoundError';
  }
}

/** Where the report reads: the artifact bucket as an artifact store and as the registry. */
export interface RunDocumentStores {
  readonly artifacts: ArtifactStore;
  readonly registry: RegistryStore;
}

/** A run's documents, ready for {@link renderRunReport} once a generation time is added. */
export type RunDocuments = Omit<RunReportInput, 'generatedAt'>;

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** Read every document of run `runId` that exists; throws {@link RunNotFoundError} when the run has no record. */
export async function readRunDocuments(stores: RunDocumentStores, runId: string): Promise<RunDocuments> {
  const recordKey = runRecordKey(runId);
  let run: RunRecord;
  try {
    run = await stores.artifacts.getJson<RunRecord>(recordKey);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) throw new RunNotFoundError(runId, recordKey);
    throw error;
  }
  const problems: string[] = [];
  const unreadable = (key: string, error: unknown): undefined => {
    if (!(error instanceof SyntaxError)) throw error;
    problems.push(`${key} exists but is not valid JSON (${error.message})`);
    return undefined;
  };
  const optional = async <T>(key: string): Promise<T | undefined> => {
    try {
      return await stores.artifacts.getJson<T>(key);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return undefined;
      return unreadable(key, error);
    }
  };

  const outcome = run.outcome ?? {};
  const validateOutputs = run.stages.validate?.outputs ?? {};
  const evaluateOutputs = run.stages.evaluate?.outputs ?? {};
  const registerOutputs = run.stages.register?.outputs ?? {};
  const validation = await optional<ValidationReport>(stringOr(validateOutputs.reportKey ?? outcome.reportKey, runKey(runId, 'validate', 'report.json')));
  const profile = await optional<DatasetProfile>(runKey(runId, 'validate', 'profile.json'));
  const evaluation = await optional<Evaluation>(stringOr(evaluateOutputs.evaluationKey ?? outcome.evaluationKey, runKey(runId, 'evaluate', 'evaluation.json')));

  let manifest: VersionManifest | undefined;
  const modelName = outcome.model ?? registerOutputs.modelName;
  const version = outcome.version ?? registerOutputs.version;
  if (typeof modelName === 'string' && typeof version === 'number') {
    const key = versionKey(modelName, version, 'manifest.json');
    try {
      manifest = await stores.registry.get<VersionManifest>(key);
    } catch (error) {
      manifest = unreadable(key, error);
    }
    if (manifest && manifest.runId !== runId) problems.push(`${key} names run ${String(manifest.runId)}, not ${runId}`);
  }

  return {
    run,
    ...(validation ? { validation } : {}),
    ...(profile ? { profile } : {}),
    ...(evaluation ? { evaluation } : {}),
    ...(manifest ? { manifest } : {}),
    ...(problems.length > 0 ? { problems } : {}),
  };
}

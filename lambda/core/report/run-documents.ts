/**
 * Gathering a run's documents for its report from the artifact bucket — the run record, the validation
 * report and profile, the drift baseline of its training data, the evaluation, the registry manifest of
 * the version it registered, and for a run that drift started the drift report that triggered it —
 * through the same store interfaces the stages use, so it reads S3 and memory alike. Keys come from the
 * run record where a stage recorded them, else from the fixed layout. A document that is absent is
 * `undefined`; one that exists but is not JSON is `undefined` with a problem saying so.
 *
 * The triggering drift report is the newest under `monitoring/<name>/drift/reports/` at or before the
 * run's start that has a verdict (keys sort by time). Finding it takes a key listing; without one, the
 * drift check's state names the newest report with a verdict, which is the right one as long as no
 * check has given a verdict since the run started.
 */
import type { DriftBaseline } from '../drift/drift-baseline';
import { ARTIFACT_PREFIX, runKey } from '../layout';
import { driftReportKey, driftStateKey, type DriftReport, type DriftState } from '../monitoring/drift-check';
import { DRIFT_BASELINE_FILE } from '../monitoring/drift-reference';
import { versionKey, type RegistryStore, type VersionManifest } from '../registry/registry';
import { runRecordKey, type RunRecord } from '../runs/run-record';
import { ArtifactNotFoundError, type ArtifactStore } from '../stages/artifact-store';
import type { Evaluation } from '../stages/evaluate-stage';
import type { DatasetProfile } from '../validation/dataset-validator';
import type { ValidationReport } from '../validation/report';
import type { RunReportInput, TriggeringDrift } from './run-report';

/** Newest drift reports at or before a run's start looked through for one with a verdict. */
export const DRIFT_REPORTS_LOOKED_AT = 200;

/** The run ids the retrain trigger gives: `run-<name>-drift-<yyyymmddhhmm>-<6 hex>`. */
const DRIFT_RUN_ID = /^run-(.+)-drift-\d{12}-[0-9a-f]{6}$/;

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
  /**
   * Every key under a prefix of the artifact bucket (S3 ListObjectsV2, all pages), to find the drift report
   * that triggered a drift run.
   * @default - the drift check's state document names the report: right unless a check gave a verdict after the run started
   */
  readonly listKeys?: (prefix: string) => Promise<readonly string[]>;
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
  const featuresOutputs = run.stages.features?.outputs ?? {};
  const evaluateOutputs = run.stages.evaluate?.outputs ?? {};
  const registerOutputs = run.stages.register?.outputs ?? {};
  const validation = await optional<ValidationReport>(stringOr(validateOutputs.reportKey ?? outcome.reportKey, runKey(runId, 'validate', 'report.json')));
  const profile = await optional<DatasetProfile>(runKey(runId, 'validate', 'profile.json'));
  const evaluation = await optional<Evaluation>(stringOr(evaluateOutputs.evaluationKey ?? outcome.evaluationKey, runKey(runId, 'evaluate', 'evaluation.json')));

  let manifest: VersionManifest | undefined;
  const modelName = outcome.model ?? registerOutputs.modelName;
  const version = outcome.version ?? registerOutputs.version;
  const registered = typeof modelName === 'string' && typeof version === 'number';
  const fromRegistry = async <T>(key: string): Promise<T | undefined> => {
    try {
      return await stores.registry.get<T>(key);
    } catch (error) {
      return unreadable(key, error);
    }
  };
  if (registered) {
    const key = versionKey(modelName, version, 'manifest.json');
    manifest = await fromRegistry<VersionManifest>(key);
    if (manifest && manifest.runId !== runId) problems.push(`${key} names run ${String(manifest.runId)}, not ${runId}`);
  }

  // The run folder's copy first; the registered copy is the same document, for runs whose folder was cleaned.
  let driftBaseline = await optional<DriftBaseline>(stringOr(featuresOutputs.driftBaselineKey, runKey(runId, 'features', DRIFT_BASELINE_FILE)));
  if (!driftBaseline && registered) driftBaseline = await fromRegistry<DriftBaseline>(versionKey(modelName, version, DRIFT_BASELINE_FILE));

  let triggeringDrift: TriggeringDrift | undefined;
  if (run.trigger?.kind === 'drift') {
    const name = registered ? modelName : await monitoredName(stores.registry, runId);
    triggeringDrift = name === undefined ? { missing: 'the run record names no model, so which drift reports to read is unknown' } : await findTriggeringDrift(stores, name, run.startedAt, optional);
  }

  return {
    run,
    ...(validation ? { validation } : {}),
    ...(profile ? { profile } : {}),
    ...(driftBaseline ? { driftBaseline } : {}),
    ...(triggeringDrift ? { triggeringDrift } : {}),
    ...(evaluation ? { evaluation } : {}),
    ...(manifest ? { manifest } : {}),
    ...(problems.length > 0 ? { problems } : {}),
  };
}

/**
 * The model a drift run retrained when its record does not say (it failed before registering): from
 * the run id the retrain trigger gives, else the only name under `monitoring/`.
 */
async function monitoredName(registry: RegistryStore, runId: string): Promise<string | undefined> {
  const fromId = DRIFT_RUN_ID.exec(runId)?.[1];
  if (fromId !== undefined) return fromId;
  const names = await registry.listFolders(ARTIFACT_PREFIX.monitoring);
  return names.length === 1 ? names[0] : undefined;
}

/** The newest drift report with a verdict at or before `startedAt`, or why there is none. */
async function findTriggeringDrift(
  stores: RunDocumentStores,
  name: string,
  startedAt: string,
  read: <T>(key: string) => Promise<T | undefined>,
): Promise<TriggeringDrift> {
  const start = Date.parse(startedAt);
  if (!Number.isFinite(start)) return { missing: `the run's start (${String(startedAt)}) is not a time` };
  const latest = driftReportKey(name, new Date(start).toISOString());
  const prefix = latest.slice(0, latest.lastIndexOf('/') + 1);
  if (!stores.listKeys) {
    const state = await read<DriftState>(driftStateKey(name));
    const until = state ? Date.parse(state.checkedUntil) : Number.NaN;
    if (!Number.isFinite(until)) return { missing: `the drift reports under ${prefix} were not listed, and ${driftStateKey(name)} names no checked window` };
    if (until > start) return { missing: `the drift reports under ${prefix} were not listed, and the newest verdict (${state!.checkedUntil}) came after the run started` };
    const key = driftReportKey(name, state!.checkedUntil);
    const report = await read<DriftReport>(key);
    return report?.result ? { key, report } : { missing: `${key}, the report ${driftStateKey(name)} names, does not exist or has no verdict` };
  }
  // Keys sort by time, and ISO instants of one format compare as text.
  const keys = (await stores.listKeys(prefix))
    .filter((k) => k.endsWith('.json') && k <= latest)
    .sort()
    .slice(-DRIFT_REPORTS_LOOKED_AT)
    .reverse();
  for (const key of keys) {
    const report = await read<DriftReport>(key);
    if (report?.result) return { key, report };
  }
  if (keys.length === 0) return { missing: `no drift report under ${prefix} is from before the run started (${startedAt})` };
  return { missing: `none of the ${keys.length} newest drift reports under ${prefix} before the run started (${startedAt}) has a verdict (each had too few captured rows)` };
}

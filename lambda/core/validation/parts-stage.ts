/**
 * The validation stage for a part-file dataset, after its parts were validated in parallel: merge the
 * parts' states in part order into one report and profile (shaped as a single file's), and file the
 * outcome as the single-file stage does, for every part —
 *
 * - valid → report and profile under `runs/<runId>/validate/`, each part copied to
 *   `validated/<runId>/<folder>/…`;
 * - invalid → each part copied to `quarantine/<runId>/<folder>/…`, the report beside the folder
 *   (`quarantine/<runId>/<folder>.report.json`) and under `runs/<runId>/validate/`.
 * The parts in `incoming/` are never modified or deleted.
 */
import type { DatasetConfig } from '../../../config/schema';
import { quarantineKey, runKey, validatedKey } from '../layout';
import type { DatasetProfile } from './dataset-validator';
import type { PartRef } from './dataset-parts';
import { mergePartValidations, type PartValidation } from './part-validation';
import type { ValidationStageResult } from './stage';
import { mapLimited } from '../concurrency';

/** Where the list of a run's parts is kept (written when the parts are listed, read by later stages). */
export function partsListKey(runId: string): string {
  return runKey(runId, 'validate', 'parts.json');
}

/** Where one part's validation state is kept. */
export function partStateKey(runId: string, index: number): string {
  return runKey(runId, 'validate', `parts/${index}.json`);
}

/** The stored list of a run's parts. */
export interface PartsList {
  /** The folder under `incoming/`. */
  readonly prefix: string;
  /** The marker key that completed it. */
  readonly markerKey: string;
  /** The parts in order, each pinned to the version listed. */
  readonly parts: readonly PartRef[];
}

/** Where the stage writes; implemented over S3 by the handler. */
export interface PartsStageStore {
  /** Write a JSON document to the artifact bucket. */
  putArtifactJson(key: string, value: unknown): Promise<void>;
  /** Write a JSON document to the data bucket. */
  putDataJson(key: string, value: unknown): Promise<void>;
  /** Copy one part (the version listed) to another key of the data bucket. */
  copyPartTo(part: PartRef, key: string): Promise<void>;
}

/** Inputs of the merge. */
export interface PartsStageInput {
  readonly runId: string;
  readonly list: PartsList;
  /** One validation per part of the list, in any order. */
  readonly validations: readonly PartValidation[];
  readonly dataset: DatasetConfig;
  readonly store: PartsStageStore;
  /**
   * Copies made at once.
   * @default 8
   */
  readonly copyConcurrency?: number;
}

/** Merge the parts' validations and file the outcome; never throws on bad data (only on storage errors). */
export async function runPartsMergeStage(input: PartsStageInput): Promise<ValidationStageResult & { profile: DatasetProfile }> {
  const { runId, list, dataset, store } = input;
  if (input.validations.length !== list.parts.length) {
    throw new Error(`${list.prefix}: ${list.parts.length} parts were listed but ${input.validations.length} were validated`);
  }
  const { report, profile } = mergePartValidations(input.validations, dataset, list.prefix);
  const reportKey = runKey(runId, 'validate', 'report.json');
  const bytes = list.parts.reduce((sum, p) => sum + p.bytes, 0);
  const base = {
    runId,
    verdict: report.verdict,
    source: { key: list.prefix, bytes },
    parts: list.parts.length,
    rowCount: report.rowCount,
    reportKey,
    failures: report.failures.map((f) => ({ kind: f.kind, message: f.message })),
  } as const;
  const copyAll = async (target: (key: string) => string): Promise<void> => {
    await mapLimited(list.parts, input.copyConcurrency ?? 8, (part) => store.copyPartTo(part, target(part.key)));
  };
  // The copies go first: if one fails, no report claims an outcome that was not filed.
  if (report.success) {
    const profileKey = runKey(runId, 'validate', 'profile.json');
    await copyAll((key) => validatedKey(key, runId));
    await store.putArtifactJson(profileKey, { ...profile, source: { ...base.source, markerKey: list.markerKey, parts: list.parts.length }, createdAt: new Date().toISOString() });
    await store.putArtifactJson(reportKey, report);
    return { ...base, profileKey, validatedKey: validatedKey(list.prefix, runId), profile };
  }
  const folder = quarantineKey(list.prefix, runId);
  await copyAll((key) => quarantineKey(key, runId));
  await store.putDataJson(`${folder.slice(0, -1)}.report.json`, report);
  await store.putArtifactJson(reportKey, report);
  return { ...base, quarantineKey: folder, profile };
}

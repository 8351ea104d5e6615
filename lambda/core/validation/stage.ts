/**
 * The validation stage: validate one uploaded object and file the outcome. Storage is an interface, so
 * the Lambda handler (S3), the local platform and tests share this logic.
 *
 * - valid → report and profile under `runs/<runId>/validate/`, the original copied to `validated/<runId>/…`;
 * - invalid → the original copied to `quarantine/<runId>/…` with its report beside it
 *   (`<key>.report.json`), and the report under `runs/<runId>/validate/`.
 * The object in `incoming/` is never modified or deleted.
 */
import type { DatasetConfig } from '../../../config/schema';
import { quarantineKey, runKey, validatedKey } from '../layout';
import type { DatasetProfile } from './dataset-validator';
import type { FailureKind } from './report';
import { validateDataset, type DatasetSource } from './validate-dataset';

/** Where the stage writes; implemented over S3 by the handler. */
export interface StageStore {
  /** Write a JSON document to the artifact bucket. */
  putArtifactJson(key: string, value: unknown): Promise<void>;
  /** Write a JSON document to the data bucket. */
  putDataJson(key: string, value: unknown): Promise<void>;
  /** Copy the source object (the version read) to another key of the data bucket. */
  copySourceTo(key: string): Promise<void>;
}

/** What the stage returns to the pipeline, which branches on `verdict`. */
export interface ValidationStageResult {
  readonly runId: string;
  readonly verdict: 'valid' | 'invalid';
  /** The object validated; for a part-file dataset its folder (`incoming/<folder>/`) and the parts' total bytes. */
  readonly source: { readonly key: string; readonly versionId?: string; readonly bytes: number };
  /** How many part files the dataset has (part-file datasets only). */
  readonly parts?: number;
  readonly rowCount: number;
  readonly reportKey: string;
  /** Profile of the data (valid only): the training profile and drift baseline later. */
  readonly profileKey?: string;
  /** Copy of the accepted data (valid only); for a part-file dataset the folder holding the parts' copies. */
  readonly validatedKey?: string;
  /** Copy of the rejected data (invalid only); for a part-file dataset the folder holding the parts' copies. */
  readonly quarantineKey?: string;
  /** Why the data was rejected, one entry per failure (empty when valid). */
  readonly failures: ReadonlyArray<{ readonly kind: FailureKind; readonly message: string }>;
}

/** Inputs of one stage run. */
export interface ValidationStageInput {
  readonly runId: string;
  readonly source: DatasetSource & { readonly versionId?: string };
  readonly dataset: DatasetConfig;
  readonly store: StageStore;
}

/** Validate the object and file report, profile and copy; never throws on bad data (only on storage errors). */
export async function runValidationStage(input: ValidationStageInput): Promise<ValidationStageResult & { profile: DatasetProfile }> {
  const { runId, source, dataset, store } = input;
  const { report, profile } = await validateDataset(source, dataset);
  const reportKey = runKey(runId, 'validate', 'report.json');
  const base = {
    runId,
    verdict: report.verdict,
    source: { key: source.name, ...(source.versionId ? { versionId: source.versionId } : {}), bytes: source.size },
    rowCount: report.rowCount,
    reportKey,
    failures: report.failures.map((f) => ({ kind: f.kind, message: f.message })),
  } as const;
  // The copy goes first: if it fails, no report claims an outcome that was not filed.
  if (report.success) {
    const profileKey = runKey(runId, 'validate', 'profile.json');
    const copyKey = validatedKey(source.name, runId);
    await store.copySourceTo(copyKey);
    await store.putArtifactJson(profileKey, { ...profile, source: base.source, createdAt: new Date().toISOString() });
    await store.putArtifactJson(reportKey, report);
    return { ...base, profileKey, validatedKey: copyKey, profile };
  }
  const copyKey = quarantineKey(source.name, runId);
  await store.copySourceTo(copyKey);
  await store.putDataJson(`${copyKey}.report.json`, report);
  await store.putArtifactJson(reportKey, report);
  return { ...base, quarantineKey: copyKey, profile };
}

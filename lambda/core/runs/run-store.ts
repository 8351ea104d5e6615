/**
 * Reading and updating a run's record through an artifact store. Stages of one run execute one after
 * another (the state machine orders them), so a read-modify-write per update is safe.
 */
import type { ArtifactStore } from '../stages/artifact-store';
import { ArtifactNotFoundError } from '../stages/artifact-store';
import { newRunRecord, runRecordKey, type RunRecord, type RunTrigger } from './run-record';

/** Read a run record, or start one when the run has none yet. */
export async function loadRun(store: ArtifactStore, runId: string, trigger: RunTrigger, at: string): Promise<RunRecord> {
  try {
    return await store.getJson<RunRecord>(runRecordKey(runId));
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) return newRunRecord(runId, trigger, at);
    throw error;
  }
}

/** Apply `change` to the run's record and write it back; returns the new record. */
export async function updateRun(
  store: ArtifactStore,
  runId: string,
  trigger: RunTrigger,
  change: (record: RunRecord, at: string) => RunRecord,
): Promise<RunRecord> {
  const at = new Date().toISOString();
  const next = change(await loadRun(store, runId, trigger, at), at);
  await store.putJson(runRecordKey(runId), next);
  return next;
}

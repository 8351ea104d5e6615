/**
 * Worker thread body: validate one byte range of a CSV file (after its header) and send back the
 * validator's plain-data state for the main thread to merge. Bundled to plain JavaScript by
 * `validate-parallel.ts` before use.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { validatePart, type PartTask } from './validate-part';

validatePart(workerData as PartTask).then(
  (result) => parentPort!.postMessage({ ok: true, result }),
  (error: unknown) => parentPort!.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
);

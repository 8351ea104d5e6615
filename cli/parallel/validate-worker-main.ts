/**
 * Worker thread body: wait for one byte range of a CSV file (after its header), validate it, and send back the
 * validator's plain-data state for the main thread to merge. Bundled to plain JavaScript by
 * `validate-parallel.ts` before use.
 */
import { parentPort } from 'node:worker_threads';
import { validatePart, type PartTask } from './validate-part';

// The worker starts before its part is known; the part arrives as the first message.
parentPort!.once('message', (task: PartTask) => {
  validatePart(task).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error: unknown) => parentPort!.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});

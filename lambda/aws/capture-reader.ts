/**
 * Reading captured requests back from the artifact bucket for a drift check: every object under the given
 * hour folders (`capture/<day>/<hour>/`), fetched a few at a time. An object that is not capture records is
 * reported (key and reason) and left where it is.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SkippedCapture } from '../core/monitoring/drift-check';
import { parseCaptureLines, type CaptureRecord } from '../core/serving/capture';
import { getText, listObjects } from './s3-store';

/** Objects fetched at once. */
const PARALLEL_GETS = 16;

/** What was read under some hour folders: the records, and the objects skipped. */
export interface CapturesRead {
  readonly records: CaptureRecord[];
  readonly skipped: SkippedCapture[];
}

/**
 * A reader of capture hour folders that reads each folder once: one drift Lambda invocation checks live quality
 * and drift, and the hours their labels and their window need mostly overlap.
 */
export function captureReader(client: S3Client, bucket: string): (prefixes: readonly string[]) => Promise<CapturesRead> {
  const byPrefix = new Map<string, CapturesRead>();
  return async (prefixes) => {
    const missing = [...new Set(prefixes)].filter((p) => !byPrefix.has(p));
    const keys: Array<{ key: string; prefix: string }> = [];
    for (const prefix of missing) {
      byPrefix.set(prefix, { records: [], skipped: [] });
      for (const o of await listObjects(client, bucket, prefix)) keys.push({ key: o.key, prefix });
    }
    for (let i = 0; i < keys.length; i += PARALLEL_GETS) {
      const batch = keys.slice(i, i + PARALLEL_GETS);
      const texts = await Promise.all(batch.map(({ key }) => getText(client, bucket, key)));
      texts.forEach((text, j) => {
        const { key, prefix } = batch[j]!;
        const read = byPrefix.get(prefix)!;
        try {
          const parsed = parseCaptureLines(text);
          const bad = parsed.findIndex((r) => typeof r?.at !== 'string' || !Array.isArray(r?.request?.instances));
          if (bad >= 0) read.skipped.push({ key, reason: `line ${bad + 1} is not a capture record (no "at" or "request.instances")` });
          else read.records.push(...parsed);
        } catch (error) {
          read.skipped.push({ key, reason: `not JSON Lines: ${(error as Error).message}` });
        }
      });
    }
    const wanted = [...new Set(prefixes)].map((p) => byPrefix.get(p)!);
    return { records: wanted.flatMap((r) => r.records), skipped: wanted.flatMap((r) => r.skipped) };
  };
}

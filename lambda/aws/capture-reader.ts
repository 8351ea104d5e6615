/**
 * Reading captured requests back from the artifact bucket for a drift check: every object under the given
 * hour folders (`capture/<day>/<hour>/`), fetched a few at a time. An object that is not capture records is
 * reported (key and reason) and left where it is.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SkippedCapture } from '../core/monitoring/drift-check';
import { parseCaptureLines, type CaptureRecord } from '../core/serving/capture';
import { listObjects } from './s3-store';

/** Objects fetched at once. */
const PARALLEL_GETS = 16;

/** The records under the prefixes, and the objects skipped. */
export async function readCaptures(client: S3Client, bucket: string, prefixes: readonly string[]): Promise<{ records: CaptureRecord[]; skipped: SkippedCapture[] }> {
  const keys: string[] = [];
  for (const prefix of prefixes) for (const o of await listObjects(client, bucket, prefix)) keys.push(o.key);
  const records: CaptureRecord[] = [];
  const skipped: SkippedCapture[] = [];
  for (let i = 0; i < keys.length; i += PARALLEL_GETS) {
    const batch = keys.slice(i, i + PARALLEL_GETS);
    const texts = await Promise.all(batch.map(async (key) => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()));
    texts.forEach((text, j) => {
      const key = batch[j]!;
      try {
        const parsed = parseCaptureLines(text);
        const bad = parsed.findIndex((r) => typeof r?.at !== 'string' || !Array.isArray(r?.request?.instances));
        if (bad >= 0) skipped.push({ key, reason: `line ${bad + 1} is not a capture record (no "at" or "request.instances")` });
        else records.push(...parsed);
      } catch (error) {
        skipped.push({ key, reason: `not JSON Lines: ${(error as Error).message}` });
      }
    });
  }
  return { records, skipped };
}

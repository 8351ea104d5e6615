/**
 * Reading uploaded labels for a live-quality check: the objects under the data bucket's `labels/` uploaded
 * since the last verdict (by last-modified time; objects stamped the same second as the last one judged are
 * told apart by key), each parsed as label lines. Nothing is moved or deleted: a labels file stays where
 * it is, its bad lines are named in the report.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DATA_PREFIX } from '../core/layout';
import { parseLabelLines, type LabelProblem, type QualityState, type RequestLabels } from '../core/monitoring/live-quality';
import { isDataFileName, baseName } from '../core/validation/dataset-parts';
import { listObjects } from './s3-store';

/** The labels read, and where they came from. */
export interface LabelsRead {
  readonly objects: ReadonlyArray<{ readonly key: string; readonly lastModified: Date }>;
  readonly labels: Array<RequestLabels & { readonly key: string }>;
  readonly problems: LabelProblem[];
}

/** Labels objects uploaded after `state` (or within `sinceIfNew` when there is none), oldest first, parsed. */
export async function readNewLabels(client: S3Client, bucket: string, state: QualityState | undefined, sinceIfNew: Date): Promise<LabelsRead> {
  const since = state ? Date.parse(state.labelsCheckedUntil) : sinceIfNew.getTime();
  const judged = new Set(state?.keysAtLast ?? []);
  const objects = (await listObjects(client, bucket, DATA_PREFIX.labels))
    .filter((o) => isDataFileName(baseName(o.key)))
    .map((o) => ({ key: o.key, lastModified: o.lastModified ?? new Date(0) }))
    .filter((o) => o.lastModified.getTime() > since || (o.lastModified.getTime() === since && state !== undefined && !judged.has(o.key)))
    .sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || a.key.localeCompare(b.key));
  const labels: LabelsRead['labels'] = [];
  const problems: LabelProblem[] = [];
  for (const o of objects) {
    const text = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }))).Body!.transformToString();
    const parsed = parseLabelLines(text, o.key);
    labels.push(...parsed.labels.map((l) => ({ ...l, key: o.key })));
    problems.push(...parsed.problems);
  }
  return { objects, labels, problems };
}

/**
 * Reading uploaded labels for a live-quality check: the objects under the data bucket's `labels/` not judged
 * by a verdict yet (`isUnjudged`: at or after the state's mark, and not among the keys judged there), each
 * parsed as label lines. Nothing is moved or deleted: a labels file stays where
 * it is, its bad lines are named in the report.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { DATA_PREFIX } from '../core/layout';
import { isUnjudged, parseLabelLines, type LabelProblem, type LabelsObject, type QualityState, type RequestLabels } from '../core/monitoring/live-quality';
import { isDataFileName, baseName } from '../core/validation/dataset-parts';
import { getText, listObjects } from './s3-store';

/** The labels read, and where they came from. */
export interface LabelsRead {
  /** Every labels object listed at or after the state's mark (what the next state is computed from). */
  readonly listed: readonly LabelsObject[];
  readonly listedAt: Date;
  /** The objects read now (not judged before), oldest first. */
  readonly objects: readonly LabelsObject[];
  readonly labels: Array<RequestLabels & { readonly key: string }>;
  readonly problems: LabelProblem[];
}

/** Labels objects not judged yet under `state` (without one: uploaded since `since`), oldest first, parsed. */
export async function readNewLabels(client: S3Client, bucket: string, state: QualityState | undefined, since: Date): Promise<LabelsRead> {
  const listedAt = new Date();
  const listed = (await listObjects(client, bucket, DATA_PREFIX.labels))
    .filter((o) => isDataFileName(baseName(o.key)))
    .map((o) => ({ key: o.key, lastModified: o.lastModified ?? new Date(0) }))
    .filter((o) => o.lastModified.getTime() >= (state ? Date.parse(state.labelsCheckedUntil) : since.getTime()));
  const objects = listed.filter((o) => isUnjudged(o, state, since)).sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || a.key.localeCompare(b.key));
  const labels: LabelsRead['labels'] = [];
  const problems: LabelProblem[] = [];
  for (const o of objects) {
    const text = await getText(client, bucket, o.key);
    const parsed = parseLabelLines(text, o.key);
    labels.push(...parsed.labels.map((l) => ({ ...l, key: o.key })));
    problems.push(...parsed.problems);
  }
  return { listed, listedAt, objects, labels, problems };
}

/**
 * List-parts Lambda: the first step of validating a part-file dataset. Lists the folder (`_SUCCESS`) or
 * reads its manifest, pins every part's version, writes the list to `runs/<runId>/validate/parts.json`
 * (the later stages read exactly these parts) and returns it for the state machine's Distributed Map.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { s3Client } from '../aws/clients';
import { listDatasetParts, partFolderOf } from '../aws/dataset-parts';
import { s3ArtifactStore } from '../aws/s3-artifact-store';
import { DATA_PREFIX } from '../core/layout';
import { stageStarted } from '../core/runs/run-record';
import { updateRun } from '../core/runs/run-store';
import type { PartRef } from '../core/validation/dataset-parts';
import { partsListKey, type PartsList } from '../core/validation/parts-stage';
import { listPartsEnvSchema } from '../env/list-parts-env';
import { InvalidPipelineEventError, datasetPartsSchema, parsePipelineEvent, runInputSchema } from '../events/pipeline-event';

const env = listPartsEnvSchema.parse(process.env);
const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });

/** The event: the pipeline's input for a part-file dataset. */
export const listPartsEventSchema = runInputSchema.extend({ parts: datasetPartsSchema });

/** What the state machine gets: the parts to validate, each small enough to be one Map item. */
export interface ListPartsResult {
  /** Where the list was written. */
  readonly listKey: string;
  readonly count: number;
  readonly bytes: number;
  readonly parts: readonly PartRef[];
}

/** Lambda entry point. */
export async function handler(event: unknown): Promise<ListPartsResult> {
  const input = parsePipelineEvent(listPartsEventSchema, event, 'list-parts');
  if (input.bucket !== env.DATA_BUCKET) {
    throw new InvalidPipelineEventError(`list-parts reads only the data bucket ${env.DATA_BUCKET}, got ${input.bucket}`);
  }
  if (input.parts.prefix.startsWith(DATA_PREFIX.retrain) && input.trigger !== 'drift') {
    throw new InvalidPipelineEventError(`list-parts: ${input.parts.prefix} is a retrain's assembled dataset; only a retrain (trigger drift) runs on it, got trigger ${input.trigger}`);
  }
  const client = s3Client();
  const folder = partFolderOf(input);
  const parts = await listDatasetParts(client, folder);
  const artifacts = s3ArtifactStore(client, env.ARTIFACT_BUCKET);
  const trigger = { kind: input.trigger, bucket: input.bucket, key: input.key, ...(input.versionId ? { versionId: input.versionId } : {}) };
  await updateRun(artifacts, input.runId, trigger, (r, at) => stageStarted(r, 'validate', at));
  const listKey = partsListKey(input.runId);
  const list: PartsList = { prefix: folder.prefix, markerKey: input.key, parts };
  await artifacts.putJson(listKey, list);
  const bytes = parts.reduce((sum, p) => sum + p.bytes, 0);
  logger.info('parts listed', { runId: input.runId, prefix: folder.prefix, marker: folder.marker, count: parts.length, bytes });
  return { listKey, count: parts.length, bytes, parts };
}

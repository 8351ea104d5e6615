/**
 * S3 adapter for part-file datasets: list a part folder (or read its manifest) into pinned part
 * references, and build the dataset sources every stage reads — one object, or the parts in order.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mapLimited } from '../core/concurrency';
import { validatedKey } from '../core/layout';
import { updateRun } from '../core/runs/run-store';
import { stageSucceeded, type RunTrigger } from '../core/runs/run-record';
import type { ArtifactStore } from '../core/stages/artifact-store';
import { MAX_PARTS, parsePartsManifest, partsFromListing, type ListedObject, type PartMarker, type PartRef } from '../core/validation/dataset-parts';
import type { PartValidation } from '../core/validation/part-validation';
import { partsListKey, runPartsMergeStage, type PartsList, type PartsStageStore } from '../core/validation/parts-stage';
import type { ValidationStageResult } from '../core/validation/stage';
import type { DatasetConfig } from '../../config/schema';
import type { DatasetSource } from '../core/validation/validate-dataset';
import { ObjectNotFoundError, copyObject, headObject, isNotFound, putJson, s3DatasetSource, s3ObjectSource, storageError } from './s3-store';

/** A part folder holds no parts (or the run input does not describe one consistently). */
export class NoPartsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NoPartsError';
  }
}

/** A part folder has more parts than one run takes. */
export class TooManyPartsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TooManyPartsError';
  }
}

/** A part-file dataset in S3. */
export interface PartFolderRef {
  readonly bucket: string;
  /** The folder, `incoming/<…>/`. */
  readonly prefix: string;
  readonly marker: PartMarker;
  /** The marker object's version (a manifest is read at this version). */
  readonly markerVersionId?: string;
}

/** HEAD requests made at once when pinning parts. */
const HEAD_CONCURRENCY = 16;

/** Every object directly under `prefix` (one level: S3's `/` delimiter). */
async function listFolder(client: S3Client, bucket: string, prefix: string): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  do {
    let out;
    try {
      out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
    } catch (error) {
      throw storageError('ListObjectsV2', { bucket, key: prefix }, error);
    }
    for (const o of out.Contents ?? []) if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0 });
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function readManifest(client: S3Client, ref: PartFolderRef): Promise<string> {
  const key = `${ref.prefix}${ref.marker}`;
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: key, VersionId: ref.markerVersionId }));
    return await out.Body!.transformToString();
  } catch (error) {
    if (isNotFound(error)) throw new ObjectNotFoundError(ref.bucket, key, { cause: error });
    throw storageError('GetObject', { bucket: ref.bucket, key }, error);
  }
}

/**
 * The parts of a part-file dataset, in order, each pinned to its current version and sized:
 * a `_SUCCESS` folder's data files in key order, or a manifest's parts in the manifest's order.
 * @throws NoPartsError when the folder holds no data file, or a manifest names one that does not exist
 * @throws TooManyPartsError above {@link MAX_PARTS}
 * @throws PartsManifestError when the manifest is not valid
 */
export async function listDatasetParts(client: S3Client, ref: PartFolderRef): Promise<PartRef[]> {
  const where = `s3://${ref.bucket}/${ref.prefix}`;
  let keys: string[];
  if (ref.marker === '_SUCCESS') {
    keys = partsFromListing(ref.prefix, await listFolder(client, ref.bucket, ref.prefix)).map((p) => p.key);
    if (keys.length === 0) {
      throw new NoPartsError(`${where} holds no part files beside its _SUCCESS marker (parts are the non-empty files directly in the folder whose names do not start with '_' or '.')`);
    }
  } else {
    keys = parsePartsManifest(await readManifest(client, ref), `${ref.prefix}${ref.marker}`);
  }
  if (keys.length > MAX_PARTS) {
    throw new TooManyPartsError(`${where} has ${keys.length} parts; one run takes at most ${MAX_PARTS} (write fewer, larger parts: each may be up to dataset.maxFileMb)`);
  }
  return mapLimited(keys, HEAD_CONCURRENCY, async (key, index) => {
    try {
      const head = await headObject(client, { bucket: ref.bucket, key });
      return { index, key, ...(head.versionId ? { versionId: head.versionId } : {}), bytes: head.size };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) {
        throw new NoPartsError(`${where}${ref.marker} lists ${key.slice(ref.prefix.length)}, which does not exist`, { cause: error });
      }
      throw error;
    }
  });
}

/** Dataset sources over parts in `bucket` (no request is made until one is read). */
export function partSources(client: S3Client, bucket: string, parts: readonly PartRef[]): DatasetSource[] {
  return parts.map((p) => s3ObjectSource(client, { bucket, key: p.key, ...(p.versionId ? { versionId: p.versionId } : {}) }, p.bytes));
}

/** What a stage knows about its run's data. */
export interface RunDataInput {
  readonly runId: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly parts?: { readonly prefix: string; readonly marker: PartMarker };
}

/**
 * The data a run trains on, as the features and evaluate stages read it: with a validation gate, the
 * validated copies (of the one file, or of every part listed when the parts were validated, in order);
 * without one, the upload itself (the one file at its version, or the folder's parts listed now).
 */
export async function runDatasetSources(
  deps: { readonly client: S3Client; readonly artifacts: ArtifactStore; readonly dataBucket: string },
  input: RunDataInput,
  validate?: { readonly validatedKey?: string },
): Promise<DatasetSource | DatasetSource[]> {
  const { client } = deps;
  if (!input.parts) {
    const ref = validate?.validatedKey
      ? { bucket: deps.dataBucket, key: validate.validatedKey }
      : { bucket: input.bucket, key: input.key, ...(input.versionId ? { versionId: input.versionId } : {}) };
    return s3DatasetSource(client, ref);
  }
  if (validate?.validatedKey) {
    const list = await deps.artifacts.getJson<PartsList>(partsListKey(input.runId));
    return partSources(
      client,
      deps.dataBucket,
      list.parts.map((p) => ({ index: p.index, key: validatedKey(p.key, input.runId), bytes: p.bytes })),
    );
  }
  const parts = await listDatasetParts(client, { bucket: input.bucket, prefix: input.parts.prefix, marker: input.parts.marker, ...(input.versionId ? { markerVersionId: input.versionId } : {}) });
  return partSources(client, input.bucket, parts);
}

/**
 * Check that a run input's part description agrees with its key (the marker object).
 * @throws NoPartsError naming both when they disagree
 */
export function partFolderOf(input: RunDataInput): PartFolderRef {
  if (!input.parts) throw new NoPartsError(`run input for ${input.key} does not describe a part-file dataset (no "parts")`);
  const { prefix, marker } = input.parts;
  if (input.key !== `${prefix}${marker}`) {
    throw new NoPartsError(`run input is inconsistent: parts.prefix + parts.marker is ${prefix}${marker} but key is ${input.key} (the key is the marker object)`);
  }
  return { bucket: input.bucket, prefix, marker, ...(input.versionId ? { markerVersionId: input.versionId } : {}) };
}

/** The part-file validation stage's store over the two buckets: parts are copied within the data bucket at their listed version. */
export function s3PartsStageStore(client: S3Client, buckets: { readonly data: string; readonly artifacts: string }): PartsStageStore {
  return {
    putArtifactJson: (key, value) => putJson(client, buckets.artifacts, key, value),
    putDataJson: (key, value) => putJson(client, buckets.data, key, value),
    copyPartTo: (part, key) =>
      copyObject(client, { bucket: buckets.data, key: part.key, ...(part.versionId ? { versionId: part.versionId } : {}) }, { bucket: buckets.data, key }),
  };
}

/**
 * The last step of validating a part-file dataset, wherever the parts were validated (the Distributed
 * Map, or one after the other in one invocation): merge their validations into the validate stage's
 * result (report, profile, copies to `validated/` or `quarantine/`) and record the stage in the run record.
 */
export async function mergeAndRecordParts(input: {
  readonly client: S3Client;
  readonly buckets: { readonly data: string; readonly artifacts: string };
  readonly artifacts: ArtifactStore;
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly list: PartsList;
  readonly validations: readonly PartValidation[];
  readonly dataset: DatasetConfig;
}): Promise<ValidationStageResult> {
  const { list, runId } = input;
  const { profile: _profile, ...result } = await runPartsMergeStage({
    runId,
    list,
    validations: input.validations,
    dataset: input.dataset,
    store: s3PartsStageStore(input.client, input.buckets),
  });
  await updateRun(input.artifacts, runId, input.trigger, (r, at) =>
    stageSucceeded(r, 'validate', at, {
      outputs: { verdict: result.verdict, reportKey: result.reportKey, rowCount: result.rowCount, parts: list.parts.length },
      metrics: { rowsValidated: result.rowCount },
    }),
  );
  return result;
}

/**
 * S3 adapter: dataset sources over S3 objects (streamed, or random access by ranged GETs for Parquet),
 * and the small writes the stages make. Errors are mapped to named classes carrying their cause.
 */
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3ServiceException, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { DatasetSource } from '../core/validation/validate-dataset';

/** The object to read does not exist (or that version does not). */
export class ObjectNotFoundError extends Error {
  constructor(readonly bucket: string, readonly key: string, options?: { cause?: unknown }) {
    super(`s3://${bucket}/${key} does not exist`, options);
    this.name = 'ObjectNotFoundError';
  }
}

/** Any other failure talking to S3, with the operation and object named. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** One S3 object, optionally pinned to a version. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

/** Whether S3 answered that the object (or that version of it) does not exist. */
export function isNotFound(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.name === 'NoSuchVersion' || error.$metadata.httpStatusCode === 404)
  );
}

/** A {@link StorageError} naming the operation, the object and what S3 said. */
export function storageError(op: string, ref: { readonly bucket: string; readonly key: string }, error: unknown): StorageError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StorageError(`${op} s3://${ref.bucket}/${ref.key} failed (${reason})`, { cause: error });
}

function mapError(error: unknown, op: string, ref: ObjectRef): Error {
  return isNotFound(error) ? new ObjectNotFoundError(ref.bucket, ref.key, { cause: error }) : storageError(op, ref, error);
}

/** Size and version of an object. */
export async function headObject(client: S3Client, ref: ObjectRef): Promise<{ size: number; versionId?: string; etag?: string }> {
  try {
    const out = await client.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }));
    return { size: out.ContentLength ?? 0, versionId: out.VersionId, etag: out.ETag };
  } catch (error) {
    throw mapError(error, 'HeadObject', ref);
  }
}

/** A dataset source over one S3 object: streamed for CSV/JSON Lines, ranged GETs for Parquet. */
export async function s3DatasetSource(client: S3Client, ref: ObjectRef): Promise<DatasetSource & { versionId?: string }> {
  const head = await headObject(client, ref);
  return s3ObjectSource(client, { ...ref, versionId: ref.versionId ?? head.versionId }, head.size);
}

/** A dataset source over an S3 object whose size is known (no HEAD request): pinned to `ref.versionId` if given. */
export function s3ObjectSource(client: S3Client, ref: ObjectRef, size: number): DatasetSource & { versionId?: string } {
  return {
    name: ref.key,
    size,
    versionId: ref.versionId,
    stream: () => streamObject(client, ref),
    asyncBuffer: async () => ({
      byteLength: size,
      slice: (start: number, end?: number) => readRange(client, ref, start, end ?? size),
    }),
  };
}

async function* streamObject(client: S3Client, ref: ObjectRef): AsyncIterable<Uint8Array> {
  let body: Readable;
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }));
    body = out.Body as Readable;
  } catch (error) {
    throw mapError(error, 'GetObject', ref);
  }
  try {
    for await (const chunk of body) yield chunk as Uint8Array;
  } catch (error) {
    throw mapError(error, 'GetObject (reading body)', ref);
  }
}

async function readRange(client: S3Client, ref: ObjectRef, start: number, end: number): Promise<ArrayBuffer> {
  if (end <= start) return new ArrayBuffer(0);
  try {
    const out = await client.send(
      new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId, Range: `bytes=${start}-${end - 1}` }),
    );
    const bytes = await out.Body!.transformToByteArray();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  } catch (error) {
    throw mapError(error, `GetObject bytes ${start}-${end - 1}`, ref);
  }
}

/** Write a JSON document. */
export async function putJson(client: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  try {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${JSON.stringify(value, null, 2)}\n`, ContentType: 'application/json' }),
    );
  } catch (error) {
    throw mapError(error, 'PutObject', { bucket, key });
  }
}

/** Copy an object (a pinned version) to another key; the source is left untouched. */
export async function copyObject(client: S3Client, from: ObjectRef, to: { bucket: string; key: string }): Promise<void> {
  const source = `${from.bucket}/${encodeURIComponent(from.key).replace(/%2F/g, '/')}${from.versionId ? `?versionId=${encodeURIComponent(from.versionId)}` : ''}`;
  try {
    await client.send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: source }));
  } catch (error) {
    throw mapError(error, `CopyObject to s3://${to.bucket}/${to.key} from`, from);
  }
}

/** The text of an object (UTF-8), or of its first bytes with `range` (`bytes=0-65535`). */
export async function getText(client: S3Client, bucket: string, key: string, options: { readonly range?: string } = {}): Promise<string> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(options.range ? { Range: options.range } : {}) }));
  return out.Body!.transformToString();
}

/** One listed object. */
export interface ListedObject {
  readonly key: string;
  readonly lastModified?: Date;
}

/**
 * Every object under `prefix` (all pages), in key order; `startAfter` skips the keys up to it (a time-named
 * folder read from a moment on). Folder markers (keys ending in `/`) are left out.
 */
export async function listObjects(client: S3Client, bucket: string, prefix: string, options: { readonly startAfter?: string } = {}): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix, ...(options.startAfter ? { StartAfter: options.startAfter } : {}) })) {
      for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) out.push({ key: o.Key, ...(o.LastModified ? { lastModified: o.LastModified } : {}) });
    }
  } catch (error) {
    throw mapError(error, 'ListObjectsV2', { bucket, key: prefix });
  }
  return out;
}

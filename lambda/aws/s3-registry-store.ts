/**
 * The registry store over S3: create-only writes are S3 conditional writes (`If-None-Match: *`), which
 * S3 answers with 412 Precondition Failed when the key exists (and 409 while a concurrent conditional
 * write to the same key is in flight: retried).
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { RegistryStore } from '../core/registry/registry';
import { copyObject, isNotFound, storageError } from './s3-store';

/** Retries of a conditional write that S3 answered with 409 (a concurrent write to the same key). */
const CONFLICT_RETRIES = 5;

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

/** A {@link RegistryStore} in one bucket. */
export function s3RegistryStore(client: S3Client, bucket: string): RegistryStore {
  const body = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  return {
    async putIfAbsent(key, value) {
      for (let attempt = 0; ; attempt++) {
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body(value), ContentType: 'application/json', IfNoneMatch: '*' }));
          return true;
        } catch (error) {
          const status = statusOf(error);
          if (status === 412) return false;
          if (status === 409 && attempt < CONFLICT_RETRIES) {
            await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
            continue;
          }
          throw storageError('conditional PutObject', { bucket, key }, error);
        }
      }
    },
    async put(key, value) {
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body(value), ContentType: 'application/json' }));
      } catch (error) {
        throw storageError('PutObject', { bucket, key }, error);
      }
    },
    async get<T>(key: string): Promise<T | undefined> {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return JSON.parse(await out.Body!.transformToString()) as T;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw storageError('GetObject', { bucket, key }, error);
      }
    },
    copy: (sourceKey, key) => copyObject(client, { bucket, key: sourceKey }, { bucket, key }),
    async listFolders(prefix) {
      const folders: string[] = [];
      let token: string | undefined;
      do {
        const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
        for (const p of out.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix.slice(prefix.length, -1));
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return folders;
    },
  };
}

/**
 * The artifact store over one S3 bucket: JSON documents and binary blobs by key, with a missing key
 * reported as {@link ArtifactNotFoundError} and every other failure as a `StorageError`.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ArtifactNotFoundError, type ArtifactStore } from '../core/stages/artifact-store';
import { isNotFound, storageError } from './s3-store';

/** An {@link ArtifactStore} in `bucket`. */
export function s3ArtifactStore(client: S3Client, bucket: string): ArtifactStore {
  const put = async (key: string, body: Uint8Array | string, contentType: string): Promise<void> => {
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (error) {
      throw storageError('PutObject', { bucket, key }, error);
    }
  };
  const get = async (key: string): Promise<Uint8Array> => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body!.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) throw new ArtifactNotFoundError(key);
      throw storageError('GetObject', { bucket, key }, error);
    }
  };
  return {
    putJson: (key, value) => put(key, `${JSON.stringify(value)}\n`, 'application/json'),
    getJson: async <T,>(key: string) => JSON.parse(new TextDecoder().decode(await get(key))) as T,
    putBytes: (key, bytes) => put(key, bytes, 'application/octet-stream'),
    getBytes: get,
  };
}

/**
 * The artifact store over one S3 bucket: JSON documents and binary blobs by key, with a missing key
 * reported as {@link ArtifactNotFoundError} and every other failure as a {@link StorageError}.
 */
import { GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { ArtifactNotFoundError, type ArtifactStore } from '../core/stages/artifact-store';
import { StorageError } from './s3-store';

/** An {@link ArtifactStore} in `bucket`. */
export function s3ArtifactStore(client: S3Client, bucket: string): ArtifactStore {
  const put = async (key: string, body: Uint8Array | string, contentType: string): Promise<void> => {
    try {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (error) {
      throw new StorageError(`PutObject s3://${bucket}/${key} failed (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
  };
  const get = async (key: string): Promise<Uint8Array> => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body!.transformToByteArray();
    } catch (error) {
      if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)) throw new ArtifactNotFoundError(key);
      throw new StorageError(`GetObject s3://${bucket}/${key} failed (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
  };
  return {
    putJson: (key, value) => put(key, `${JSON.stringify(value)}\n`, 'application/json'),
    getJson: async <T,>(key: string) => JSON.parse(new TextDecoder().decode(await get(key))) as T,
    putBytes: (key, bytes) => put(key, bytes, 'application/octet-stream'),
    getBytes: get,
  };
}

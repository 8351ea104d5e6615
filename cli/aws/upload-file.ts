/**
 * Uploading a local file to S3 with @aws-sdk/lib-storage's `Upload`: one PutObject for small files, a
 * multipart upload (parts uploaded concurrently) above the part size, with a progress bar on a TTY.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { progressBar, type ProgressStream } from '../progress';

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** Where the progress bar draws (only on a TTY). @default process.stderr */
  readonly progress?: ProgressStream;
  /** Size of each part of a multipart upload, in bytes (S3's minimum is 5 MiB). @default 5 MiB */
  readonly partSize?: number;
}

/** What an upload wrote. */
export interface UploadedObject {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
  /** The object's version (versioned buckets; s3rver has none). */
  readonly versionId?: string;
  readonly etag?: string;
}

/** Upload `file` to `s3://bucket/key`. */
export async function uploadFile(s3: S3Client, file: string, bucket: string, key: string, options: UploadFileOptions = {}): Promise<UploadedObject> {
  const bytes = statSync(file).size;
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: createReadStream(file) },
    ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
  });
  const bar = progressBar(`uploading ${basename(file)}`, bytes, options.progress);
  upload.on('httpUploadProgress', (p) => {
    if (p.loaded !== undefined) bar.update(p.loaded);
  });
  try {
    const done = await upload.done();
    return { bucket, key, bytes, ...(done.VersionId ? { versionId: done.VersionId } : {}), ...(done.ETag ? { etag: done.ETag } : {}) };
  } finally {
    bar.finish();
  }
}

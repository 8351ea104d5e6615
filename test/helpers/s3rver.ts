/**
 * An in-process s3rver (a real S3-protocol server on 127.0.0.1) for handler tests: a random port, a
 * temporary folder, the platform's two buckets, and an S3 client built exactly as the Lambda builds its
 * own. s3rver 3.7 does not implement bucket versioning (`PutBucketVersioning` answers NotImplemented,
 * and no `x-amz-version-id` is ever returned), so tests on it cannot depend on version ids.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createS3Client } from '../../lambda/aws/clients';

/** The fixed credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A running s3rver and a client for it. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_S3` should say. */
  readonly endpoint: string;
  /** A client with the same settings as the Lambda's (`createS3Client`). */
  readonly client: S3Client;
  /** The folder the server stores objects in (removed by {@link LocalS3.stop}). */
  readonly directory: string;
  /** The environment variables that point the Lambda's own client at this server. */
  readonly env: Readonly<Record<string, string>>;
  /** Close the client and the server, and delete the folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Start s3rver on a free port of 127.0.0.1 with the given buckets already created. */
export async function startS3rver(buckets: readonly string[]): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    // The clients address buckets path-style; never read a Host header as a bucket name.
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createS3Client({ endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
  let stopped = false;
  return {
    endpoint,
    client,
    directory,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      const closed = server.close();
      // Keep-alive sockets of other clients (the handler's own) would hold close() open.
      server.httpServer?.closeAllConnections();
      await closed;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The keys under a prefix, sorted. */
export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** An object's body parsed as JSON. */
export async function readJsonObject<T>(client: S3Client, bucket: string, key: string): Promise<T> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as T;
}

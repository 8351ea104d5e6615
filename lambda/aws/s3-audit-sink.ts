/**
 * The audit trail's sink on S3: each event a new object, written with `If-None-Match: *` so S3 refuses
 * to replace an existing key (conditional writes) — an event, once written, is never overwritten.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AuditSink } from '../core/governance/audit-trail';

/** An {@link AuditSink} writing to `bucket`. */
export function s3AuditSink(client: S3Client, bucket: string): AuditSink {
  return {
    async putNew(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/x-ndjson', IfNoneMatch: '*' }));
    },
  };
}

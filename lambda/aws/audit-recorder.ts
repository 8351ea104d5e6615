/**
 * Recording decisions in the audit trail from a handler (governance, level 4): `GOVERNANCE=on` turns it on;
 * off, recording does nothing. A write that fails fails the handler — a governed environment does not take a
 * decision it cannot record (the step is retried as any other failure).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { appendAudit, type AuditEvent } from '../core/governance/audit-trail';
import { s3AuditSink } from './s3-audit-sink';

/** A decision to record: the event without its time and environment, which the recorder adds. */
export type AuditDecision = Omit<AuditEvent, 'at' | 'environment'> & { readonly at?: string };

/** Records a decision; resolves to its key, or undefined when the trail is off. */
export type AuditRecorder = (decision: AuditDecision) => Promise<string | undefined>;

/** The recorder of a handler. */
export function auditRecorder(options: { readonly enabled: boolean; readonly client: S3Client; readonly bucket: string; readonly environment: string }): AuditRecorder {
  if (!options.enabled) return async () => undefined;
  const sink = s3AuditSink(options.client, options.bucket);
  return (decision) => appendAudit(sink, { ...decision, at: decision.at ?? new Date().toISOString(), environment: options.environment });
}

/**
 * The audit trail (governance, level 4): every decision the platform takes about data, models and
 * traffic, appended under `audit/` in the artifact bucket — what was decided, about what, why, on which
 * evidence, and who or what decided.
 *
 * Append-only on S3, which has no append: each event is its own object holding one JSON line,
 * `audit/<yyyy-mm-dd>/<time>-<kind>-<id>.jsonl`, written once under a key no other event can take (the
 * time to the millisecond and a hash of the event), so concurrent writers never overwrite each other and
 * the versioned, KMS-encrypted bucket keeps every version. Listing a day's folder in key order gives the
 * day's events in time order; concatenating them gives a JSON Lines file (`mlops audit` and Athena read it).
 */
import { createHash } from 'node:crypto';
import { ARTIFACT_PREFIX } from '../layout';

/** The kinds of decision the trail records. */
export const AUDIT_KINDS = [
  'validation',
  'gate',
  'approval',
  'deployment',
  'rollback',
  'ab-decision',
  'drift',
  'quality',
  'retrain',
] as const;

/** A kind of decision. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One decision. */
export interface AuditEvent {
  /** ISO 8601 instant of the decision. */
  readonly at: string;
  readonly kind: AuditKind;
  /** The verdict in a word or two: `accepted`, `rejected`, `deploy`, `approved`, `rolled-back`, `drift`, `started`, `skipped`, … */
  readonly decision: string;
  /** What it is about: a run, a model version, a data object, an alarm. */
  readonly subject: { readonly model: string; readonly version?: number; readonly runId?: string; readonly dataKey?: string; readonly alarm?: string };
  /** Why, in words. */
  readonly reason: string;
  /** The numbers or documents the decision rested on (metrics, thresholds, report keys). */
  readonly evidence: Readonly<Record<string, unknown>>;
  /** Who or what decided: a person (`alice`), a stage (`stage:evaluate`), a rule (`guardrail:cooldown`). */
  readonly by: string;
  /** The environment. */
  readonly environment: string;
}

/** Key of an event: `audit/<yyyy-mm-dd>/<time>-<kind>-<12 hex of its hash>.jsonl`. */
export function auditKey(event: AuditEvent): string {
  const at = new Date(event.at);
  if (Number.isNaN(at.getTime())) throw new RangeError(`audit event time ${JSON.stringify(event.at)} is not an ISO 8601 instant`);
  const iso = at.toISOString();
  const hash = createHash('sha256').update(JSON.stringify(event)).digest('hex').slice(0, 12);
  return `${ARTIFACT_PREFIX.audit}${iso.slice(0, 10)}/${iso.replace(/[:.]/g, '-')}-${event.kind}-${hash}.jsonl`;
}

/** The stored form: one JSON line, newline-terminated. */
export function auditLine(event: AuditEvent): string {
  return `${JSON.stringify(event)}\n`;
}

/** Where events go: written once, never replaced. */
export interface AuditSink {
  /** Write `body` at `key` only if nothing is there. */
  putNew(key: string, body: string): Promise<void>;
}

/** Append an event to the trail; returns its key. */
export async function appendAudit(sink: AuditSink, event: AuditEvent): Promise<string> {
  if (!AUDIT_KINDS.includes(event.kind)) throw new RangeError(`unknown audit kind ${JSON.stringify(event.kind)}; one of ${AUDIT_KINDS.join(', ')}`);
  const key = auditKey(event);
  await sink.putNew(key, auditLine(event));
  return key;
}

/** Read events back from concatenated JSON Lines (blank lines skipped; a bad line names its number). */
export function parseAuditLines(text: string): AuditEvent[] {
  const out: AuditEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line) as AuditEvent);
    } catch (error) {
      throw new SyntaxError(`audit line ${i + 1} is not JSON: ${(error as Error).message}`, { cause: error });
    }
  });
  return out;
}

/** The audit decision of a validation verdict (the validate stage and the merge of a part-file dataset's parts). */
export function validationDecision(
  model: string,
  runId: string,
  dataKey: string,
  result: { readonly verdict: 'valid' | 'invalid'; readonly reportKey: string; readonly rowCount: number; readonly failures: ReadonlyArray<{ readonly kind: string }> },
): Omit<AuditEvent, 'at' | 'environment'> {
  return {
    kind: 'validation',
    decision: result.verdict === 'valid' ? 'accepted' : 'rejected',
    subject: { model, runId, dataKey },
    reason: result.verdict === 'valid' ? `${result.rowCount} rows met the dataset schema` : `the data failed validation: ${result.failures.map((f) => f.kind).join(', ')}`,
    evidence: { reportKey: result.reportKey, rowCount: result.rowCount },
    by: 'stage:validate',
  };
}

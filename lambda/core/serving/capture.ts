/**
 * Capture of live traffic for drift monitoring: which requests are kept, where, and in what form.
 *
 * Layout (artifact bucket): `capture/<yyyy-mm-dd>/<hh>/<requestId>.jsonl`, date and hour in UTC of the
 * moment the request was answered. One object per captured request, holding one JSON line:
 * `{"requestId", "at", "modelVersion", "request": {"instances": [...]}, "response": {"predictions",
 * "probabilities"?}}` — a single record is stored as a batch of one, so readers see one shape. An hour
 * folder is the unit the drift monitor lists and reads (`capture/2001-01-14/21/`).
 *
 * Sampling is a pure function of the request id (its SHA-256 read as a fraction of 2^32 compared with
 * `capturePercent`), so a given request is captured or not whatever container answers it, and tests are
 * stable; request ids are random, so the share captured is `capturePercent` on average.
 */
import { createHash } from 'node:crypto';
import { ARTIFACT_PREFIX } from '../layout';
import type { RawRecord } from './request';

/** One captured request and its answer, as stored. */
export interface CaptureRecord {
  readonly requestId: string;
  /** ISO 8601 instant the request was answered. */
  readonly at: string;
  readonly modelVersion: number;
  readonly request: { readonly instances: readonly RawRecord[] };
  readonly response: { readonly predictions: readonly number[]; readonly probabilities?: ReadonlyArray<readonly number[]> };
}

/** A request id usable as an S3 key segment: letters, digits, `-`, `_`, `.`, 1–128 characters. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** Whether the request with this id is captured at `capturePercent` (0–100). Deterministic. */
export function isCaptured(requestId: string, capturePercent: number): boolean {
  if (capturePercent <= 0) return false;
  if (capturePercent >= 100) return true;
  const fraction = createHash('sha256').update(requestId).digest().readUInt32BE(0) / 2 ** 32;
  return fraction * 100 < capturePercent;
}

/** The key of one captured request: `capture/<yyyy-mm-dd>/<hh>/<requestId>.jsonl` (UTC). */
export function captureKey(requestId: string, at: Date): string {
  if (!SAFE_REQUEST_ID.test(requestId)) throw new RangeError(`request id ${JSON.stringify(requestId)} cannot be part of a capture key (letters, digits, '-', '_', '.')`);
  const iso = at.toISOString();
  return `${ARTIFACT_PREFIX.capture}${iso.slice(0, 10)}/${iso.slice(11, 13)}/${requestId}.jsonl`;
}

/** The prefix of one hour of captures (what a drift window lists). */
export function captureHourPrefix(at: Date): string {
  const iso = at.toISOString();
  return `${ARTIFACT_PREFIX.capture}${iso.slice(0, 10)}/${iso.slice(11, 13)}/`;
}

/** The stored form of a capture record: one JSON line, newline-terminated. */
export function captureLine(record: CaptureRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Read the records of a capture object (JSON Lines; blank lines skipped). */
export function parseCaptureLines(text: string): CaptureRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CaptureRecord);
}

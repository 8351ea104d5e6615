/**
 * Deterministic execution names: the same object version always maps to the same name, so Step
 * Functions itself refuses a second execution for it (names are unique per state machine for 90 days).
 */
import { createHash } from 'node:crypto';

/**
 * `run-<date-free readable stem>-<hash>`: up to 80 characters of `[A-Za-z0-9_-]`, the hash over bucket,
 * key and version id (a new version of the same key is a new run).
 */
export function executionName(bucket: string, key: string, versionId?: string): string {
  const hash = createHash('sha256').update(`${bucket}\n${key}\n${versionId ?? ''}`).digest('hex').slice(0, 20);
  const file = key.split('/').pop() ?? 'data';
  const stem = file.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 50) || 'data';
  return `run-${stem}-${hash}`;
}

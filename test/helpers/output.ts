/** A CLI output sink that keeps what commands print, for assertions. */
import type { Output } from '../../cli/output';

/** An {@link Output} that records stdout and stderr lines. */
export function captureOutput(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

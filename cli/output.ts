/**
 * Terminal output helpers: colour only when writing to a TTY (and `NO_COLOR` is unset), so piped and
 * CI output stays plain.
 */

/** Whether stdout gets colours. */
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
}

function wrap(code: number): (s: string) => string {
  return (s) => (useColour() ? `\u001b[${code}m${s}\u001b[0m` : s);
}

/** Colour functions that do nothing off a TTY. */
export const colour = { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2), bold: wrap(1) };

/** A writable sink for command output (stdout by default; tests pass their own). */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** Output to the process's stdout and stderr. */
export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Format a byte count for people. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1073741824) return `${(n / 1048576).toFixed(1)} MB`;
  return `${(n / 1073741824).toFixed(2)} GB`;
}

/** Errors the CLI maps to exit code 2 (usage or configuration). */

/** The command line is wrong: a missing file, a bad option value. */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The CLI's exit codes (the CLI contract in DESIGN.md). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

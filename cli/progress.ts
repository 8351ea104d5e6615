/**
 * A one-line progress bar for transfers (percentage, bytes, rate), redrawn in place with `\r`. It draws
 * only on a TTY: piped or CI output gets the final summary line from the command instead.
 */
import { formatBytes } from './output';

/** Where a progress bar draws (stderr by default; tests pass their own). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

/** A progress bar for `total` bytes. */
export interface ProgressBar {
  /** Redraw with `loaded` bytes done. */
  update(loaded: number): void;
  /** End the line (once the transfer is over, whatever its outcome). */
  finish(): void;
}

/** Width of the bar, in characters. */
const BAR_WIDTH = 24;

/** The bar's text for `loaded` of `total` bytes after `seconds`: `label [#####-----]  42%  1.2 MB / 2.9 MB  3.1 MB/s`. */
export function renderProgress(label: string, loaded: number, total: number, seconds: number): string {
  const fraction = total > 0 ? Math.min(1, loaded / total) : 1;
  const filled = Math.round(fraction * BAR_WIDTH);
  const rate = seconds > 0 ? `${formatBytes(Math.round(loaded / seconds))}/s` : '';
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent}  ${formatBytes(loaded)} / ${formatBytes(total)}  ${rate}`.trimEnd();
}

/** A progress bar on `stream`, or one that draws nothing when `stream` is not a TTY. */
export function progressBar(label: string, total: number, stream: ProgressStream = process.stderr, now: () => number = Date.now): ProgressBar {
  if (!stream.isTTY) return { update: () => undefined, finish: () => undefined };
  const started = now();
  let drawn = false;
  return {
    update(loaded) {
      drawn = true;
      // Clear to the end of the line: the previous rate may have been longer.
      stream.write(`\r${renderProgress(label, loaded, total, (now() - started) / 1000)}\u001b[K`);
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

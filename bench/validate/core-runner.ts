/**
 * One timed run of the validation core on a file, for `bench/validate/run.ts`: bundled to plain
 * JavaScript first (as a deployed Lambda runs), so the numbers do not include TypeScript compilation.
 * Prints one JSON line: rows, seconds, rowsPerSec, peakRssMB, verdict.
 *
 * Usage (after bundling): node core-runner.js FILE WORKERS WORKER_SCRIPT CONFIG [REPEAT]
 * With REPEAT > 1 the file is validated that many times in the same process and the last run is
 * reported: "warm", after the JIT has compiled the hot paths (a reused Lambda container, a second file).
 */
import { loadConfig } from '../../config/load';
import { validateFileParallel } from '../../cli/parallel/validate-parallel';

async function main(): Promise<void> {
  const [file, workers, workerScript, configFile, repeatArg] = process.argv.slice(2);
  if (!file || !workers || !workerScript || !configFile) throw new Error('usage: core-runner FILE WORKERS WORKER_SCRIPT CONFIG');
  const { dataset } = loadConfig({ config: configFile });
  const repeat = Math.max(1, Number(repeatArg ?? 1));
  let seconds = 0;
  let outcome: Awaited<ReturnType<typeof validateFileParallel>> | undefined;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    outcome = await validateFileParallel(file, dataset, { workers: Number(workers), workerScript });
    seconds = (performance.now() - t0) / 1000;
  }
  const { report } = outcome!;
  process.stdout.write(
    `${JSON.stringify({
      rows: report.rowCount,
      seconds: Math.round(seconds * 1000) / 1000,
      rowsPerSec: Math.round(report.rowCount / seconds),
      peakRssMB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
      verdict: report.verdict,
      failed: report.results.filter((r) => !r.success).map((r) => r.expectationType),
    })}\n`,
  );
}

void main();

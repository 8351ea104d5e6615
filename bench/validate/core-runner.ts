/**
 * One timed run of the validation core on a file, for `bench/validate/run.ts`: bundled to plain
 * JavaScript first (as a deployed Lambda runs), so the numbers do not include TypeScript compilation.
 * Prints one JSON line: rows, seconds, rowsPerSec, peakRssMB, verdict.
 *
 * Usage (after bundling): node core-runner.js FILE WORKERS WORKER_SCRIPT
 */
import { loadConfig } from '../../config/load';
import { validateFileParallel } from '../../cli/parallel/validate-parallel';

async function main(): Promise<void> {
  const [file, workers, workerScript, configFile] = process.argv.slice(2);
  if (!file || !workers || !workerScript || !configFile) throw new Error('usage: core-runner FILE WORKERS WORKER_SCRIPT CONFIG');
  const { dataset } = loadConfig({ config: configFile });
  const t0 = performance.now();
  const { report } = await validateFileParallel(file, dataset, { workers: Number(workers), workerScript });
  const seconds = (performance.now() - t0) / 1000;
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

/**
 * One run of our drift core for `bench/drift/run.ts`, bundled to plain JavaScript first (as a deployed
 * Lambda runs), so no TypeScript compilation lands in the timings. It follows `mlops drift REF CUR`
 * (cli/commands/drift.ts): both files read with `readTable(localFileSource(path), config.dataset)`, the
 * config's drift columns, the reference's baseline (`buildDriftBaseline` with the config's PSI bins), the
 * current file's window sketch (`newWindowSketch` + `addValues`), then `computeDrift` with the config's
 * thresholds — each phase timed on its own.
 *
 * "Compute alone" = baseline + sketch + compute on the tables already in memory; the first pass is part of
 * the end-to-end time, the other passes (REPEAT − 1) give the warm time (a reused Lambda container).
 *
 * Usage (after bundling): node drift-runner.js CONFIG.json REF CUR [--repeat N]
 * Prints one JSON line: rows, phase seconds, peakRssMB, baseline and sketch sizes, the drift result.
 */
import { loadConfig } from '../../config/load';
import type { PlatformConfig } from '../../config/schema';
import { computeDrift, type DriftResult } from '../../lambda/core/drift/compute-drift';
import { buildDriftBaseline, type DriftBaseline } from '../../lambda/core/drift/drift-baseline';
import { configDriftColumns, tableReference } from '../../lambda/core/monitoring/drift-reference';
import { addValues, newWindowSketch, windowSketchToJSON, type WindowSketch } from '../../lambda/core/drift/window-sketch';
import { readTable, type Table } from '../../lambda/core/features/table';
import { localFileSource } from '../../lambda/core/validation/local-source';

const now = (): number => performance.now() / 1000;

interface Pass {
  readonly baselineSeconds: number;
  readonly sketchSeconds: number;
  readonly computeSeconds: number;
  readonly baseline: DriftBaseline;
  readonly sketch: WindowSketch;
  readonly result: DriftResult;
}

/** Baseline from the reference table, sketch of the current table, drift: what `driftBetween` does, phase by phase. */
function drift(reference: Table, current: Table, columns: readonly string[], config: PlatformConfig): Pass {
  const t0 = now();
  const ref = tableReference(reference, columns);
  const baseline = buildDriftBaseline(ref, { psiBins: config.monitoring.psiBins });
  const t1 = now();
  const sketch = newWindowSketch(baseline);
  for (const name of Object.keys(ref)) {
    const column = current.columns[name];
    if (column) addValues(sketch, name, column.values);
  }
  const t2 = now();
  const distance = config.monitoring.columnDriftThreshold;
  const result = computeDrift(baseline, sketch, { datasetDriftShare: config.monitoring.datasetDriftShare, thresholds: { wasserstein: distance, jensenshannon: distance } });
  const t3 = now();
  return { baselineSeconds: t1 - t0, sketchSeconds: t2 - t1, computeSeconds: t3 - t2, baseline, sketch, result };
}

async function main(): Promise<void> {
  const [configFile, referenceFile, currentFile] = process.argv.slice(2);
  if (!configFile || !referenceFile || !currentFile) throw new Error('usage: drift-runner CONFIG.json REF CUR [--repeat N]');
  const repeatAt = process.argv.indexOf('--repeat');
  const repeat = Math.max(1, repeatAt > 0 ? Number(process.argv[repeatAt + 1]) : 2);
  const config = loadConfig({ config: configFile });
  const columns = configDriftColumns(config);

  const t0 = now();
  const reference = await readTable(localFileSource(referenceFile), config.dataset);
  const current = await readTable(localFileSource(currentFile), config.dataset);
  const readSeconds = now() - t0;
  const first = drift(reference, current, columns, config);
  const e2eSeconds = now() - t0;
  let warm = Number.POSITIVE_INFINITY;
  for (let r = 1; r < repeat; r++) {
    const p = drift(reference, current, columns, config);
    warm = Math.min(warm, p.baselineSeconds + p.sketchSeconds + p.computeSeconds);
  }
  const computeSeconds = first.baselineSeconds + first.sketchSeconds + first.computeSeconds;
  process.stdout.write(
    `${JSON.stringify({
      referenceRows: reference.rows,
      currentRows: current.rows,
      readSeconds,
      baselineSeconds: first.baselineSeconds,
      sketchSeconds: first.sketchSeconds,
      driftSeconds: first.computeSeconds,
      computeSeconds,
      computeWarmSeconds: Number.isFinite(warm) ? warm : computeSeconds,
      e2eSeconds,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      // What the drift check keeps between invocations: the baseline document and the window sketch.
      baselineJsonBytes: JSON.stringify(first.baseline).length,
      sketchJsonBytes: JSON.stringify(windowSketchToJSON(first.sketch)).length,
      ...first.result,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

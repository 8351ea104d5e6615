/**
 * One run of our drift core for `bench/drift/run.ts`, bundled to plain JavaScript first (as a deployed
 * Lambda runs), so no TypeScript compilation lands in the timings.
 *
 * **End to end** follows `mlops drift REF CUR` (cli/commands/drift.ts), the streaming path of
 * `lambda/core/drift/stream-sketch.ts`: the reference streamed into what its baseline needs
 * (`streamReference`), `buildDriftBaseline` with the config's PSI bins, the current file streamed into the
 * window sketch (`streamWindow`: reading and sketching are one pass), then `computeDrift` with the
 * config's thresholds — each phase timed on its own. Peak RSS is taken when that is done.
 *
 * **Compute alone** is measured afterwards in the same process, as before the streaming path: both files
 * loaded into tables (`readTable`, not timed), then baseline + sketch (`addValues`) + compute on the
 * tables in memory; the first pass is "compute alone", the best of the other passes (REPEAT − 1) the warm
 * time (a reused Lambda container). The table path's result must equal the streamed one (`tablePathAgrees`).
 *
 * Usage (after bundling): node drift-runner.js CONFIG.json REF CUR [--repeat N]
 * Prints one JSON line: rows, phase seconds, peakRssMB, baseline and sketch sizes, the drift result.
 */
import { loadConfig } from '../../config/load';
import type { PlatformConfig } from '../../config/schema';
import { computeDrift, type DriftResult } from '../../lambda/core/drift/compute-drift';
import { buildDriftBaseline, type DriftBaseline } from '../../lambda/core/drift/drift-baseline';
import { streamReference, streamWindow } from '../../lambda/core/drift/stream-sketch';
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

function driftOptions(config: PlatformConfig): Parameters<typeof computeDrift>[2] {
  const distance = config.monitoring.columnDriftThreshold;
  return { datasetDriftShare: config.monitoring.datasetDriftShare, thresholds: { wasserstein: distance, jensenshannon: distance } };
}

/** Baseline from the reference table, sketch of the current table, drift: the table path, phase by phase. */
function tableDrift(reference: Table, current: Table, columns: readonly string[], config: PlatformConfig): Pass {
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
  const result = computeDrift(baseline, sketch, driftOptions(config));
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

  // End to end: the streaming path of `mlops drift REF CUR`.
  const t0 = now();
  const reference = await streamReference(localFileSource(referenceFile), config.dataset, columns);
  const t1 = now();
  const baseline = buildDriftBaseline(reference.columns, { psiBins: config.monitoring.psiBins });
  const t2 = now();
  const window = await streamWindow(localFileSource(currentFile), config.dataset, baseline);
  const t3 = now();
  const result = computeDrift(baseline, window.sketch, driftOptions(config));
  const t4 = now();
  const peakRssMB = process.resourceUsage().maxRSS / 1024;

  // Compute alone: the table path on data already in memory (loading not timed).
  const referenceTable = await readTable(localFileSource(referenceFile), config.dataset);
  const currentTable = await readTable(localFileSource(currentFile), config.dataset);
  const first = tableDrift(referenceTable, currentTable, columns, config);
  let warm = Number.POSITIVE_INFINITY;
  for (let r = 1; r < repeat; r++) {
    const p = tableDrift(referenceTable, currentTable, columns, config);
    warm = Math.min(warm, p.baselineSeconds + p.sketchSeconds + p.computeSeconds);
  }
  const computeSeconds = first.baselineSeconds + first.sketchSeconds + first.computeSeconds;
  const tablePathAgrees =
    JSON.stringify(first.baseline) === JSON.stringify(baseline) &&
    JSON.stringify(windowSketchToJSON(first.sketch)) === JSON.stringify(windowSketchToJSON(window.sketch)) &&
    JSON.stringify(first.result) === JSON.stringify(result) &&
    referenceTable.rows === reference.rows &&
    currentTable.rows === window.rows;
  process.stdout.write(
    `${JSON.stringify({
      referenceRows: reference.rows,
      currentRows: window.rows,
      skippedRows: reference.skippedRows + window.skippedRows,
      readSeconds: t1 - t0,
      baselineSeconds: t2 - t1,
      sketchSeconds: t3 - t2,
      driftSeconds: t4 - t3,
      computeSeconds,
      computeWarmSeconds: Number.isFinite(warm) ? warm : computeSeconds,
      e2eSeconds: t4 - t0,
      peakRssMB,
      tablePathAgrees,
      // What the drift check keeps between invocations: the baseline document and the window sketch.
      baselineJsonBytes: JSON.stringify(baseline).length,
      sketchJsonBytes: JSON.stringify(windowSketchToJSON(window.sketch)).length,
      ...result,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

/**
 * `mlops drift REF CUR [--env NAME | --config FILE] [--json]`: the drift report between two local data
 * files, with the same core as the drift Lambda — the reference file fixes each column's method and bins
 * (as a model's training split does), the current file is sketched and compared. The columns are the
 * config's feature columns but datetimes and the target. Exit 0 (drift or not: a report is not a
 * failure), 2 on usage or config error (a missing or unreadable file names itself).
 */
import { existsSync, statSync } from 'node:fs';
import type { PlatformConfig } from '../../config/schema';
import { computeDrift, type DriftResult } from '../../lambda/core/drift/compute-drift';
import { buildDriftBaseline } from '../../lambda/core/drift/drift-baseline';
import { tableReference } from '../../lambda/core/monitoring/drift-reference';
import { addValues, newWindowSketch } from '../../lambda/core/drift/window-sketch';
import { readTable, type Table } from '../../lambda/core/features/table';
import { localFileSource } from '../../lambda/core/validation/local-source';
import { EXIT, UsageError } from '../errors';
import { colour, type Output } from '../output';

/** Options of `mlops drift REF CUR`. */
export interface DriftCommandOptions {
  readonly json?: boolean;
}

/** The columns compared: the config's feature columns, but datetimes and the target. */
export function fileDriftColumns(config: Pick<PlatformConfig, 'dataset' | 'features'>): string[] {
  return Object.keys(config.features).filter((c) => c !== config.dataset.target && config.dataset.columns[c] !== undefined && config.dataset.columns[c]!.type !== 'datetime');
}

async function readFile(file: string, what: string, config: PlatformConfig): Promise<Table> {
  if (!existsSync(file)) throw new UsageError(`no such ${what} file: ${file}`);
  if (!statSync(file).isFile()) throw new UsageError(`the ${what} is not a file: ${file}`);
  try {
    return await readTable(localFileSource(file), config.dataset);
  } catch (error) {
    throw new UsageError(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

/** The drift of `current` against `reference` on the given columns. */
export function driftBetween(reference: Table, current: Table, columns: readonly string[], config: Pick<PlatformConfig, 'monitoring'>): DriftResult {
  const ref = tableReference(reference, columns);
  const baseline = buildDriftBaseline(ref, { psiBins: config.monitoring.psiBins });
  const sketch = newWindowSketch(baseline);
  for (const name of Object.keys(ref)) {
    const column = current.columns[name];
    if (column) addValues(sketch, name, column.values);
  }
  const distance = config.monitoring.columnDriftThreshold;
  return computeDrift(baseline, sketch, { datasetDriftShare: config.monitoring.datasetDriftShare, thresholds: { wasserstein: distance, jensenshannon: distance } });
}

/** Run `mlops drift REF CUR`; returns the exit code. */
export async function driftCommand(referenceFile: string, currentFile: string, config: PlatformConfig, options: DriftCommandOptions, output: Output): Promise<number> {
  const [reference, current] = [await readFile(referenceFile, 'reference', config), await readFile(currentFile, 'current', config)];
  const columns = fileDriftColumns(config);
  const result = driftBetween(reference, current, columns, config);
  if (options.json) {
    output.out(JSON.stringify({ reference: { file: referenceFile, rows: reference.rows }, current: { file: currentFile, rows: current.rows }, ...result }, null, 2));
    return EXIT.ok;
  }
  output.out(
    `${result.datasetDrift ? colour.red('dataset drift') : colour.green('no dataset drift')}: ${result.driftedCount} of ${Object.keys(result.columns).length} columns drifted (share ${result.driftedShare.toFixed(2)}, threshold ${result.datasetDriftShare})  —  ${reference.rows.toLocaleString('en-US')} reference rows, ${current.rows.toLocaleString('en-US')} current`,
  );
  const rows = Object.entries(result.columns).map(([name, c]) => [
    name,
    c.method,
    Number.isFinite(c.score) ? c.score.toPrecision(4) : '–',
    `${c.method === 'ks' ? '≤' : c.method === 'chisquare' || c.method === 'z' ? '<' : '≥'} ${c.threshold}`,
    c.drifted ? colour.red('drift') : colour.green('ok'),
    Number.isFinite(c.psi) ? `${c.psi.toFixed(3)} (${c.psiBand})` : '–',
  ]);
  const header = ['column', 'method', 'score', 'drift if', 'verdict', 'PSI'];
  const plain = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i]!).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c + ' '.repeat(widths[i]! - plain(c).length)).join('  ');
  output.out(line(header));
  for (const r of rows) output.out(line(r));
  return EXIT.ok;
}

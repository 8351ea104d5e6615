/**
 * `mlops drift REF CUR [--env NAME | --config FILE] [--json]`: the drift report between two local data
 * files, with the same core as the drift Lambda — the reference file fixes each column's method and bins
 * (as a model's training split does), the current file is sketched and compared. The columns are the
 * config's feature columns but datetimes and the target. Exit 0 (drift or not: a report is not a
 * failure), 2 on usage or config error (a missing or unreadable file names itself).
 *
 * `mlops drift --env NAME [--local]`: the environment's latest drift verdict (the drift Lambda's newest
 * report with a verdict), per column. Exit 0, 1 when there is no verdict yet.
 */
import { existsSync, statSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { listObjects } from '../../lambda/aws/s3-store';
import type { PlatformConfig } from '../../config/schema';
import { computeDrift, type DriftResult } from '../../lambda/core/drift/compute-drift';
import { buildDriftBaseline } from '../../lambda/core/drift/drift-baseline';
import { configDriftColumns, tableReference } from '../../lambda/core/monitoring/drift-reference';
import { addValues, newWindowSketch } from '../../lambda/core/drift/window-sketch';
import { readTable, type Table } from '../../lambda/core/features/table';
import { localFileSource } from '../../lambda/core/validation/local-source';
import type { DriftReport } from '../../lambda/core/monitoring/drift-check';
import { ARTIFACT_PREFIX } from '../../lambda/core/layout';
import { EXIT, UsageError } from '../errors';
import { colour, type Output } from '../output';

/** Options of `mlops drift REF CUR`. */
export interface DriftCommandOptions {
  readonly json?: boolean;
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
  const columns = configDriftColumns(config);
  const result = driftBetween(reference, current, columns, config);
  if (options.json) {
    output.out(JSON.stringify({ reference: { file: referenceFile, rows: reference.rows }, current: { file: currentFile, rows: current.rows }, ...result }, null, 2));
    return EXIT.ok;
  }
  output.out(`${verdictLine(result)}  —  ${reference.rows.toLocaleString('en-US')} reference rows, ${current.rows.toLocaleString('en-US')} current`);
  for (const line of columnTable(result)) output.out(line);
  return EXIT.ok;
}

function verdictLine(result: DriftResult): string {
  return `${result.datasetDrift ? colour.red('dataset drift') : colour.green('no dataset drift')}: ${result.driftedCount} of ${Object.keys(result.columns).length} columns drifted (share ${result.driftedShare.toFixed(2)}, threshold ${result.datasetDriftShare})`;
}

/** One line per column: test, score, threshold, verdict, PSI (aligned, colours ignored in widths). */
function columnTable(result: DriftResult): string[] {
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
  return [line(header), ...rows.map(line)];
}

/** How many of the newest reports `mlops drift --env` looks through for one with a verdict. */
const REPORTS_LOOKED_AT = 200;

/** Run `mlops drift --env NAME`: the environment's latest drift verdict; returns the exit code. */
export async function driftStatusCommand(s3: S3Client, artifactBucket: string, config: Pick<PlatformConfig, 'name' | 'environment'>, options: DriftCommandOptions, output: Output): Promise<number> {
  const prefix = `${ARTIFACT_PREFIX.monitoring}${config.name}/drift/reports/`;
  const keys = (await listObjects(s3, artifactBucket, prefix)).map((o) => o.key).sort();
  const reports = s3RegistryStore(s3, artifactBucket);
  let latest: DriftReport | undefined;
  let checks = 0;
  for (const key of keys.slice(-REPORTS_LOOKED_AT).reverse()) {
    const report = await reports.get<DriftReport>(key);
    checks++;
    if (report?.result) {
      latest = report;
      break;
    }
  }
  if (!latest) {
    output.err(`mlops: no drift verdict yet for ${config.name} (${config.environment}): ${keys.length === 0 ? 'the drift check has not run (level 3+, on monitoring.schedule)' : `the last ${checks} checks had too few captured rows (monitoring.minRows)`}`);
    return EXIT.failed;
  }
  if (options.json) {
    output.out(JSON.stringify(latest, null, 2));
    return EXIT.ok;
  }
  output.out(`${verdictLine(latest.result!)}  —  ${config.name} v${latest.modelVersion} (${config.environment}), ${latest.rows.toLocaleString('en-US')} captured rows from ${latest.window.from} to ${latest.window.to}`);
  for (const line of columnTable(latest.result!)) output.out(line);
  return EXIT.ok;
}

/**
 * `mlops drift REF CUR [--env NAME | --config FILE] [--json]`: the drift report between two local data
 * files, with the same core as the drift Lambda — the reference file fixes each column's method and bins
 * (as a model's training split does), the current file is sketched and compared. Both files are streamed
 * (lambda/core/drift/stream-sketch.ts), never held whole: memory is the reference's compared numbers
 * (8 bytes a row), its category counts and the window sketch. The columns are the config's feature
 * columns but datetimes and the target. Rows that do not fit a file (wrong number of fields) are skipped
 * and counted on stderr (and in `--json`). Exit 0 (drift or not: a report is not a failure), 2 on usage
 * or config error (a missing or unreadable file names itself).
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
import { streamReference, streamWindow, type StreamStats } from '../../lambda/core/drift/stream-sketch';
import { configDriftColumns } from '../../lambda/core/monitoring/drift-reference';
import { localFileSource } from '../../lambda/core/validation/local-source';
import type { DatasetSource } from '../../lambda/core/validation/validate-dataset';
import type { DriftReport } from '../../lambda/core/monitoring/drift-check';
import type { QualityReport } from '../../lambda/core/monitoring/live-quality';
import { ARTIFACT_PREFIX, DATA_PREFIX } from '../../lambda/core/layout';
import { EXIT, UsageError } from '../errors';
import { colour, type Output } from '../output';

/** Options of `mlops drift REF CUR`. */
export interface DriftCommandOptions {
  readonly json?: boolean;
}

/** Stream one local file with `read`; a missing, non-regular or unreadable file is a usage error naming it. */
async function streamFile<T>(file: string, what: string, read: (source: DatasetSource) => Promise<T>): Promise<T> {
  if (!existsSync(file)) throw new UsageError(`no such ${what} file: ${file}`);
  if (!statSync(file).isFile()) throw new UsageError(`the ${what} is not a file: ${file}`);
  try {
    return await read(localFileSource(file));
  } catch (error) {
    throw new UsageError(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

/** The `computeDrift` options a config gives: one distance threshold for Wasserstein and Jensen–Shannon. */
export function driftComputeOptions(config: Pick<PlatformConfig, 'monitoring'>): NonNullable<Parameters<typeof computeDrift>[2]> {
  const distance = config.monitoring.columnDriftThreshold;
  return { datasetDriftShare: config.monitoring.datasetDriftShare, thresholds: { wasserstein: distance, jensenshannon: distance } };
}

/** What reading both files found, with the drift between them. */
export interface FileDrift {
  readonly reference: StreamStats;
  readonly current: StreamStats;
  readonly result: DriftResult;
}

/**
 * The drift of the `current` file against the `reference` file on the given columns, streaming both: the
 * reference into what its baseline needs, the current file straight into the window sketch — never a
 * whole file in memory (lambda/core/drift/stream-sketch.ts).
 */
export async function driftBetweenFiles(
  referenceFile: string,
  currentFile: string,
  columns: readonly string[],
  config: Pick<PlatformConfig, 'dataset' | 'monitoring'>,
): Promise<FileDrift> {
  const reference = await streamFile(referenceFile, 'reference', (source) => streamReference(source, config.dataset, columns));
  const baseline = buildDriftBaseline(reference.columns, { psiBins: config.monitoring.psiBins });
  const current = await streamFile(currentFile, 'current', (source) => streamWindow(source, config.dataset, baseline));
  return { reference, current, result: computeDrift(baseline, current.sketch, driftComputeOptions(config)) };
}

/** A warning for rows a file had that were skipped (wrong number of fields, a line that is not a JSON object). */
function skippedWarning(what: string, file: string, stats: StreamStats): string | undefined {
  if (stats.skippedRows === 0) return undefined;
  const more = stats.skippedRows > stats.skipped.length ? '; …' : '';
  return `mlops: skipped ${stats.skippedRows.toLocaleString('en-US')} row${stats.skippedRows === 1 ? '' : 's'} of the ${what} file ${file} that do not fit it: ${stats.skipped.join('; ')}${more}`;
}

/** Run `mlops drift REF CUR`; returns the exit code. */
export async function driftCommand(referenceFile: string, currentFile: string, config: PlatformConfig, options: DriftCommandOptions, output: Output): Promise<number> {
  const { reference, current, result } = await driftBetweenFiles(referenceFile, currentFile, configDriftColumns(config), config);
  for (const warning of [skippedWarning('reference', referenceFile, reference), skippedWarning('current', currentFile, current)]) {
    if (warning) output.err(warning);
  }
  if (options.json) {
    const file = (name: string, stats: StreamStats): Record<string, unknown> => ({ file: name, rows: stats.rows, skippedRows: stats.skippedRows });
    output.out(JSON.stringify({ reference: file(referenceFile, reference), current: file(currentFile, current), ...result }, null, 2));
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

/** The newest of the (at most {@link REPORTS_LOOKED_AT} newest) reports under a prefix that has a verdict, and how many were read. */
async function newestWithVerdict<T extends { readonly result?: unknown }>(s3: S3Client, artifactBucket: string, prefix: string): Promise<{ report?: T; keys: number; read: number }> {
  const keys = (await listObjects(s3, artifactBucket, prefix)).map((o) => o.key).sort();
  const store = s3RegistryStore(s3, artifactBucket);
  let read = 0;
  for (const key of keys.slice(-REPORTS_LOOKED_AT).reverse()) {
    const report = await store.get<T>(key);
    read++;
    if (report?.result) return { report, keys: keys.length, read };
  }
  return { keys: keys.length, read };
}

/**
 * Run `mlops drift --env NAME`: the environment's latest drift verdict, and in text its latest live-quality
 * verdict (labels joined with captures); returns the exit code.
 */
export async function driftStatusCommand(s3: S3Client, artifactBucket: string, config: Pick<PlatformConfig, 'name' | 'environment'>, options: DriftCommandOptions, output: Output): Promise<number> {
  const drift = await newestWithVerdict<DriftReport>(s3, artifactBucket, `${ARTIFACT_PREFIX.monitoring}${config.name}/drift/reports/`);
  const latest = drift.report;
  if (!latest) {
    output.err(`mlops: no drift verdict yet for ${config.name} (${config.environment}): ${drift.keys === 0 ? 'the drift check has not run (level 3+, on monitoring.schedule)' : `the last ${drift.read} checks had too few captured rows (monitoring.minRows)`}`);
    return EXIT.failed;
  }
  if (options.json) {
    output.out(JSON.stringify(latest, null, 2));
    return EXIT.ok;
  }
  output.out(`${verdictLine(latest.result!)}  —  ${config.name} v${latest.modelVersion} (${config.environment}), ${latest.rows.toLocaleString('en-US')} captured rows from ${latest.window.from} to ${latest.window.to}`);
  for (const line of columnTable(latest.result!)) output.out(line);
  const quality = (await newestWithVerdict<QualityReport>(s3, artifactBucket, `${ARTIFACT_PREFIX.monitoring}${config.name}/quality/reports/`)).report?.result;
  output.out(
    quality
      ? `live quality: ${quality.metric} ${quality.value.toPrecision(4)} on ${quality.rows.toLocaleString('en-US')} labelled captured rows (${Object.entries(quality.byVersion).map(([v, q]) => `v${v} ${q.value.toPrecision(4)} on ${q.rows}`).join(', ')})`
      : `live quality: no verdict yet (labels under ${DATA_PREFIX.labels} of the data bucket, joined with captured requests)`,
  );
  return EXIT.ok;
}

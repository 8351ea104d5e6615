/**
 * `mlops validate FILE [--env NAME | --config FILE] [--json]`: validate a local file with the same core
 * as the pipeline's validate stage. Exit 0 valid, 1 invalid (report printed), 2 usage or config error.
 */
import { existsSync, statSync } from 'node:fs';
import type { PlatformConfig } from '../../config/schema';
import type { ExpectationResult, ValidationReport } from '../../lambda/core/validation/report';
import { EXIT, UsageError } from '../errors';
import { validateFileParallel } from '../parallel/validate-parallel';
import { colour, formatBytes, type Output } from '../output';

/** Options of `mlops validate`. */
export interface ValidateCommandOptions {
  readonly json?: boolean;
  /** Threads for large CSV files; default: every core. */
  readonly workers?: number;
}

/** Run `mlops validate` on one file; returns the exit code. */
export async function validateCommand(file: string, config: PlatformConfig, options: ValidateCommandOptions, output: Output): Promise<number> {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  if (!statSync(file).isFile()) throw new UsageError(`not a file: ${file}`);
  const { report, profile } = await validateFileParallel(file, config.dataset, options.workers !== undefined ? { workers: options.workers } : {});
  if (options.json) {
    output.out(JSON.stringify({ report, profile }, null, 2));
  } else {
    for (const line of renderReport(report)) output.out(line);
  }
  return report.success ? EXIT.ok : EXIT.failed;
}

/** The report for people: verdict, failures with samples, failed expectations. */
export function renderReport(report: ValidationReport): string[] {
  const lines: string[] = [];
  const verdict = report.success ? colour.green('✓ valid') : colour.red('✗ invalid');
  const seconds = (report.meta.durationMs / 1000).toFixed(2);
  lines.push(`${verdict}  ${report.source.name}  (${report.source.format}, ${formatBytes(report.source.bytes)}, ${report.rowCount.toLocaleString('en-US')} rows, ${seconds} s)`);
  for (const failure of report.failures) {
    if (failure.kind === 'expectations_failed') continue;
    lines.push(`  ${colour.red(failure.kind)}: ${failure.message}`);
    for (const s of failure.samples ?? []) lines.push(colour.dim(`      row ${s.row}: ${String(s.value)}`));
  }
  for (const warning of report.warnings) lines.push(`  ${colour.yellow('warning')}: ${warning}`);
  const { successfulExpectations, evaluatedExpectations } = report.statistics;
  if (evaluatedExpectations > 0) lines.push(`  expectations: ${successfulExpectations} of ${evaluatedExpectations} passed`);
  for (const result of report.results) {
    if (!result.success) lines.push(...renderExpectation(result, colour.red('✗')));
    else if ((result.result.unexpectedCount ?? 0) > 0) lines.push(...renderExpectation(result, colour.yellow('~'), 'tolerated by mostly'));
  }
  return lines;
}

function renderExpectation(r: ExpectationResult, mark: string, note?: string): string[] {
  const { column, ...kwargs } = r.kwargs;
  const args = Object.entries(kwargs)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  const head = `    ${mark} ${column !== undefined ? `${String(column)}  ` : ''}${r.expectationType}  ${args}${note ? `  (${note})` : ''}`;
  const lines = [head];
  if (r.result.unexpectedCount !== undefined) {
    const share =
      r.expectationType === 'expect_column_values_to_not_be_null' ? `${r.result.unexpectedPercentTotal}% of values` : `${r.result.unexpectedPercent}% of non-null values`;
    lines.push(`        ${r.result.unexpectedCount.toLocaleString('en-US')} unexpected (${share})`);
    const samples = (r.result.partialUnexpectedList ?? []).slice(0, 5).map((s) => `row ${s.row}: ${JSON.stringify(s.value)}`);
    if (samples.length > 0) lines.push(colour.dim(`        e.g. ${samples.join(', ')}`));
  } else if (r.result.details) {
    lines.push(`        ${JSON.stringify(r.result.details)}`);
  } else {
    lines.push(`        observed ${JSON.stringify(r.result.observedValue)}`);
  }
  return lines;
}

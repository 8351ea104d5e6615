/**
 * `mlops drift REF CUR` through the real commander program, on real flights: a current file from the same
 * population shows no dataset drift, a shifted one shows which columns drifted by which test; `--json`
 * carries the same result; a missing file is a usage error (exit 2) naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { driftStatusCommand } from '../../../cli/commands/drift';
import { runCli } from '../../../cli/program';
import { flightsCsv, shuffledFlights, type Flight } from '../../helpers/flights';
import { captureOutput } from '../../helpers/output';
import { startS3rver, type LocalS3 } from '../../helpers/s3rver';

const mlops = (...args: string[]): string[] => ['node', 'mlops', ...args];

let dir: string;
const file = (name: string, rows: readonly Flight[]): string => {
  const path = join(dir, name);
  writeFileSync(path, flightsCsv(rows));
  return path;
};
// A seeded shuffle of the 20,000 flights, halved: two samples of one population.
const shuffled = shuffledFlights(11);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-drift-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('two samples of the same flights: no dataset drift, one line per compared column (no datetime, no target)', async () => {
  const output = captureOutput();
  const code = await runCli(mlops('drift', file('ref.csv', shuffled.slice(0, 10_000)), file('same.csv', shuffled.slice(10_000)), '--env', 'dev'), output);
  expect(code).toBe(0);
  const text = output.stdout.join('\n').replace(/\u001b\[[0-9;]*m/g, '');
  expect(text).toMatch(/^no dataset drift: 0 of 3 columns drifted \(share 0\.00, threshold 0\.5\)  —  10,000 reference rows, 10,000 current/);
  expect(text).toMatch(/\ndistance +wasserstein +[\d.e-]+ +≥ 0\.1 +ok/);
  expect(text).toMatch(/\norigin +jensenshannon /);
  expect(text).not.toMatch(/\n(date|delay) /);
});

test('shifted flights (distances doubled): distance drifts; --json has each column’s method, score and verdict', async () => {
  const output = captureOutput();
  const shifted = shuffled.slice(10_000).map((f) => ({ ...f, distance: f.distance * 2 }));
  const code = await runCli(mlops('drift', file('ref.csv', shuffled.slice(0, 10_000)), file('shifted.csv', shifted), '--env', 'dev', '--json'), output);
  expect(code).toBe(0);
  const report = JSON.parse(output.stdout.join('\n')) as { reference: { rows: number }; current: { rows: number }; columns: Record<string, { method: string; drifted: boolean; score: number }>; driftedCount: number };
  expect(report.reference.rows).toBe(10_000);
  expect(report.columns.distance).toMatchObject({ method: 'wasserstein', drifted: true });
  expect(report.columns.distance!.score).toBeGreaterThan(0.1);
  expect(report.columns.origin!.drifted).toBe(false);
  expect(report.driftedCount).toBe(1);
});

test('a current file with rows that do not fit its header: they are skipped, counted and named on stderr; --json counts them', async () => {
  const output = captureOutput();
  const current = join(dir, 'ragged.csv');
  writeFileSync(current, `${flightsCsv(shuffled.slice(10_000, 12_000)).trimEnd()}\n2001/01/01 10:00,5,300,ORD\n2001/01/01 10:00,5,300,ORD,ATL\n`);
  const code = await runCli(mlops('drift', file('ref.csv', shuffled.slice(0, 10_000)), current, '--env', 'dev', '--json'), output);
  expect(code).toBe(0);
  const report = JSON.parse(output.stdout.join('\n')) as { current: { rows: number; skippedRows: number } };
  expect(report.current).toEqual({ file: current, rows: 2001, skippedRows: 1 });
  expect(output.stderr.join('\n')).toBe(`mlops: skipped 1 row of the current file ${current} that do not fit it: record 2001 has 4 fields, the header 5`);
});

test('a file that cannot be read (an unclosed quote) is a usage error naming it and the record (exit 2)', async () => {
  const output = captureOutput();
  const current = join(dir, 'open-quote.csv');
  writeFileSync(current, `${flightsCsv(shuffled.slice(0, 100))}2001/01/01 10:00,5,"300,ORD,ATL\n`);
  const code = await runCli(mlops('drift', file('ref.csv', shuffled.slice(0, 10_000)), current, '--env', 'dev'), output);
  expect(code).toBe(2);
  expect(output.stderr.join('\n')).toContain(`cannot read the current file ${current}: '${current}': a quoted field opened in record 101 is never closed`);
});

test('a missing file is a usage error naming it (exit 2)', async () => {
  const output = captureOutput();
  const code = await runCli(mlops('drift', join(dir, 'nope.csv'), join(dir, 'ref.csv'), '--env', 'dev'), output);
  expect(code).toBe(2);
  expect(output.stderr.join('\n')).toContain(`no such reference file: ${join(dir, 'nope.csv')}`);
});

test('one file only is a usage error (exit 2) saying what to give', async () => {
  const output = captureOutput();
  expect(await runCli(mlops('drift', join(dir, 'ref.csv'), '--env', 'dev'), output)).toBe(2);
  expect(output.stderr.join('\n')).toContain("give two files (mlops drift REF CUR) or none (the environment's latest drift verdict)");
});

describe('mlops drift --env: the latest verdict of the environment (reports on s3rver)', () => {
  const BUCKET = 'drift-status-artifacts';
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3rver([BUCKET]);
  });
  afterAll(async () => s3?.stop());
  const put = (at: string, report: Record<string, unknown>) =>
    s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `monitoring/flights/drift/reports/${at.replace(/[:.]/g, '-')}.json`, Body: JSON.stringify(report) }));
  const config = { name: 'flights', environment: 'prod' };

  test('no report yet: exit 1 saying the check has not run', async () => {
    const output = captureOutput();
    expect(await driftStatusCommand(s3.client, BUCKET, config, {}, output)).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/no drift verdict yet for flights \(prod\): the drift check has not run/);
  });

  test('the newest report with a verdict, skipping newer ones without (too few rows)', async () => {
    const window = { from: '2026-11-27T10:00:00.000Z', to: '2026-11-27T11:00:00.000Z' };
    const result = {
      columns: { distance: { method: 'wasserstein', score: 0.31, threshold: 0.1, drifted: true, psi: 0.4, psiBand: 'significant' }, origin: { method: 'jensenshannon', score: 0.05, threshold: 0.1, drifted: false, psi: 0.02, psiBand: 'stable' } },
      driftedShare: 0.5,
      driftedCount: 1,
      datasetDrift: true,
      datasetDriftShare: 0.5,
    };
    await put('2026-11-27T11:00:00.000Z', { at: '2026-11-27T11:00:00.000Z', modelVersion: 4, rows: 2400, window, result });
    await put('2026-11-27T12:00:00.000Z', { at: '2026-11-27T12:00:00.000Z', modelVersion: 4, rows: 12, window, noVerdict: '12 captured rows' });
    const output = captureOutput();
    expect(await driftStatusCommand(s3.client, BUCKET, config, {}, output)).toBe(0);
    const text = output.stdout.join('\n').replace(/\u001b\[[0-9;]*m/g, '');
    expect(text).toMatch(/^dataset drift: 1 of 2 columns drifted \(share 0\.50, threshold 0\.5\)  —  flights v4 \(prod\), 2,400 captured rows from 2026-11-27T10:00:00\.000Z/);
    expect(text).toMatch(/\ndistance +wasserstein +0\.3100 +≥ 0\.1 +drift +0\.400 \(significant\)/);
    expect(text).toMatch(/\nlive quality: no verdict yet \(labels under labels\/ of the data bucket/);
    const json = captureOutput();
    expect(await driftStatusCommand(s3.client, BUCKET, config, { json: true }, json)).toBe(0);
    expect(JSON.parse(json.stdout.join('\n'))).toMatchObject({ modelVersion: 4, rows: 2400, result: { datasetDrift: true } });
  });

  test('the latest live-quality verdict follows the drift table, per served version', async () => {
    // Prepare: a verdict, then a newer check whose labels were too few.
    const quality = (at: string, report: Record<string, unknown>) =>
      s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `monitoring/flights/quality/reports/${at.replace(/[:.]/g, '-')}.json`, Body: JSON.stringify(report) }));
    await quality('2026-11-27T11:00:00.000Z', { result: { metric: 'auc', value: 0.5477, rows: 20000, byVersion: { '1': { rows: 20000, value: 0.5477 } } } });
    await quality('2026-11-27T12:00:00.000Z', { noVerdict: '3 labelled captured rows' });

    // Act
    const output = captureOutput();
    expect(await driftStatusCommand(s3.client, BUCKET, config, {}, output)).toBe(0);

    // Assess
    expect(output.stdout.join('\n')).toMatch(/\nlive quality: auc 0\.5477 on 20,000 labelled captured rows \(v1 0\.5477 on 20000\)$/);
  });
});

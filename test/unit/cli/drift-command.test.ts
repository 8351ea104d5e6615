/**
 * `mlops drift REF CUR` through the real commander program, on real flights: a current file from the same
 * population shows no dataset drift, a shifted one shows which columns drifted by which test; `--json`
 * carries the same result; a missing file is a usage error (exit 2) naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../cli/program';
import { flights, flightsCsv, type Flight } from '../../helpers/flights';
import { captureOutput } from '../../helpers/output';

const mlops = (...args: string[]): string[] => ['node', 'mlops', ...args];

let dir: string;
const file = (name: string, rows: readonly Flight[]): string => {
  const path = join(dir, name);
  writeFileSync(path, flightsCsv(rows));
  return path;
};
// A seeded shuffle of the 20,000 flights, halved: two samples of one population.
const shuffled = [...flights()];
let seed = 11;
for (let i = shuffled.length - 1; i > 0; i--) {
  seed = (seed * 16_807) % 2_147_483_647;
  const j = seed % (i + 1);
  [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
}

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

test('a missing file is a usage error naming it (exit 2)', async () => {
  const output = captureOutput();
  const code = await runCli(mlops('drift', join(dir, 'nope.csv'), join(dir, 'ref.csv'), '--env', 'dev'), output);
  expect(code).toBe(2);
  expect(output.stderr.join('\n')).toContain(`no such reference file: ${join(dir, 'nope.csv')}`);
});

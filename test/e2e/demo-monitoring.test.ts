/**
 * The demo's monitoring chapter (`npm run demo`, step 7) as CI runs it: prod (level 4) as synthesized, on
 * real flights — v1 serves April without drift, the injected May–June shift drifts every compared column
 * and costs v1 live AUC, the alarms start one retrain on the validated upload plus every labelled capture,
 * and the retrained model takes over through the gate. The README's Quickstart states these outcomes; this
 * keeps them true. (Training is deterministic on the same rows, so the gate's verdict is too.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import { runMonitoringDemo } from '../../scripts/demo-monitoring';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-demo-monitoring-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('drift → alarm → retrain on validated + labelled captured data → the retrained model is the champion', async () => {
  // Act
  const lines: string[] = [];
  const say = (text = ''): void => void lines.push(text.replace(/\u001b\[[0-9;]*m/g, ''));
  await runMonitoringDemo(loadConfig({ env: 'prod' }), { out: dir, root: dir, say, heading: say, stdout: { out: say, err: say } });
  const text = lines.join('\n');

  // Assess: April, unchanged, does not drift; its labels give v1's live AUC.
  expect(text).toMatch(/drift check of 6,000 captured rows vs v1's training baseline[^\n]*\n(.*ok\n){3}\s+dataset: 0 of 3 columns drifted/);
  const live = [...text.matchAll(/live quality: AUC (0\.\d+) on ([\d,]+) labelled captured flights/g)].map((m) => [Number(m[1]), m[2]]);
  expect(live.map(([, rows]) => rows)).toEqual(['6,000', '20,000']);
  // The injected shift: every compared column drifts, and v1's live AUC falls.
  expect(text).toMatch(/drift check of 20,000 captured rows[^\n]*\n(.*DRIFTED\n){3}\s+dataset: 3 of 3 columns drifted/);
  expect(live[1]![0]).toBeLessThan((live[0]![0] as number) - 0.05);
  // One retrain starts, on the upload plus all 26,000 labelled captures; the other alarms are skipped.
  expect(text.match(/retrain started/g)).toHaveLength(1);
  expect(text).toMatch(/retrain started \(flights-prod-[\w-]+\): alarm [\w-]+ went to ALARM; retraining on s3:\/\/[\w-]+\/retrain\/run-flights-drift-[\w-]+\/[0-9a-f]{8}\/ \(s3:\/\/[\w-]+\/validated\/run-flights-2001q1-30k-\w+\/flights-2001q1-30k\.csv \+ 26000 labelled captured rows\)/);
  expect(text.match(/retrain skipped/g)).toHaveLength(3);
  // The gate deploys the retrained model: better than v1 on the same holdout by more than minImprovement.
  expect(text).toMatch(/gate: auc 0\.\d+ vs champion v1 0\.\d+: [\d.]+% better \(gate needs ≥ 0\.50%\)/);
  expect(text).toMatch(/v2 is the champion now/);
  expect(text).toMatch(/predict now answers with v2/);
  // The audit trail holds the loop's decisions in order.
  const audit = text.split('\n').filter((l) => /^ {2}\d\d:\d\d:\d\d /.test(l)).map((l) => l.slice(11, 32).trim().replace(/\s+/g, ' '));
  for (const decision of ['quality measured', 'drift no-drift', 'drift drift', 'retrain started', 'gate deploy', 'deployment deployed']) expect(audit).toContain(decision);
}, 300_000);

/**
 * `--local` end to end: `mlops local up` (in this process) starts the synthesized dev platform and writes
 * `<dir>/endpoints.json`; the other commands find it there and talk to it exactly as they talk to AWS —
 * `upload --local` starts a run through the synthesized upload rule, `run --local --wait` joins that run,
 * `runs`, `runs show`, `report`, `models`, `models show` and `models approve` read and write its buckets.
 * Stopping the platform removes the file; a stale file (its process gone) and a missing one are usage
 * errors that say how to start the platform.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localUpCommand } from '../../cli/commands/local';
import type { ModelVersionRow } from '../../cli/commands/models';
import type { UploadSummary } from '../../cli/commands/upload';
import { ENDPOINTS_FILE, type LocalEndpoints } from '../../cli/local-endpoints';
import { runCli } from '../../cli/program';
import { loadConfig } from '../../config/load';
import type { RunRecord } from '../../lambda/core/runs/run-record';
import { flights, flightsCsv } from '../helpers/flights';
import { captureOutput } from '../helpers/output';

let work: string;

async function mlops(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = captureOutput();
  const code = await runCli(['node', 'mlops', ...args], output);
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

/** Wait for `path` to exist (the platform writes it once it is up), or for `failed` to settle first. */
async function waitForFile(path: string, failed: Promise<unknown>): Promise<void> {
  let settled = false;
  void failed.finally(() => (settled = true));
  for (let waited = 0; !existsSync(path); waited += 100) {
    if (settled) await failed;
    if (waited > 120_000) throw new Error(`${path} did not appear within 2 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mlops-cli-local-'));
  writeFileSync(join(work, 'flights.csv'), flightsCsv(flights(3_000)));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('--local', () => {
  test('local up writes endpoints.json; upload, run, runs, runs show, report and models use it; stopping removes it', async () => {
    // Prepare: the platform up, in the foreground of this process until `stop` is called.
    const dir = join(work, 'dev');
    const at = ['--env', 'dev', '--local', '--dir', dir];
    let stop: () => void = () => undefined;
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const upOutput = captureOutput();
    const up = localUpCommand(loadConfig({ env: 'dev' }), { dir, port: 0 }, upOutput, stopSignal);
    await waitForFile(join(dir, ENDPOINTS_FILE), up);
    try {
      const endpoints = JSON.parse(readFileSync(join(dir, ENDPOINTS_FILE), 'utf8')) as LocalEndpoints;
      expect(endpoints).toMatchObject({ name: 'flights', environment: 'dev', pid: process.pid, s3: { buckets: { data: 'flights-dev-data-databucket' } } });
      expect(endpoints.s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(endpoints.stepFunctions.stateMachineArn).toMatch(/^arn:aws:states:us-east-1:\d+:stateMachine:/);
      expect(upOutput.stdout.join('\n')).toContain(`endpoints:      ${join(dir, ENDPOINTS_FILE)}`);

      // Act + Assess: a second platform on the same folder is refused.
      const second = await mlops('local', 'up', '--env', 'dev', '--dir', dir, '--port', '0');
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(new RegExp(`the local platform for dev is already running in .* \\(process ${process.pid}, S3 at http://127\\.0\\.0\\.1:\\d+\\)`));

      // Act + Assess: the upload starts a run through the synthesized rule (dev is level 2).
      const upload = await mlops('upload', join(work, 'flights.csv'), ...at, '--json');
      expect(upload.code).toBe(0);
      const uploaded = JSON.parse(upload.stdout) as UploadSummary;
      expect(uploaded).toMatchObject({ uri: 's3://flights-dev-data-databucket/incoming/flights.csv', startsRun: true, runId: expect.stringMatching(/^run-flights-[0-9a-f]{20}$/) });

      // `run` on the uploaded object joins that run (the trigger started it) and follows it until it waits
      // for approval (dev is level 2): the run registered v1 and nothing serves yet.
      const run = await mlops('run', uploaded.uri, ...at, '--wait', '--json');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ runId: uploaded.runId, started: false, status: 'WAITING_FOR_APPROVAL', version: 1, environment: 'dev' });
      const unserved = await mlops('predict', '{"date":"2001-04-02T08:15:00","distance":950,"origin":"SFO","destination":"LAX"}', ...at);
      expect(unserved.code).toBe(1);
      expect(unserved.stderr).toMatch(/503 NoModel.*no champion/);

      const runs = await mlops('runs', ...at, '--json');
      expect(runs.code).toBe(0);
      const records = JSON.parse(runs.stdout) as RunRecord[];
      expect(records.map((r) => [r.runId, r.status, r.trigger.kind])).toEqual([[uploaded.runId, 'succeeded', 'upload']]);

      const show = await mlops('runs', 'show', uploaded.runId!, ...at);
      expect(show.code).toBe(0);
      expect(show.stdout).toMatch(new RegExp(`^${uploaded.runId} {2}succeeded {2}v1 candidate$`, 'm'));

      const report = await mlops('report', uploaded.runId!, '--out', join(work, 'report.html'), ...at);
      expect(report.code).toBe(0);
      expect(readFileSync(join(work, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);

      const models = await mlops('models', ...at, '--json');
      expect(models.code).toBe(0);
      expect(JSON.parse(models.stdout) as ModelVersionRow[]).toEqual([
        expect.objectContaining({ version: 1, stage: 'candidate', champion: false, runId: uploaded.runId, algorithm: 'gbdt', gate: { metric: 'rmse', value: expect.any(Number) } }),
      ]);

      // Approval resumes the waiting run (its task token), which runs the deploy state machine: v1 serves.
      const approve = await mlops('models', 'approve', 'v1', ...at, '--by', 'tester', '--reason', 'report reviewed', '--json');
      expect(approve.code).toBe(0);
      expect(JSON.parse(approve.stdout)).toMatchObject({ version: 1, stage: 'approved', changed: true });
      const finished = await mlops('run', uploaded.uri, ...at, '--wait', '--json');
      expect(JSON.parse(finished.stdout)).toMatchObject({ runId: uploaded.runId, status: 'SUCCEEDED' });
      const shown = await mlops('models', 'show', '1', ...at);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/approved {3}by tester: report reviewed$/m);
      expect(shown.stdout).toMatch(/champion {3}by tester: deployed: registered by run run-flights-/m);
      const served = await mlops('predict', '{"date":"2001-04-02T08:15:00","distance":950,"origin":"SFO","destination":"LAX"}', ...at, '--json');
      expect(served.code).toBe(0);
      expect(JSON.parse(served.stdout)).toMatchObject({ modelVersion: 1, predictions: [expect.any(Number)] });
      // A manual deploy of the version that serves changes nothing; an unknown version is refused.
      const again = await mlops('deploy', '1', ...at);
      expect(again).toMatchObject({ code: 0, stdout: 'v1 of flights already serves: nothing to do' });
      const unknown = await mlops('deploy', '9', ...at);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/version 9 of model flights is not in the registry/);

      const missing = await mlops('runs', 'show', 'run-nope', ...at);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/run run-nope not found in s3:\/\/flights-dev-data-artifactbucket\/runs\//);
    } finally {
      stop();
      expect(await up).toBe(0);
    }

    // Assess: stopped, the file is gone and `--local` says how to start the platform.
    expect(existsSync(join(dir, ENDPOINTS_FILE))).toBe(false);
    expect(upOutput.stdout.at(-1)).toBe('local platform stopped');
    const after = await mlops('models', ...at);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/^mlops: the local platform for dev is not running: start it with `mlops local up --env dev`/);
  });

  test('a stale endpoints.json (its process has ended) or another environment\'s: exit 2, saying what to do', async () => {
    // Prepare
    const dir = join(work, 'stale');
    mkdirSync(dir, { recursive: true });
    const ended = spawnSync(process.execPath, ['-e', '']).pid;
    const endpoints: LocalEndpoints = {
      name: 'flights',
      environment: 'dev',
      region: 'us-east-1',
      pid: ended,
      startedAt: new Date().toISOString(),
      s3: { endpoint: 'http://127.0.0.1:1', buckets: { data: 'd', artifacts: 'a' } },
      stepFunctions: { endpoint: 'http://127.0.0.1:2', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x' },
    };
    writeFileSync(join(dir, ENDPOINTS_FILE), JSON.stringify(endpoints));
    const other = join(work, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, ENDPOINTS_FILE), JSON.stringify({ ...endpoints, environment: 'staging', pid: process.pid }));

    // Act
    const stale = await mlops('runs', '--env', 'dev', '--dir', dir);
    const mismatch = await mlops('upload', join(work, 'flights.csv'), '--env', 'dev', '--dir', other);

    // Assess
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(new RegExp(`the local platform for dev is not running: start it with \`mlops local up --env dev\` \\(.*endpoints\\.json was left by process ${ended}, which has ended\\)`));
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/endpoints\.json belongs to the local platform of flights-staging, not flights-dev/);
  });
});

/**
 * `mlops report RUN --out F.html` against a real S3 protocol (s3rver): the run's documents read from the
 * artifact bucket, the report written, exit codes and messages. aws-sdk-client-mock stands for
 * CloudFormation's DescribeStacks (the stack outputs that name the bucket) when the whole CLI runs.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportCommand } from '../../cli/commands/report';
import { UsageError } from '../../cli/errors';
import { runCli } from '../../cli/program';
import { s3ArtifactStore } from '../../lambda/aws/s3-artifact-store';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { versionKey } from '../../lambda/core/registry/registry';
import { runRecordKey } from '../../lambda/core/runs/run-record';
import { startS3rver, type LocalS3 } from '../helpers/s3rver';
import { crashedRun, evaluation, manifest, registeredRun, validationReport } from '../helpers/report-fixtures';
import { captureOutput } from '../helpers/output';

const ARTIFACTS = 'flights-dev-artifacts-r';
const NOW = () => new Date('2026-11-27T12:00:00.000Z');

const cfn = mockClient(CloudFormationClient);
let s3: LocalS3;
let dir: string;

beforeAll(async () => {
  s3 = await startS3rver([ARTIFACTS]);
  dir = mkdtempSync(join(tmpdir(), 'mlops-report-cli-'));
  const artifacts = s3ArtifactStore(s3.client, ARTIFACTS);
  await artifacts.putJson(runRecordKey('run-ok'), registeredRun());
  await artifacts.putJson('runs/run-ok/validate/report.json', validationReport());
  await artifacts.putJson('runs/run-ok/evaluate/evaluation.json', evaluation());
  await s3RegistryStore(s3.client, ARTIFACTS).put(versionKey('flights', 2, 'manifest.json'), manifest());
  await artifacts.putJson(runRecordKey('run-crashed'), crashedRun());
  await artifacts.putJson('runs/run-crashed/validate/report.json', validationReport());
});
afterAll(async () => {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => cfn.reset());

describe('mlops report', () => {
  test('writes a registered run as one HTML file with its charts and lineage', async () => {
    // Prepare
    const out = join(dir, 'nested', 'run-ok.html');
    const output = captureOutput();

    // Act
    const code = await reportCommand(s3.client, ARTIFACTS, 'run-ok', { out, now: NOW }, output);

    // Assess
    expect(code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>Run run-ok — succeeded · mlops run report</title>');
    expect(html).toContain('<svg id="chart-metrics"');
    expect(html).toContain('<svg id="chart-importance-permutation"');
    expect(html).toContain('Registered as <strong>flights v2</strong>');
    expect(html).toContain('Generated 2026-11-27T12:00:00.000Z');
    expect(output.stdout).toEqual([expect.stringMatching(new RegExp(`^wrote ${out.replace(/[.\\/]/g, '\\$&')} \\([\\d.]+ KB\\): run run-ok succeeded$`))]);
  });

  test('a run that failed in train still gets a report, and the command says what it lacks', async () => {
    // Prepare
    const out = join(dir, 'run-crashed.html');
    const output = captureOutput();

    // Act
    const code = await reportCommand(s3.client, ARTIFACTS, 'run-crashed', { out, now: NOW }, output);

    // Assess
    expect(code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('Failed in train: TrainingCrashError — the model ran out of memory at iteration 40');
    expect(output.stdout[0]).toMatch(/: run run-crashed failed; without evaluation, lineage \(the report says why\)$/);
  });

  test('an unknown run exits 1, naming the run and the bucket, and writes nothing', async () => {
    // Prepare
    const out = join(dir, 'none.html');
    const output = captureOutput();

    // Act
    const code = await reportCommand(s3.client, ARTIFACTS, 'run-zzz', { out }, output);

    // Assess
    expect(code).toBe(1);
    expect(output.stderr).toEqual([`mlops: run run-zzz not found in s3://${ARTIFACTS}/runs/ (list them with: mlops runs)`]);
    expect(existsSync(out)).toBe(false);
  });

  test('a file that cannot be written is a usage error naming it', async () => {
    // Prepare
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');

    // Act
    const call = reportCommand(s3.client, ARTIFACTS, 'run-ok', { out: join(blocker, 'r.html') }, captureOutput());

    // Assess
    await expect(call).rejects.toThrow(UsageError);
    await expect(call).rejects.toThrow(/^cannot write .*a-file\/r\.html: /);
  });

  describe('through the CLI program', () => {
    const saved = { ...process.env };
    beforeAll(() => Object.assign(process.env, s3.env));
    afterAll(() => {
      for (const key of Object.keys(s3.env)) if (saved[key] === undefined) delete process.env[key];
      Object.assign(process.env, saved);
    });

    test('--env finds the artifact bucket from the stack outputs; exit 0 and the file exists', async () => {
      // Prepare
      cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-data' }).resolves({ Stacks: [{ StackName: 'd', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'DataBucketName', OutputValue: 'data' }, { OutputKey: 'ArtifactBucketName', OutputValue: ARTIFACTS }] }] });
      cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-pipeline' }).resolves({ Stacks: [{ StackName: 'p', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'TrainingStateMachineArn', OutputValue: 'arn:aws:states:us-east-1:1:stateMachine:t' }] }] });
      const out = join(dir, 'cli.html');
      const output = captureOutput();

      // Act
      const code = await runCli(['node', 'mlops', 'report', 'run-ok', '--out', out, '--env', 'dev'], output);

      // Assess
      expect(output.stderr).toEqual([]);
      expect(code).toBe(0);
      expect(readFileSync(out, 'utf8')).toContain('<svg id="chart-timeline"');
    });

    test('without --out it is a usage error (exit 2)', async () => {
      // Prepare
      const output = captureOutput();

      // Act
      const code = await runCli(['node', 'mlops', 'report', 'run-ok', '--env', 'dev'], output);

      // Assess
      expect(code).toBe(2);
      expect(output.stderr.join('\n')).toMatch(/required option '-o, --out <file>' not specified/);
    });
  });
});

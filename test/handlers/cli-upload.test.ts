/**
 * `mlops upload` against a real S3 protocol (s3rver): the whole program (`runCli`) with the stack
 * outputs from a mocked CloudFormation (no local stand-in) and S3 reached through the standard
 * `AWS_ENDPOINT_URL_S3` variable — single-part and multipart uploads, `--key`, the run an upload starts,
 * `--json`, and the exit codes; the progress bar on a TTY and off it.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uploadCommand, type UploadSummary } from '../../cli/commands/upload';
import { renderProgress } from '../../cli/progress';
import { runCli } from '../../cli/program';
import { loadConfig } from '../../config/load';
import { executionName } from '../../lambda/core/runs/execution-name';
import { partsExecutionName } from '../../lambda/core/validation/dataset-parts';
import { configAtLevel } from '../infra/helpers';
import { startS3rver, type LocalS3 } from '../helpers/s3rver';
import { captureOutput } from '../helpers/output';

const DATA = 'flights-dev-data-x';
const ARTIFACTS = 'flights-dev-artifacts-x';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:training';
const MIB = 1024 * 1024;

const cfn = mockClient(CloudFormationClient);
let s3: LocalS3;
let dir: string;
const savedEnv = { ...process.env };

function deployedStacks(): void {
  const stack = (outputs: Record<string, string>) => ({
    Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE' as const, Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
  });
  cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-data' }).resolves(stack({ DataBucketName: DATA, ArtifactBucketName: ARTIFACTS }));
  cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-pipeline' }).resolves(stack({ TrainingStateMachineArn: MACHINE }));
}

async function objectText(key: string): Promise<string> {
  return (await s3.client.send(new GetObjectCommand({ Bucket: DATA, Key: key }))).Body!.transformToString();
}

beforeAll(async () => {
  s3 = await startS3rver([DATA, ARTIFACTS]);
  Object.assign(process.env, s3.env);
  dir = mkdtempSync(join(tmpdir(), 'mlops-upload-'));
  writeFileSync(join(dir, 'flights.csv'), 'date,delay,distance,origin\n2001-01-01T00:00:00,3,100,ORD\n');
  // Above lib-storage's 5 MiB part size: a multipart upload of two parts.
  writeFileSync(join(dir, 'big.csv'), Buffer.alloc(6 * MIB, 'a'));
});
afterAll(async () => {
  process.env = savedEnv;
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  cfn.reset();
  deployedStacks();
});

describe('mlops upload', () => {
  test('a small file goes to incoming/<name>; dev (level 2) says which run the upload starts; exit 0', async () => {
    // Prepare
    const output = captureOutput();

    // Act
    const code = await runCli(['node', 'mlops', 'upload', join(dir, 'flights.csv'), '--env', 'dev'], output);

    // Assess
    expect(code).toBe(0);
    expect(await objectText('incoming/flights.csv')).toMatch(/^date,delay/);
    const runId = executionName(DATA, 'incoming/flights.csv');
    expect(output.stdout[0]).toBe(`uploaded s3://${DATA}/incoming/flights.csv (57 B)`);
    expect(output.stdout[1]).toBe(`  this upload starts run ${runId}: follow it with mlops runs show ${runId} --env dev`);
  });

  test('a file above 5 MiB is uploaded in two parts (a multipart upload), byte for byte', async () => {
    // Prepare
    const output = captureOutput();
    const send = jest.spyOn(S3Client.prototype, 'send');

    // Act
    const code = await runCli(['node', 'mlops', 'upload', join(dir, 'big.csv'), '--env', 'dev', '--key', 'incoming/big/data.csv', '--json'], output);
    const commands = send.mock.calls.map(([command]) => command.constructor.name);
    send.mockRestore();

    // Assess
    expect(code).toBe(0);
    const summary = JSON.parse(output.stdout.join('\n')) as UploadSummary;
    expect(summary).toEqual({ uri: `s3://${DATA}/incoming/big/data.csv`, bucket: DATA, key: 'incoming/big/data.csv', bytes: 6 * MIB, startsRun: true, runId: executionName(DATA, 'incoming/big/data.csv') });
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: DATA, Key: 'incoming/big/data.csv' }));
    expect(head.ContentLength).toBe(6 * MIB);
    expect(commands).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
    expect(Buffer.from(await (await s3.client.send(new GetObjectCommand({ Bucket: DATA, Key: 'incoming/big/data.csv' }))).Body!.transformToByteArray())).toEqual(readFileSync(join(dir, 'big.csv')));
  });

  test("a part folder's marker names the run of the folder; a part file starts none", async () => {
    // Prepare
    const marker = captureOutput();
    const part = captureOutput();

    // Act
    const markerCode = await runCli(['node', 'mlops', 'upload', join(dir, 'flights.csv'), '--env', 'dev', '--key', 'incoming/jan/_SUCCESS', '--json'], marker);
    const partCode = await runCli(['node', 'mlops', 'upload', join(dir, 'flights.csv'), '--env', 'dev', '--key', 'incoming/jan/part-00000.csv'], part);

    // Assess
    expect([markerCode, partCode]).toEqual([0, 0]);
    expect(JSON.parse(marker.stdout.join('\n'))).toMatchObject({ startsRun: true, runId: partsExecutionName(DATA, 'incoming/jan/_SUCCESS') });
    expect(part.stdout[1]).toMatch(/starts no run: incoming\/jan\/part-00000\.csv is a part file; the run starts when its folder's _SUCCESS or _manifest\.json arrives/);
  });

  test('at level 0 an upload starts nothing: it says how to start a run', async () => {
    // Prepare
    const output = captureOutput();
    const env = { region: 'us-east-1', dataBucket: DATA, artifactBucket: ARTIFACTS, stateMachineArn: MACHINE };

    // Act
    const code = await uploadCommand(join(dir, 'flights.csv'), configAtLevel(0), env, s3.client, { key: 'incoming/level0.csv' }, output);

    // Assess
    expect(code).toBe(0);
    expect(output.stdout[1]).toMatch(/\(level 0\) does not start runs on upload: start one with mlops run s3:\/\/flights-dev-data-x\/incoming\/level0\.csv --env /);
  });

  test.each([
    [['--key', 'data/flights.csv'], /--key data\/flights\.csv: uploads go under incoming\/ \(e\.g\. --key incoming\/flights\.csv\)/],
    [['--key', 'incoming/folder/'], /--key incoming\/folder\/: name an object, not a folder/],
  ])('usage errors exit 2 before anything is uploaded: %j', async (args, message) => {
    // Prepare
    const output = captureOutput();

    // Act
    const code = await runCli(['node', 'mlops', 'upload', join(dir, 'flights.csv'), '--env', 'dev', ...args], output);

    // Assess
    expect(code).toBe(2);
    expect(output.stderr.join('\n')).toMatch(message);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  test('a missing file, an unknown environment, a stack not deployed: exit 2, saying what to do', async () => {
    // Prepare
    const missing = captureOutput();
    const unknown = captureOutput();
    const undeployed = captureOutput();

    // Act
    const missingCode = await runCli(['node', 'mlops', 'upload', join(dir, 'nope.csv'), '--env', 'dev'], missing);
    const unknownCode = await runCli(['node', 'mlops', 'upload', join(dir, 'flights.csv'), '--env', 'nowhere'], unknown);
    cfn.reset();
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id flights-dev-data does not exist'), { name: 'ValidationError' }));
    const undeployedCode = await runCli(['node', 'mlops', 'upload', join(dir, 'flights.csv'), '--env', 'dev'], undeployed);

    // Assess
    expect([missingCode, unknownCode, undeployedCode]).toEqual([2, 2, 2]);
    expect(missing.stderr.join('\n')).toMatch(/no such file: .*nope\.csv/);
    expect(unknown.stderr.join('\n')).toMatch(/nowhere/);
    expect(undeployed.stderr.join('\n')).toMatch(/stack flights-dev-data is not deployed in .*: run `npx cdk deploy --all -c env=dev` first/);
  });

  test('a bucket that refuses the upload: exit 1, naming the file and the destination', async () => {
    // Prepare
    const output = captureOutput();
    const env = { region: 'us-east-1', dataBucket: 'no-such-bucket', artifactBucket: ARTIFACTS, stateMachineArn: MACHINE };

    // Act
    const code = await uploadCommand(join(dir, 'flights.csv'), loadConfig({ env: 'dev' }), env, s3.client, {}, output);

    // Assess
    expect(code).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/upload of .*flights\.csv to s3:\/\/no-such-bucket\/incoming\/flights\.csv failed \(NoSuchBucket: /);
  });
});

describe('the progress bar', () => {
  test('on a TTY: percentage, bytes and rate, redrawn in place, then a new line', async () => {
    // Prepare
    const written: string[] = [];
    const tty = { isTTY: true, write: (chunk: string) => written.push(chunk) };
    const env = { region: 'us-east-1', dataBucket: DATA, artifactBucket: ARTIFACTS, stateMachineArn: MACHINE };

    // Act
    await uploadCommand(join(dir, 'big.csv'), loadConfig({ env: 'dev' }), env, s3.client, { key: 'incoming/tty.csv', progress: tty }, captureOutput());

    // Assess
    const frames = written.filter((w) => w.startsWith('\r'));
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames.at(-1)).toMatch(/^\ruploading big\.csv \[#{24}\] 100% {2}6\.0 MB \/ 6\.0 MB {2}[\d.]+ [KMG]?B\/s/);
    expect(written.at(-1)).toBe('\n');
  });

  test('off a TTY it draws nothing', async () => {
    // Prepare
    const written: string[] = [];
    const pipe = { isTTY: false, write: (chunk: string) => written.push(chunk) };
    const env = { region: 'us-east-1', dataBucket: DATA, artifactBucket: ARTIFACTS, stateMachineArn: MACHINE };

    // Act
    await uploadCommand(join(dir, 'flights.csv'), loadConfig({ env: 'dev' }), env, s3.client, { key: 'incoming/pipe.csv', progress: pipe }, captureOutput());

    // Assess
    expect(written).toEqual([]);
  });

  test('renders a partial transfer', () => {
    expect(renderProgress('uploading x.csv', 3 * MIB, 12 * MIB, 2)).toBe('uploading x.csv [######------------------]  25%  3.0 MB / 12.0 MB  1.5 MB/s');
  });
});

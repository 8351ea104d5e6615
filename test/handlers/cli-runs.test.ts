/**
 * `mlops run` and `mlops runs` against a real S3 protocol (s3rver): uploads, run records. The
 * CloudFormation and Step Functions APIs have no local stand-in here: aws-sdk-client-mock stands for
 * DescribeStacks (stack outputs, or "does not exist"), StartExecution (ExecutionAlreadyExists on a
 * repeated name) and DescribeExecution (status).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findEnvironment, EnvironmentNotFoundError, type DeployedEnvironment } from '../../cli/aws/environment';
import { runCommand } from '../../cli/commands/run';
import { runShowCommand, runsCommand } from '../../cli/commands/runs';
import { UsageError } from '../../cli/errors';
import { loadConfig } from '../../config/load';
import { executionName } from '../../lambda/core/runs/execution-name';
import { newRunRecord, runFinished, stageStarted, stageSucceeded } from '../../lambda/core/runs/run-record';
import { startS3rver, type LocalS3 } from '../helpers/s3rver';
import { captureOutput } from '../helpers/output';

const DATA = 'flights-dev-data-x';
const ARTIFACTS = 'flights-dev-artifacts-x';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:training';
const env: DeployedEnvironment = { region: 'us-east-1', dataBucket: DATA, artifactBucket: ARTIFACTS, stateMachineArn: MACHINE };
const config = loadConfig({ env: 'dev' });

const cfn = mockClient(CloudFormationClient);
const sfnMock = mockClient(SFNClient);
let s3: LocalS3;
let dir: string;

beforeAll(async () => {
  s3 = await startS3rver([DATA, ARTIFACTS]);
  dir = mkdtempSync(join(tmpdir(), 'mlops-run-'));
});
afterAll(async () => {
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  cfn.reset();
  sfnMock.reset();
});

describe('findEnvironment', () => {
  test('reads bucket names and the state machine from the stack outputs', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-data' }).resolves({ Stacks: [{ StackName: 'd', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'DataBucketName', OutputValue: DATA }, { OutputKey: 'ArtifactBucketName', OutputValue: ARTIFACTS }] }] });
    cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-pipeline' }).resolves({ Stacks: [{ StackName: 'p', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'TrainingStateMachineArn', OutputValue: MACHINE }] }] });

    // Act
    const found = await findEnvironment(config, new CloudFormationClient({ region: 'us-east-1' }));

    // Assess
    expect(found).toEqual({ region: expect.any(String), dataBucket: DATA, artifactBucket: ARTIFACTS, stateMachineArn: MACHINE });
  });

  test('a stack that is not deployed says how to deploy it', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id flights-dev-data does not exist'), { name: 'ValidationError' }));

    // Act
    const find = findEnvironment(config, new CloudFormationClient({ region: 'us-east-1' }));

    // Assess
    await expect(find).rejects.toThrow(EnvironmentNotFoundError);
    await expect(find).rejects.toThrow(/stack flights-dev-data is not deployed in .*: run `npx cdk deploy --all -c env=dev` first/);
  });

  test('missing credentials are named as such', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

    // Act
    const find = findEnvironment(config, new CloudFormationClient({ region: 'us-east-1' }));

    // Assess
    await expect(find).rejects.toThrow(/no AWS credentials found: set AWS_PROFILE/);
  });
});

describe('mlops run', () => {
  test("a local file is uploaded to incoming/ and started under the trigger's deterministic name", async () => {
    // Prepare
    const file = join(dir, 'flights-q1.csv');
    writeFileSync(file, 'date,delay\n2001-01-01T00:00:00,1\n');
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });
    const output = captureOutput();

    // Act
    const code = await runCommand(file, config, env, { s3: s3.client, sfn: new SFNClient({ region: 'us-east-1' }) }, { json: true }, output);

    // Assess
    expect(code).toBe(0);
    const uploaded = await s3.client.send(new GetObjectCommand({ Bucket: DATA, Key: 'incoming/flights-q1.csv' }));
    expect(await uploaded.Body!.transformToString()).toBe('date,delay\n2001-01-01T00:00:00,1\n');
    const name = executionName(DATA, 'incoming/flights-q1.csv');
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input).toMatchObject({ stateMachineArn: MACHINE, name });
    expect(JSON.parse(output.stdout.join('\n'))).toMatchObject({ runId: name, started: true, executionArn: `arn:aws:states:us-east-1:123456789012:execution:training:${name}` });
  });

  test('an object the trigger already started is joined, and --wait follows it to its end', async () => {
    // Prepare
    await s3.client.send(new PutObjectCommand({ Bucket: DATA, Key: 'incoming/again.csv', Body: 'a\n1\n' }));
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfnMock.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' } as never).resolves({ status: 'FAILED' } as never);
    const output = captureOutput();

    // Act
    const code = await runCommand(`s3://${DATA}/incoming/again.csv`, config, env, { s3: s3.client, sfn: new SFNClient({ region: 'us-east-1' }) }, { wait: true, pollSeconds: 0 }, output);

    // Assess
    expect(code).toBe(1);
    expect(output.stdout.join('\n')).toMatch(/FAILED: run-again-/);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(2);
  });

  test.each([
    [`s3://other-bucket/incoming/a.csv`, /not in this environment's data bucket/],
    [`s3://${DATA}/validated/a.csv`, /runs start from objects under incoming\//],
    ['no/such/file.csv', /no such file: no\/such\/file\.csv/],
  ])('%s is a usage error', async (target, message) => {
    // Act
    const call = runCommand(target, config, env, { s3: s3.client, sfn: new SFNClient({ region: 'us-east-1' }) }, {}, captureOutput());

    // Assess
    await expect(call).rejects.toThrow(UsageError);
    await expect(call).rejects.toThrow(message);
  });
});

describe('mlops runs', () => {
  beforeAll(async () => {
    const put = (runId: string, record: unknown): Promise<unknown> =>
      s3.client.send(new PutObjectCommand({ Bucket: ARTIFACTS, Key: `runs/${runId}/run.json`, Body: JSON.stringify(record) }));
    const trigger = { kind: 'upload' as const, bucket: DATA, key: 'incoming/f.csv' };
    let ok = newRunRecord('run-a', trigger, '2026-11-27T10:00:00.000Z');
    ok = stageSucceeded(stageStarted(ok, 'train', '2026-11-27T10:00:01.000Z'), 'train', '2026-11-27T10:00:03.500Z', { metrics: { rmse: 30.15 } });
    ok = runFinished(ok, 'succeeded', '2026-11-27T10:00:09.000Z', { version: 3, stage: 'champion' });
    await put('run-a', ok);
    await put('run-b', runFinished(newRunRecord('run-b', trigger, '2026-11-27T11:00:00.000Z'), 'rejected', '2026-11-27T11:00:05.000Z', { decision: 'reject' }));
    // A run that has only begun has a folder but no record yet.
    await s3.client.send(new PutObjectCommand({ Bucket: ARTIFACTS, Key: 'runs/run-c/validate/report.json', Body: '{}' }));
  });

  test('lists run records newest first with their outcomes', async () => {
    // Prepare
    const output = captureOutput();

    // Act
    const code = await runsCommand(s3.client, ARTIFACTS, {}, output);

    // Assess
    expect(code).toBe(0);
    expect(output.stdout).toEqual([
      'RUN\tSTATUS\tSTARTED\tSECONDS\tDATA\tOUTCOME',
      'run-b\trejected\t2026-11-27T11:00:00.000Z\t5\tincoming/f.csv\tgate rejected',
      'run-a\tsucceeded\t2026-11-27T10:00:00.000Z\t9\tincoming/f.csv\tv3 champion',
    ]);
  });

  test('runs show prints stages with timings and metrics; an unknown id is a usage error naming it', async () => {
    // Prepare
    const output = captureOutput();

    // Act
    const code = await runShowCommand(s3.client, ARTIFACTS, 'run-a', {}, output);
    const missingOutput = captureOutput();
    const missing = await runShowCommand(s3.client, ARTIFACTS, 'run-zzz', {}, missingOutput);

    // Assess
    expect(code).toBe(0);
    expect(output.stdout.join('\n')).toMatch(/train +succeeded +2\.5 s/);
    expect(output.stdout.join('\n')).toMatch(/metrics: rmse 30\.150/);
    expect(missing).toBe(1);
    expect(missingOutput.stderr.join('\n')).toMatch(/run run-zzz not found in s3:\/\/flights-dev-artifacts-x\/runs\/ \(list them with: mlops runs\)/);
  });
});

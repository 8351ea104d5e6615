/**
 * `mlops models`, `models show`, `models approve` and `models reject` through the whole program
 * (`runCli`), on a registry in a real S3 protocol (s3rver) seeded with the registry core, the stack
 * outputs from a mocked CloudFormation: the table and `--json`, stage changes with who and why, and the
 * exit codes (1: no such version; 2: a stage change the version's stage does not allow).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { userInfo } from 'node:os';
import type { ModelVersionRow } from '../../cli/commands/models';
import { runCli } from '../../cli/program';
import { registerVersion, setStage, versionKey, type RegistryStore, type StageRecord } from '../../lambda/core/registry/registry';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { startS3rver, type LocalS3 } from '../helpers/s3rver';
import { captureOutput } from '../helpers/output';

const DATA = 'flights-dev-data-x';
const ARTIFACTS = 'flights-dev-artifacts-x';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:training';

const cfn = mockClient(CloudFormationClient);
let s3: LocalS3;
let registry: RegistryStore;
const savedEnv = { ...process.env };

async function mlops(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = captureOutput();
  const code = await runCli(['node', 'mlops', ...args, '--env', 'dev'], output);
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

/** Register a version as the register stage does (the manifest facts the CLI shows). */
function register(runId: string, registeredAt: string, rmse: number, algorithm = 'gbdt'): Promise<number> {
  return registerVersion(
    registry,
    'flights',
    { model: { algorithm }, transformSpec: {}, metrics: { holdout: { rmse } }, importance: [], profile: null },
    { runId, registeredAt, algorithm, task: 'regression', environment: 'dev', gate: { metric: 'rmse', value: rmse, decision: 'deploy' }, data: { bucket: DATA, key: `incoming/${runId}.csv`, sha256: 'ab'.repeat(32) } },
  );
}

beforeAll(async () => {
  s3 = await startS3rver([DATA, ARTIFACTS]);
  Object.assign(process.env, s3.env);
  registry = s3RegistryStore(s3.client, ARTIFACTS);
  // v1 became champion, v2 is a candidate awaiting approval, v3 a candidate too, v4 is only claimed (no manifest).
  await register('run-jan', '2026-01-01T00:00:00.000Z', 14.5, 'linear');
  await setStage(registry, 'flights', 1, 'champion', { by: 'run run-jan', reason: 'rmse 14.5 beats the naive baseline', at: '2026-01-01T00:01:00.000Z' });
  await register('run-feb', '2026-02-01T00:00:00.000Z', 13.25);
  await register('run-mar', '2026-03-01T00:00:00.000Z', 12.125);
  await registry.putIfAbsent(versionKey('flights', 4, 'claim.json'), { version: 4, runId: 'run-apr', at: '2026-04-01T00:00:00.000Z' });
});
afterAll(async () => {
  process.env = savedEnv;
  await s3.stop();
});
beforeEach(() => {
  cfn.reset();
  const stack = (outputs: Record<string, string>) => ({
    Stacks: [{ StackName: 's', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE' as const, Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
  });
  cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-data' }).resolves(stack({ DataBucketName: DATA, ArtifactBucketName: ARTIFACTS }));
  cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-pipeline' }).resolves(stack({ TrainingStateMachineArn: MACHINE }));
});

describe('mlops models', () => {
  test('--json: every registered version newest first, the champion marked; a claim without a manifest is not a version', async () => {
    // Act
    const { code, stdout } = await mlops('models', '--json');

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout) as ModelVersionRow[]).toEqual([
      { version: 3, stage: 'candidate', champion: false, registeredAt: '2026-03-01T00:00:00.000Z', runId: 'run-mar', algorithm: 'gbdt', gate: { metric: 'rmse', value: 12.125 } },
      { version: 2, stage: 'candidate', champion: false, registeredAt: '2026-02-01T00:00:00.000Z', runId: 'run-feb', algorithm: 'gbdt', gate: { metric: 'rmse', value: 13.25 } },
      { version: 1, stage: 'champion', champion: true, registeredAt: '2026-01-01T00:00:00.000Z', runId: 'run-jan', algorithm: 'linear', gate: { metric: 'rmse', value: 14.5 } },
    ]);
  });

  test('the table: version, stage, registered at, gate metric, run, algorithm (no colour off a TTY)', async () => {
    // Act
    const { code, stdout } = await mlops('models');

    // Assess
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      '\tVERSION\tSTAGE\tREGISTERED\tGATE\tRUN\tALGORITHM',
      '\tv3\tcandidate\t2026-03-01T00:00:00.000Z\trmse 12.125\trun-mar\tgbdt',
      '\tv2\tcandidate\t2026-02-01T00:00:00.000Z\trmse 13.250\trun-feb\tgbdt',
      '*\tv1\tchampion\t2026-01-01T00:00:00.000Z\trmse 14.500\trun-jan\tlinear',
      '* the champion (the version serving)',
    ]);
  });

  test('show: the manifest and the stage history; --json gives both', async () => {
    // Act
    const text = await mlops('models', 'show', 'v1');
    const json = await mlops('models', 'show', '1', '--json');

    // Assess
    expect([text.code, json.code]).toEqual([0, 0]);
    expect(text.stdout).toMatch(/^flights v1 {2}champion \(the champion\)$/m);
    expect(text.stdout).toMatch(/registered: 2026-01-01T00:00:00\.000Z by run run-jan/);
    expect(text.stdout).toMatch(/gate: {7}rmse 14\.500 → deploy/);
    expect(text.stdout).toMatch(/data: {7}s3:\/\/flights-dev-data-x\/incoming\/run-jan\.csv sha256 abababababab…/);
    expect(text.stdout).toMatch(/2026-01-01T00:00:00\.000Z {2}candidate {2}by run run-jan: registered\n.*2026-01-01T00:01:00\.000Z {2}champion {3}by run run-jan: rmse 14\.5 beats the naive baseline/);
    const shown = JSON.parse(json.stdout) as { manifest: Record<string, unknown>; stage: string; champion: boolean; history: StageRecord['history'] };
    expect(shown).toMatchObject({ stage: 'champion', champion: true, manifest: { name: 'flights', version: 1, runId: 'run-jan', algorithm: 'linear' } });
    expect(shown.history.map((h) => h.stage)).toEqual(['candidate', 'champion']);
  });

  test('a version that does not exist: exit 1, naming the version and the model', async () => {
    // Act
    const show = await mlops('models', 'show', '9');
    const approve = await mlops('models', 'approve', '4');

    // Assess
    expect([show.code, approve.code]).toEqual([1, 1]);
    expect(show.stderr).toBe('mlops: version 9 of model flights not found in s3://flights-dev-artifacts-x/registry/flights/ (it has v1, v2, v3, v4; list them with: mlops models)');
    expect(approve.stderr).toMatch(/version 4 of model flights not found/);
  });

  test('approve: candidate → approved, recording the OS user and the reason; again: nothing changes', async () => {
    // Act
    const approved = await mlops('models', 'approve', '2', '--reason', 'looked at the report', '--json');
    const again = await mlops('models', 'approve', '2');

    // Assess
    expect([approved.code, again.code]).toEqual([0, 0]);
    const result = JSON.parse(approved.stdout) as { stage: string; changed: boolean; history: StageRecord['history'] };
    expect(result).toMatchObject({ name: 'flights', version: 2, stage: 'approved', changed: true });
    expect(result.history.at(-1)).toMatchObject({ stage: 'approved', by: userInfo().username, reason: 'looked at the report' });
    expect(again.stdout).toMatch(/^v2 of flights is already approved \(by .+ at .+: looked at the report\): nothing changed$/);
    const stage = await registry.get<StageRecord>(versionKey('flights', 2, 'stage.json'));
    expect(stage?.history.map((h) => h.stage)).toEqual(['candidate', 'approved']);
  });

  test('reject: → archived with who and why; --reason is required', async () => {
    // Act
    const noReason = await mlops('models', 'reject', '3');
    const rejected = await mlops('models', 'reject', '3', '--reason', 'trained on a bad week', '--by', 'alice');

    // Assess
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/required option '--reason <text>' not specified/);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toBe('v3 of flights: candidate → archived by alice: trained on a bad week');
    expect((await registry.get<StageRecord>(versionKey('flights', 3, 'stage.json')))?.history.at(-1)).toMatchObject({ stage: 'archived', by: 'alice', reason: 'trained on a bad week' });
  });

  test.each([
    [['approve', '1'], /cannot approve v1 of flights: it is champion \(it already serves; approval is for candidates\)/],
    [['approve', '3'], /cannot approve v3 of flights: it is archived \(an archived version cannot come back; a new run registers a new candidate\)/],
    [['reject', '1', '--reason', 'x'], /cannot reject v1 of flights: it is champion \(it serves now; deploy another version first, which archives this one\)/],
    [['approve', 'latest'], /VERSION is a version number such as 3 or v3, got "latest"/],
  ])('usage errors exit 2 and say the stage: %j', async (args, message) => {
    // Act
    const { code, stderr } = await mlops('models', ...args);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  test("options after a subcommand are the subcommand's: `models show 1 --env staging` looks for staging's stacks", async () => {
    // Prepare
    cfn.on(DescribeStacksCommand, { StackName: 'flights-staging-data' }).rejects(Object.assign(new Error('Stack with id flights-staging-data does not exist'), { name: 'ValidationError' }));
    const output = captureOutput();

    // Act
    const code = await runCli(['node', 'mlops', 'models', 'show', '1', '--env', 'staging', '--json'], output);

    // Assess
    expect(code).toBe(2);
    expect(output.stderr.join('\n')).toMatch(/stack flights-staging-data is not deployed in .*: run `npx cdk deploy --all -c env=staging` first/);
  });

  test('no credentials: exit 2, saying how to provide them', async () => {
    // Prepare
    cfn.reset();
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));

    // Act
    const { code, stderr } = await mlops('models');

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/no AWS credentials found: set AWS_PROFILE, run `aws sso login`/);
  });
});

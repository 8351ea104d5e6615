/**
 * The deploy flows on the local platform, from the synthesized templates: at level 3 a run whose model
 * passes the gate runs the serving stack's deploy state machine, which publishes a predict version pinned
 * to the model and has CodeDeploy (the stand-in, on the platform clock) shift the `live` alias as a canary;
 * the Function URL then answers with the new version, and a second, better model replaces it. When a
 * rollback alarm fires during the canary, the alias goes back, the version is archived with the alarm as
 * evidence, and the run ends DeploymentFailed. At level 1 nothing deploys until `mlops deploy`.
 *
 * Real here: the ASL of both state machines, the deploy Lambda calling the Lambda API (the local control
 * plane, through `@aws-sdk/client-lambda`), the alarms of the template evaluated on EMF metrics, the
 * registry on s3rver. Modelled: CodeDeploy's traffic shifting (`local/codedeploy-stand-in.ts`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { runCli } from '../../cli/program';
import { writeEndpoints } from '../../cli/local-endpoints';
import { platformEndpoints } from '../../cli/commands/local';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { getChampion, versionKey, type StageRecord } from '../../lambda/core/registry/registry';
import { LocalPlatform } from '../../local/platform';
import type { PlatformConfig } from '../../config/schema';
import { configAtLevel } from '../infra/helpers';
import { flights, flightsCsv } from '../helpers/flights';
import { deployExecutions, uploadAndRun } from '../helpers/local-runs';
import { captureOutput } from '../helpers/output';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-deploy-flows-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RECORD = { date: '2001-04-02T08:15:00', distance: 950, origin: 'SFO', destination: 'LAX' };

async function predict(platform: LocalPlatform): Promise<{ status: number; body: { modelVersion?: number; predictions?: number[]; message?: string } }> {
  const [url] = platform.functionUrls.values();
  const response = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(RECORD) });
  return { status: response.status, body: (await response.json()) as { modelVersion?: number; predictions?: number[]; message?: string } };
}


/** The predict function (the one whose alias the Function URL serves). */
const aliasFunction = (platform: LocalPlatform): string => platform.assembly.aliases[0]!.functionArn;

/** Write a config to a file for `--config` (the CLI reads configs from files). */
function writeConfig(config: PlatformConfig): string {
  const file = join(dir, `${config.environment}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}


/** Level 3 with a short canary and no improvement margin (a better model is enough). */
function levelThree(canaryMinutes: number) {
  const base = configAtLevel(3);
  return configAtLevel(3, {
    dataset: { ...base.dataset, rowCount: { min: 100 } },
    gate: { ...base.gate, minImprovement: 0 },
    serving: { ...base.serving, deployment: { ...base.serving.deployment, canaryPercent: 10, canaryMinutes } },
  });
}

describe('level 3: automatic canary deployment', () => {
  test('the gate passes → canary on the alias → the endpoint answers with v1; a second, better model replaces it the same way', async () => {
    // Prepare: a minute of platform clock per second, so the 2-minute canary takes ~2 s.
    const lines: string[] = [];
    const platform = await LocalPlatform.start({ config: levelThree(2), dir: join(dir, 'canary'), clockSpeed: 60, log: (l) => lines.push(l) });
    const weights: Array<Record<string, number>> = [];
    platform.lambda.onAliasChange((e) => weights.push({ [e.after.functionVersion]: 1, ...e.after.additionalVersionWeights }));
    try {
      expect([...platform.functionUrls.keys()]).toEqual([expect.stringMatching(/^PredictAliasFunctionUrl/)]);
      expect((await predict(platform)).status).toBe(503);

      // Act: the first run.
      const first = await uploadAndRun(platform, 'incoming/flights-early.csv', 3_000);

      // Assess: registered as a candidate, deployed by the nested deploy execution through a canary.
      expect({ status: first.status, error: first.error, cause: first.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
      const output = JSON.parse(first.output!) as { register: { version: number; stage: string }; deploy: { status: string } };
      expect(output.register).toMatchObject({ version: 1, stage: 'candidate' });
      expect(output.deploy.status).toBe('SUCCEEDED');
      expect(deployExecutions(platform).map((e) => e.status)).toEqual(['SUCCEEDED']);
      // CloudFormation's version 1 served first; version 2 (pinned to model v1) got 10%, then everything.
      expect(weights).toEqual([{ 1: 1, 2: 0.1 }, { 2: 1 }]);
      expect(await predict(platform)).toMatchObject({ status: 200, body: { modelVersion: 1, predictions: [expect.any(Number)] } });
      const registry = s3RegistryStore(platform.s3, platform.buckets.artifacts);
      expect(await getChampion(registry, 'flights')).toMatchObject({ version: 1 });
      expect((await registry.get<StageRecord>(versionKey('flights', 1, 'stage.json')))!.history.at(-1)).toMatchObject({ stage: 'champion', by: expect.stringMatching(/^run run-flights-/), reason: expect.stringMatching(/^canary deployment succeeded/) });

      // Act: a second run on ten times the rows.
      const second = await uploadAndRun(platform, 'incoming/flights-more.csv', 20_000);

      // Assess: v2 beat v1 on the same holdout, went through its own canary and serves; v1 is archived.
      expect(second.status).toBe('SUCCEEDED');
      expect(JSON.parse(second.output!)).toMatchObject({ evaluate: { decision: 'deploy' }, register: { version: 2 }, deploy: { status: 'SUCCEEDED' } });
      expect(weights.slice(2)).toEqual([{ 2: 1, 3: 0.1 }, { 3: 1 }]);
      expect(await predict(platform)).toMatchObject({ status: 200, body: { modelVersion: 2 } });
      expect(await getChampion(registry, 'flights')).toMatchObject({ version: 2, previous: 1 });
      expect((await registry.get<StageRecord>(versionKey('flights', 1, 'stage.json')))!.stage).toBe('archived');
      expect(lines.join('\n')).toMatch(/CodeDeploy d-\w+ \(\w+\): shifted, InProgress \(10% on version 3\)/);
    } finally {
      await platform.stop();
    }
  });

  test('a canary version that fails its requests: the error-rate alarm fires, the alias goes back, the version is archived with the alarm, the run ends DeploymentFailed', async () => {
    // Prepare: the alarms' clock is ours, so an error-rate period can be completed at will.
    let offset = 0;
    const platform = await LocalPlatform.start({ config: levelThree(5), dir: join(dir, 'rollback'), clockSpeed: 60, now: () => Date.now() + offset });
    try {
      const first = await uploadAndRun(platform, 'incoming/flights-early.csv', 3_000);
      expect(first.status).toBe('SUCCEEDED');

      // v2 is broken where it matters: its model.json is damaged after the deploy checked it, so the
      // version the canary publishes fails every request it gets (500 InvalidModel: ServerErrors 1). While
      // the canary runs, traffic arrives (10% goes to v2); then the minute is complete and the alarms look.
      const registry = s3RegistryStore(platform.s3, platform.buckets.artifacts);
      let traffic: Promise<number[]> | undefined;
      platform.codeDeploy!.onChange((e) => {
        if (e.change !== 'created') return;
        traffic = (async () => {
          await registry.put(versionKey('flights', 2, 'model.json'), { format: 'not a model' });
          const statuses: number[] = [];
          for (let i = 0; i < 80; i++) statuses.push((await predict(platform)).status);
          offset += 120_000;
          platform.evaluateAlarms();
          return statuses;
        })();
      });
      // Act
      const second = await uploadAndRun(platform, 'incoming/flights-more.csv', 20_000);

      // Assess: during the canary some requests reached v2 and failed; the error-rate alarm fired, the deploy
      // execution ended RolledBack, the run DeploymentFailed; v1 still serves.
      const statuses = await traffic!;
      expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s !== 200 && s !== 500)).toEqual([]);
      expect(platform.alarms!.state([...platform.assembly.alarms.map((a) => a.logicalId)].find((id) => id.startsWith('ReleaseErrorRateAlarm'))!).value).toBe('ALARM');
      expect({ status: second.status, error: second.error }).toEqual({ status: 'FAILED', error: 'DeploymentFailed' });
      const [, rolledBack] = deployExecutions(platform);
      expect({ status: rolledBack!.status, error: rolledBack!.error }).toEqual({ status: 'FAILED', error: 'RolledBack' });
      expect(platform.lambda.aliasRouting(aliasFunction(platform), 'live')).toEqual({ functionVersion: '2', additionalVersionWeights: {} });
      expect(await predict(platform)).toMatchObject({ status: 200, body: { modelVersion: 1 } });
      expect(await getChampion(registry, 'flights')).toMatchObject({ version: 1 });
      const stage = (await registry.get<StageRecord>(versionKey('flights', 2, 'stage.json')))!;
      expect(stage.stage).toBe('archived');
      expect(stage.history.at(-1)).toMatchObject({ by: 'codedeploy', reason: expect.stringMatching(/^rolled back: One or more alarms have been activated.*ReleaseErrorRateAlarm/) });
    } finally {
      await platform.stop();
    }
  });
});

describe('level 1: manual deploy', () => {
  test('a run registers v1 and nothing serves; mlops deploy 1 --local runs the deploy state machine and v1 serves', async () => {
    // Prepare
    const base = configAtLevel(1);
    const config = configAtLevel(1, { dataset: { ...base.dataset, rowCount: { min: 100 } } });
    const platform = await LocalPlatform.start({ config, dir: join(dir, 'manual') });
    const local = join(dir, 'manual-endpoints');
    try {
      await platform.s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: 'incoming/flights.csv', Body: flightsCsv(flights(3_000)) }));
      const run = platform.stepFunctions.startExecution(platform.stateMachineArn, 'manual-1', JSON.stringify({ runId: 'manual-1', bucket: platform.buckets.data, key: 'incoming/flights.csv', trigger: 'manual' }));
      await run.done;
      expect(run.status).toBe('SUCCEEDED');
      expect(JSON.parse(run.output!)).toMatchObject({ register: { version: 1, stage: 'candidate' } });
      expect(deployExecutions(platform)).toEqual([]);
      expect((await predict(platform)).status).toBe(503);
      // What `mlops local up` writes, so the CLI finds this platform with --local.
      mkdirSync(local, { recursive: true });
      writeEndpoints(local, platformEndpoints(platform, config));
      const output = captureOutput();

      // Act
      const code = await runCli(['node', 'mlops', 'deploy', '1', '--config', writeConfig(config), '--local', '--dir', local, '--by', 'alice', '--reason', 'first model'], output);

      // Assess
      expect({ code, stdout: output.stdout.join('\n') }).toEqual({ code: 0, stdout: expect.stringMatching(/^deployed: v1 of flights serves$/) });
      expect(await predict(platform)).toMatchObject({ status: 200, body: { modelVersion: 1 } });
      const history = (await s3RegistryStore(platform.s3, platform.buckets.artifacts).get<StageRecord>(versionKey('flights', 1, 'stage.json')))!.history;
      expect(history.at(-1)).toMatchObject({ stage: 'champion', by: 'alice', reason: 'deployed: first model' });
    } finally {
      await platform.stop();
    }
  });
});

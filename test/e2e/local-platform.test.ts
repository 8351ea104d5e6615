/**
 * The embedded local platform end to end, through the CLI: `mlops local run` synthesizes the
 * environment, serves S3 (s3rver) and Step Functions on 127.0.0.1, delivers the upload's S3 event to the
 * synthesized rule's trigger Lambda, which starts the synthesized state machine through the local Step
 * Functions endpoint — on real flights rows, on a bad file, and on a second dataset (vega-datasets'
 * weather.csv, a binary task) that needs only its own config file. And the definitions drive the
 * behaviour: a rule changed in the CDK app (an escape hatch, no change to `local/`) changes which
 * uploads start runs, and a level without the validation gate runs a state machine without it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnRule, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { runCli } from '../../cli/program';
import type { RunRecord } from '../../lambda/core/runs/run-record';
import { LocalPlatform, synthesizeEnvironment } from '../../local/platform';
import { configAtLevel } from '../infra/helpers';
import { VEGA_DATA_DIR, flights, flightsCsv } from '../helpers/flights';
import { captureOutput } from '../helpers/output';

const REPO = join(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-local-'));
  writeFileSync(join(dir, 'flights-20k.csv'), flightsCsv(flights(20_000)));
  const bad = flightsCsv(flights(2_000)).split('\n');
  bad[7] = '2001-13-01T00:00:00,1,2,ORD';
  writeFileSync(join(dir, 'bad.csv'), bad.join('\n'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mlops local run', () => {
  test('20k flights rows: the upload rule starts the run, which registers version 1; exit 0', async () => {
    const output = captureOutput();

    const code = await runCli(['node', 'mlops', 'local', 'run', join(dir, 'flights-20k.csv'), '--env', 'dev', '--dir', join(dir, 'dev')], output);

    expect(code).toBe(0);
    const text = output.stdout.join('\n');
    // dev is level 2: the run registers v1 and waits for approval; the CLI stops following it there.
    expect(text).toMatch(/^WAITING FOR APPROVAL: run-flights-20k-[0-9a-f]{20} registered v1; it deploys when approved/m);
    expect(text).toMatch(/mlops models approve 1 --env dev/);
    expect(text).toMatch(/succeeded\s+v1 candidate/);
    expect(text).toMatch(/gate: rmse [\d.]+ beats the naive baseline/);
    // The run was started by the synthesized rule's trigger, not by the CLI.
    expect(output.stderr.join('\n')).toMatch(/rule UploadRule\w+ → trigger: \{"started":true/);
  });

  test('a bad file: exit 1, with the validation reason and the report', async () => {
    const output = captureOutput();

    const code = await runCli(['node', 'mlops', 'local', 'run', join(dir, 'bad.csv'), '--env', 'dev', '--dir', join(dir, 'dev')], output);

    expect(code).toBe(1);
    const text = output.stdout.join('\n');
    expect(text).toMatch(/failed\s+ValidationFailed in validate/);
    expect(text).toMatch(/invalid: 1 row has a field count different from the header's 5 \(rows 7\)/);
    expect(text).toMatch(/report: s3:\/\/flights-dev-data-artifactbucket\/runs\/run-bad-[0-9a-f]+\/validate\/report\.json/);
  });

  test("another dataset with only its own config: vega-datasets' weather.csv, wet = precipitation > 0, gated on AUC", async () => {
    const output = captureOutput();
    const weather = join(VEGA_DATA_DIR, 'weather.csv');

    const code = await runCli(['node', 'mlops', 'local', 'run', weather, '--config', join(REPO, 'examples', 'weather.json'), '--dir', join(dir, 'weather'), '--json'], output);

    expect({ code, errors: output.stderr.join('\n').split('\n').filter((l) => l.startsWith('mlops:')) }).toEqual({ code: 0, errors: [] });
    // --json: the run summary, then the run record, each one JSON document.
    const documents = output.stdout.join('\n').split(/\n(?=\{)/).map((d) => JSON.parse(d) as Record<string, unknown>);
    // weather is level 2: the run registers v1 and waits for approval.
    expect(documents[0]).toMatchObject({ status: 'WAITING_FOR_APPROVAL', environment: 'weather', version: 1 });
    const record = documents[1] as unknown as RunRecord;
    expect(record).toMatchObject({ status: 'succeeded', outcome: { version: 1 } });
    expect(record.metrics.rowsValidated).toBe(2922);
    expect(record.metrics.auc).toBeGreaterThan(0.6);
  });

  test('usage errors exit 2: a missing file, an unknown environment', async () => {
    const missing = captureOutput();
    expect(await runCli(['node', 'mlops', 'local', 'run', join(dir, 'nope.csv'), '--env', 'dev'], missing)).toBe(2);
    expect(missing.stderr.join('\n')).toMatch(/no such file: .*nope\.csv/);
    const unknown = captureOutput();
    expect(await runCli(['node', 'mlops', 'local', 'run', join(dir, 'bad.csv'), '--env', 'nowhere'], unknown)).toBe(2);
    expect(unknown.stderr.join('\n')).toMatch(/nowhere/);
  });
});

/** The training pipeline's state machine of a synthesized app (the serving stack has the deploy state machine too). */
function trainingStateMachine(app: Construct): StateMachine {
  return app.node.findAll().find((c): c is StateMachine => c instanceof StateMachine && c.node.path.includes('/TrainingPipeline/'))!;
}

describe('the synthesized definitions drive local behaviour', () => {
  async function uploadAndSettle(platform: LocalPlatform, key: string): Promise<void> {
    await platform.s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: key, Body: flightsCsv(flights(3_000)) }));
    // The rule delivery is asynchronous: give the trigger time to run (a started execution shows at once).
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }

  test("a rule's pattern changed in the CDK app changes which uploads start runs", async () => {
    // Level 2 with manual deploys: a run ends at registration instead of waiting for an approval.
    const config = configAtLevel(2, { dataset: { ...configAtLevel(2).dataset, rowCount: { min: 100 } }, overrides: { approvalDeploy: false, manualDeploy: true } });
    const templates = synthesizeEnvironment(config, (app) => {
      // An escape hatch on the synthesized rule: only uploads under incoming/special/ match now.
      const rule = app.node.findAll().find((c): c is CfnRule => c instanceof CfnRule)!;
      rule.addPropertyOverride('EventPattern.detail.object.key', [{ prefix: 'incoming/special/' }]);
    });
    const platform = await LocalPlatform.start({ config, dir: join(dir, 'rule'), templates });
    try {
      await uploadAndSettle(platform, 'incoming/plain.csv');
      expect(platform.stepFunctions.executions.size).toBe(0);

      await uploadAndSettle(platform, 'incoming/special/flights.csv');
      const [execution] = platform.stepFunctions.executions.values();
      expect(execution?.name).toMatch(/^run-flights-/);
      await execution!.done;
      expect(execution!.status).toBe('SUCCEEDED');
    } finally {
      await platform.stop();
    }
  });

  test('level 1 has no upload rule (runs start by hand); level 0 runs a state machine without the validation gate', async () => {
    const config = (level: 0 | 1) => configAtLevel(level, { dataset: { ...configAtLevel(level).dataset, rowCount: { min: 100 } } });
    const levelOne = await LocalPlatform.start({ config: config(1), dir: join(dir, 'l1') });
    try {
      expect(levelOne.assembly.rules).toEqual([]);
      await uploadAndSettle(levelOne, 'incoming/flights.csv');
      expect(levelOne.stepFunctions.executions.size).toBe(0);
    } finally {
      await levelOne.stop();
    }

    const levelZero = await LocalPlatform.start({ config: config(0), dir: join(dir, 'l0') });
    try {
      expect(Object.keys(levelZero.assembly.stateMachines[0]!.definition.States as object)).not.toContain('Validate');
      await levelZero.s3.send(new PutObjectCommand({ Bucket: levelZero.buckets.data, Key: 'incoming/flights.csv', Body: flightsCsv(flights(3_000)) }));
      const execution = levelZero.stepFunctions.startExecution(
        levelZero.stateMachineArn,
        'manual-l0',
        JSON.stringify({ runId: 'manual-l0', bucket: levelZero.buckets.data, key: 'incoming/flights.csv', trigger: 'manual' }),
      );
      await execution.done;
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output!)).not.toHaveProperty('validate');
      expect(existsSync(join(dir, 'l0', 'logs', 'handlers.jsonl'))).toBe(true);
    } finally {
      await levelZero.stop();
    }
  });

  test('an alarm on the metrics the handlers emit changes state, and its CloudWatch event starts the state machine through a rule', async () => {
    // Level 2 with manual deploys: a run ends at registration instead of waiting for an approval.
    const config = configAtLevel(2, { dataset: { ...configAtLevel(2).dataset, rowCount: { min: 100 } }, overrides: { approvalDeploy: false, manualDeploy: true } });
    const templates = synthesizeEnvironment(config, (app) => {
      // What the monitoring issue builds, added here through the CDK: an alarm on an EMF metric of the
      // features stage, and a rule that starts the pipeline when it goes to ALARM.
      const machine = trainingStateMachine(app);
      const stack = Stack.of(machine);
      const alarm = new Alarm(stack, 'ManyRowsAlarm', {
        alarmName: 'many-rows',
        metric: new Metric({ namespace: 'MLOps/flights', metricName: 'TrainingRows', dimensionsMap: { service: 'features', environment: 'level2', stage: 'features' }, statistic: 'Sum', period: Duration.minutes(1) }),
        threshold: 1000,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      new Rule(stack, 'RetrainOnAlarm', {
        eventPattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'], detail: { alarmName: [alarm.alarmName], state: { value: ['ALARM'] } } },
        targets: [new SfnStateMachine(machine, { input: RuleTargetInput.fromObject({ runId: 'retrain-1', bucket: 'flights-level2-data-databucket', key: 'incoming/flights.csv', trigger: 'drift' }) })],
      });
    });
    let now = Date.now();
    const platform = await LocalPlatform.start({ config, dir: join(dir, 'alarm'), templates, now: () => now });
    try {
      await uploadAndSettle(platform, 'incoming/flights.csv');
      const [first] = platform.stepFunctions.executions.values();
      await first!.done;
      expect(platform.alarms!.state('many-rows').value).toBe('INSUFFICIENT_DATA');

      // A minute later the features stage's TrainingRows (≈2,400 > 1,000) is a complete period.
      now += 120_000;
      platform.evaluateAlarms();

      expect(platform.alarms!.state('many-rows').value).toBe('ALARM');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const retrain = [...platform.stepFunctions.executions.values()].find((e) => JSON.parse(e.input).runId === 'retrain-1');
      expect(retrain).toBeDefined();
      await retrain!.done;
      expect(retrain!.status).toBe('SUCCEEDED');
    } finally {
      await platform.stop();
    }
  });

  test('a scheduled rule runs on the local clock: advanced 45 minutes, rate(30 minutes) fires once, with the target input', async () => {
    const config = configAtLevel(1, { dataset: { ...configAtLevel(1).dataset, rowCount: { min: 100 } } });
    const templates = synthesizeEnvironment(config, (app) => {
      const machine = trainingStateMachine(app);
      new Rule(Stack.of(machine), 'Nightly', {
        schedule: Schedule.rate(Duration.minutes(30)),
        targets: [new SfnStateMachine(machine, { input: RuleTargetInput.fromObject({ runId: 'scheduled-1', bucket: 'flights-level1-data-databucket', key: 'incoming/flights.csv', trigger: 'manual' }) })],
      });
    });
    const platform = await LocalPlatform.start({ config, dir: join(dir, 'schedule'), templates });
    try {
      await platform.s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: 'incoming/flights.csv', Body: flightsCsv(flights(3_000)) }));

      platform.advanceClock(45);
      await new Promise((resolve) => setTimeout(resolve, 100));

      const executions = [...platform.stepFunctions.executions.values()];
      expect(executions).toHaveLength(1);
      expect(JSON.parse(executions[0]!.input)).toMatchObject({ runId: 'scheduled-1' });
      await executions[0]!.done;
      expect({ status: executions[0]!.status, error: executions[0]!.error, cause: executions[0]!.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    } finally {
      await platform.stop();
    }
  });
});

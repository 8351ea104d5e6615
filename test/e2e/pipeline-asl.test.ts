/**
 * The decisive test of the training pipeline: the state machine's ASL as synthesized into the template,
 * executed by aws-local-stepfunctions, each Lambda task bound to its real handler with the environment
 * the template gives it, and S3 served by s3rver — on 20k real flights rows.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { buildApp } from '../../lib/platform';
import type { RunRecord } from '../../lambda/core/runs/run-record';
import { configAtLevel, rawConfig, testApp } from '../infra/helpers';
import { flights, flightsCsv } from '../helpers/flights';
import { startS3rver, type LocalS3 } from '../helpers/s3rver';
import { LocalPipeline } from '../helpers/synthesized-pipeline';

const DATA = 'flights-data-local';
const ARTIFACTS = 'flights-artifacts-local';

let s3: LocalS3;
let pipeline: LocalPipeline;

async function readJson<T>(bucket: string, key: string): Promise<T> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as T;
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function upload(key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: DATA, Key: key, Body: body }));
}

const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3rver([DATA, ARTIFACTS]);
  // The handlers' S3 clients are made on first use: the local endpoint and credentials stay set.
  Object.assign(process.env, s3.env);
  // Level 3: a model that passes the gate is promoted to champion at once (autoDeploy).
  const dev = rawConfig('dev') as { dataset: Record<string, unknown> };
  const config = configAtLevel(3, {
    dataset: { ...dev.dataset, rowCount: { min: 100 } },
    model: { engine: 'lambda', algorithm: 'linear', params: { l2: 1 } },
    features: { origin: { transform: 'native', topK: 30 }, destination: { transform: 'native', topK: 30 }, distance: 'standardize', date: ['hour', 'dayOfWeek'] },
  });
  const [platform] = buildApp(testApp(), [config]);
  pipeline = new LocalPipeline(Template.fromStack(platform!.pipeline!), { data: DATA, artifacts: ARTIFACTS }, { ...s3.env });
});

afterAll(async () => {
  await s3?.stop();
  for (const key of Object.keys(s3?.env ?? {})) if (!(key in savedEnv)) delete process.env[key];
});

describe('the synthesized training pipeline, run locally', () => {
  const csv = flightsCsv(flights(20_000));

  test('an upload runs to Registered: version 1, champion, with lineage and a complete run record', async () => {
    // Prepare
    await upload('incoming/2001/flights-20k.csv', csv);

    // Act
    const run = await pipeline.run({ runId: 'run-1', bucket: DATA, key: 'incoming/2001/flights-20k.csv', trigger: 'upload' });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ validate: { verdict: 'valid' }, evaluate: { decision: 'deploy' }, register: { version: 1, stage: 'champion' } });
    const manifest = await readJson<Record<string, unknown>>(ARTIFACTS, 'registry/flights/1/manifest.json');
    expect(manifest).toMatchObject({
      version: 1,
      runId: 'run-1',
      data: { bucket: DATA, key: 'incoming/2001/flights-20k.csv', validationReportKey: 'runs/run-1/validate/report.json' },
    });
    expect(await keys(ARTIFACTS, 'registry/flights/1/')).toEqual(
      ['claim', 'importance', 'manifest', 'metrics', 'model', 'profile', 'stage', 'transform-spec'].map((f) => `registry/flights/1/${f}.json`),
    );
    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-1/run.json');
    expect(record.status).toBe('succeeded');
    expect(Object.keys(record.stages).sort()).toEqual(['evaluate', 'features', 'register', 'train', 'validate']);
    expect(record.metrics.rowsValidated).toBe(20_000);
    expect(record.outcome).toMatchObject({ version: 1, stage: 'champion' });
  });

  test('a second run on the same data is judged against v1 as champion and ends in GateRejected', async () => {
    // Act
    const run = await pipeline.run({ runId: 'run-2', bucket: DATA, key: 'incoming/2001/flights-20k.csv', trigger: 'manual' });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ evaluate: { decision: 'reject' } });
    const evaluation = await readJson<{ champion: { version: number }; gate: { reasons: string[] } }>(ARTIFACTS, 'runs/run-2/evaluate/evaluation.json');
    expect(evaluation.champion.version).toBe(1);
    expect(evaluation.gate.reasons[0]).toMatch(/vs champion v1/);
    expect((await readJson<RunRecord>(ARTIFACTS, 'runs/run-2/run.json')).status).toBe('rejected');
    expect(await keys(ARTIFACTS, 'registry/flights/2/')).toEqual([]);
  });

  test('a bad file ends in ValidationFailed, quarantined, the original untouched', async () => {
    // Prepare
    const bad = csv.split('\n').map((line, i) => (i === 7 ? '2001-13-01T00:00:00,1,2,ORD' : line)).join('\n');
    await upload('incoming/bad.csv', bad);

    // Act
    const run = await pipeline.run({ runId: 'run-bad', bucket: DATA, key: 'incoming/bad.csv', trigger: 'upload' });

    // Assess
    expect(run).toMatchObject({ status: 'FAILED', error: 'ValidationFailed' });
    expect(await keys(DATA, 'quarantine/run-bad/')).toEqual(['quarantine/run-bad/bad.csv', 'quarantine/run-bad/bad.csv.report.json']);
    expect(await keys(DATA, 'incoming/bad.csv')).toEqual(['incoming/bad.csv']);
    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-bad/run.json');
    expect(record).toMatchObject({ status: 'failed', outcome: { failedStage: 'validate', error: 'ValidationFailed' } });
  });

  test('a transient Lambda error is retried and the run still succeeds', async () => {
    // Prepare: the features task fails once the way the Lambda service fails, then runs for real.
    let calls = 0;
    const flaky = async (event: unknown): Promise<unknown> => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
      return pipeline.handlers.Features!(event);
    };

    // Act
    const run = await pipeline.run({ runId: 'run-retry', bucket: DATA, key: 'incoming/2001/flights-20k.csv' }, { Features: flaky });

    // Assess
    expect(calls).toBe(2);
    expect(run.status).toBe('SUCCEEDED');
  });

  test('a stage that crashes is recorded (stage, error, cause) and the run ends in its named failure', async () => {
    // Prepare
    const broken = async (): Promise<never> => {
      throw Object.assign(new Error('out of memory while growing tree 7'), { name: 'TrainingCrashError' });
    };

    // Act
    const run = await pipeline.run({ runId: 'run-crash', bucket: DATA, key: 'incoming/2001/flights-20k.csv' }, { Train: broken });

    // Assess
    expect(run).toMatchObject({ status: 'FAILED', error: 'trainFailed' });
    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-crash/run.json');
    expect(record.status).toBe('failed');
    expect(record.stages.train).toMatchObject({ status: 'failed', error: { name: 'TrainingCrashError' } });
    expect(record.outcome).toMatchObject({ failedStage: 'train', error: 'TrainingCrashError' });
  });
});

describe('level 0: no validation gate', () => {
  test('the pipeline starts at Features, reads the upload itself, and registers a candidate without a profile', async () => {
    // Prepare
    const dev = rawConfig('dev') as { dataset: Record<string, unknown> };
    const config = configAtLevel(0, {
      name: 'flights-zero',
      dataset: { ...dev.dataset, rowCount: { min: 100 } },
      model: { engine: 'lambda', algorithm: 'linear', params: { l2: 1 } },
      features: { origin: { transform: 'native', topK: 30 }, destination: { transform: 'native', topK: 30 }, distance: 'standardize', date: ['hour', 'dayOfWeek'] },
    });
    const [platform] = buildApp(testApp(), [config]);
    const levelZero = new LocalPipeline(Template.fromStack(platform!.pipeline!), { data: DATA, artifacts: ARTIFACTS }, { ...s3.env });
    await upload('incoming/level0.csv', flightsCsv(flights(20_000)));

    // Act
    const run = await levelZero.run({ runId: 'run-l0', bucket: DATA, key: 'incoming/level0.csv', trigger: 'manual' });

    // Assess
    expect(levelZero.handlers.Validate).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ register: { modelName: 'flights-zero', version: 1, stage: 'candidate' } });
    expect(await readJson<unknown>(ARTIFACTS, 'registry/flights-zero/1/profile.json')).toBeNull();
    expect(await keys(DATA, 'validated/run-l0/')).toEqual([]);
  });
});

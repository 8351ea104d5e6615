/**
 * The decisive test of the training pipeline: the state machine's ASL as synthesized into the template,
 * executed by aws-local-stepfunctions, each Lambda task bound to its real handler with the environment
 * the template gives it, and S3 served by s3rver — on 20k real flights rows.
 */
import { createHash } from 'node:crypto';
import { Template } from 'aws-cdk-lib/assertions';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { buildApp } from '../../lib/platform';
import type { RunRecord } from '../../lambda/core/runs/run-record';
import type { DatasetProfile } from '../../lambda/core/validation/dataset-validator';
import type { ValidationReport } from '../../lambda/core/validation/report';
import { configAtLevel, rawConfig, testApp } from '../infra/helpers';
import { flights, flightsCsv } from '../helpers/flights';
import { listKeys, type LocalS3, readJsonObject, startS3rver } from '../helpers/s3rver';
import { LOCAL_ACCOUNT } from '../../local/identity';
import { deployStandIn, LocalPipeline, templatesOf } from '../helpers/synthesized-pipeline';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';

const DATA = 'flights-data-local';
const ARTIFACTS = 'flights-artifacts-local';

let s3: LocalS3;
let pipeline: LocalPipeline;

const readJson = <T,>(bucket: string, key: string): Promise<T> => readJsonObject<T>(s3.client, bucket, key);

const keys = (bucket: string, prefix: string): Promise<string[]> => listKeys(s3.client, bucket, prefix);

async function upload(key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: DATA, Key: key, Body: Buffer.from(body) }));
}

async function text(bucket: string, key: string): Promise<string> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToString();
}

/** The pipeline config of these tests at a level, under a model name. */
function pipelineConfig(level: 0 | 3, name?: string) {
  const dev = rawConfig('dev') as { dataset: Record<string, unknown> };
  return configAtLevel(level, {
    ...(name ? { name } : {}),
    dataset: { ...dev.dataset, rowCount: { min: 100 } },
    model: { engine: 'lambda', algorithm: 'linear', params: { l2: 1 } },
    features: { origin: { transform: 'native', topK: 30 }, destination: { transform: 'native', topK: 30 }, distance: 'standardize', date: ['hour', 'dayOfWeek'] },
  });
}

const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3rver([DATA, ARTIFACTS]);
  // The handlers' S3 clients are made on first use: the local endpoint and credentials stay set.
  Object.assign(process.env, s3.env);
  // Level 3: a model that passes the gate is promoted to champion at once (autoDeploy).
  const [platform] = buildApp(testApp(), [pipelineConfig(3)]);
  pipeline = new LocalPipeline(templatesOf(platform!), { data: DATA, artifacts: ARTIFACTS }, { ...s3.env }, { Deploy: deployStandIn(s3RegistryStore(s3.client, ARTIFACTS), 'flights') });
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
    expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    // Registered as a candidate; the deploy (level 3: at once) makes it the champion.
    expect(run.output).toMatchObject({ validate: { verdict: 'valid' }, evaluate: { decision: 'deploy' }, register: { version: 1, stage: 'candidate' }, deploy: { status: 'SUCCEEDED' } });
    const manifest = await readJson<Record<string, unknown>>(ARTIFACTS, 'registry/flights/1/manifest.json');
    expect(manifest).toMatchObject({
      version: 1,
      runId: 'run-1',
      data: { bucket: DATA, key: 'incoming/2001/flights-20k.csv', validationReportKey: 'runs/run-1/validate/report.json' },
    });
    expect(await keys(ARTIFACTS, 'registry/flights/1/')).toEqual(
      ['claim', 'drift-baseline', 'importance', 'manifest', 'metrics', 'model', 'profile', 'stage', 'transform-spec'].map((f) => `registry/flights/1/${f}.json`),
    );
    // The drift baseline of the training split: the model's input columns but the timestamp, each with the
    // method Evidently would choose for ~16k reference rows.
    const baseline = await readJson<{ columns: Record<string, { method: string }> }>(ARTIFACTS, 'registry/flights/1/drift-baseline.json');
    expect(Object.fromEntries(Object.entries(baseline.columns).map(([column, b]) => [column, b.method]))).toEqual({ origin: 'jensenshannon', destination: 'jensenshannon', distance: 'wasserstein' });
    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-1/run.json');
    expect(record.status).toBe('succeeded');
    expect(Object.keys(record.stages).sort()).toEqual(['evaluate', 'features', 'register', 'train', 'validate']);
    expect(record.metrics.rowsValidated).toBe(20_000);
    expect(record.outcome).toMatchObject({ version: 1, stage: 'candidate' });
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
    const [platform] = buildApp(testApp(), [pipelineConfig(0, 'flights-zero')]);
    const levelZero = new LocalPipeline(templatesOf(platform!), { data: DATA, artifacts: ARTIFACTS }, { ...s3.env });
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

describe('a part-file dataset: 4 CSV parts and a _SUCCESS marker, validated in a Distributed Map', () => {
  const rows = flights(20_000);
  const parts = [0, 1, 2, 3].map((i) => flightsCsv(rows.slice(i * 5000, (i + 1) * 5000)));
  let partsPipeline: LocalPipeline;

  /** Profile without its provenance; merged moments compared to 10 significant digits. */
  function comparableProfile(profile: DatasetProfile & { source?: unknown; createdAt?: unknown }): unknown {
    const { source: _source, createdAt: _createdAt, ...rest } = profile;
    return JSON.parse(JSON.stringify(rest), (_key, value: unknown) => (typeof value === 'number' && !Number.isSafeInteger(value) ? Number(value.toPrecision(10)) : value));
  }

  async function uploadParts(folder: string, bodies: readonly string[]): Promise<void> {
    for (const [i, body] of bodies.entries()) await upload(`incoming/${folder}/part-0000${i}.csv`, body);
    await upload(`incoming/${folder}/_SUCCESS`, '');
  }

  beforeAll(() => {
    const [platform] = buildApp(testApp(), [pipelineConfig(3, 'flights-parts')]);
    partsPipeline = new LocalPipeline(templatesOf(platform!), { data: DATA, artifacts: ARTIFACTS }, { ...s3.env }, { Deploy: deployStandIn(s3RegistryStore(s3.client, ARTIFACTS), 'flights-parts') });
  });

  test('the run succeeds, registers a version, and its merged validation equals a single-file validation of the same rows', async () => {
    // Prepare
    await uploadParts('2001-q1-parts', parts);
    await upload('incoming/2001/flights-20k-single.csv', flightsCsv(rows));
    const single = (await partsPipeline.handlers.Validate!({ runId: 'run-single-ref', bucket: DATA, key: 'incoming/2001/flights-20k-single.csv' })) as { verdict: string };
    const validatedParts: unknown[] = [];
    const recordPart = async (event: unknown): Promise<unknown> => {
      const summary = await partsPipeline.handlers.ValidatePart!(event);
      validatedParts.push(summary);
      return summary;
    };

    // Act
    const run = await partsPipeline.run(
      { runId: 'run-parts', bucket: DATA, key: 'incoming/2001-q1-parts/_SUCCESS', trigger: 'upload', parts: { prefix: 'incoming/2001-q1-parts/', marker: '_SUCCESS' } },
      { ValidatePart: recordPart },
    );

    // Assess
    expect(single.verdict).toBe('valid');
    expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(run.output).toMatchObject({
      validate: { verdict: 'valid', rowCount: 20_000, parts: 4, validatedKey: 'validated/run-parts/2001-q1-parts/' },
      evaluate: { decision: 'deploy' },
      register: { modelName: 'flights-parts', version: 1, stage: 'candidate' },
      deploy: { status: 'SUCCEEDED' },
    });
    expect(run.output).not.toHaveProperty('validateParts');
    expect(validatedParts).toHaveLength(4);
    const merged = await readJson<ValidationReport>(ARTIFACTS, 'runs/run-parts/validate/report.json');
    const reference = await readJson<ValidationReport>(ARTIFACTS, 'runs/run-single-ref/validate/report.json');
    expect(merged.rowCount).toBe(20_000);
    expect(merged.rowCount).toBe(reference.rowCount);
    expect(merged.source).toMatchObject({ name: 'incoming/2001-q1-parts/', format: 'csv' });
    expect(merged.results).toEqual(reference.results);
    expect(comparableProfile(await readJson<DatasetProfile>(ARTIFACTS, 'runs/run-parts/validate/profile.json'))).toEqual(
      comparableProfile(await readJson<DatasetProfile>(ARTIFACTS, 'runs/run-single-ref/validate/profile.json')),
    );
    expect(await keys(ARTIFACTS, 'runs/run-parts/validate/')).toEqual(
      ['parts.json', 'parts/0.json', 'parts/1.json', 'parts/2.json', 'parts/3.json', 'profile.json', 'report.json'].map((f) => `runs/run-parts/validate/${f}`),
    );
    expect(await keys(DATA, 'validated/run-parts/')).toEqual([0, 1, 2, 3].map((i) => `validated/run-parts/2001-q1-parts/part-0000${i}.csv`));
    const manifest = await readJson<{ data: { key: string; sha256: string; rows: { train: number; test: number } } }>(ARTIFACTS, 'registry/flights-parts/1/manifest.json');
    expect(manifest.data.key).toBe('incoming/2001-q1-parts/_SUCCESS');
    expect(manifest.data.sha256).toBe(createHash('sha256').update(parts.join('')).digest('hex'));
    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-parts/run.json');
    expect(record.status).toBe('succeeded');
    expect(record.metrics.rowsValidated).toBe(20_000);
  });

  test('one bad part ends in ValidationFailed with every part quarantined and the originals kept', async () => {
    // Prepare
    const bad = [...parts];
    bad[2] = bad[2]!.split('\n').map((line, i) => (i === 7 ? '2001-13-01T00:00:00,1,2,ORD' : line)).join('\n');
    await uploadParts('2001-bad-parts', bad);

    // Act
    const run = await partsPipeline.run({ runId: 'run-parts-bad', bucket: DATA, key: 'incoming/2001-bad-parts/_SUCCESS', trigger: 'upload', parts: { prefix: 'incoming/2001-bad-parts/', marker: '_SUCCESS' } });

    // Assess
    expect(run).toMatchObject({ status: 'FAILED', error: 'ValidationFailed' });
    expect(await keys(DATA, 'quarantine/run-parts-bad/')).toEqual(
      [...[0, 1, 2, 3].map((i) => `quarantine/run-parts-bad/2001-bad-parts/part-0000${i}.csv`), 'quarantine/run-parts-bad/2001-bad-parts.report.json'].sort(),
    );
    for (const [i, body] of bad.entries()) {
      expect(await text(DATA, `quarantine/run-parts-bad/2001-bad-parts/part-0000${i}.csv`)).toBe(body);
      expect(await text(DATA, `incoming/2001-bad-parts/part-0000${i}.csv`)).toBe(body);
    }
    expect(await keys(DATA, 'validated/run-parts-bad/')).toEqual([]);
    const report = await readJson<ValidationReport>(DATA, 'quarantine/run-parts-bad/2001-bad-parts.report.json');
    expect(report.failures.map((f) => f.kind)).toContain('ragged_rows');
    expect(report.failures.find((f) => f.kind === 'ragged_rows')!.samples).toEqual([{ row: 2 * 5000 + 7, value: expect.stringMatching(/^4 fields/) }]);
    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-parts-bad/run.json');
    expect(record).toMatchObject({ status: 'failed', outcome: { failedStage: 'validate', error: 'ValidationFailed' } });
  });

  test('a folder whose _SUCCESS has no parts beside it ends in ValidationStageFailed, recorded with the reason', async () => {
    // Prepare
    await upload('incoming/empty-export/_SUCCESS', '');

    // Act
    const run = await partsPipeline.run({ runId: 'run-parts-empty', bucket: DATA, key: 'incoming/empty-export/_SUCCESS', trigger: 'upload', parts: { prefix: 'incoming/empty-export/', marker: '_SUCCESS' } });

    // Assess
    expect(run).toMatchObject({ status: 'FAILED', error: 'validateFailed' });
    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-parts-empty/run.json');
    expect(record.stages.validate).toMatchObject({ status: 'failed', error: { name: 'NoPartsError' } });
    expect(record.stages.validate!.error!.cause).toMatch(/incoming\/empty-export\/ holds no part files beside its _SUCCESS marker/);
  });
});

describe('level 0: a part-file dataset without a validation gate', () => {
  test('features and evaluate read the folder\'s parts themselves, and the version\'s sha256 is over the parts in order', async () => {
    // Prepare
    const [platform] = buildApp(testApp(), [pipelineConfig(0, 'flights-zero-parts')]);
    const levelZero = new LocalPipeline(templatesOf(platform!), { data: DATA, artifacts: ARTIFACTS }, { ...s3.env });
    const rows = flights(20_000);
    const parts = [0, 1].map((i) => flightsCsv(rows.slice(i * 10_000, (i + 1) * 10_000)));
    await upload('incoming/l0-parts/part-b.csv', parts[1]!);
    await upload('incoming/l0-parts/part-a.csv', parts[0]!);
    await upload('incoming/l0-parts/_manifest.json', JSON.stringify({ parts: ['part-a.csv', 'part-b.csv'] }));

    // Act
    const run = await levelZero.run({ runId: 'run-l0-parts', bucket: DATA, key: 'incoming/l0-parts/_manifest.json', parts: { prefix: 'incoming/l0-parts/', marker: '_manifest.json' } });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ features: { rows: { train: expect.any(Number) } }, register: { modelName: 'flights-zero-parts', version: 1 } });
    const manifest = await readJson<{ data: { sha256: string } }>(ARTIFACTS, 'registry/flights-zero-parts/1/manifest.json');
    expect(manifest.data.sha256).toBe(createHash('sha256').update(parts.join('')).digest('hex'));
  });
});

describe('LocalPipeline', () => {
  /**
   * A template whose state machine has a SageMaker task and, inside a Distributed Map, another one whose
   * parameters reference the template (a role's ARN, an image account from a mapping by region).
   */
  function template(): Template {
    const definition = {
      StartAt: 'Fit',
      States: {
        Fit: { Type: 'Task', Resource: '@PARTITION@', Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Inner',
            States: { Inner: { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTransformJob.sync', Parameters: { 'item.$': '$', RoleArn: '@ROLE@', Image: '@IMAGE@' }, End: true } },
          },
          End: true,
        },
      },
    };
    const tokens: Record<string, unknown> = {
      '@PARTITION@': ['arn:', { Ref: 'AWS::Partition' }, ':states:::sagemaker:createTrainingJob.sync'],
      '@ROLE@': [{ 'Fn::GetAtt': ['SageMakerRole', 'Arn'] }],
      '@IMAGE@': [{ 'Fn::FindInMap': ['XgboostImageAccounts', { Ref: 'AWS::Region' }, 'account'] }, '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/sagemaker-xgboost:1.7-1'],
    };
    const parts = JSON.stringify(definition).split(/(@[A-Z]+@)/).flatMap((piece) => (tokens[piece] as unknown[] | undefined) ?? [piece]);
    return Template.fromJSON({
      Mappings: { XgboostImageAccounts: { 'us-east-1': { account: '683313688378' } } },
      Resources: {
        SageMakerRole: { Type: 'AWS::IAM::Role', Properties: {} },
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::Join': ['', parts] } } },
      },
    });
  }

  test('Task states that are not template Lambdas, nested ones included, run their stand-ins', async () => {
    // Prepare
    const calls: string[] = [];
    const pipeline = new LocalPipeline(template(), { data: DATA, artifacts: ARTIFACTS }, {}, {
      Fit: async () => (calls.push('fit'), { items: [1, 2, 3] }),
      Inner: async (request) => {
        const { item, RoleArn, Image } = request as { item: number; RoleArn: string; Image: string };
        calls.push(`inner ${item} ${RoleArn} ${Image}`);
        return item;
      },
    });

    // Act
    const run = await pipeline.run({});

    // Assess
    expect(run).toEqual({ status: 'SUCCEEDED', output: [1, 2, 3] });
    const resolved = `arn:aws:iam::${LOCAL_ACCOUNT}:role/SageMakerRole 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1`;
    expect(calls.sort()).toEqual(['fit', `inner 1 ${resolved}`, `inner 2 ${resolved}`, `inner 3 ${resolved}`]);
  });

  test('an unbound non-Lambda Task, or a stand-in for no such state, is an error naming the state', () => {
    expect(() => new LocalPipeline(template(), { data: DATA, artifacts: ARTIFACTS }, {}, { Fit: async () => ({}) })).toThrow(
      'Task state Inner runs arn:aws:states:::sagemaker:createTransformJob.sync, which is not a Lambda function of the template: pass a stand-in for it (standIns.Inner)',
    );
    expect(() => new LocalPipeline(template(), { data: DATA, artifacts: ARTIFACTS }, {}, { Fit: async () => ({}), Inner: async () => ({}), Fitt: async () => ({}) })).toThrow(
      /stand-in for Fitt: the state machine has no Task state of that name/,
    );
  });
});

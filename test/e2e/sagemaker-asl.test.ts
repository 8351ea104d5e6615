/**
 * Engine `sagemaker`, run locally: the synthesized state machine's ASL in aws-local-stepfunctions, the
 * Lambda stages bound to their real handlers, S3 served by s3rver, and the SageMaker tasks (training
 * job, model, batch transforms) bound to the local stand-in (`local/sagemaker-stand-in.ts`), which checks
 * each request as SageMaker would and trains our own GBDT in place of XGBoost. What this proves is the
 * wiring — job names, channels, S3 locations, content types, the scoring file's row order, the
 * registry's copy of the artifact, the champion's own transform, and failures — on 20k real flights rows.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { RunRecord } from '../../lambda/core/runs/run-record';
import type { XgboostModelDescriptor } from '../../lambda/core/sagemaker/xgboost';
import { buildApp } from '../../lib/platform';
import { SageMakerStandIn } from '../../local/sagemaker-stand-in';
import { flights, flightsCsv } from '../helpers/flights';
import { listKeys, type LocalS3, readJsonObject, startS3rver } from '../helpers/s3rver';
import { deployStandIn, LocalPipeline, templatesOf } from '../helpers/synthesized-pipeline';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { configAtLevel, rawConfig, testApp } from '../infra/helpers';

const DATA = 'flights-data-sm';
const ARTIFACTS = 'flights-artifacts-sm';

let s3: LocalS3;
let sagemaker: SageMakerStandIn;
let pipeline: LocalPipeline;

const readJson = <T,>(bucket: string, key: string): Promise<T> => readJsonObject<T>(s3.client, bucket, key);

const keys = (bucket: string, prefix: string): Promise<string[]> => listKeys(s3.client, bucket, prefix);

const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3rver([DATA, ARTIFACTS]);
  Object.assign(process.env, s3.env);
  const dev = rawConfig('dev') as { dataset: Record<string, unknown> };
  // Level 3: a model that passes the gate becomes champion at once, so the second run has a SageMaker champion.
  const config = configAtLevel(3, {
    dataset: { ...dev.dataset, rowCount: { min: 100 } },
    model: { engine: 'sagemaker', algorithm: 'xgboost', params: { iterations: 30, maxLeaves: 15, minSamplesLeaf: 20 }, sagemaker: { instanceType: 'ml.m5.xlarge' } },
    serving: { engine: 'sagemaker-serverless' },
    features: { origin: { transform: 'native', topK: 20 }, destination: { transform: 'native', topK: 20 }, distance: 'standardize', date: ['hour', 'dayOfWeek'] },
  });
  const [platform] = buildApp(testApp(), [config]);
  sagemaker = new SageMakerStandIn(s3.client);
  pipeline = new LocalPipeline(
    templatesOf(platform!),
    { data: DATA, artifacts: ARTIFACTS },
    { ...s3.env },
    { ...sagemaker.handlers({ training: 'Train', model: 'CreateScoringModel', scoring: ['ScoreHoldout', 'ScoreChampion'] }), Deploy: deployStandIn(s3RegistryStore(s3.client, ARTIFACTS), 'flights') },
  );
  await s3.client.send(new PutObjectCommand({ Bucket: DATA, Key: 'incoming/2001/flights-20k.csv', Body: flightsCsv(flights(20_000)) }));
});

afterAll(async () => {
  await s3?.stop();
  for (const key of Object.keys(s3?.env ?? {})) if (!(key in savedEnv)) delete process.env[key];
});

describe("engine 'sagemaker': the synthesized pipeline with SageMaker stood in locally", () => {
  test('an upload runs to Registered: the job read the CSV channel, the holdout was scored by a transform, the registry holds the artifact', async () => {
    // Act
    const run = await pipeline.run({ runId: 'run-sm-1', bucket: DATA, key: 'incoming/2001/flights-20k.csv', trigger: 'upload' });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ train: { algorithm: 'xgboost' }, evaluate: { decision: 'deploy' }, register: { version: 1, stage: 'candidate' }, deploy: { status: 'SUCCEEDED' } });
    expect(sagemaker.calls.map((c) => c.api)).toEqual(['CreateTrainingJob', 'CreateModel', 'CreateTransformJob']);
    const [training] = sagemaker.calls;
    expect(training!.request).toMatchObject({
      AlgorithmSpecification: { TrainingImage: expect.stringMatching(/^683313688378\.dkr\.ecr\.us-east-1\.amazonaws\.com\/sagemaker-xgboost:1\.7-1$/) },
      InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3Uri: `s3://${ARTIFACTS}/runs/run-sm-1/features/sagemaker/train/` } } }],
      OutputDataConfig: { S3OutputPath: `s3://${ARTIFACTS}/runs/run-sm-1/train/sagemaker/` },
      HyperParameters: { objective: 'reg:squarederror', num_round: '30', max_leaves: '15' },
    });
    expect(training!.name).toMatch(/^flights-\d{14}-[0-9a-f]{8}$/);

    const manifest = await readJson<{ files: string[]; trainingJobName: string }>(ARTIFACTS, 'registry/flights/1/manifest.json');
    expect(manifest.files).toContain('model.tar.gz');
    expect(manifest.trainingJobName).toBe(training!.name);
    const descriptor = await readJson<XgboostModelDescriptor>(ARTIFACTS, 'registry/flights/1/model.json');
    expect(descriptor).toMatchObject({ algorithm: 'xgboost', engine: 'sagemaker', sagemakerModelName: training!.name, trainingJobName: training!.name });
    expect(descriptor.artifactUri).toBe(`s3://${ARTIFACTS}/runs/run-sm-1/train/sagemaker/${training!.name}/output/model.tar.gz`);
    expect(await keys(ARTIFACTS, 'registry/flights/1/model.tar.gz')).toEqual(['registry/flights/1/model.tar.gz']);

    const evaluation = await readJson<{ metrics: { rmse: number }; baseline: { rmse: number }; importance: { permutation: Array<{ feature: string }> } }>(ARTIFACTS, 'runs/run-sm-1/evaluate/evaluation.json');
    expect(evaluation.metrics.rmse).toBeLessThan(evaluation.baseline.rmse);
    expect(evaluation.importance.permutation.map((p) => p.feature)).toEqual(expect.arrayContaining(['origin', 'destination', 'distance', 'date.hour', 'date.dayOfWeek']));

    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-sm-1/run.json');
    expect(record.status).toBe('succeeded');
    expect(record.stages.train).toMatchObject({ status: 'succeeded', outputs: { trainingJobName: training!.name } });
  });

  test('a second run scores the SageMaker champion with its own model on the same holdout, and is rejected against it', async () => {
    // Act
    const run = await pipeline.run({ runId: 'run-sm-2', bucket: DATA, key: 'incoming/2001/flights-20k.csv', trigger: 'manual' });

    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ evaluate: { decision: 'reject', championVersion: 1 } });
    const transforms = sagemaker.calls.filter((c) => c.api === 'CreateTransformJob');
    const champion = transforms.at(-1)!;
    expect(champion.name).toMatch(/-champ$/);
    expect(champion.request).toMatchObject({ ModelName: sagemaker.calls[0]!.name });
    const evaluation = await readJson<{ champion: { version: number; metrics: { rmse: number } }; metrics: { rmse: number }; gate: { reasons: string[] } }>(ARTIFACTS, 'runs/run-sm-2/evaluate/evaluation.json');
    // Same data, same seed: the candidate equals the champion, so it is not 1% better.
    expect(evaluation.champion.version).toBe(1);
    expect(evaluation.metrics.rmse).toBeCloseTo(evaluation.champion.metrics.rmse, 10);
    expect(evaluation.gate.reasons[0]).toMatch(/vs champion v1/);
  });

  test('a SageMaker throttling error is retried; a failed training job ends in TrainingFailed with its cause recorded', async () => {
    // Prepare: the training call is throttled once, as SageMaker's integration reports it.
    let attempts = 0;
    const throttledOnce = async (request: unknown): Promise<unknown> => {
      attempts++;
      if (attempts === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'SageMaker.AmazonSageMakerException' });
      return pipeline.handlers.Train!(request);
    };
    const failedJob = async (): Promise<never> => {
      throw Object.assign(new Error('AlgorithmError: XGB train call failed with exception: label must be in [0,1] for logistic regression'), { name: 'States.TaskFailed' });
    };

    // Act
    const retried = await pipeline.run({ runId: 'run-sm-retry', bucket: DATA, key: 'incoming/2001/flights-20k.csv' }, { Train: throttledOnce });
    const failed = await pipeline.run({ runId: 'run-sm-fail', bucket: DATA, key: 'incoming/2001/flights-20k.csv' }, { Train: failedJob });

    // Assess
    expect(attempts).toBe(2);
    expect(retried.status).toBe('SUCCEEDED');
    expect(failed).toMatchObject({ status: 'FAILED', error: 'trainFailed' });
    const record = await readJson<RunRecord>(ARTIFACTS, 'runs/run-sm-fail/run.json');
    expect(record.outcome).toMatchObject({ failedStage: 'train', error: 'States.TaskFailed' });
    expect(JSON.stringify(record.stages.train)).toContain('label must be in [0,1]');
  });
});

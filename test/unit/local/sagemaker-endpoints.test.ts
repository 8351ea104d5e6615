/**
 * The SageMaker stand-in's endpoints: the configs SageMaker would refuse are refused with its messages'
 * substance, an endpoint is Creating before InService, `InvokeEndpoint` speaks the SageMaker Runtime's
 * REST protocol (called here through the real `@aws-sdk/client-sagemaker-runtime` client, so errors come
 * back as the SDK's own), and models and endpoints outlive the process through the state file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { predictModel, trainModel } from '../../../lambda/core/models/train-model';
import { XGBOOST_VERSION } from '../../../lambda/core/sagemaker/xgboost';
import { SageMakerStandIn } from '../../../local/sagemaker-stand-in';
import { startS3rver, type LocalS3 } from '../../helpers/s3rver';

const BUCKET = 'sm-endpoints-artifacts';
const IMAGE = `683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:${XGBOOST_VERSION}`;
let s3: LocalS3;
let dir: string;

// A two-feature model: y = 3·x0 − x1, learnt by our GBDT (the stand-in's scorer).
const x0 = Float64Array.from({ length: 400 }, (_, i) => i % 20);
const x1 = Float64Array.from({ length: 400 }, (_, i) => (i * 7) % 13);
const model = trainModel(
  { x: { rows: 400, features: [{ kind: 'numeric', name: 'f0', values: x0 }, { kind: 'numeric', name: 'f1', values: x1 }] }, y: x0.map((v, i) => 3 * v - x1[i]!) },
  { engine: 'lambda', algorithm: 'gbdt', memoryMb: 3008, timeoutMinutes: 15, params: { iterations: 20, learningRate: 0.3, maxLeaves: 8, minSamplesLeaf: 5, l2: 0, maxBins: 255, seed: 1, validationFraction: 0.1 } },
  'regression',
  { threads: 1 },
);

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  dir = mkdtempSync(join(tmpdir(), 'mlops-sm-endpoints-'));
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'models/m1/output/model.tar.gz', Body: gzipSync(JSON.stringify(model)) }));
});
afterAll(async () => {
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function standInWithModel(stateFile?: string): Promise<SageMakerStandIn> {
  const standIn = new SageMakerStandIn(s3.client, stateFile ? { stateFile } : {});
  await standIn.createModel({ ModelName: 'm1', ExecutionRoleArn: 'arn:aws:iam::1:role/r', PrimaryContainer: { Image: IMAGE, ModelDataUrl: `s3://${BUCKET}/models/m1/output/model.tar.gz` } });
  return standIn;
}

const serverless = (name: string, extra: Record<string, unknown> = {}) => ({ EndpointConfigName: name, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm1', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 }, ...extra }] });

describe('endpoint configs SageMaker would refuse', () => {
  test.each([
    ['data capture on a serverless endpoint', { ...serverless('c1'), DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 10, DestinationS3Uri: 's3://b/p/', CaptureOptions: [{ CaptureMode: 'Input' }] } }, /DataCaptureConfig is not supported for serverless endpoints/],
    ['instances on a serverless variant', serverless('c2', { InstanceType: 'ml.m5.large' }), /serverless variant takes no InstanceType/],
    ['serverless memory not in 1 GB steps', { EndpointConfigName: 'c3', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm1', ServerlessConfig: { MemorySizeInMB: 1500, MaxConcurrency: 5 } }] }, /MemorySizeInMB 1500/],
    ['a real-time variant without an instance count', { EndpointConfigName: 'c4', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm1', InstanceType: 'ml.m5.large' }] }, /InitialInstanceCount is required/],
    ['a model that does not exist', { EndpointConfigName: 'c5', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'nope', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } }] }, /Could not find model "nope"/],
    ['a name with an underscore', serverless('bad_name'), /EndpointConfigName 'bad_name' must be 1–63 of \[a-zA-Z0-9-\]/],
  ])('%s', async (_, request, message) => {
    const standIn = await standInWithModel();
    await expect(standIn.createEndpointConfig(request)).rejects.toThrow(message);
  });
});

describe('an endpoint through the SageMaker Runtime API', () => {
  let standIn: SageMakerStandIn;
  let runtime: SageMakerRuntimeClient;
  const stateFile = (): string => join(dir, 'state.json');

  beforeAll(async () => {
    standIn = await standInWithModel(stateFile());
    runtime = new SageMakerRuntimeClient({ endpoint: await standIn.listen(), region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    await standIn.createEndpointConfig(serverless('e1-config'));
    await standIn.createEndpoint({ EndpointName: 'e1', EndpointConfigName: 'e1-config' });
  });
  afterAll(async () => {
    runtime.destroy();
    await standIn.close();
  });

  const invoke = (body: string, endpoint = 'e1') => runtime.send(new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: 'text/csv', Accept: 'text/csv', Body: new TextEncoder().encode(body) }));

  test('Creating until looked at, then InService; before that an invocation is a ValidationError', async () => {
    await expect(invoke('1,2')).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/Endpoint e1 .* not found/) });
    expect(await standIn.describeEndpoint({ EndpointName: 'e1' })).toMatchObject({ EndpointStatus: 'Creating', EndpointConfigName: 'e1-config' });
    expect(await standIn.describeEndpoint({ EndpointName: 'e1' })).toMatchObject({ EndpointStatus: 'InService' });
  });

  test('one prediction per CSV row, the model’s own, comma-separated', async () => {
    const out = await invoke('4,1\n10,0\n');
    const expected = predictModel(model, { rows: 2, features: [{ kind: 'numeric', name: 'f0', values: Float64Array.from([4, 10]) }, { kind: 'numeric', name: 'f1', values: Float64Array.from([1, 0]) }] });
    expect(new TextDecoder().decode(out.Body)).toBe(Array.from(expected, String).join(','));
    expect(out.ContentType).toBe('text/csv');
  });

  test('a row of the wrong width is a ModelError, as XGBoost’s feature shape check; an unknown endpoint a ValidationError', async () => {
    await expect(invoke('1,2,3')).rejects.toMatchObject({ name: 'ModelError', message: expect.stringMatching(/Feature shape mismatch, expected: 2, got 3/) });
    await expect(invoke('1,2', 'nope')).rejects.toMatchObject({ name: 'ValidationError' });
  });

  test('a stand-in started again on the same state file still has the model and the endpoint', async () => {
    const again = new SageMakerStandIn(s3.client, { stateFile: stateFile() });
    expect(again.endpointList()).toEqual([{ name: 'e1', status: 'InService', configName: 'e1-config', modelName: 'm1' }]);
    expect(await again.invokeEndpoint('e1', '4,1', 'text/csv')).toMatch(/^-?\d/);
  });
});

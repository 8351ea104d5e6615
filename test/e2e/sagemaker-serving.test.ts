/**
 * The SageMaker serving engines on the local platform, from the synthesized templates: a run trains on
 * SageMaker (the stand-in), the deploy state machine creates the version's own endpoint, waits for it,
 * shifts the front Lambda's alias to a version pinned to it (level 3 canary) or promotes it (level 1,
 * `mlops deploy`), and retires the previous version's endpoint. Clients call the same Function URL as with
 * engine `lambda`; the front applies the version's transform spec and calls `InvokeEndpoint`.
 *
 * Real here: the ASL of both state machines, the front Lambda's SageMaker Runtime client (over HTTP to
 * the stand-in's runtime API), the deploy Lambda, the registry on s3rver. Modelled: SageMaker itself
 * (`local/sagemaker-stand-in.ts`: our GBDT behind the XGBoost contract, endpoints InService at the second
 * look) and CodeDeploy (`local/codedeploy-stand-in.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { getChampion } from '../../lambda/core/registry/registry';
import { LocalPlatform } from '../../local/platform';
import { configAtLevel, rawConfig } from '../infra/helpers';
import { flights, flightsCsv } from '../helpers/flights';
import { deployExecutions, uploadAndRun } from '../helpers/local-runs';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-sagemaker-serving-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RECORD = { date: '2001-04-02T08:15:00', distance: 950, origin: 'SFO', destination: 'LAX' };

type Answer = { status: number; body: { modelVersion?: number; predictions?: number[]; message?: string; error?: string } };

async function predict(platform: LocalPlatform, body: unknown = RECORD): Promise<Answer> {
  const [url] = platform.functionUrls.values();
  const response = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}


function sagemakerConfig(level: 1 | 3, engine: 'sagemaker-serverless' | 'sagemaker-realtime', serving: Record<string, unknown> = {}) {
  const dev = rawConfig('dev') as { dataset: Record<string, unknown>; gate: Record<string, unknown>; serving: Record<string, unknown> };
  return configAtLevel(level, {
    dataset: { ...dev.dataset, rowCount: { min: 100 } },
    gate: { ...dev.gate, minImprovement: 0 },
    model: { engine: 'sagemaker', algorithm: 'xgboost', params: { iterations: 30, maxLeaves: 15, minSamplesLeaf: 20 } },
    serving: { ...dev.serving, engine, deployment: { canaryPercent: 10, canaryMinutes: 2 }, ...serving },
  });
}


describe("serving.engine 'sagemaker-serverless' at level 3", () => {
  test('each version gets its own endpoint; the canary shifts the front to it; the previous endpoint is retired; clients see one API', async () => {
    // Prepare: a minute of platform clock per second (the 30 s endpoint polls and the 2-minute canary pass quickly).
    const lines: string[] = [];
    const platform = await LocalPlatform.start({ config: sagemakerConfig(3, 'sagemaker-serverless'), dir: join(dir, 'serverless'), clockSpeed: 60, log: (l) => lines.push(l) });
    try {
      expect((await predict(platform)).status).toBe(503);

      // Act: the first run.
      const first = await uploadAndRun(platform, 'incoming/flights-early.csv', 3_000);

      // Assess: registered, deployed through the version's endpoint, answered by it.
      expect({ status: first.status, error: first.error, cause: first.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
      expect(JSON.parse(first.output!)).toMatchObject({ register: { version: 1 }, deploy: { status: 'SUCCEEDED' } });
      expect(platform.sagemaker.endpointList()).toEqual([{ name: 'flights-level3-v1', status: 'InService', configName: expect.stringMatching(/^flights-level3-v1-\d{12}$/), modelName: expect.any(String) }]);
      const created = platform.sagemaker.calls.find((c) => c.api === 'CreateEndpointConfig')!;
      expect(created.request).toMatchObject({ ProductionVariants: [{ VariantName: 'AllTraffic', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } }] });
      expect(created.request).not.toHaveProperty('DataCaptureConfig');
      const answer = await predict(platform, { instances: [RECORD, { ...RECORD, origin: 'JFK', distance: 2500 }] });
      expect(answer).toMatchObject({ status: 200, body: { modelVersion: 1, predictions: [expect.any(Number), expect.any(Number)] } });
      expect(answer.body.predictions!.every(Number.isFinite)).toBe(true);
      expect(platform.sagemaker.calls.filter((c) => c.api === 'InvokeEndpoint').at(-1)).toMatchObject({ name: 'flights-level3-v1', request: { rows: 2 } });
      // A bad request is refused by the front, before any endpoint call.
      const invocations = platform.sagemaker.calls.filter((c) => c.api === 'InvokeEndpoint').length;
      expect(await predict(platform, { ...RECORD, distance: 'far' })).toMatchObject({ status: 400, body: { error: 'BadRequest' } });
      expect(platform.sagemaker.calls.filter((c) => c.api === 'InvokeEndpoint').length).toBe(invocations);

      // Act: a second, larger run.
      const second = await uploadAndRun(platform, 'incoming/flights-more.csv', 20_000);

      // Assess: v2 has its own endpoint, serves through the canary, and v1's endpoint and config are gone.
      expect(second.status).toBe('SUCCEEDED');
      expect(JSON.parse(second.output!)).toMatchObject({ evaluate: { decision: 'deploy' }, register: { version: 2 }, deploy: { status: 'SUCCEEDED' } });
      expect(deployExecutions(platform).map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(platform.sagemaker.endpointList().map((e) => e.name)).toEqual(['flights-level3-v2']);
      expect(platform.sagemaker.calls.filter((c) => c.api === 'DeleteEndpoint' || c.api === 'DeleteEndpointConfig').map((c) => `${c.api} ${c.name}`)).toEqual([
        'DeleteEndpoint flights-level3-v1',
        expect.stringMatching(/^DeleteEndpointConfig flights-level3-v1-\d{12}$/),
      ]);
      expect(await predict(platform)).toMatchObject({ status: 200, body: { modelVersion: 2 } });
      expect(await getChampion(s3RegistryStore(platform.s3, platform.buckets.artifacts), 'flights')).toMatchObject({ version: 2, previous: 1 });
      expect(lines.join('\n')).toMatch(/states .*CreateEndpoint.* run on the SageMaker stand-in/);
    } finally {
      await platform.stop();
    }
  });
});

describe("serving.engine 'sagemaker-realtime' at level 1", () => {
  test('nothing serves until a deploy; the deploy creates a real-time endpoint with data capture; a failed endpoint call is a 502 counted as a server error', async () => {
    const platform = await LocalPlatform.start({ config: sagemakerConfig(1, 'sagemaker-realtime', { capturePercent: 100 }), dir: join(dir, 'realtime'), clockSpeed: 60 });
    try {
      // Level 1: an upload starts nothing; the run is started by hand (`mlops run`).
      await platform.s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: 'incoming/flights.csv', Body: flightsCsv(flights(3_000)) }));
      const run = platform.stepFunctions.startExecution(platform.stateMachineArn, 'manual-1', JSON.stringify({ runId: 'manual-1', bucket: platform.buckets.data, key: 'incoming/flights.csv', trigger: 'manual' }));
      await run.done;
      expect({ status: run.status, cause: run.cause }).toEqual({ status: 'SUCCEEDED', cause: undefined });
      expect(platform.sagemaker.endpointList()).toEqual([]);
      expect((await predict(platform)).status).toBe(503);

      // Act: `mlops deploy 1` starts the deploy state machine.
      const execution = platform.stepFunctions.startExecution(platform.deployStateMachineArn!, 'deploy-v1', JSON.stringify({ version: 1, requestedBy: 'alice', reason: 'first' }));
      await execution.done;

      // Assess: promoted through its own real-time endpoint; SageMaker's capture and ours both written.
      expect({ status: execution.status, cause: execution.cause }).toEqual({ status: 'SUCCEEDED', cause: undefined });
      const created = platform.sagemaker.calls.find((c) => c.api === 'CreateEndpointConfig')!;
      expect(created.request).toMatchObject({
        ProductionVariants: [{ VariantName: 'AllTraffic', InstanceType: 'ml.m5.large', InitialInstanceCount: 1, InitialVariantWeight: 1 }],
        DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 100, DestinationS3Uri: `s3://${platform.buckets.artifacts}/endpoint-capture/` },
      });
      expect(await predict(platform)).toMatchObject({ status: 200, body: { modelVersion: 1 } });
      const captured = await platform.s3.send(new ListObjectsV2Command({ Bucket: platform.buckets.artifacts, Prefix: 'endpoint-capture/flights-level1-v1/AllTraffic/' }));
      expect(captured.KeyCount).toBeGreaterThan(0);
      const record = JSON.parse(await (await platform.s3.send(new GetObjectCommand({ Bucket: platform.buckets.artifacts, Key: captured.Contents![0]!.Key! }))).Body!.transformToString()) as {
        captureData: { endpointInput: { data: string; observedContentType: string }; endpointOutput: { data: string } };
      };
      expect(record.captureData.endpointInput.observedContentType).toBe('text/csv');
      expect(Number(record.captureData.endpointOutput.data)).toEqual(expect.any(Number));

      // Act: the endpoint disappears behind the front's back (deleted by hand in the console, say).
      await platform.sagemaker.deleteEndpoint({ EndpointName: 'flights-level1-v1' });
      const failed = await predict(platform);

      // Assess: 502 naming the endpoint, and the request counts as a server error for the alarms.
      expect(failed).toMatchObject({ status: 502, body: { error: 'EndpointFailed', modelVersion: 1, message: expect.stringMatching(/the SageMaker endpoint flights-level1-v1 \(model version 1\) failed: ValidationError: Endpoint flights-level1-v1 .* not found/) } });
      const serverErrors = platform.metrics.datapoints().filter((d) => d.metricName === 'ServerErrors' && d.dimensions.modelVersion === '1' && d.dimensions.environment === 'level1');
      expect(serverErrors.map((d) => d.value)).toEqual([0, 1]);
    } finally {
      await platform.stop();
    }
  });
});

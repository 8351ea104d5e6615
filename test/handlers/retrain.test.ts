/**
 * The retrain trigger's choice of training data, on s3rver: the newest validated run's files (every part of
 * a part folder, not just one object), plus the captured rows labelled after that data was written, as a
 * part folder under `retrain/` with its manifest; the plain case (one file, no labels) in place; Parquet data
 * with labels → the labels left out and the record saying why.
 *
 * aws-sdk-client-mock stands in for the Step Functions API (ListExecutions answers no running execution;
 * StartExecution accepts) — its input is what is asserted. S3 is real protocol (s3rver).
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../config/load';
import { s3Client } from '../../lambda/aws/clients';
import { labelledLines, labelledRowsKey, type LabelledRow } from '../../lambda/core/monitoring/live-quality';
import { flights, flightsCsv } from '../helpers/flights';
import { listKeys, type LocalS3, startS3rver } from '../helpers/s3rver';

const DATA = 'retrain-data-test';
const ARTIFACTS = 'retrain-artifacts-test';
const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:flights-prod-training';
const sfn = mockClient(SFNClient);

let s3: LocalS3;
let retrain: typeof import('../../lambda/handlers/retrain');
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3rver([DATA, ARTIFACTS]);
  Object.assign(process.env, s3.env, {
    STATE_MACHINE_ARN: ARN,
    DATA_BUCKET: DATA,
    ARTIFACT_BUCKET: ARTIFACTS,
    PLATFORM_NAME: 'flights',
    ENVIRONMENT_NAME: 'prod',
    COOLDOWN_HOURS: '0',
    MAX_PER_WEEK: '100',
    INCLUDE_CAPTURED_DATA: 'true',
    DATASET_SCHEMA: JSON.stringify(loadConfig({ env: 'prod' }).dataset),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  retrain = await import('../../lambda/handlers/retrain');
});

afterAll(async () => {
  s3Client().destroy();
  await s3?.stop();
  process.env = savedEnv;
});

beforeEach(() => {
  sfn.reset();
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x` });
});

const put = (bucket: string, key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
const text = async (bucket: string, key: string) => (await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
const alarm = (name: string) => ({ 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: name, state: { value: 'ALARM', reason: 'test' } } });
const started = () => JSON.parse(sfn.commandCalls(StartExecutionCommand).at(-1)!.args[0].input.input!) as { key: string; parts?: { prefix: string; marker: string }; trigger: string };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function labelled(n: number, delay: (i: number) => number): LabelledRow[] {
  return flights(n).map((f, i) => ({
    requestId: `r${i}`,
    at: `2026-11-27T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
    modelVersion: 1,
    record: { date: f.date.replaceAll('/', '-').replace(' ', 'T'), distance: f.distance, origin: f.origin, destination: f.destination },
    label: delay(i),
    prediction: 0,
  }));
}

test('one validated file and no labelled rows: retrained on in place', async () => {
  // Prepare
  await put(DATA, 'validated/run-a/flights.csv', flightsCsv(flights(50)));

  // Act
  const result = await retrain.handler(alarm('flights-prod-dataset-drift'));

  // Assess
  expect(result).toMatchObject({ decision: 'started', reason: expect.stringMatching(/retraining on s3:\/\/retrain-data-test\/validated\/run-a\/flights\.csv$/) });
  expect(started()).toMatchObject({ key: 'validated/run-a/flights.csv', trigger: 'drift' });
  expect(started().parts).toBeUndefined();
});

test('a newer part-folder run and labels kept after it: every part copied, the labelled captures as the last CSV part, the manifest naming them', async () => {
  // Prepare: an older labelled batch (before the data) and a newer one (after it).
  await put(ARTIFACTS, labelledRowsKey('flights', '2000-01-01T00:00:00.000Z'), labelledLines(labelled(3, () => 1)));
  await wait(1100);
  await put(DATA, 'validated/run-b/q1/part-0.csv', flightsCsv(flights(20)));
  await put(DATA, 'validated/run-b/q1/part-1.csv', flightsCsv(flights(40).slice(20)));
  await put(DATA, 'validated/run-b/q1/_SUCCESS', 'marker');
  await wait(1100);
  const outOfRange = { ...labelled(1, () => 9)[0]!, requestId: 'far', record: { ...labelled(1, () => 9)[0]!.record, distance: 7000 } };
  const keptKey = labelledRowsKey('flights', new Date().toISOString());
  await put(ARTIFACTS, keptKey, `${labelledLines([...labelled(5, (i) => 100 + i), outOfRange])}not a row\n`);

  // Act
  const result = await retrain.handler(alarm('flights-prod-drift-origin'));

  // Assess: the run's input names the assembled folder.
  const input = started();
  const folder = input.parts!.prefix;
  expect(folder).toMatch(new RegExp(`^retrain/${result.runId!}/[0-9a-f]{8}/$`));
  expect(input).toEqual({ runId: result.runId, bucket: DATA, key: `${folder}_manifest.json`, parts: { prefix: folder, marker: '_manifest.json' }, trigger: 'drift' });
  expect(result.reason).toMatch(
    /retraining on s3:\/\/retrain-data-test\/retrain\/run-flights-drift-\d{12}-[0-9a-f]{6}\/[0-9a-f]{8}\/ \(s3:\/\/retrain-data-test\/validated\/run-b\/ \+ 5 labelled captured rows\); 1 labelled captured rows outside the dataset's schema left out \(request far: distance 7000 is outside \[1, 6000\]\)$/,
  );
  // The manifest names the parts and where the labelled rows this dataset did not take start.
  expect(JSON.parse(await text(DATA, `${folder}_manifest.json`))).toEqual({ parts: ['part-00000-part-0.csv', 'part-00001-part-1.csv', 'part-00002-captured.csv'], labelledAfter: keptKey });
  expect(await text(DATA, `${folder}part-00001-part-1.csv`)).toBe(flightsCsv(flights(40).slice(20)));
  // The captured part: the validated header, the labels as delays, only the rows kept after the data.
  const captured = (await text(DATA, `${folder}part-00002-captured.csv`)).trim().split('\n');
  expect(captured[0]).toBe('date,delay,distance,origin,destination');
  expect(captured.slice(1).map((l) => Number(l.split(',')[1]))).toEqual([100, 101, 102, 103, 104]);
  expect(captured[1]).toBe(`${flights(1)[0]!.date.replaceAll('/', '-').replace(' ', 'T')},100,${flights(1)[0]!.distance},${flights(1)[0]!.origin},${flights(1)[0]!.destination}`);
  expect((await listKeys(s3.client, DATA, folder)).filter((k) => k.endsWith('_SUCCESS'))).toEqual([]);
});

test("after a retrain's dataset was validated, the next retrain takes only the labelled rows its manifest did not", async () => {
  // Prepare: a retrain's folder with its manifest (labels taken through `taken`), validated by its run;
  // then one labelled batch that the mark leaves out (written before it) and one after it.
  const taken = labelledRowsKey('flights', '2026-11-27T09:00:00.000Z');
  await put(DATA, 'retrain/run-flights-drift-202611270000-aaaaaa/0badcafe/_manifest.json', JSON.stringify({ parts: ['part-00000-a.csv'], labelledAfter: taken }));
  await wait(1100);
  await put(DATA, 'validated/run-d/retrain/run-flights-drift-202611270000-aaaaaa/0badcafe/part-00000-a.csv', flightsCsv(flights(30)));
  await wait(1100);
  await put(ARTIFACTS, labelledRowsKey('flights', '2026-11-27T08:00:00.000Z'), labelledLines(labelled(4, () => 1)));
  await put(ARTIFACTS, labelledRowsKey('flights', '2026-11-27T09:30:00.000Z'), labelledLines(labelled(2, () => 55)));

  // Act
  const result = await retrain.handler(alarm('flights-prod-dataset-drift'));

  // Assess: the rows after the mark (and the test before's, later still) — not the 4 before it.
  expect(result.runId).toBeDefined();
  const captured = (await text(DATA, `${started().parts!.prefix}part-00001-captured.csv`)).trim().split('\n').slice(1);
  expect(captured.filter((l) => l.split(',')[1] === '1')).toHaveLength(0);
  expect(captured.filter((l) => l.split(',')[1] === '55')).toHaveLength(2);
});

test('Parquet validated data and labelled rows: the labels are left out, and the record says why', async () => {
  // Prepare
  await wait(1100);
  await put(DATA, 'validated/run-c/flights.parquet', 'PAR1…');
  await wait(1100);
  await put(ARTIFACTS, labelledRowsKey('flights', new Date().toISOString()), labelledLines(labelled(2, () => 7)));

  // Act
  const result = await retrain.handler(alarm('flights-prod-dataset-drift'));

  // Assess
  expect(started()).toMatchObject({ key: 'validated/run-c/flights.parquet' });
  expect(result.reason).toMatch(/flights\.parquet; 2 labelled captured rows left out: the validated data is not CSV, and a dataset's parts share one format$/);
});

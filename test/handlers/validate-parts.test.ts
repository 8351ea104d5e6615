/**
 * The part-file validation Lambdas against a real S3-protocol server (s3rver): list-parts (a `_SUCCESS`
 * folder or a `_manifest.json`), validate-part (one Map item), merge-validation, the validate handler's
 * one-invocation path for parts, and the sources the features and evaluate stages read for a parts run.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '../../config/load';
import { s3Client } from '../../lambda/aws/clients';
import { NoPartsError, runDatasetSources } from '../../lambda/aws/dataset-parts';
import { s3ArtifactStore } from '../../lambda/aws/s3-artifact-store';
import type { RunRecord } from '../../lambda/core/runs/run-record';
import { readTable } from '../../lambda/core/features/table';
import { PartsManifestError } from '../../lambda/core/validation/dataset-parts';
import type { ValidationReport } from '../../lambda/core/validation/report';
import { InvalidPipelineEventError } from '../../lambda/events/pipeline-event';
import { flights, flightsCsv } from '../helpers/flights';
import { listKeys, type LocalS3, startS3rver } from '../helpers/s3rver';

const DATA_BUCKET = 'mlops-data-parts';
const ARTIFACT_BUCKET = 'mlops-artifacts-parts';
const dataset = loadConfig({ env: 'dev' }).dataset;

let s3: LocalS3;
let listParts: typeof import('../../lambda/handlers/list-parts');
let validatePart: typeof import('../../lambda/handlers/validate-part');
let mergeValidation: typeof import('../../lambda/handlers/merge-validation');
let validate: typeof import('../../lambda/handlers/validate');
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3rver([DATA_BUCKET, ARTIFACT_BUCKET]);
  Object.assign(process.env, s3.env, { DATA_BUCKET, ARTIFACT_BUCKET, DATASET_SCHEMA: JSON.stringify(dataset), POWERTOOLS_LOG_LEVEL: 'ERROR' });
  // The handlers parse their environment at module load: import them once the variables are set.
  [listParts, validatePart, mergeValidation, validate] = await Promise.all([
    import('../../lambda/handlers/list-parts'),
    import('../../lambda/handlers/validate-part'),
    import('../../lambda/handlers/merge-validation'),
    import('../../lambda/handlers/validate'),
  ]);
});

afterAll(async () => {
  s3Client().destroy();
  await s3?.stop();
  process.env = savedEnv;
});

async function put(key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: key, Body: Buffer.from(body) }));
}

async function jsonOf<T>(bucket: string, key: string): Promise<T> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as T;
}

const keysUnder = (bucket: string, prefix: string): Promise<string[]> => listKeys(s3.client, bucket, prefix);

const rows = flights(6000);
const thirds = [rows.slice(0, 2000), rows.slice(2000, 4000), rows.slice(4000)];

function partsEvent(runId: string, prefix: string, marker: '_SUCCESS' | '_manifest.json'): Record<string, unknown> {
  return { runId, bucket: DATA_BUCKET, key: `${prefix}${marker}`, trigger: 'upload', parts: { prefix, marker } };
}

/** The Map's work, as the state machine does it: list, validate each part, merge. */
async function runParts(event: Record<string, unknown>) {
  const listed = await listParts.handler(event);
  const summaries = await Promise.all(listed.parts.map((part) => validatePart.handler({ runId: event.runId, part })));
  const merged = await mergeValidation.handler(event);
  return { listed, summaries, merged };
}

describe('a _SUCCESS folder', () => {
  test('its data files are the parts in key order; markers, hidden files and subfolders are not', async () => {
    // Prepare
    const prefix = 'incoming/spark-out/';
    await put(`${prefix}part-00002.csv`, flightsCsv(thirds[2]!));
    await put(`${prefix}part-00000.csv`, flightsCsv(thirds[0]!));
    await put(`${prefix}part-00001.csv`, flightsCsv(thirds[1]!));
    await put(`${prefix}.part-00000.csv.crc`, 'crc');
    await put(`${prefix}_committed_0`, '{}');
    await put(`${prefix}_temporary/0/part-00000.csv`, 'stale');
    await put(`${prefix}_SUCCESS`, '');

    // Act
    const { listed, summaries, merged } = await runParts(partsEvent('run-success', prefix, '_SUCCESS'));

    // Assess
    expect(listed).toMatchObject({ listKey: 'runs/run-success/validate/parts.json', count: 3 });
    expect(listed.parts.map((p) => [p.index, p.key])).toEqual([0, 1, 2].map((i) => [i, `${prefix}part-0000${i}.csv`]));
    expect(summaries.map((s) => [s.index, s.rows, s.fileFailures, s.stateKey])).toEqual([0, 1, 2].map((i) => [i, 2000, 0, `runs/run-success/validate/parts/${i}.json`]));
    expect(merged).toMatchObject({ runId: 'run-success', verdict: 'valid', rowCount: 6000, parts: 3, source: { key: prefix }, validatedKey: 'validated/run-success/spark-out/', failures: [] });
    expect(merged).not.toHaveProperty('profile');
    expect(await keysUnder(DATA_BUCKET, 'validated/run-success/')).toEqual([0, 1, 2].map((i) => `validated/run-success/spark-out/part-0000${i}.csv`));
    const record = await jsonOf<RunRecord>(ARTIFACT_BUCKET, 'runs/run-success/run.json');
    expect(record).toMatchObject({ stages: { validate: { status: 'succeeded', outputs: { verdict: 'valid', rowCount: 6000, parts: 3 } } }, metrics: { rowsValidated: 6000 } });
  });

  test('the validate handler validates the same folder in one invocation, to the same report', async () => {
    // Act
    const result = await validate.handler(partsEvent('run-success-one', 'incoming/spark-out/', '_SUCCESS'));

    // Assess
    expect(result).toMatchObject({ verdict: 'valid', rowCount: 6000, parts: 3, validatedKey: 'validated/run-success-one/spark-out/' });
    const one = await jsonOf<ValidationReport>(ARTIFACT_BUCKET, 'runs/run-success-one/validate/report.json');
    const mapped = await jsonOf<ValidationReport>(ARTIFACT_BUCKET, 'runs/run-success/validate/report.json');
    expect(one.results).toEqual(mapped.results);
    expect(await keysUnder(ARTIFACT_BUCKET, 'runs/run-success-one/validate/')).toEqual(
      ['parts.json', 'profile.json', 'report.json'].map((f) => `runs/run-success-one/validate/${f}`),
    );
  });

  test('the features and evaluate stages read the validated copies in part order, or without a gate the originals', async () => {
    // Prepare
    const artifacts = s3ArtifactStore(s3.client, ARTIFACT_BUCKET);
    const input = { runId: 'run-success', bucket: DATA_BUCKET, key: 'incoming/spark-out/_SUCCESS', parts: { prefix: 'incoming/spark-out/', marker: '_SUCCESS' as const } };

    // Act
    const validated = await runDatasetSources({ client: s3.client, artifacts, dataBucket: DATA_BUCKET }, input, { validatedKey: 'validated/run-success/spark-out/' });
    const originals = await runDatasetSources({ client: s3.client, artifacts, dataBucket: DATA_BUCKET }, { ...input, runId: 'run-level0' });

    // Assess
    expect((validated as Array<{ name: string }>).map((s) => s.name)).toEqual([0, 1, 2].map((i) => `validated/run-success/spark-out/part-0000${i}.csv`));
    expect((originals as Array<{ name: string }>).map((s) => s.name)).toEqual([0, 1, 2].map((i) => `incoming/spark-out/part-0000${i}.csv`));
    expect((await readTable(validated, dataset)).rows).toBe(6000);
  });

  test('a _SUCCESS with no data file beside it is a NoPartsError', async () => {
    // Prepare
    await put('incoming/empty-out/_SUCCESS', '');
    await put('incoming/empty-out/.hidden.csv', flightsCsv(thirds[0]!));

    // Act
    const call = listParts.handler(partsEvent('run-empty', 'incoming/empty-out/', '_SUCCESS'));

    // Assess
    await expect(call).rejects.toThrow(NoPartsError);
    await expect(call).rejects.toThrow(`s3://${DATA_BUCKET}/incoming/empty-out/ holds no part files beside its _SUCCESS marker`);
    expect(await keysUnder(ARTIFACT_BUCKET, 'runs/run-empty/')).toEqual([]);
  });
});

describe('a _manifest.json folder', () => {
  test('exactly the listed parts, in the manifest order', async () => {
    // Prepare
    const prefix = 'incoming/export-7/';
    await put(`${prefix}b.csv`, flightsCsv(thirds[0]!));
    await put(`${prefix}sub/a.csv`, flightsCsv(thirds[1]!));
    await put(`${prefix}not-listed.csv`, 'garbage,,\n');
    await put(`${prefix}_manifest.json`, JSON.stringify({ parts: ['b.csv', 'sub/a.csv'] }));

    // Act
    const { listed, merged } = await runParts(partsEvent('run-manifest', prefix, '_manifest.json'));

    // Assess
    expect(listed.parts.map((p) => p.key)).toEqual([`${prefix}b.csv`, `${prefix}sub/a.csv`]);
    expect(merged).toMatchObject({ verdict: 'valid', rowCount: 4000, parts: 2 });
    expect(await keysUnder(DATA_BUCKET, 'validated/run-manifest/')).toEqual(['validated/run-manifest/export-7/b.csv', 'validated/run-manifest/export-7/sub/a.csv']);
    expect(await jsonOf<{ parts: Array<{ key: string }> }>(ARTIFACT_BUCKET, 'runs/run-manifest/validate/parts.json')).toMatchObject({
      prefix,
      markerKey: `${prefix}_manifest.json`,
      parts: [{ index: 0, key: `${prefix}b.csv` }, { index: 1, key: `${prefix}sub/a.csv` }],
    });
  });

  test.each([
    ['not JSON', '{parts:', PartsManifestError, /_manifest\.json is not JSON/],
    ['a wrong shape', '{"files": ["a.csv"]}', PartsManifestError, /_manifest\.json is not a parts manifest: parts: /],
    ['a part that does not exist', '{"parts": ["missing.csv"]}', NoPartsError, /_manifest\.json lists missing\.csv, which does not exist/],
  ])('a manifest with %s is refused naming it', async (_label, body, type, message) => {
    // Prepare
    await put('incoming/bad-manifest/_manifest.json', body);

    // Act
    const call = listParts.handler(partsEvent('run-bad-manifest', 'incoming/bad-manifest/', '_manifest.json'));

    // Assess
    await expect(call).rejects.toThrow(type);
    await expect(call).rejects.toThrow(message);
  });
});

describe('bad events', () => {
  test('a key that is not the marker of the described folder is a NoPartsError', async () => {
    const call = listParts.handler({ ...partsEvent('r', 'incoming/spark-out/', '_SUCCESS'), key: 'incoming/other/_SUCCESS' });
    await expect(call).rejects.toThrow(NoPartsError);
    await expect(call).rejects.toThrow('run input is inconsistent: parts.prefix + parts.marker is incoming/spark-out/_SUCCESS but key is incoming/other/_SUCCESS');
  });

  test.each([
    ['no parts', { runId: 'r', bucket: DATA_BUCKET, key: 'incoming/a/_SUCCESS' }, /list-parts event is invalid: parts: /],
    ['a prefix outside incoming/', { ...partsEvent('r', 'incoming/a/', '_SUCCESS'), parts: { prefix: 'validated/a/', marker: '_SUCCESS' } }, /parts\.prefix: a folder under incoming\//],
    ['an unknown marker', { ...partsEvent('r', 'incoming/a/', '_SUCCESS'), parts: { prefix: 'incoming/a/', marker: 'DONE' } }, /parts\.marker/],
    ["a retrain's folder without trigger drift", { ...partsEvent('r', 'retrain/run-x/', '_manifest.json') }, /retrain\/run-x\/ is a retrain's assembled dataset; only a retrain \(trigger drift\) runs on it, got trigger upload/],
    ['another bucket', { ...partsEvent('r', 'incoming/a/', '_SUCCESS'), bucket: ARTIFACT_BUCKET }, /list-parts reads only the data bucket/],
  ])('%s is an InvalidPipelineEventError', async (_label, event, message) => {
    const call = listParts.handler(event);
    await expect(call).rejects.toThrow(InvalidPipelineEventError);
    await expect(call).rejects.toThrow(message);
  });

  test('validate-part refuses a part outside incoming/, and merge-validation a run whose part states are missing', async () => {
    await expect(validatePart.handler({ runId: 'r', part: { index: 0, key: 'validated/x.csv', bytes: 1 } })).rejects.toThrow(/validate-part event is invalid: part\.key: a key under incoming\//);
    await expect(mergeValidation.handler(partsEvent('run-never-listed', 'incoming/spark-out/', '_SUCCESS'))).rejects.toThrow(/runs\/run-never-listed\/validate\/parts\.json/);
  });
});

/**
 * A part-file dataset loads as the concatenation of its parts in order, whatever the format: the same
 * table as one file of the same rows; CSV parts must agree on their header (the part that differs is
 * named); the lineage sha256 is over the parts' bytes in order; the features stage reads parts as it
 * reads one file. Also the parts stage core: every part copied to validated/ or quarantine/.
 */
import { createHash } from 'node:crypto';
import { loadConfig } from '../../../config/load';
import { TableReadError, readTable } from '../../../lambda/core/features/table';
import { memoryArtifactStore } from '../../../lambda/core/stages/artifact-store';
import { datasetSha256, runFeaturesStage } from '../../../lambda/core/stages/features-stage';
import { memorySource } from '../../../lambda/core/validation/local-source';
import { validatePart } from '../../../lambda/core/validation/part-validation';
import { runPartsMergeStage } from '../../../lambda/core/validation/parts-stage';
import { flights, flightsCsv, flightsJsonLines, flightsParquet } from '../../helpers/flights';

const dev = loadConfig({ env: 'dev' });
const rows = flights(6000);
const thirds = [rows.slice(0, 2000), rows.slice(2000, 4000), rows.slice(4000)];

describe('readTable over several sources', () => {
  test.each([
    ['csv', (r: typeof rows) => flightsCsv(r)],
    ['jsonl', (r: typeof rows) => flightsJsonLines(r)],
    ['parquet', (r: typeof rows) => flightsParquet(r)],
  ] as const)('3 %s parts load as the table of one file of the same rows', async (ext, write) => {
    // Prepare
    const parts = thirds.map((r, i) => memorySource(`incoming/x/part-${i}.${ext}`, write(r), 4096));

    // Act
    const fromParts = await readTable(parts, dev.dataset);
    const fromOne = await readTable(memorySource(`incoming/one.${ext}`, write(rows)), dev.dataset);

    // Assess
    expect(fromParts.rows).toBe(6000);
    expect(fromParts).toEqual(fromOne);
  });

  test('a CSV part whose header differs from the first part is a TableReadError naming it', async () => {
    // Prepare
    const parts = [flightsCsv(thirds[0]!), flightsCsv(thirds[1]!).replace('origin,destination', 'destination,origin')].map((t, i) => memorySource(`incoming/x/part-${i}.csv`, t));

    // Act
    const load = readTable(parts, dev.dataset);

    // Assess
    await expect(load).rejects.toThrow(TableReadError);
    await expect(load).rejects.toThrow(
      "part 1 ('incoming/x/part-1.csv') has the header [date, delay, distance, destination, origin] but the first part ('incoming/x/part-0.csv') has [date, delay, distance, origin, destination]",
    );
  });

  test('parts of different formats, or no parts, are a TableReadError', async () => {
    const mixed = readTable([memorySource('incoming/x/a.csv', flightsCsv(thirds[0]!)), memorySource('incoming/x/b.jsonl', flightsJsonLines(thirds[1]!))], dev.dataset);
    await expect(mixed).rejects.toThrow("part 1 ('incoming/x/b.jsonl') is jsonl but the first part ('incoming/x/a.csv') is csv");
    await expect(readTable([], dev.dataset)).rejects.toThrow(/at least one source/);
  });
});

describe('lineage sha256 of a part-file dataset', () => {
  test('is the sha256 of the parts bytes concatenated in order, and the features stage records it', async () => {
    // Prepare
    const texts = thirds.map((r) => flightsCsv(r));
    const expected = createHash('sha256').update(texts.join('')).digest('hex');
    const sources = texts.map((t, i) => memorySource(`incoming/x/part-${i}.csv`, t, 1000));
    const cfg = { ...dev, dataset: { ...dev.dataset, rowCount: { min: 100 } } };

    // Act
    const direct = await datasetSha256(sources);
    const features = await runFeaturesStage({ runId: 'r', source: sources, config: cfg, store: memoryArtifactStore() });
    const single = await runFeaturesStage({ runId: 'r1', source: memorySource('incoming/one.csv', flightsCsv(rows)), config: cfg, store: memoryArtifactStore() });

    // Assess
    expect(direct).toBe(expected);
    expect(features.sha256).toBe(expected);
    expect(features.rows).toEqual(single.rows);
  });

  test('Parquet parts (read by ranges) are hashed in a streaming pass over the same bytes', async () => {
    const bytes = thirds.map((r) => flightsParquet(r));
    const expected = createHash('sha256');
    for (const b of bytes) expected.update(b);
    const features = await runFeaturesStage({
      runId: 'rp',
      source: bytes.map((b, i) => memorySource(`incoming/x/part-${i}.parquet`, b)),
      config: { ...dev, dataset: { ...dev.dataset, rowCount: { min: 100 } } },
      store: memoryArtifactStore(),
    });
    expect(features.sha256).toBe(expected.digest('hex'));
  });
});

describe('runPartsMergeStage', () => {
  const list = {
    prefix: 'incoming/x/',
    markerKey: 'incoming/x/_SUCCESS',
    parts: thirds.map((r, i) => ({ index: i, key: `incoming/x/part-${i}.csv`, versionId: `v${i}`, bytes: Buffer.byteLength(flightsCsv(r)) })),
  };

  function recordingStore() {
    const copies: Array<[string, string | undefined, string]> = [];
    const artifacts = new Map<string, unknown>();
    const data = new Map<string, unknown>();
    return {
      copies,
      artifacts,
      data,
      store: {
        putArtifactJson: async (k: string, v: unknown) => void artifacts.set(k, v),
        putDataJson: async (k: string, v: unknown) => void data.set(k, v),
        copyPartTo: async (p: { key: string; versionId?: string }, k: string) => void copies.push([p.key, p.versionId, k]),
      },
    };
  }

  test('valid: every part (at its listed version) copied to validated/, report and profile filed', async () => {
    // Prepare
    const validations = await Promise.all(thirds.map((r, i) => validatePart(i, memorySource(list.parts[i]!.key, flightsCsv(r)), dev.dataset)));
    const rec = recordingStore();

    // Act
    const result = await runPartsMergeStage({ runId: 'run-p', list, validations, dataset: dev.dataset, store: rec.store });

    // Assess
    expect(result).toMatchObject({ verdict: 'valid', rowCount: 6000, parts: 3, source: { key: 'incoming/x/', bytes: list.parts.reduce((s, p) => s + p.bytes, 0) }, validatedKey: 'validated/run-p/x/' });
    expect(rec.copies.sort()).toEqual(list.parts.map((p, i) => [p.key, `v${i}`, `validated/run-p/x/part-${i}.csv`]));
    expect([...rec.artifacts.keys()].sort()).toEqual(['runs/run-p/validate/profile.json', 'runs/run-p/validate/report.json']);
    expect(rec.artifacts.get('runs/run-p/validate/profile.json')).toMatchObject({ rowCount: 6000, source: { key: 'incoming/x/', markerKey: 'incoming/x/_SUCCESS', parts: 3 } });
  });

  test('invalid: every part copied to quarantine/, the report beside the folder', async () => {
    // Prepare
    const bad = flightsCsv(thirds[1]!).replace(/\n[^\n]+\n/, '\n2001/01/01 09:00,12,300,SFO\n'); // a ragged row
    const validations = await Promise.all(thirds.map((r, i) => validatePart(i, memorySource(list.parts[i]!.key, i === 1 ? bad : flightsCsv(r)), dev.dataset)));
    const rec = recordingStore();

    // Act
    const result = await runPartsMergeStage({ runId: 'run-q', list, validations, dataset: dev.dataset, store: rec.store });

    // Assess
    expect(result).toMatchObject({ verdict: 'invalid', quarantineKey: 'quarantine/run-q/x/' });
    expect(result).not.toHaveProperty('validatedKey');
    expect(rec.copies.map((c) => c[2]).sort()).toEqual(['quarantine/run-q/x/part-0.csv', 'quarantine/run-q/x/part-1.csv', 'quarantine/run-q/x/part-2.csv']);
    expect([...rec.data.keys()]).toEqual(['quarantine/run-q/x.report.json']);
    expect(rec.data.get('quarantine/run-q/x.report.json')).toEqual(rec.artifacts.get('runs/run-q/validate/report.json'));
  });

  test('a count of validations that does not match the list is an error', async () => {
    const one = await validatePart(0, memorySource(list.parts[0]!.key, flightsCsv(thirds[0]!)), dev.dataset);
    await expect(runPartsMergeStage({ runId: 'r', list, validations: [one], dataset: dev.dataset, store: recordingStore().store })).rejects.toThrow(
      'incoming/x/: 3 parts were listed but 1 were validated',
    );
  });
});

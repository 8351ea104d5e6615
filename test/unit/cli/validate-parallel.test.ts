/**
 * Parallel validation of large CSV files must give exactly the one-pass answer: the same verdict,
 * counts, samples (with their file row numbers) and profile, whatever the split. Real worker threads run
 * here (the worker script is bundled with esbuild on first use).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateFileParallel } from '../../../cli/parallel/validate-parallel';
import type { ValidationOutcome } from '../../../lambda/core/validation/dataset-validator';
import { localFileSource } from '../../../lambda/core/validation/local-source';
import { validateDataset } from '../../../lambda/core/validation/validate-dataset';
import { datasetConfig, flightsDataset } from '../../helpers/validation';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-parallel-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The parts of an outcome that must not depend on how the file was read. Merged moments (mean, M2)
 * differ from one pass in the last bits of a double, so non-integers (and doubles beyond 2^53) are compared to 10 significant digits.
 */
function comparable({ report, profile }: ValidationOutcome): unknown {
  const { meta: _meta, ...rest } = report;
  return JSON.parse(JSON.stringify({ report: rest, profile }), (_key, value: unknown) =>
    typeof value === 'number' && !Number.isSafeInteger(value) ? Number(value.toPrecision(10)) : value,
  );
}

/** A flights-like CSV of `rows` rows with bad values at known rows, spread over the whole file. */
function flightsCsv(rows: number): string {
  const airports = ['ORD', 'DFW', 'ATL', 'LAX', 'PHX', 'SFO', 'SEA', 'BOS'];
  const lines = ['date,delay,distance,origin,destination'];
  for (let r = 1; r <= rows; r++) {
    const day = 1 + (r % 28);
    const minute = r % 60;
    let line = `2001-02-${String(day).padStart(2, '0')}T10:${String(minute).padStart(2, '0')}:00,${(r * 7) % 300 - 60},${100 + (r % 2500)},${airports[r % 8]},${airports[(r + 3) % 8]}`;
    if (r % 9973 === 0) line = line.replace(/,[A-Z]{3}$/, ',bad'); // regex failures everywhere
    if (r === rows - 10) line = '2001-02-30T10:00:00,1,100,ORD,DFW'; // impossible date near the end
    if (r === Math.floor(rows * 0.75)) line = '2001-02-01T10:00:00,1,100,ORD'; // a ragged row in the last part
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

describe('validateFileParallel', () => {
  test('two and three threads give the one-pass report and profile, row numbers included', async () => {
    // Prepare
    const file = join(dir, 'flights.csv');
    writeFileSync(file, flightsCsv(60_000));
    const dataset = flightsDataset();

    // Act
    const onePass = await validateDataset(localFileSource(file), dataset);
    const two = await validateFileParallel(file, dataset, { workers: 2, minBytes: 0 });
    const three = await validateFileParallel(file, dataset, { workers: 3, minBytes: 0 });

    // Assess
    expect(onePass.report.verdict).toBe('invalid');
    expect(onePass.report.failures.map((f) => f.kind)).toEqual(['ragged_rows', 'expectations_failed']);
    expect(onePass.report.failures[0]!.samples).toEqual([{ row: 45_000, value: expect.stringMatching(/^4 fields/) }]);
    expect(comparable(two)).toEqual(comparable(onePass));
    expect(comparable(three)).toEqual(comparable(onePass));
  });

  test('a split inside a quoted multi-line field falls back to one pass and still gives the right answer', async () => {
    // Prepare: every record holds a quoted field of many lines, so any split point lands inside one.
    const file = join(dir, 'notes.csv');
    const note = Array.from({ length: 40 }, (_, i) => `note line ${i}, with a comma`).join('\n');
    const rows = Array.from({ length: 3000 }, (_, i) => `${i + 1},"${note}"`);
    writeFileSync(file, `id,note\n${rows.join('\n')}\n`);
    const dataset = datasetConfig({ id: { type: 'integer', min: 1 }, note: { type: 'string' } });

    // Act
    const onePass = await validateDataset(localFileSource(file), dataset);
    const parallel = await validateFileParallel(file, dataset, { workers: 2, minBytes: 0 });

    // Assess
    expect(onePass.report.verdict).toBe('valid');
    expect(onePass.report.rowCount).toBe(3000);
    expect(comparable(parallel)).toEqual(comparable(onePass));
  });

  test('files the parallel path cannot plan (compressed content) get the one-pass verdict', async () => {
    // Prepare
    const file = join(dir, 'packed.csv');
    writeFileSync(file, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(4096, 7)]));

    // Act
    const outcome = await validateFileParallel(file, flightsDataset(), { workers: 2, minBytes: 0 });

    // Assess
    expect(outcome.report.verdict).toBe('invalid');
    expect(outcome.report.failures.map((f) => f.kind)).toEqual(['compressed_content']);
  });
});

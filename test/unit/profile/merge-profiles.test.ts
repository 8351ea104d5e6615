/**
 * Profiles are the drift baseline, computed per part and merged: the profile of a file split in two
 * parts, merged with `mergeProfiles`, equals the profile of the whole file (means and M2 up to rounding).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ColumnProfileJson } from '../../../lambda/core/profile/column-profile';
import { mergeProfiles, type DatasetProfile } from '../../../lambda/core/validation/dataset-validator';
import { flightsDataset, validateBytes } from '../../helpers/validation';

interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

/** The 5,000 real flights shipped by vega-datasets (read from disk: its JS API downloads). */
const FLIGHTS: Flight[] = JSON.parse(readFileSync(join(dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-5k.json'), 'utf8'));
const HEADER = 'date,delay,distance,origin,destination\n';
const csv = (rows: readonly Flight[]): string => HEADER + rows.map((f) => `${f.date},${f.delay},${f.distance},${f.origin},${f.destination}\n`).join('');

/** A profile with the floating-point moments taken out (compared separately, to rounding). */
function exactParts(profile: DatasetProfile): unknown {
  const columns: Record<string, unknown> = {};
  for (const [name, column] of Object.entries(profile.columns)) {
    if (!column.numeric) {
      columns[name] = column;
      continue;
    }
    const { mean: _mean, variance: _variance, m2: _m2, ...rest } = column.numeric;
    columns[name] = { ...column, numeric: rest };
  }
  return { rowCount: profile.rowCount, columns };
}

/** Mean, variance and M2 equal to a relative 1e-9 (datetimes are epoch milliseconds, ~1e12). */
function expectMomentsClose(merged: ColumnProfileJson, whole: ColumnProfileJson): void {
  for (const key of ['mean', 'variance', 'm2'] as const) {
    const [a, b] = [merged.numeric![key]!, whole.numeric![key]!];
    expect({ key, relativeError: Math.abs(a - b) / Math.max(1, Math.abs(b)) < 1e-9 }).toEqual({ key, relativeError: true });
  }
}

describe('mergeProfiles', () => {
  test('two parts of the flights file merge to the profile of the whole', async () => {
    // Prepare
    const dataset = flightsDataset();
    const cut = 2_345;
    const whole = await validateBytes('flights.csv', csv(FLIGHTS), dataset);
    const first = await validateBytes('flights-1.csv', csv(FLIGHTS.slice(0, cut)), dataset);
    const second = await validateBytes('flights-2.csv', csv(FLIGHTS.slice(cut)), dataset);
    // Act
    const merged = mergeProfiles(first.profile, second.profile);
    // Assess
    expect(whole.report.verdict).toBe('valid');
    expect(merged.rowCount).toBe(FLIGHTS.length);
    expect(exactParts(merged)).toEqual(exactParts(whole.profile));
    for (const name of ['date', 'delay', 'distance']) expectMomentsClose(merged.columns[name]!, whole.profile.columns[name]!);
  });

  test('the merge is the same in either order, and through JSON text', async () => {
    // Prepare
    const dataset = flightsDataset();
    const a = (await validateBytes('a.csv', csv(FLIGHTS.slice(0, 1000)), dataset)).profile;
    const b = (await validateBytes('b.csv', csv(FLIGHTS.slice(1000)), dataset)).profile;
    // Act
    const ab = mergeProfiles(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
    const ba = mergeProfiles(b, a);
    // Assess
    expect(exactParts(ab)).toEqual(exactParts(ba));
    expectMomentsClose(ab.columns.delay!, ba.columns.delay!);
  });

  test('a CSV part and a JSON Lines part of the same data merge to the whole', async () => {
    // Prepare
    const dataset = flightsDataset();
    const whole = await validateBytes('flights.csv', csv(FLIGHTS), dataset);
    const first = await validateBytes('flights-1.csv', csv(FLIGHTS.slice(0, 2500)), dataset);
    const second = await validateBytes('flights-2.jsonl', FLIGHTS.slice(2500).map((f) => JSON.stringify(f)).join('\n'), dataset);
    // Act
    const merged = mergeProfiles(first.profile, second.profile);
    // Assess
    expect(exactParts(merged)).toEqual(exactParts(whole.profile));
  });

  test('columns present in one part only are kept as they are', () => {
    // Prepare
    const only: ColumnProfileJson = { type: 'category', count: 1, nullCount: 0, invalidCount: 0, categorical: { distinct: 1, frequencies: { a: 1 }, otherCount: 0, truncated: false } };
    // Act
    const merged = mergeProfiles({ rowCount: 1, columns: { x: only } }, { rowCount: 2, columns: {} });
    // Assess
    expect(merged).toEqual({ rowCount: 3, columns: { x: only } });
  });
});

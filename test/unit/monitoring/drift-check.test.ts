/**
 * One drift check over captured requests: the window (since the last check, at most windowHours), the
 * hour folders it reads, no verdict below the minimum rows, a verdict on real flights (a shifted copy
 * drifts, an unshifted one does not), the metrics the alarms watch, and the baseline's columns.
 */
import { buildDriftBaseline } from '../../../lambda/core/drift/drift-baseline';
import type { Table } from '../../../lambda/core/features/table';
import { captureHourPrefixes, checkDrift, driftMetrics, driftReportKey, driftStateKey, driftWindow } from '../../../lambda/core/monitoring/drift-check';
import { driftColumns, driftReference } from '../../../lambda/core/monitoring/drift-reference';
import type { CaptureRecord } from '../../../lambda/core/serving/capture';
import { shuffledFlights } from '../../helpers/flights';

const NOW = new Date('2026-11-27T12:30:00Z');
const MIN_ROWS = 500;

describe('driftWindow', () => {
  test('from the end of the last check to now', () => {
    expect(driftWindow(NOW, 24, { checkedUntil: '2026-11-27T11:30:00.000Z' })).toEqual({ from: new Date('2026-11-27T11:30:00Z'), to: NOW });
  });
  test('windowHours back without a state, or when the last check is older than that (or in the future)', () => {
    const dayBack = { from: new Date('2026-11-26T12:30:00Z'), to: NOW };
    expect(driftWindow(NOW, 24)).toEqual(dayBack);
    expect(driftWindow(NOW, 24, { checkedUntil: '2026-11-20T00:00:00.000Z' })).toEqual(dayBack);
    expect(driftWindow(NOW, 24, { checkedUntil: '2026-11-28T00:00:00.000Z' })).toEqual(dayBack);
    expect(driftWindow(NOW, 24, { checkedUntil: 'garbage' })).toEqual(dayBack);
  });
  test('the hour folders it spans, oldest first, the current hour included', () => {
    expect(captureHourPrefixes({ from: new Date('2026-11-27T10:45:00Z'), to: NOW })).toEqual(['capture/2026-11-27/10/', 'capture/2026-11-27/11/', 'capture/2026-11-27/12/']);
    expect(captureHourPrefixes({ from: new Date('2026-11-26T23:10:00Z'), to: new Date('2026-11-27T00:05:00Z') })).toEqual(['capture/2026-11-26/23/', 'capture/2026-11-27/00/']);
  });
});

// Reference: 10,000 real flights; live: 10,000 others of the same 20,000 (a seeded shuffle splits them), as
// captured batches of 10.
const all = shuffledFlights(7);
const reference = all.slice(0, 10_000);
const baseline = buildDriftBaseline({
  distance: { kind: 'numerical', values: Float64Array.from(reference, (f) => f.distance) },
  origin: { kind: 'categorical', values: reference.map((f) => f.origin) },
});
function captures(rows: ReadonlyArray<Record<string, unknown>>, at = '2026-11-27T12:00:00.000Z'): CaptureRecord[] {
  const out: CaptureRecord[] = [];
  for (let i = 0; i < rows.length; i += 10) out.push({ requestId: `r${i}`, at, modelVersion: 3, request: { instances: rows.slice(i, i + 10) }, response: { predictions: [] } });
  return out;
}
const live = all.slice(10_000).map((f) => ({ distance: f.distance, origin: f.origin, destination: f.destination }));
const check = (records: CaptureRecord[]) =>
  checkDrift({ baseline, captures: records, window: { from: new Date('2026-11-27T11:30:00Z'), to: NOW }, modelName: 'flights', modelVersion: 3, environment: 'prod', options: { minRows: MIN_ROWS, datasetDriftShare: 0.5, columnDriftThreshold: 0.1 } });

describe('checkDrift', () => {
  test('live flights like the reference: no column drifts', () => {
    const report = check(captures(live));
    expect(report).toMatchObject({ rows: 10_000, captures: 1000, modelVersion: 3, window: { from: '2026-11-27T11:30:00.000Z', to: '2026-11-27T12:30:00.000Z' } });
    expect(report.result).toMatchObject({ driftedCount: 0, datasetDrift: false });
    expect(report.result!.columns.distance!.method).toBe('wasserstein');
  });

  test('known limit of Evidently’s rule: Jensen–Shannon on ~200 airports is biased upward in small windows, so 2,000 rows of the same flights read as drift', () => {
    // The same population, a fifth of the rows: the distance is noise, not drift (README: use long
    // enough windows, or a higher columnDriftThreshold, for high-cardinality columns).
    const small = check(captures(live.slice(0, 2000)));
    expect(small.result!.columns.distance!.drifted).toBe(false);
    expect(small.result!.columns.origin).toMatchObject({ method: 'jensenshannon', drifted: true });
    expect(small.result!.columns.origin!.score).toBeGreaterThan(0.1);
    expect(check(captures(live)).result!.columns.origin!.score).toBeLessThan(0.1);
  });

  test('distances tripled and every flight from one airport: both columns drift, the dataset drifts', () => {
    const report = check(captures(live.map((r) => ({ ...r, distance: r.distance * 3, origin: 'ZZZ' }))));
    expect(report.result).toMatchObject({ driftedCount: 2, driftedShare: 1, datasetDrift: true });
    expect(report.result!.columns.origin).toMatchObject({ method: 'jensenshannon', drifted: true, psiBand: 'significant' });
  });

  test('records outside the window are left out; below the minimum rows there is no verdict', () => {
    const report = check([...captures(live.slice(0, MIN_ROWS - 10)), ...captures(live, '2026-11-27T09:00:00.000Z')]);
    expect(report).toMatchObject({ rows: MIN_ROWS - 10, noVerdict: `${MIN_ROWS - 10} captured rows in the window; a verdict needs at least ${MIN_ROWS} (monitoring.minRows): the next check reads from the same start` });
    expect(report.result).toBeUndefined();
    // Without a verdict only the row count is emitted: no data, not a breach, for the alarms.
    expect(driftMetrics(report)).toEqual([{ dimensions: { environment: 'prod' }, metrics: [{ name: 'DriftRows', value: MIN_ROWS - 10, unit: 'Count' }] }]);
  });

  test('metrics: per column drifted (0/1), score and PSI; for the dataset the drifted share and the rows', () => {
    const report = check(captures(live.map((r) => ({ ...r, origin: 'ZZZ' }))));
    const documents = driftMetrics(report);
    expect(documents.map((d) => d.dimensions)).toEqual([{ environment: 'prod', column: 'distance' }, { environment: 'prod', column: 'origin' }, { environment: 'prod' }]);
    expect(documents[1]!.metrics.map((m) => m.name)).toEqual(['ColumnDrifted', 'DriftScore', 'PSI']);
    expect(documents[1]!.metrics[0]!.value).toBe(1);
    expect(documents[2]!.metrics).toEqual([
      { name: 'DriftRows', value: 10_000, unit: 'Count' },
      { name: 'DatasetDriftShare', value: 0.5, unit: 'None' },
    ]);
  });

  test('reports and state live under monitoring/<name>/drift/', () => {
    expect(driftReportKey('flights', '2026-11-27T12:30:00.000Z')).toBe('monitoring/flights/drift/reports/2026-11-27T12-30-00-000Z.json');
    expect(driftStateKey('flights')).toBe('monitoring/flights/drift/state.json');
  });
});

describe('the training baseline’s columns', () => {
  const spec = {
    columnTypes: { date: 'datetime', distance: 'number', origin: 'category', destination: 'category' },
    features: [
      { transform: 'datetime', column: 'date', parts: ['hour'], cyclic: false },
      { transform: 'standardize', column: 'distance', mean: 0, std: 1 },
      { transform: 'native', column: 'origin', categories: [] },
      { transform: 'onehot', column: 'destination', categories: [] },
    ],
  } as const;

  test('the model’s input columns but datetimes, once each', () => {
    expect(driftColumns(spec as never)).toEqual(['distance', 'origin', 'destination']);
  });

  test('the reference is the given rows, typed as the table holds them', () => {
    const table: Table = {
      rows: 3,
      columns: { date: { kind: 'numeric', values: Float64Array.from([1, 2, 3]) }, distance: { kind: 'numeric', values: Float64Array.from([10, 20, 30]) }, origin: { kind: 'text', values: ['SFO', null, 'LAX'] }, destination: { kind: 'text', values: ['A', 'B', 'C'] } },
    };
    const ref = driftReference(table, Int32Array.from([2, 0]), spec as never);
    expect(Object.keys(ref)).toEqual(['distance', 'origin', 'destination']);
    expect(ref.distance).toEqual({ kind: 'numerical', values: Float64Array.from([30, 10]) });
    expect(ref.origin).toEqual({ kind: 'categorical', values: ['LAX', 'SFO'] });
  });
});

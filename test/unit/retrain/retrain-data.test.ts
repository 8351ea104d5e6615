/**
 * What a retrain trains on: the run folder of a validated key, which keys under it are data, the labelled
 * captures as CSV in the validated file's column order (the target from the label, quoting as RFC 4180,
 * newest last), the CSV header reader, and the part folder's layout and manifest order.
 */
import { csvHeader, isValidatedDataKey, labelledAfterKey, labelledCsv, retrainClaimKey, retrainFolder, retrainFolderOf, retrainParts, validatedRunFolder } from '../../../lambda/core/retrain/retrain-data';
import type { LabelledRow } from '../../../lambda/core/monitoring/live-quality';

test('the run folder of a validated key; keys outside validated/ have none', () => {
  expect(validatedRunFolder('validated/run-1/flights.csv')).toBe('validated/run-1/');
  expect(validatedRunFolder('validated/run-1/retrain/run-0/part-00000-a.csv')).toBe('validated/run-1/');
  expect(validatedRunFolder('validated/flights.csv')).toBeUndefined();
  expect(validatedRunFolder('incoming/run-1/flights.csv')).toBeUndefined();
});

test('data keys of a run folder: not markers, not hidden, not inside a hidden folder', () => {
  const folder = 'validated/run-1/';
  expect(isValidatedDataKey(folder, 'validated/run-1/flights.csv')).toBe(true);
  expect(isValidatedDataKey(folder, 'validated/run-1/q1/part-0.csv')).toBe(true);
  expect(isValidatedDataKey(folder, 'validated/run-1/q1/_SUCCESS')).toBe(false);
  expect(isValidatedDataKey(folder, 'validated/run-1/_temporary/part-0.csv')).toBe(false);
  expect(isValidatedDataKey(folder, 'validated/run-2/flights.csv')).toBe(false);
});

test('the CSV header of a first line, quoted fields and a byte-order mark included; no complete line → undefined', () => {
  expect(csvHeader('\uFEFFdate,"de,lay",x\r\n1,2,3\n')).toEqual(['date', 'de,lay', 'x']);
  expect(csvHeader('a,"b ""q""",c\n')).toEqual(['a', 'b "q"', 'c']);
  expect(csvHeader('a,b,c')).toBeUndefined();
});

test("labelled captures as CSV in the validated file's column order: the target from the label, oldest first, quoted where needed", () => {
  // Prepare
  const row = (requestId: string, at: string, record: Record<string, unknown>, label: number): LabelledRow => ({ requestId, at, modelVersion: 1, record, label, prediction: 0 });
  const rows = [
    row('b', '2001-04-02T00:00:00.000Z', { date: '2001-04-02T09:00:00', distance: 950, origin: 'SFO', destination: 'LAX' }, 7),
    row('a', '2001-04-01T00:00:00.000Z', { date: '2001-04-01T08:00:00', distance: 300, origin: 'A,B', destination: 'Q"T', delay: 999 }, -3),
  ];

  // Act
  const csv = labelledCsv(rows, ['date', 'delay', 'distance', 'origin', 'destination'], 'delay');

  // Assess: the record's own `delay` (a client's field) does not override the label.
  expect(csv).toBe(['date,delay,distance,origin,destination', '2001-04-01T08:00:00,-3,300,"A,B","Q""T"', '2001-04-02T09:00:00,7,950,SFO,LAX', ''].join('\n'));
});

test('the part folder: copies keep their names behind an ordering prefix, the captured part last, the manifest names them in order', () => {
  const folder = retrainFolder('run-x', 'a1b2c3d4');
  expect(folder).toBe('retrain/run-x/a1b2c3d4/');
  const plan = retrainParts(folder, ['validated/run-1/q1/part-0.csv', 'validated/run-1/q1/part-1.csv'], true);
  expect(plan.copies).toEqual([
    { from: 'validated/run-1/q1/part-0.csv', to: 'retrain/run-x/a1b2c3d4/part-00000-part-0.csv' },
    { from: 'validated/run-1/q1/part-1.csv', to: 'retrain/run-x/a1b2c3d4/part-00001-part-1.csv' },
  ]);
  expect(plan.captured).toBe('retrain/run-x/a1b2c3d4/part-00002-captured.csv');
  expect(plan.manifest).toBe('retrain/run-x/a1b2c3d4/_manifest.json');
  expect(plan.names).toEqual(['part-00000-part-0.csv', 'part-00001-part-1.csv', 'part-00002-captured.csv']);
  const copiesOnly = retrainParts(folder, ['validated/run-1/a.parquet'], false);
  expect(copiesOnly.names).toEqual(['part-00000-a.parquet']);
  expect(copiesOnly.captured).toBeUndefined();
});

test("the retrain folder a validated run's files came from: the assembly folder of its copies; none for an upload", () => {
  expect(retrainFolderOf(['validated/run-9/retrain/run-x/a1b2c3d4/part-00000-a.csv', 'validated/run-9/retrain/run-x/a1b2c3d4/part-00001-captured.csv'])).toBe('retrain/run-x/a1b2c3d4/');
  expect(retrainFolderOf(['validated/run-9/flights.csv'])).toBeUndefined();
  expect(retrainClaimKey('run-x')).toBe('retrain/run-x/_claim.json');
});

test('labelled rows after a moment: the listing starts after that moment’s key', () => {
  expect(labelledAfterKey('flights', new Date('2026-11-27T10:00:00.000Z'))).toBe('monitoring/flights/labelled/2026-11-27T10-00-00-000Z');
  expect('monitoring/flights/labelled/2026-11-27T10-00-00-001Z.jsonl' > labelledAfterKey('flights', new Date('2026-11-27T10:00:00.000Z'))).toBe(true);
});

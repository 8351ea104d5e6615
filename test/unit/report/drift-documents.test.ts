/**
 * Reading a run's drift documents for its report through the stores the stages use (in memory): the
 * training split's drift baseline from the run folder or the registry, and for a run that drift started
 * the newest drift report with a verdict at or before the run's start — through a key listing, or
 * without one through the drift check's state. Absent documents are reasons, never exceptions.
 */
import { DRIFT_BASELINE_FILE } from '../../../lambda/core/monitoring/drift-reference';
import { driftReportKey, driftStateKey, type DriftReport } from '../../../lambda/core/monitoring/drift-check';
import { memoryRegistryStore, versionKey } from '../../../lambda/core/registry/registry';
import { readRunDocuments, type RunDocumentStores } from '../../../lambda/core/report/run-documents';
import { runRecordKey, stageStarted, stageSucceeded, type RunRecord } from '../../../lambda/core/runs/run-record';
import { memoryArtifactStore } from '../../../lambda/core/stages/artifact-store';
import { at, crashedRun, registeredRun, runThrough, T0 } from '../../helpers/report-fixtures';
import { flightsBaseline, flightsDriftReport } from './drift-fixtures';

const DRIFT_RUN = 'run-flights-drift-202611271000-abc123';

function stores(options: { listing?: boolean } = {}): RunDocumentStores & { artifacts: ReturnType<typeof memoryArtifactStore>; listed: string[] } {
  const artifacts = memoryArtifactStore();
  const listed: string[] = [];
  const listKeys = async (prefix: string): Promise<string[]> => {
    listed.push(prefix);
    return [...artifacts.objects.keys()].filter((k) => k.startsWith(prefix));
  };
  return { artifacts, registry: memoryRegistryStore(), listed, ...(options.listing === false ? {} : { listKeys }) };
}

/** A drift run that registered flights v2, or (`failed`) one that crashed before registering. */
function driftRun(failed = false): RunRecord {
  const run = failed ? crashedRun(DRIFT_RUN) : registeredRun(DRIFT_RUN);
  return { ...run, trigger: { kind: 'drift', bucket: 'flights-dev-data', key: 'validated/run-1/flights.csv' } };
}

/** `minutes` before the drift run started (T0). */
function before(minutes: number): Date {
  return new Date(Date.parse(T0) - minutes * 60_000);
}

/** A document as it comes back from the store (JSON: NaN and ±∞ become null). */
function stored<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

async function putReport(s: ReturnType<typeof stores>, report: DriftReport): Promise<string> {
  const key = driftReportKey('flights', report.at);
  await s.artifacts.putJson(key, report);
  return key;
}

describe('readRunDocuments: drift baseline', () => {
  test("reads the training split's baseline where the features stage recorded it", async () => {
    // Prepare
    const s = stores();
    const key = 'runs/run-f/features/drift-baseline.json';
    await s.artifacts.putJson(runRecordKey('run-f'), stageSucceeded(stageStarted(runThrough('run-f', ['validate']), 'features', at(2)), 'features', at(3), { outputs: { driftBaselineKey: key } }));
    await s.artifacts.putJson(key, flightsBaseline());

    // Act
    const docs = await readRunDocuments(s, 'run-f');

    // Assess
    expect(docs.driftBaseline).toEqual(flightsBaseline());
    expect(docs.triggeringDrift).toBeUndefined();
  });

  test("falls back to the registered version's copy when the run folder has none", async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey('run-ok'), registeredRun());
    await s.registry.put(versionKey('flights', 2, DRIFT_BASELINE_FILE), flightsBaseline());

    // Act
    const docs = await readRunDocuments(s, 'run-ok');

    // Assess
    expect(docs.driftBaseline).toEqual(flightsBaseline());
  });

  test('a baseline that is not JSON is a problem, not a crash', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey('run-crashed'), crashedRun());
    await s.artifacts.putBytes(`runs/run-crashed/features/${DRIFT_BASELINE_FILE}`, new TextEncoder().encode('{"columns": '));

    // Act
    const docs = await readRunDocuments(s, 'run-crashed');

    // Assess
    expect(docs.driftBaseline).toBeUndefined();
    expect(docs.problems).toEqual([expect.stringMatching(/^runs\/run-crashed\/features\/drift-baseline\.json exists but is not valid JSON/)]);
  });
});

describe('readRunDocuments: the drift report that triggered a retrain', () => {
  test('is the newest report with a verdict at or before the run started: later ones and ones without a verdict are passed over', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun());
    await putReport(s, flightsDriftReport({ at: before(180) }));
    const wanted = await putReport(s, flightsDriftReport({ at: before(60) }));
    await putReport(s, flightsDriftReport({ at: before(10), minRows: 1_000_000 }));
    await putReport(s, flightsDriftReport({ at: new Date(Date.parse(T0) + 60_000) }));

    // Act
    const docs = await readRunDocuments(s, DRIFT_RUN);

    // Assess
    expect(docs.triggeringDrift).toEqual({ key: wanted, report: stored(flightsDriftReport({ at: before(60) })) });
    expect(s.listed).toEqual(['monitoring/flights/drift/reports/']);
  });

  test('a report written exactly when the run started counts', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun());
    const key = await putReport(s, flightsDriftReport({ at: new Date(T0) }));

    // Act
    const docs = await readRunDocuments(s, DRIFT_RUN);

    // Assess
    expect(docs.triggeringDrift).toMatchObject({ key });
  });

  test('a damaged report is a problem and the next older one is used', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun());
    const older = await putReport(s, flightsDriftReport({ at: before(120) }));
    const damaged = driftReportKey('flights', before(30).toISOString());
    await s.artifacts.putBytes(damaged, new TextEncoder().encode('{"result": '));

    // Act
    const docs = await readRunDocuments(s, DRIFT_RUN);

    // Assess
    expect(docs.triggeringDrift).toMatchObject({ key: older });
    expect(docs.problems).toEqual([expect.stringContaining(`${damaged} exists but is not valid JSON`)]);
  });

  test('a run that failed before registering finds its model from the run id the retrain trigger gave it', async () => {
    // Prepare
    const s = stores();
    await s.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun(true));
    const key = await putReport(s, flightsDriftReport({ at: before(60) }));

    // Act
    const docs = await readRunDocuments(s, DRIFT_RUN);

    // Assess
    expect(docs.triggeringDrift).toMatchObject({ key });
  });

  test('without a key listing, the drift state names the report when its verdict is from before the run', async () => {
    // Prepare
    const s = stores({ listing: false });
    await s.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun());
    const report = flightsDriftReport({ at: before(60) });
    const key = await putReport(s, report);
    await s.artifacts.putJson(driftStateKey('flights'), { checkedUntil: report.window.to });

    // Act
    const docs = await readRunDocuments(s, DRIFT_RUN);

    // Assess
    expect(docs.triggeringDrift).toEqual({ key, report: stored(report) });
  });

  test('without a key listing, a verdict newer than the run is not taken for the trigger', async () => {
    // Prepare
    const s = stores({ listing: false });
    await s.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun());
    await putReport(s, flightsDriftReport({ at: before(60) }));
    await s.artifacts.putJson(driftStateKey('flights'), { checkedUntil: '2026-11-27T11:00:00.000Z' });

    // Act
    const docs = await readRunDocuments(s, DRIFT_RUN);

    // Assess
    expect(docs.triggeringDrift).toEqual({
      missing: 'the drift reports under monitoring/flights/drift/reports/ were not listed, and the newest verdict (2026-11-27T11:00:00.000Z) came after the run started',
    });
  });

  test('says why when there is no report, or none with a verdict, before the run', async () => {
    // Prepare
    const empty = stores();
    await empty.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun());
    const quiet = stores();
    await quiet.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun());
    await putReport(quiet, flightsDriftReport({ at: before(60), minRows: 1_000_000 }));
    const unlisted = stores({ listing: false });
    await unlisted.artifacts.putJson(runRecordKey(DRIFT_RUN), driftRun());

    // Act
    const docs = await Promise.all([empty, quiet, unlisted].map((s) => readRunDocuments(s, DRIFT_RUN)));

    // Assess
    expect(docs.map((d) => d.triggeringDrift)).toEqual([
      { missing: 'no drift report under monitoring/flights/drift/reports/ is from before the run started (2026-11-27T10:00:00.000Z)' },
      { missing: 'none of the 1 newest drift reports under monitoring/flights/drift/reports/ before the run started (2026-11-27T10:00:00.000Z) has a verdict (each had too few captured rows)' },
      { missing: 'the drift reports under monitoring/flights/drift/reports/ were not listed, and monitoring/flights/drift/state.json names no checked window' },
    ]);
  });

  test('a drift run whose record and id name no model says so', async () => {
    // Prepare
    const s = stores();
    const run: RunRecord = { ...crashedRun('run-adhoc'), trigger: { kind: 'drift', bucket: 'b', key: 'k' } };
    await s.artifacts.putJson(runRecordKey('run-adhoc'), run);

    // Act
    const docs = await readRunDocuments(s, 'run-adhoc');

    // Assess
    expect(docs.triggeringDrift).toEqual({ missing: 'the run record names no model, so which drift reports to read is unknown' });
  });
});

/**
 * Real-shaped drift documents for the report's tests, made by the drift core itself from real flights:
 * a baseline over 4,000 training flights whose columns get each of the five methods, and drift reports
 * of a window of later flights, as the drift check writes them.
 */
import { buildDriftBaseline, type DriftBaseline, type ReferenceColumn } from '../../../lambda/core/drift/drift-baseline';
import { checkDrift, type DriftReport } from '../../../lambda/core/monitoring/drift-check';
import type { CaptureRecord } from '../../../lambda/core/serving/capture';
import { flights, type Flight } from '../../helpers/flights';
import { T0 } from '../../helpers/report-fixtures';

/** Flights later than this many minutes count as late. */
const LATE_MINUTES = 30;

/** Reference rows (first flights of the file) and the window (later flights). */
const REFERENCE_ROWS = 4000;

/**
 * The monitored columns of a flight: distance and origin for every flight (4,000 rows: Wasserstein and
 * Jensen–Shannon); delay, origin and haul of the late ones only (under 1,000 rows: KS, chi-square, z).
 */
export function driftRecord(f: Flight, distanceFactor = 1): Record<string, unknown> {
  const late = f.delay > LATE_MINUTES;
  return {
    distance: f.distance * distanceFactor,
    origin: f.origin,
    late_delay: late ? f.delay : null,
    late_origin: late ? f.origin : null,
    late_haul: late ? (f.distance > 1000 ? 'long' : 'short') : null,
  };
}

function referenceOf(records: ReadonlyArray<Record<string, unknown>>): Record<string, ReferenceColumn> {
  const column = (name: string): unknown[] => records.map((r) => r[name]);
  return {
    distance: { kind: 'numerical', values: column('distance') as number[] },
    origin: { kind: 'categorical', values: column('origin') as string[] },
    late_delay: { kind: 'numerical', values: column('late_delay') as Array<number | null> },
    late_origin: { kind: 'categorical', values: column('late_origin') as Array<string | null> },
    late_haul: { kind: 'categorical', values: column('late_haul') as Array<string | null> },
  };
}

/** The baseline of the first 4,000 flights: one column per drift method. */
export function flightsBaseline(): DriftBaseline {
  return buildDriftBaseline(referenceOf(flights(REFERENCE_ROWS).map((f) => driftRecord(f))));
}

/** A baseline of arbitrary categorical and numerical columns (for escaping and edge cases). */
export function baselineOf(reference: Record<string, ReferenceColumn>): DriftBaseline {
  return buildDriftBaseline(reference);
}

/** When the drift check of the fixtures ran: an hour before {@link T0}. */
export const CHECKED_AT = new Date(Date.parse(T0) - 3_600_000);

/**
 * The drift report of 2,000 later flights against {@link flightsBaseline}, as the drift check writes it;
 * `distanceFactor` stretches distances (1.5: longer routes, so distance drifts).
 */
export function flightsDriftReport(options: { readonly distanceFactor?: number; readonly at?: Date; readonly minRows?: number } = {}): DriftReport {
  const to = options.at ?? CHECKED_AT;
  const window = { from: new Date(to.getTime() - 6 * 3_600_000), to };
  const later = flights().slice(10_000, 12_000);
  const captures: CaptureRecord[] = [];
  for (let i = 0; i < later.length; i += 100) {
    captures.push({
      requestId: `req-${i}`,
      at: new Date(window.from.getTime() + i * 1000).toISOString(),
      modelVersion: 1,
      request: { instances: later.slice(i, i + 100).map((f) => driftRecord(f, options.distanceFactor ?? 1.5)) as CaptureRecord['request']['instances'] },
      response: { predictions: [] },
    });
  }
  return checkDrift({
    baseline: flightsBaseline(),
    captures,
    window,
    modelName: 'flights',
    modelVersion: 1,
    environment: 'dev',
    options: { minRows: options.minRows ?? 100, datasetDriftShare: 0.5, columnDriftThreshold: 0.1 },
  });
}

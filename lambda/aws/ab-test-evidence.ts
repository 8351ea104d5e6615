/**
 * The per-version evidence of an A/B test from CloudWatch: one `GetMetricData` call over the test's window
 * for both versions, on the predict handler's EMF metrics (`lambda/core/serving/metrics.ts`) under the
 * dimensions `environment`, `modelVersion` and `service` — `Latency` p99 and sample count (the requests),
 * `ServerErrors` average (the share answered 5xx).
 *
 * The window is one period: CloudWatch accepts a period that is a multiple of 60 s for data younger than
 * 15 days and of 300 s up to 63 days, so the period is rounded up to 300 s (windows reach 30 days) and the
 * start down to a 5-minute boundary. Should CloudWatch still return several values per query, counts are
 * summed, the error rate is weighted by requests, and the largest p99 is kept (the cautious reading).
 */
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { AbTestEvidence, VersionEvidence } from '../core/deploy/ab-test';

/** Seconds per period step CloudWatch accepts for data up to 63 days old. */
const PERIOD_STEP_SECONDS = 300;

/** What to query: the metrics' namespace and dimensions, the two model versions, the window. */
export interface EvidenceQuery {
  readonly namespace: string;
  readonly environment: string;
  /** The predict handler's `service` dimension. */
  readonly service: string;
  readonly championVersion: number;
  readonly challengerVersion: number;
  readonly start: Date;
  /** The end of the evidence: now, or the window's end if that is earlier. */
  readonly end: Date;
}

/** The `GetMetricData` queries for one evidence look (ids `<arm>_<stat>`). */
export function evidenceQueries(query: EvidenceQuery): { readonly queries: MetricDataQuery[]; readonly startTime: Date; readonly endTime: Date; readonly period: number } {
  const stepMs = PERIOD_STEP_SECONDS * 1000;
  const startMs = Math.floor(query.start.getTime() / stepMs) * stepMs;
  const period = Math.max(1, Math.ceil((query.end.getTime() - startMs) / stepMs)) * PERIOD_STEP_SECONDS;
  const metric = (name: string, version: number) => ({
    Namespace: query.namespace,
    MetricName: name,
    Dimensions: [
      { Name: 'environment', Value: query.environment },
      { Name: 'modelVersion', Value: String(version) },
      { Name: 'service', Value: query.service },
    ],
  });
  const queries: MetricDataQuery[] = [];
  for (const [arm, version] of [['champion', query.championVersion], ['challenger', query.challengerVersion]] as const) {
    queries.push(
      { Id: `${arm}_p99`, MetricStat: { Metric: metric('Latency', version), Period: period, Stat: 'p99' }, ReturnData: true },
      { Id: `${arm}_requests`, MetricStat: { Metric: metric('Latency', version), Period: period, Stat: 'SampleCount' }, ReturnData: true },
      { Id: `${arm}_errors`, MetricStat: { Metric: metric('ServerErrors', version), Period: period, Stat: 'Average' }, ReturnData: true },
    );
  }
  return { queries, startTime: new Date(startMs), endTime: new Date(startMs + period * 1000), period };
}

/** A query's values by timestamp (ms). */
function series(results: readonly MetricDataResult[], id: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of results.filter((x) => x.Id === id)) {
    (r.Values ?? []).forEach((value, i) => {
      const at = r.Timestamps?.[i]?.getTime() ?? i;
      out.set(at, (out.get(at) ?? 0) + value);
    });
  }
  return out;
}

function armEvidence(results: readonly MetricDataResult[], arm: 'champion' | 'challenger'): VersionEvidence {
  const requests = series(results, `${arm}_requests`);
  const errors = series(results, `${arm}_errors`);
  const p99 = [...series(results, `${arm}_p99`).values()];
  let total = 0;
  let failed = 0;
  for (const [at, count] of requests) {
    total += count;
    failed += (errors.get(at) ?? 0) * count;
  }
  return { requests: total, serverErrorRate: total > 0 ? failed / total : 0, ...(p99.length > 0 && total > 0 ? { p99LatencyMs: Math.max(...p99) } : {}) };
}

/** Query CloudWatch for both versions' evidence over the window (following `NextToken`). */
export async function gatherAbTestEvidence(client: CloudWatchClient, query: EvidenceQuery): Promise<AbTestEvidence> {
  const { queries, startTime, endTime } = evidenceQueries(query);
  const results: MetricDataResult[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: startTime, EndTime: endTime, ScanBy: 'TimestampAscending', ...(nextToken ? { NextToken: nextToken } : {}) }));
    results.push(...(page.MetricDataResults ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return { champion: armEvidence(results, 'champion'), challenger: armEvidence(results, 'challenger') };
}

/**
 * The CloudWatch side of the A/B evidence: the `GetMetricData` queries (one period over the window, on a
 * 5-minute grid), and how answers become per-version evidence. aws-sdk-client-mock stands for CloudWatch,
 * answering in `GetMetricData`'s real response shape (`MetricDataResults` of `{Id, Timestamps, Values}`,
 * paged with `NextToken`).
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { evidenceQueries, gatherAbTestEvidence, type EvidenceQuery } from '../../../lambda/aws/ab-test-evidence';

const QUERY: EvidenceQuery = {
  namespace: 'MLOps/flights',
  environment: 'prod',
  service: 'predict',
  championVersion: 4,
  challengerVersion: 5,
  start: new Date('2026-03-01T10:07:30.000Z'),
  end: new Date('2026-03-01T11:00:00.000Z'),
};

describe('evidenceQueries', () => {
  test('one period from the 5-minute boundary before the start to past the end, six queries', () => {
    const { queries, startTime, endTime, period } = evidenceQueries(QUERY);
    expect(startTime.toISOString()).toBe('2026-03-01T10:05:00.000Z');
    expect(period).toBe(3300); // 55 minutes, a multiple of 300 s
    expect(endTime.toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(queries.map((q) => q.Id)).toEqual(['champion_p99', 'champion_requests', 'champion_errors', 'challenger_p99', 'challenger_requests', 'challenger_errors']);
    expect(queries.every((q) => q.MetricStat!.Period === 3300 && q.ReturnData === true)).toBe(true);
  });

  test('a look right after the start still asks for one whole step', () => {
    const { period } = evidenceQueries({ ...QUERY, start: new Date('2026-03-01T10:05:00.000Z'), end: new Date('2026-03-01T10:05:00.000Z') });
    expect(period).toBe(300);
  });
});

describe('gatherAbTestEvidence', () => {
  const cloudWatch = mockClient(CloudWatchClient);
  afterEach(() => cloudWatch.reset());
  const t1 = new Date('2026-03-01T10:05:00.000Z');
  const t2 = new Date('2026-03-01T10:10:00.000Z');

  test('sums requests over values and pages, weights the error rate by requests, keeps the largest p99; no data is no requests', async () => {
    // Prepare: two values per query (as if CloudWatch split the window), the challenger's on two pages.
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'champion_p99', Timestamps: [t1, t2], Values: [100, 140], StatusCode: 'Complete' },
          { Id: 'champion_requests', Timestamps: [t1, t2], Values: [300, 100], StatusCode: 'Complete' },
          { Id: 'champion_errors', Timestamps: [t1, t2], Values: [0, 0.04], StatusCode: 'Complete' },
          { Id: 'challenger_requests', Timestamps: [], Values: [], StatusCode: 'PartialData' },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'challenger_requests', Timestamps: [], Values: [], StatusCode: 'Complete' }] });

    // Act
    const evidence = await gatherAbTestEvidence(new CloudWatchClient({ region: 'us-east-1' }), QUERY);

    // Assess
    expect(evidence).toEqual({ champion: { requests: 400, serverErrorRate: 0.01, p99LatencyMs: 140 }, challenger: { requests: 0, serverErrorRate: 0 } });
    const calls = cloudWatch.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(calls[0]!.args[0].input).toMatchObject({ StartTime: new Date('2026-03-01T10:05:00.000Z'), EndTime: new Date('2026-03-01T11:00:00.000Z'), ScanBy: 'TimestampAscending' });
  });
});

import {
  AlarmEvaluator,
  computeStatistic,
  evaluateAlarm,
  InvalidAlarmDefinitionError,
  isBreaching,
  metricAlarmsFromTemplate,
  parseMetricAlarm,
  type AlarmStateValue,
  type MetricAlarmDefinition,
  type TreatMissingData,
} from '../../../local/alarms';
import { matchesEventPattern } from '../../../local/event-pattern';
import { MetricStore } from '../../../local/metrics';

// The tables in "How alarm state is evaluated when data is missing", on
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
// (awsdocs/amazon-cloudwatch-user-guide doc_source/AlarmThatSendsEmail.md). "0" is a datapoint within
// the threshold, "X" a breaching one, "-" a missing one; the 5 datapoints are the evaluation range,
// oldest first. "retain" is "Retain current state".
describe('evaluateAlarm: the documented missing-data tables', () => {
  type Expected = AlarmStateValue | 'retain';
  const TREATMENTS: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
  const range = (points: string): Array<number | undefined> => points.split(' ').map((p) => (p === '-' ? undefined : p === 'X' ? 10 : 1));

  function assertRow(datapointsToAlarm: number, points: string, expected: [Expected, Expected, Expected, Expected]): void {
    TREATMENTS.forEach((treatMissingData, i) => {
      const alarm = { evaluationPeriods: 3, datapointsToAlarm, threshold: 5, comparisonOperator: 'GreaterThanThreshold' as const, treatMissingData };
      for (const current of ['OK', 'ALARM'] as const) {
        const want = expected[i] === 'retain' ? current : expected[i];
        expect({ points, treatMissingData, current, state: evaluateAlarm(alarm, range(points), current).state }).toEqual({ points, treatMissingData, current, state: want });
      }
    });
  }

  it.each<[string, [Expected, Expected, Expected, Expected]]>([
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
    ['X - - - -', ['ALARM', 'retain', 'ALARM', 'OK']],
  ])('3 out of 3: %s → missing, ignore, breaching, notBreaching = %j', (points, expected) => {
    assertRow(3, points, expected);
  });

  it.each<[string, [Expected, Expected, Expected, Expected]]>([
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - X', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
  ])('2 out of 3: %s → missing, ignore, breaching, notBreaching = %j', (points, expected) => {
    assertRow(2, points, expected);
  });

  it('explains the state in CloudWatch wording', () => {
    // Prepare
    const alarm = { evaluationPeriods: 3, datapointsToAlarm: 2, threshold: 5, comparisonOperator: 'GreaterThanThreshold' as const, treatMissingData: 'breaching' as const };

    // Act + Assess
    expect(evaluateAlarm(alarm, [1, undefined, 10, undefined, undefined], 'OK').reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [1, 10, 1 missing treated as breaching] were greater than the threshold (5) (minimum 2 datapoints for ALARM).',
    );
    expect(evaluateAlarm(alarm, [10, 1, 1, 1, 10], 'ALARM').reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [1, 1, 10] were not greater than the threshold (5) (minimum 2 datapoints for OK).',
    );
    expect(evaluateAlarm({ ...alarm, treatMissingData: 'missing' }, [undefined, undefined, undefined, undefined, undefined], 'OK').reason).toBe(
      'Insufficient Data: 5 datapoints were unknown.',
    );
  });
});

describe('isBreaching and computeStatistic', () => {
  it.each([
    ['GreaterThanThreshold', [false, false, true]],
    ['GreaterThanOrEqualToThreshold', [false, true, true]],
    ['LessThanThreshold', [true, false, false]],
    ['LessThanOrEqualToThreshold', [true, true, false]],
  ] as const)('%s compares 4, 5 and 6 with the threshold 5', (operator, expected) => {
    expect([4, 5, 6].map((v) => isBreaching(operator, v, 5))).toEqual(expected);
  });

  it('computes each statistic (hand-computed on 1..10 shuffled)', () => {
    // Prepare
    const values = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];

    // Act + Assess
    expect(computeStatistic('Sum', values)).toBe(55);
    expect(computeStatistic('Average', values)).toBe(5.5);
    expect(computeStatistic('Minimum', values)).toBe(1);
    expect(computeStatistic('Maximum', values)).toBe(10);
    expect(computeStatistic('SampleCount', values)).toBe(10);
    // Nearest rank: p50 → the 5th of 10, p90 → the 9th, p99 → the 10th, p0 → the 1st.
    expect(computeStatistic('p50', values)).toBe(5);
    expect(computeStatistic('p90', values)).toBe(9);
    expect(computeStatistic('p99', values)).toBe(10);
    expect(computeStatistic('p99.9', [3])).toBe(3);
    expect(computeStatistic('p0', values)).toBe(1);
  });
});

describe('parseMetricAlarm', () => {
  const properties = {
    AlarmName: 'mlops-dev-drift',
    AlarmDescription: 'Input drift above 0.2',
    Namespace: 'MLOps/flights',
    MetricName: 'DriftScore',
    Dimensions: [{ Name: 'environment', Value: 'dev' }],
    Statistic: 'Maximum',
    Period: 3600,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    Threshold: 0.2,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  };

  it('reads the properties of an AWS::CloudWatch::Alarm', () => {
    expect(parseMetricAlarm('DriftAlarm', properties)).toEqual({
      alarmName: 'mlops-dev-drift',
      description: 'Input drift above 0.2',
      namespace: 'MLOps/flights',
      metricName: 'DriftScore',
      dimensions: { environment: 'dev' },
      statistic: 'Maximum',
      period: 3600,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 0.2,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
    });
  });

  it("applies CloudFormation's defaults and takes numeric strings", () => {
    // Prepare
    const minimal = {
      Namespace: 'ns',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Unit: 'Milliseconds',
      Period: '60',
      EvaluationPeriods: '5',
      Threshold: '250',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    };

    // Act
    const alarm = parseMetricAlarm('LatencyAlarm', minimal);

    // Assess
    expect(alarm).toEqual({
      alarmName: 'LatencyAlarm',
      namespace: 'ns',
      metricName: 'Latency',
      dimensions: {},
      statistic: 'p99',
      unit: 'Milliseconds',
      period: 60,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      threshold: 250,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'missing',
    });
  });

  it.each([
    ['not an object', 'x', /Alarm A: Properties must be an object/],
    ['metric math', { ...properties, Metrics: [] }, /Alarm A: Metrics \(metric math\) is not evaluated locally/],
    ['anomaly detection', { ...properties, ThresholdMetricId: 'ad1' }, /Alarm A: ThresholdMetricId \(anomaly detection\) is not evaluated locally/],
    ['low-sample percentiles ignored', { ...properties, EvaluateLowSampleCountPercentile: 'ignore' }, /EvaluateLowSampleCountPercentile "ignore" is not evaluated locally/],
    ['no statistic', { ...properties, Statistic: undefined }, /Alarm A: Statistic or ExtendedStatistic is required, and not both/],
    ['both statistics', { ...properties, ExtendedStatistic: 'p90' }, /Statistic or ExtendedStatistic is required, and not both/],
    ['an unknown statistic', { ...properties, Statistic: 'Median' }, /Statistic must be one of Average, Sum, Minimum, Maximum, SampleCount, got "Median"/],
    ['a bad percentile', { ...properties, Statistic: undefined, ExtendedStatistic: 'p101' }, /ExtendedStatistic must be a percentile p0.0 to p100 \(as p99 or p99.9\), got "p101"/],
    ['a missing Period', { ...properties, Period: undefined }, /Period must be a number, got nothing/],
    ['a Period of 45 s', { ...properties, Period: 45 }, /Period must be 10, 30 or a multiple of 60 seconds, got 45/],
    ['zero EvaluationPeriods', { ...properties, EvaluationPeriods: 0 }, /EvaluationPeriods must be a positive integer, got 0/],
    ['fractional DatapointsToAlarm', { ...properties, DatapointsToAlarm: 1.5 }, /DatapointsToAlarm must be a positive integer, got 1.5/],
    ['M above N', { ...properties, DatapointsToAlarm: 4 }, /DatapointsToAlarm \(4\) must not exceed EvaluationPeriods \(3\)/],
    ['a non-numeric Threshold', { ...properties, Threshold: 'high' }, /Threshold must be a number, got "high"/],
    ['an anomaly-detection operator', { ...properties, ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' }, /ComparisonOperator must be one of .* got "LessThanLowerOrGreaterThanUpperThreshold"/],
    ['an unknown TreatMissingData', { ...properties, TreatMissingData: 'zero' }, /TreatMissingData must be one of missing, notBreaching, breaching, ignore, got "zero"/],
    ['no Namespace', { ...properties, Namespace: undefined }, /Namespace must be a non-empty string, got nothing/],
    ['an unresolved MetricName', { ...properties, MetricName: { Ref: 'Name' } }, /MetricName is an unresolved token \{"Ref":"Name"\}; resolve the template's intrinsics first/],
    ['Dimensions not a list', { ...properties, Dimensions: { environment: 'dev' } }, /Dimensions must be a list of \{Name, Value\}/],
    ['a dimension without Name', { ...properties, Dimensions: [{ Value: 'dev' }] }, /Dimensions\[0\].Name must be a non-empty string, got nothing/],
    ['an unresolved dimension value', { ...properties, Dimensions: [{ Name: 'Bucket', Value: { Ref: 'DataBucket' } }] }, /Dimensions\[0\].Value is an unresolved token \{"Ref":"DataBucket"\}/],
    ['a numeric dimension value', { ...properties, Dimensions: [{ Name: 'n', Value: 3 }] }, /Dimensions\[0\].Value must be a string, got 3/],
    ['a dimension given twice', { ...properties, Dimensions: [{ Name: 'e', Value: 'a' }, { Name: 'e', Value: 'b' }] }, /Dimensions\[1\].Name "e" is given twice/],
  ])('rejects %s', (_case, props, message) => {
    // Act + Assess
    expect(() => parseMetricAlarm('A', props)).toThrow(InvalidAlarmDefinitionError);
    expect(() => parseMetricAlarm('A', props)).toThrow(message);
  });

  it('reads every alarm of a template and nothing else', () => {
    // Prepare
    const template = {
      Resources: {
        DriftAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: properties },
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
        Unnamed: { Type: 'AWS::CloudWatch::Alarm', Properties: { ...properties, AlarmName: undefined } },
      },
    };

    // Act
    const alarms = metricAlarmsFromTemplate(template);

    // Assess
    expect(alarms.map((a) => a.alarmName)).toEqual(['mlops-dev-drift', 'Unnamed']);
    expect(metricAlarmsFromTemplate({})).toEqual([]);
  });
});

describe('AlarmEvaluator', () => {
  const MINUTE = 60_000;
  const T0 = Date.UTC(2026, 10, 27, 12, 0, 0); // a period boundary

  const alarm: MetricAlarmDefinition = {
    alarmName: 'mlops-dev-errors',
    description: 'Errors in 2 of 3 minutes',
    namespace: 'MLOps/flights',
    metricName: 'Errors',
    dimensions: { environment: 'dev' },
    statistic: 'Sum',
    period: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 10,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
  };

  /** Records one Errors value at `ms`. */
  function record(store: MetricStore, ms: number, value: number): void {
    store.add([{ namespace: 'MLOps/flights', metricName: 'Errors', dimensions: { environment: 'dev' }, timestamp: ms, value, unit: 'Count' }]);
  }

  function setup(): { store: MetricStore; clock: { now: number }; evaluator: AlarmEvaluator } {
    const store = new MetricStore();
    const clock = { now: T0 };
    let ids = 0;
    const evaluator = new AlarmEvaluator([alarm], store, { now: () => clock.now, account: '111122223333', region: 'eu-west-1', newId: () => `event-${++ids}` });
    return { store, clock, evaluator };
  }

  it('starts in INSUFFICIENT_DATA and goes to OK when missing data counts as not breaching', () => {
    // Prepare
    const { clock, evaluator } = setup();

    // Act
    const initial = evaluator.state('mlops-dev-errors');
    clock.now = T0 + MINUTE;
    const changes = evaluator.evaluate();

    // Assess
    expect(initial).toEqual({ value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: T0 });
    expect(changes.map((c) => [c.previousState.value, c.state.value])).toEqual([['INSUFFICIENT_DATA', 'OK']]);
    expect(evaluator.evaluate()).toEqual([]); // no change, no event
  });

  it('goes to ALARM when 2 of the last 3 periods sum above 10 (hand-computed), and back to OK', () => {
    // Prepare: minute 0 sums 12 (6+6), minute 1 sums 3, minute 2 sums 11.
    const { store, clock, evaluator } = setup();
    record(store, T0 + 1_000, 6);
    record(store, T0 + 59_999, 6);
    record(store, T0 + MINUTE + 5_000, 3);
    record(store, T0 + 2 * MINUTE + 5_000, 11);

    // Act: at the end of minute 1, only minute 0 breaches (1 of 3) → OK; at the end of minute 2 → 2 of 3.
    clock.now = T0 + 2 * MINUTE;
    const atMinute2 = evaluator.evaluate();
    clock.now = T0 + 3 * MINUTE - 1; // minute 2 is not complete yet: still OK, nothing changes
    const beforeMinute3 = evaluator.evaluate();
    clock.now = T0 + 3 * MINUTE;
    const atMinute3 = evaluator.evaluate();
    // Minutes 3 and 4 have no data, but the range (minutes 0..4) still holds 3 real datapoints, so those
    // are evaluated and missing data plays no part: still ALARM.
    clock.now = T0 + 5 * MINUTE;
    const atMinute5 = evaluator.evaluate();
    record(store, T0 + 5 * MINUTE + 1_000, 1);
    clock.now = T0 + 6 * MINUTE; // real datapoints in range (minutes 1..5): 3, 11, 1 → 1 of 3 breaches
    const atMinute6 = evaluator.evaluate();

    // Assess
    expect(atMinute2.map((c) => c.state.value)).toEqual(['OK']);
    expect(beforeMinute3).toEqual([]);
    expect(atMinute3.map((c) => c.state.value)).toEqual(['ALARM']);
    expect(atMinute3[0]?.state.reason).toBe('Threshold Crossed: 2 out of the last 3 datapoints [12, 3, 11] were greater than the threshold (10) (minimum 2 datapoints for ALARM).');
    expect(atMinute5).toEqual([]);
    expect(atMinute6.map((c) => [c.previousState.value, c.state.value])).toEqual([['ALARM', 'OK']]);
    expect(evaluator.state('mlops-dev-errors').value).toBe('OK');
  });

  it('emits a "CloudWatch Alarm State Change" event that the retraining rule pattern matches', () => {
    // Prepare
    const { store, clock, evaluator } = setup();
    record(store, T0 + 1_000, 20);
    record(store, T0 + MINUTE + 1_000, 30);
    clock.now = T0 + 2 * MINUTE;

    // Act
    const [change] = evaluator.evaluate();

    // Assess
    expect(change?.event).toEqual({
      version: '0',
      id: 'event-1',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '111122223333',
      time: '2026-11-27T12:02:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:mlops-dev-errors'],
      detail: {
        alarmName: 'mlops-dev-errors',
        state: {
          value: 'ALARM',
          reason: 'Threshold Crossed: 2 out of the last 3 datapoints [20, 30, 1 missing treated as not breaching] were greater than the threshold (10) (minimum 2 datapoints for ALARM).',
          reasonData: expect.any(String),
          timestamp: '2026-11-27T12:02:00.000+0000',
        },
        previousState: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: '2026-11-27T12:00:00.000+0000' },
        configuration: {
          description: 'Errors in 2 of 3 minutes',
          metrics: [
            {
              id: 'm1',
              metricStat: { metric: { namespace: 'MLOps/flights', name: 'Errors', dimensions: { environment: 'dev' } }, period: 60, stat: 'Sum' },
              returnData: true,
            },
          ],
        },
      },
    });
    expect(JSON.parse(change?.state.reasonData ?? '')).toEqual({
      version: '1.0',
      queryDate: '2026-11-27T12:02:00.000+0000',
      startDate: '2026-11-27T11:57:00.000+0000',
      statistic: 'Sum',
      period: 60,
      recentDatapoints: [20, 30],
      threshold: 10,
    });
    const retrainPattern = {
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: ['mlops-dev-errors'], state: { value: ['ALARM'] } },
    };
    expect(matchesEventPattern(retrainPattern, change?.event)).toBe(true);
  });

  it("follows the docs' 3-of-3 figure: ALARM after three breaching periods, OK when one dips, OK on a single breach", () => {
    // Prepare: threshold 3, 3 out of 3, one value per period: the figure's shape.
    const store = new MetricStore();
    const clock = { now: T0 };
    const figure = { ...alarm, threshold: 3, evaluationPeriods: 3, datapointsToAlarm: 3, statistic: 'Average' as const };
    const evaluator = new AlarmEvaluator([figure], store, { now: () => clock.now });
    const values = [1, 2, 4, 5, 4, 2, 1, 2, 4, 2];
    values.forEach((v, i) => record(store, T0 + i * MINUTE + 1_000, v));

    // Act: evaluate at the end of each period.
    const states = values.map((_, i) => {
      clock.now = T0 + (i + 1) * MINUTE;
      evaluator.evaluate();
      return evaluator.state(figure.alarmName).value;
    });

    // Assess: while fewer than 3 datapoints exist, the missing ones count as not breaching: OK.
    expect(states).toEqual(['OK', 'OK', 'OK', 'OK', 'ALARM', 'OK', 'OK', 'OK', 'OK', 'OK']);
  });

  it('rejects two alarms with one name and names the alarms when asked for an unknown one', () => {
    // Prepare
    const store = new MetricStore();

    // Act + Assess
    expect(() => new AlarmEvaluator([alarm, alarm], store)).toThrow(/Alarm mlops-dev-errors: AlarmName is used by two alarms/);
    expect(() => new AlarmEvaluator([alarm], store).state('other')).toThrow(/No alarm named "other"; the alarms are: mlops-dev-errors/);
  });
});

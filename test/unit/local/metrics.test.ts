import { InvalidEmfError, MetricStore, parseEmfDocument, parseEmfLine } from '../../../local/metrics';

// A line as Powertools Metrics prints it (captured from @aws-lambda-powertools/metrics publishStoredMetrics):
// two values of "Rows" become an array.
const POWERTOOLS_LINE =
  '{"_aws":{"Timestamp":1795787789355,"CloudWatchMetrics":[{"Namespace":"mlops/pipeline","Dimensions":[["service","stage"]],"Metrics":[{"Name":"Rows","Unit":"Count"},{"Name":"Lat","Unit":"Milliseconds"}]}]},"service":"validate","stage":"validate","Rows":[5,7],"Lat":1.5}';

// Document structure per "Specification: Embedded metric format":
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
describe('parseEmfLine', () => {
  it('turns a Powertools line into one datapoint per value, with its dimensions and unit', () => {
    // Act
    const datapoints = parseEmfLine(POWERTOOLS_LINE);

    // Assess
    const common = { namespace: 'mlops/pipeline', dimensions: { service: 'validate', stage: 'validate' }, timestamp: 1795787789355 };
    expect(datapoints).toEqual([
      { ...common, metricName: 'Rows', value: 5, unit: 'Count' },
      { ...common, metricName: 'Rows', value: 7, unit: 'Count' },
      { ...common, metricName: 'Lat', value: 1.5, unit: 'Milliseconds' },
    ]);
  });

  it('emits the metrics once for each dimension set, and without dimensions for an empty set', () => {
    // Prepare
    const document = {
      _aws: {
        Timestamp: 1000,
        CloudWatchMetrics: [{ Namespace: 'ns', Dimensions: [['environment', 'stage'], ['environment'], []], Metrics: [{ Name: 'Drift' }] }],
      },
      environment: 'dev',
      stage: 'monitor',
      Drift: 0.3,
    };

    // Act
    const datapoints = parseEmfLine(JSON.stringify(document));

    // Assess
    expect(datapoints.map((d) => d.dimensions)).toEqual([{ environment: 'dev', stage: 'monitor' }, { environment: 'dev' }, {}]);
    expect(datapoints.every((d) => d.unit === 'None' && d.value === 0.3 && d.metricName === 'Drift')).toBe(true);
  });

  it('publishes the metrics without dimensions when Dimensions is empty', () => {
    // Act
    const datapoints = parseEmfDocument({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'ns', Dimensions: [], Metrics: [{ Name: 'A' }] }] }, A: 2 });

    // Assess
    expect(datapoints).toEqual([{ namespace: 'ns', metricName: 'A', dimensions: {}, timestamp: 1, value: 2, unit: 'None' }]);
  });

  it.each([
    ['plain text', 'START RequestId: 1 Version: $LATEST'],
    ['a structured log line without _aws', '{"level":"INFO","message":"validated","rows":5}'],
    ['text that starts like JSON', '{not json'],
    ['an empty line', ''],
  ])('returns no datapoints for %s', (_case, line) => {
    expect(parseEmfLine(line)).toEqual([]);
  });

  /** An EMF document with one directive (namespace "ns", no dimensions unless given) and root members. */
  const emf = (directive: object, members: object = {}): object => ({
    _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'ns', Dimensions: [], Metrics: [], ...directive }] },
    ...members,
  });

  it.each([
    ['_aws not an object', { _aws: 5 }, /_aws must be an object/],
    ['no Timestamp', { _aws: { CloudWatchMetrics: [] } }, /_aws.Timestamp must be a number of milliseconds since the epoch, got nothing/],
    ['a string Timestamp', { _aws: { Timestamp: '2026-11-27', CloudWatchMetrics: [] } }, /_aws.Timestamp must be a number/],
    ['CloudWatchMetrics not an array', { _aws: { Timestamp: 1, CloudWatchMetrics: {} } }, /_aws.CloudWatchMetrics must be an array, got \{\}/],
    ['a directive that is no object', { _aws: { Timestamp: 1, CloudWatchMetrics: ['ns'] } }, /_aws.CloudWatchMetrics\[0\] must be an object, got "ns"/],
    ['no Namespace', emf({ Namespace: undefined }), /_aws.CloudWatchMetrics\[0\].Namespace must be a non-empty string/],
    ['no Dimensions', emf({ Dimensions: undefined }), /_aws.CloudWatchMetrics\[0\].Dimensions must be an array of dimension sets, got nothing/],
    ['no Metrics', emf({ Metrics: undefined }), /_aws.CloudWatchMetrics\[0\].Metrics must be an array, got nothing/],
    ['Dimensions not a list of sets', emf({ Dimensions: ['a'] }, { a: 'x' }), /_aws.CloudWatchMetrics\[0\].Dimensions\[0\] must be an array of dimension names, got "a"/],
    ['a dimension member missing', emf({ Dimensions: [['stage']] }), /dimension "stage" \(_aws.CloudWatchMetrics\[0\].Dimensions\[0\]\) must be a string member of the document, got nothing/],
    ['a numeric dimension value', emf({ Dimensions: [['n']] }, { n: 3 }), /dimension "n" .* must be a string member of the document, got 3/],
    ['a metric without Name', emf({ Metrics: [{ Unit: 'Count' }] }), /_aws.CloudWatchMetrics\[0\].Metrics\[0\] must be an object with a non-empty Name/],
    ['a metric with a numeric Unit', emf({ Metrics: [{ Name: 'Rows', Unit: 1 }] }, { Rows: 1 }), /_aws.CloudWatchMetrics\[0\].Metrics\[0\].Unit must be a string, got 1/],
    ['a metric value missing', emf({ Metrics: [{ Name: 'Rows' }] }), /metric "Rows" must be a number or a non-empty array of numbers in the document, got nothing/],
    ['a metric value that is a string', emf({ Metrics: [{ Name: 'Rows' }] }, { Rows: '5' }), /metric "Rows" must be a number .* got "5"/],
    ['an empty array of values', emf({ Metrics: [{ Name: 'Rows' }] }, { Rows: [] }), /metric "Rows" must be a number or a non-empty array/],
  ])('rejects an EMF document with %s', (_case, document, message) => {
    // Act + Assess
    expect(() => parseEmfLine(JSON.stringify(document))).toThrow(InvalidEmfError);
    expect(() => parseEmfLine(JSON.stringify(document))).toThrow(message);
  });
});

describe('MetricStore', () => {
  const line = (timestamp: number, value: number, stage = 'validate', unit = 'Count'): string =>
    JSON.stringify({
      _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: 'mlops/pipeline', Dimensions: [['stage']], Metrics: [{ Name: 'Rows', Unit: unit }] }] },
      stage,
      Rows: value,
    });

  it('ingests a chunk of output, skipping plain log lines, and answers by metric and time window', () => {
    // Prepare
    const store = new MetricStore();
    const output = ['INFO started', line(1_000, 1), line(2_000, 2), line(2_500, 3, 'train'), '{"level":"INFO"}', line(3_000, 4)].join('\n');

    // Act
    const recorded = store.ingest(output);

    // Assess
    const query = { namespace: 'mlops/pipeline', metricName: 'Rows', dimensions: { stage: 'validate' } };
    expect(recorded).toHaveLength(4);
    expect(store.values(query, 0, 10_000)).toEqual([1, 2, 4]);
    expect(store.values(query, 2_000, 3_000)).toEqual([2]); // the window is [start, end)
    expect(store.values({ ...query, dimensions: { stage: 'train' } }, 0, 10_000)).toEqual([3]);
    expect(store.datapoints()).toHaveLength(4);
  });

  it('treats a metric with other dimensions as another metric, and filters by unit when asked', () => {
    // Prepare
    const store = new MetricStore();
    store.ingest(`${line(1_000, 1)}\n${line(1_000, 5, 'validate', 'Percent')}`);
    const query = { namespace: 'mlops/pipeline', metricName: 'Rows', dimensions: { stage: 'validate' } };

    // Act + Assess
    expect(store.values({ ...query, dimensions: {} }, 0, 10_000)).toEqual([]);
    expect(store.values({ ...query, dimensions: { stage: 'validate', environment: 'dev' } }, 0, 10_000)).toEqual([]);
    expect(store.values(query, 0, 10_000)).toEqual([1, 5]);
    expect(store.values({ ...query, unit: 'Percent' }, 0, 10_000)).toEqual([5]);
  });

  it('matches dimensions regardless of their order', () => {
    // Prepare
    const store = new MetricStore();
    store.add([{ namespace: 'ns', metricName: 'A', dimensions: { b: '2', a: '1' }, timestamp: 5, value: 9, unit: 'None' }]);

    // Act + Assess
    expect(store.values({ namespace: 'ns', metricName: 'A', dimensions: { a: '1', b: '2' } }, 0, 10)).toEqual([9]);
  });

  it('records the lines before a malformed EMF line and then throws', () => {
    // Prepare
    const store = new MetricStore();

    // Act + Assess
    expect(() => store.ingest(`${line(1_000, 1)}\n{"_aws":{"Timestamp":"late"}}`)).toThrow(/_aws.Timestamp must be a number/);
    expect(store.datapoints()).toHaveLength(1);
  });
});

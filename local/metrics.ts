/**
 * Metrics for the local platform: the CloudWatch Embedded Metric Format (EMF) lines the handlers print
 * (Powertools Metrics writes one JSON object per flush to stdout) turned into datapoints, as CloudWatch
 * Logs extracts them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
 * and a store the alarms query.
 */
import { describeValue, isObject } from './json-value';

/** One value of one metric, as CloudWatch would store it after extracting an EMF document. */
export interface MetricDatapoint {
  /** The metric namespace, e.g. `mlops/pipeline`. */
  readonly namespace: string;
  /** The metric name. */
  readonly metricName: string;
  /** The dimensions of this metric: one dimension set of the EMF directive, with the document's values. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** When the value was recorded (the document's `_aws.Timestamp`), in milliseconds since the epoch. */
  readonly timestamp: number;
  /** The value (one element when the document gave an array of values). */
  readonly value: number;
  /** The unit (`Count`, `Milliseconds`, …); `None` when the directive names none. */
  readonly unit: string;
}

/** A JSON document that declares itself EMF (it has an `_aws` member) but breaks the specification. */
export class InvalidEmfError extends Error {
  /** @param problem what is wrong, naming the member */
  constructor(readonly problem: string) {
    super(`Not a valid embedded metric format document: ${problem}`);
    this.name = 'InvalidEmfError';
  }
}

/** Identifies one metric: CloudWatch keys a metric by namespace, name and its full set of dimensions. */
export interface MetricQuery {
  /** The metric namespace. */
  readonly namespace: string;
  /** The metric name. */
  readonly metricName: string;
  /** Every dimension of the metric (a datapoint with more or fewer dimensions is another metric). */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Only values recorded with this unit. @default - values of any unit */
  readonly unit?: string;
}

/** Where alarms read metric values from; {@link MetricStore} is one. */
export interface MetricSource {
  /** The values of one metric recorded in `[startMs, endMs)`. */
  values(query: MetricQuery, startMs: number, endMs: number): readonly number[];
}

/**
 * Extracts the datapoints of one EMF document: for every metric directive, every dimension set and every
 * metric, one datapoint per value (a metric's value may be a number or an array of numbers).
 *
 * @param document a parsed JSON log event that has an `_aws` member
 * @returns the datapoints, in directive, dimension-set, metric, value order
 * @throws InvalidEmfError when the document breaks the specification: `_aws.Timestamp` not a number,
 *   `CloudWatchMetrics` not an array of directives with `Namespace`, `Dimensions` (arrays of strings)
 *   and `Metrics` (objects with `Name`), or a referenced member missing or of the wrong type
 */
export function parseEmfDocument(document: unknown): MetricDatapoint[] {
  if (!isObject(document) || !isObject(document._aws)) throw new InvalidEmfError('_aws must be an object');
  const { Timestamp: timestamp, CloudWatchMetrics: directives } = document._aws;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw new InvalidEmfError(`_aws.Timestamp must be a number of milliseconds since the epoch, got ${describeValue(timestamp)}`);
  }
  if (!Array.isArray(directives)) throw new InvalidEmfError(`_aws.CloudWatchMetrics must be an array, got ${describeValue(directives)}`);
  const datapoints: MetricDatapoint[] = [];
  directives.forEach((directive: unknown, d) => {
    const at = `_aws.CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) throw new InvalidEmfError(`${at} must be an object, got ${describeValue(directive)}`);
    const { Namespace: namespace, Dimensions: dimensionSets, Metrics: metrics } = directive;
    if (typeof namespace !== 'string' || namespace === '') throw new InvalidEmfError(`${at}.Namespace must be a non-empty string, got ${describeValue(namespace)}`);
    if (!Array.isArray(dimensionSets)) throw new InvalidEmfError(`${at}.Dimensions must be an array of dimension sets, got ${describeValue(dimensionSets)}`);
    if (!Array.isArray(metrics)) throw new InvalidEmfError(`${at}.Metrics must be an array, got ${describeValue(metrics)}`);
    // No dimension set at all publishes the metrics without dimensions, as an empty set does.
    const sets = (dimensionSets.length === 0 ? [[]] : dimensionSets).map((set: unknown, s) =>
      dimensionsOf(document, set, `${at}.Dimensions[${s}]`),
    );
    metrics.forEach((metric: unknown, m) => {
      const metricAt = `${at}.Metrics[${m}]`;
      if (!isObject(metric) || typeof metric.Name !== 'string' || metric.Name === '') {
        throw new InvalidEmfError(`${metricAt} must be an object with a non-empty Name, got ${describeValue(metric)}`);
      }
      if (metric.Unit !== undefined && typeof metric.Unit !== 'string') throw new InvalidEmfError(`${metricAt}.Unit must be a string, got ${describeValue(metric.Unit)}`);
      const metricName = metric.Name;
      const values = valuesOf(document[metricName], metricName);
      const unit = metric.Unit ?? 'None';
      for (const dimensions of sets) {
        for (const value of values) datapoints.push({ namespace, metricName, dimensions, timestamp, value, unit });
      }
    });
  });
  return datapoints;
}

/**
 * Extracts the datapoints of one line of output, the way CloudWatch Logs treats a log event: a line that
 * is a JSON object with an `_aws` member is an EMF document; any other line is plain log text.
 *
 * @param line one line of a handler's output
 * @returns the datapoints; empty for a line that is not an EMF document
 * @throws InvalidEmfError when the line is an EMF document that breaks the specification
 */
export function parseEmfLine(line: string): MetricDatapoint[] {
  const text = line.trim();
  if (!text.startsWith('{')) return [];
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return [];
  }
  return isObject(document) && '_aws' in document ? parseEmfDocument(document) : [];
}

/** Keeps every datapoint collected from the handlers' output and answers the alarms' queries. */
export class MetricStore implements MetricSource {
  private readonly byMetric = new Map<string, MetricDatapoint[]>();

  /** Records datapoints. */
  add(datapoints: Iterable<MetricDatapoint>): void {
    for (const datapoint of datapoints) {
      const key = metricKey(datapoint);
      const list = this.byMetric.get(key);
      if (list) list.push(datapoint);
      else this.byMetric.set(key, [datapoint]);
    }
  }

  /**
   * Records the datapoints of every EMF line in a chunk of output (one or more lines).
   *
   * @returns the datapoints recorded
   * @throws InvalidEmfError when a line is an EMF document that breaks the specification (the lines before
   *   it are recorded)
   */
  ingest(output: string): MetricDatapoint[] {
    const recorded: MetricDatapoint[] = [];
    for (const line of output.split('\n')) {
      const datapoints = parseEmfLine(line);
      this.add(datapoints);
      recorded.push(...datapoints);
    }
    return recorded;
  }

  /** Every datapoint recorded, grouped by metric, in the order recorded within a metric. */
  datapoints(): MetricDatapoint[] {
    return [...this.byMetric.values()].flat();
  }

  /** The values of one metric recorded in `[startMs, endMs)`, in the order recorded. */
  values(query: MetricQuery, startMs: number, endMs: number): number[] {
    return (this.byMetric.get(metricKey(query)) ?? [])
      .filter((d) => d.timestamp >= startMs && d.timestamp < endMs && (query.unit === undefined || d.unit === query.unit))
      .map((d) => d.value);
  }
}

function metricKey(metric: Pick<MetricQuery, 'namespace' | 'metricName' | 'dimensions'>): string {
  const dimensions = Object.entries(metric.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([metric.namespace, metric.metricName, dimensions]);
}

function dimensionsOf(document: Record<string, unknown>, set: unknown, at: string): Readonly<Record<string, string>> {
  if (!Array.isArray(set) || !set.every((key) => typeof key === 'string')) {
    throw new InvalidEmfError(`${at} must be an array of dimension names, got ${describeValue(set)}`);
  }
  const dimensions: Record<string, string> = {};
  for (const key of set as string[]) {
    const value = document[key];
    if (typeof value !== 'string') throw new InvalidEmfError(`dimension "${key}" (${at}) must be a string member of the document, got ${describeValue(value)}`);
    dimensions[key] = value;
  }
  return dimensions;
}

function valuesOf(value: unknown, metricName: string): number[] {
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new InvalidEmfError(`metric "${metricName}" must be a number or a non-empty array of numbers in the document, got ${describeValue(value)}`);
  }
  return values as number[];
}

/**
 * CloudWatch metric alarms for the local platform: the `AWS::CloudWatch::Alarm` resources of the
 * synthesized template, evaluated on the metrics the handlers emitted, with CloudWatch's documented
 * M-out-of-N and missing-data semantics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, "Evaluating an
 * alarm" and "How alarm state is evaluated when data is missing"). Every state change yields an event
 * shaped like the "CloudWatch Alarm State Change" event CloudWatch sends to EventBridge
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html), to be
 * matched against the template's rules.
 */
import { randomUUID } from 'node:crypto';
import type { MetricSource } from './metrics';
import { describeValue, isObject } from './json-value';

/** The state of an alarm. */
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** How an alarm compares the statistic with its threshold (the static-threshold operators). */
export type ComparisonOperator =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold';

/** How an alarm treats periods without data. */
export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

/** A statistic (`Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`) or a percentile (`p99`, `p99.9`). */
export type AlarmStatistic = 'Average' | 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount' | `p${string}`;

/** A metric alarm, read from the properties of an `AWS::CloudWatch::Alarm`. */
export interface MetricAlarmDefinition {
  /** `AlarmName`, or the resource's logical ID when the template leaves the name to CloudFormation. */
  readonly alarmName: string;
  /** `AlarmDescription`. @default - none */
  readonly description?: string;
  /** `Namespace`. */
  readonly namespace: string;
  /** `MetricName`. */
  readonly metricName: string;
  /** `Dimensions`, as a record. */
  readonly dimensions: Readonly<Record<string, string>>;
  /** `Statistic` or `ExtendedStatistic`. */
  readonly statistic: AlarmStatistic;
  /** `Unit`: only values of this unit count. @default - values of any unit */
  readonly unit?: string;
  /** `Period`, in seconds. */
  readonly period: number;
  /** `EvaluationPeriods` (N). */
  readonly evaluationPeriods: number;
  /** `DatapointsToAlarm` (M); the template's default is `EvaluationPeriods`. */
  readonly datapointsToAlarm: number;
  /** `Threshold`. */
  readonly threshold: number;
  /** `ComparisonOperator`. */
  readonly comparisonOperator: ComparisonOperator;
  /** `TreatMissingData`; the template's default is `missing`. */
  readonly treatMissingData: TreatMissingData;
}

/** An alarm definition this module cannot evaluate, or that CloudFormation would reject. */
export class InvalidAlarmDefinitionError extends Error {
  /**
   * @param alarm the alarm's logical ID (or name)
   * @param field the property at fault, as `Dimensions[0].Value`
   * @param problem what is wrong with it
   */
  constructor(
    readonly alarm: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`Alarm ${alarm}: ${field} ${problem}`);
    this.name = 'InvalidAlarmDefinitionError';
  }
}

const COMPARISON_OPERATORS: ReadonlySet<string> = new Set<ComparisonOperator>([
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
]);
const TREAT_MISSING_DATA: ReadonlySet<string> = new Set<TreatMissingData>(['missing', 'notBreaching', 'breaching', 'ignore']);
const STATISTICS: ReadonlySet<string> = new Set(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount']);
const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100)$/;

/**
 * Reads a metric alarm from the `Properties` of an `AWS::CloudWatch::Alarm`, with CloudFormation's
 * defaults. Tokens (`Ref`, `Fn::GetAtt`, …) must have been resolved to strings first.
 *
 * @param logicalId the resource's logical ID, for errors and as the name when `AlarmName` is absent
 * @param properties the resource's `Properties`
 * @throws InvalidAlarmDefinitionError naming the property: a required one missing, a value of the wrong
 *   type or out of range, an unresolved token, or a kind of alarm not evaluated locally (metric math
 *   `Metrics`, anomaly-detection `ThresholdMetricId` and its operators, `EvaluateLowSampleCountPercentile: ignore`)
 */
export function parseMetricAlarm(logicalId: string, properties: unknown): MetricAlarmDefinition {
  const fail = (field: string, problem: string): never => {
    throw new InvalidAlarmDefinitionError(logicalId, field, problem);
  };
  if (!isObject(properties)) return fail('Properties', `must be an object, got ${describeValue(properties)}`);
  const p = properties;
  if (p.Metrics !== undefined) fail('Metrics', '(metric math) is not evaluated locally; only single-metric alarms are');
  if (p.ThresholdMetricId !== undefined) fail('ThresholdMetricId', '(anomaly detection) is not evaluated locally');
  if (p.EvaluateLowSampleCountPercentile !== undefined && p.EvaluateLowSampleCountPercentile !== 'evaluate') {
    fail('EvaluateLowSampleCountPercentile', `"${String(p.EvaluateLowSampleCountPercentile)}" is not evaluated locally; only "evaluate" is`);
  }

  const text = (field: string): string => {
    const value = p[field];
    if (isObject(value)) return fail(field, `is an unresolved token ${describeValue(value)}; resolve the template's intrinsics first`);
    if (typeof value !== 'string' || value === '') return fail(field, `must be a non-empty string, got ${describeValue(value)}`);
    return value;
  };
  const optionalText = (field: string): string | undefined => (p[field] === undefined ? undefined : text(field));
  // CloudFormation takes numbers as JSON numbers or numeric strings.
  const numeric = (field: string, value: unknown = p[field]): number => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) return fail(field, `must be a number, got ${describeValue(value)}`);
    return n;
  };
  const positiveInteger = (field: string, value: unknown = p[field]): number => {
    const n = numeric(field, value);
    if (!Number.isInteger(n) || n < 1) fail(field, `must be a positive integer, got ${describeValue(value)}`);
    return n;
  };

  const statistic = p.Statistic;
  const extended = p.ExtendedStatistic;
  if ((statistic === undefined) === (extended === undefined)) fail('Statistic', 'or ExtendedStatistic is required, and not both');
  if (statistic !== undefined && (typeof statistic !== 'string' || !STATISTICS.has(statistic))) {
    fail('Statistic', `must be one of ${[...STATISTICS].join(', ')}, got ${describeValue(statistic)}`);
  }
  if (extended !== undefined && (typeof extended !== 'string' || !PERCENTILE.test(extended))) {
    fail('ExtendedStatistic', `must be a percentile p0.0 to p100 (as p99 or p99.9), got ${describeValue(extended)}`);
  }

  const period = positiveInteger('Period');
  if (period !== 10 && period !== 30 && period % 60 !== 0) fail('Period', `must be 10, 30 or a multiple of 60 seconds, got ${period}`);
  const evaluationPeriods = positiveInteger('EvaluationPeriods');
  const datapointsToAlarm = p.DatapointsToAlarm === undefined ? evaluationPeriods : positiveInteger('DatapointsToAlarm');
  if (datapointsToAlarm > evaluationPeriods) fail('DatapointsToAlarm', `(${datapointsToAlarm}) must not exceed EvaluationPeriods (${evaluationPeriods})`);

  const comparisonOperator = text('ComparisonOperator');
  if (!COMPARISON_OPERATORS.has(comparisonOperator)) {
    fail('ComparisonOperator', `must be one of ${[...COMPARISON_OPERATORS].join(', ')} (anomaly-detection operators are not evaluated locally), got "${comparisonOperator}"`);
  }
  const treatMissingData = optionalText('TreatMissingData') ?? 'missing';
  if (!TREAT_MISSING_DATA.has(treatMissingData)) fail('TreatMissingData', `must be one of ${[...TREAT_MISSING_DATA].join(', ')}, got "${treatMissingData}"`);

  const dimensions: Record<string, string> = {};
  const dimensionList = p.Dimensions ?? [];
  if (!Array.isArray(dimensionList)) return fail('Dimensions', `must be a list of {Name, Value}, got ${describeValue(dimensionList)}`);
  dimensionList.forEach((dimension: unknown, i) => {
    const at = `Dimensions[${i}]`;
    if (!isObject(dimension)) return fail(at, `must be {Name, Value}, got ${describeValue(dimension)}`);
    const { Name: name, Value: value } = dimension;
    if (typeof name !== 'string' || name === '') return fail(`${at}.Name`, `must be a non-empty string, got ${describeValue(name)}`);
    if (isObject(value)) return fail(`${at}.Value`, `is an unresolved token ${describeValue(value)}; resolve the template's intrinsics first`);
    if (typeof value !== 'string') return fail(`${at}.Value`, `must be a string, got ${describeValue(value)}`);
    if (Object.hasOwn(dimensions, name)) return fail(`${at}.Name`, `"${name}" is given twice`);
    dimensions[name] = value;
  });

  const description = optionalText('AlarmDescription');
  const unit = optionalText('Unit');
  return {
    alarmName: optionalText('AlarmName') ?? logicalId,
    ...(description === undefined ? {} : { description }),
    namespace: text('Namespace'),
    metricName: text('MetricName'),
    dimensions,
    statistic: (statistic ?? extended) as AlarmStatistic,
    ...(unit === undefined ? {} : { unit }),
    period,
    evaluationPeriods,
    datapointsToAlarm,
    threshold: numeric('Threshold'),
    comparisonOperator: comparisonOperator as ComparisonOperator,
    treatMissingData: treatMissingData as TreatMissingData,
  };
}

/**
 * Reads every `AWS::CloudWatch::Alarm` of a (token-resolved) CloudFormation template.
 *
 * @throws InvalidAlarmDefinitionError for the first alarm that {@link parseMetricAlarm} rejects
 */
export function metricAlarmsFromTemplate(template: unknown): MetricAlarmDefinition[] {
  const resources = isObject(template) && isObject(template.Resources) ? template.Resources : {};
  return Object.entries(resources)
    .filter(([, resource]) => isObject(resource) && resource.Type === 'AWS::CloudWatch::Alarm')
    .map(([logicalId, resource]) => parseMetricAlarm(logicalId, (resource as Record<string, unknown>).Properties));
}

/**
 * The statistic of the values of one period. Percentiles use the nearest-rank method.
 *
 * @param values at least one value
 */
export function computeStatistic(statistic: AlarmStatistic, values: readonly number[]): number {
  switch (statistic) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'SampleCount':
      return values.length;
    default: {
      const sorted = [...values].sort((a, b) => a - b);
      const rank = Math.ceil((Number(statistic.slice(1)) / 100) * sorted.length);
      return sorted[Math.max(0, rank - 1)] as number;
    }
  }
}

/** Whether `value` breaches the threshold under the operator. */
export function isBreaching(comparisonOperator: ComparisonOperator, value: number, threshold: number): boolean {
  switch (comparisonOperator) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/** Datapoints CloudWatch retrieves beyond `EvaluationPeriods` (the docs' examples: 5 for 3 periods). */
export const EXTRA_EVALUATION_RANGE_PERIODS = 2;

/** The outcome of one evaluation. */
export interface AlarmEvaluation {
  /** The new state (the current one when `ignore` keeps it). */
  readonly state: AlarmStateValue;
  /** Why, in CloudWatch's wording. */
  readonly reason: string;
}

/**
 * Decides an alarm's state from the statistic of each period of its evaluation range, following
 * CloudWatch's documented rules:
 * - when the range holds at least N (`EvaluationPeriods`) datapoints, the N most recent are evaluated and
 *   missing ones play no part;
 * - otherwise every real datapoint is evaluated, and the N minus their number missing ones are filled as
 *   `TreatMissingData` says: `breaching` and `notBreaching` count them as such; with `missing` or `ignore`
 *   the alarm goes to ALARM when M (`DatapointsToAlarm`) real datapoints breach, to OK when a real
 *   datapoint does not breach, and else to INSUFFICIENT_DATA (`missing`; but ALARM when the oldest
 *   datapoint of the range breaches, as the documented table's last 3-of-3 row shows) or keeps its
 *   state (`ignore`);
 * - ALARM when at least M evaluated datapoints breach, else OK.
 *
 * @param alarm the alarm's thresholds and periods
 * @param range the statistic of each period of the evaluation range, oldest first; `undefined` for a
 *   period without data
 * @param current the alarm's current state (kept by `ignore`)
 */
export function evaluateAlarm(
  alarm: Pick<MetricAlarmDefinition, 'evaluationPeriods' | 'datapointsToAlarm' | 'threshold' | 'comparisonOperator' | 'treatMissingData'>,
  range: ReadonlyArray<number | undefined>,
  current: AlarmStateValue,
): AlarmEvaluation {
  const { evaluationPeriods: n, datapointsToAlarm: m, threshold, comparisonOperator, treatMissingData } = alarm;
  const real = range.filter((v): v is number => v !== undefined);
  const breaches = (v: number): boolean => isBreaching(comparisonOperator, v, threshold);
  const operator = OPERATOR_TEXT[comparisonOperator];
  const unknown = range.length - real.length;

  /** M or more breaching → ALARM, else OK; `filled` missing datapoints count as `filledAs`. */
  const decide = (evaluated: readonly number[], filled = 0, filledAs: 'breaching' | 'not breaching' = 'not breaching'): AlarmEvaluation => {
    const breaching = evaluated.filter(breaches).length + (filledAs === 'breaching' ? filled : 0);
    const total = evaluated.length + filled;
    const shown = `[${[...evaluated.map(String), ...(filled > 0 ? [`${filled} missing treated as ${filledAs}`] : [])].join(', ')}]`;
    if (breaching >= m) {
      return {
        state: 'ALARM',
        reason: `Threshold Crossed: ${breaching} out of the last ${total} datapoints ${shown} ${wasWere(breaching)} ${operator} the threshold (${threshold}) (minimum ${m} ${plural(m, 'datapoint')} for ALARM).`,
      };
    }
    const within = total - breaching;
    const minimumWithin = n - m + 1;
    return {
      state: 'OK',
      reason: `Threshold Crossed: ${within} out of the last ${total} datapoints ${shown} ${wasWere(within)} not ${operator} the threshold (${threshold}) (minimum ${minimumWithin} ${plural(minimumWithin, 'datapoint')} for OK).`,
    };
  };

  if (real.length >= n) return decide(real.slice(-n));
  if (treatMissingData === 'breaching') return decide(real, n - real.length, 'breaching');
  if (treatMissingData === 'notBreaching') return decide(real, n - real.length, 'not breaching');
  // `missing` and `ignore`: the real datapoints decide when they can.
  if (real.filter(breaches).length >= m || real.some((v) => !breaches(v))) return decide(real);
  if (treatMissingData === 'ignore') {
    return { state: current, reason: `Missing data ignored: ${unknown} of ${range.length} datapoints were unknown; the state is kept.` };
  }
  const oldest = range[0];
  if (oldest !== undefined && breaches(oldest)) {
    return {
      state: 'ALARM',
      reason: `Threshold Crossed: the oldest datapoint of the evaluation range [${oldest}] was ${operator} the threshold (${threshold}) and no datapoint was within it.`,
    };
  }
  return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${unknown} ${plural(unknown, 'datapoint')} ${wasWere(unknown)} unknown.` };
}

const OPERATOR_TEXT: Readonly<Record<ComparisonOperator, string>> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

function wasWere(count: number): string {
  return count === 1 ? 'was' : 'were';
}


/** An alarm's state as CloudWatch reports it. */
export interface AlarmState {
  /** The state. */
  readonly value: AlarmStateValue;
  /** Why the alarm is in this state. */
  readonly reason: string;
  /** The evaluation behind the state, as JSON text (absent for the initial state). @default - none */
  readonly reasonData?: string;
  /** When the alarm entered this state, in milliseconds since the epoch. */
  readonly timestamp: number;
}

/** The "CloudWatch Alarm State Change" event CloudWatch sends to EventBridge for a metric alarm. */
export interface AlarmStateChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CloudWatch Alarm State Change';
  readonly source: 'aws.cloudwatch';
  readonly account: string;
  /** ISO 8601 to the second, as `2019-10-02T17:04:40Z`. */
  readonly time: string;
  readonly region: string;
  /** The alarm's ARN. */
  readonly resources: readonly [string];
  readonly detail: {
    readonly alarmName: string;
    readonly state: AlarmStateChangeEventState;
    readonly previousState: AlarmStateChangeEventState;
    readonly configuration: {
      readonly description?: string;
      readonly metrics: ReadonlyArray<{
        readonly id: string;
        readonly metricStat: {
          readonly metric: { readonly namespace: string; readonly name: string; readonly dimensions: Readonly<Record<string, string>> };
          readonly period: number;
          readonly stat: string;
        };
        readonly returnData: boolean;
      }>;
    };
  };
}

/** A state inside an {@link AlarmStateChangeEvent}. */
export interface AlarmStateChangeEventState {
  readonly value: AlarmStateValue;
  readonly reason: string;
  readonly reasonData?: string;
  /** As CloudWatch writes it: `2019-10-02T17:04:40.985+0000`. */
  readonly timestamp: string;
}

/** One state change of one alarm. */
export interface AlarmStateChange {
  /** The alarm that changed state. */
  readonly alarm: MetricAlarmDefinition;
  /** The state it left. */
  readonly previousState: AlarmState;
  /** The state it entered. */
  readonly state: AlarmState;
  /** The event CloudWatch would send to EventBridge for this change. */
  readonly event: AlarmStateChangeEvent;
}

/** Options of an {@link AlarmEvaluator}. */
export interface AlarmEvaluatorOptions {
  /** The clock, in milliseconds since the epoch; the same time base as the metrics' timestamps. @default Date.now */
  readonly now?: () => number;
  /** The account in events and ARNs. @default '123456789012' */
  readonly account?: string;
  /** The region in events and ARNs. @default 'us-east-1' */
  readonly region?: string;
  /** Makes event IDs. @default crypto.randomUUID */
  readonly newId?: () => string;
}

/**
 * Evaluates metric alarms on a metric source whenever asked (the local platform calls
 * {@link AlarmEvaluator.evaluate} on its clock, e.g. once a period). Alarms start in INSUFFICIENT_DATA, as
 * CloudWatch's do. Each evaluation looks at the complete periods (aligned to multiples of `Period` since
 * the epoch) that end at or before the clock's time: the N most recent plus
 * {@link EXTRA_EVALUATION_RANGE_PERIODS} older ones, the alarm's evaluation range.
 */
export class AlarmEvaluator {
  private readonly current = new Map<string, AlarmState>();
  private readonly now: () => number;
  private readonly account: string;
  private readonly region: string;
  private readonly newId: () => string;

  /**
   * @param alarms the alarms, each with its own name
   * @param metrics where the metric values come from
   * @throws InvalidAlarmDefinitionError when two alarms have the same name
   */
  constructor(
    private readonly alarms: readonly MetricAlarmDefinition[],
    private readonly metrics: MetricSource,
    options: AlarmEvaluatorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.account = options.account ?? '123456789012';
    this.region = options.region ?? 'us-east-1';
    this.newId = options.newId ?? randomUUID;
    const timestamp = this.now();
    for (const alarm of alarms) {
      if (this.current.has(alarm.alarmName)) throw new InvalidAlarmDefinitionError(alarm.alarmName, 'AlarmName', 'is used by two alarms');
      this.current.set(alarm.alarmName, { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp });
    }
  }

  /**
   * The current state of an alarm.
   *
   * @throws Error when no alarm has that name
   */
  state(alarmName: string): AlarmState {
    const state = this.current.get(alarmName);
    if (!state) throw new Error(`No alarm named "${alarmName}"; the alarms are: ${[...this.current.keys()].join(', ') || 'none'}`);
    return state;
  }

  /** Evaluates every alarm at the clock's time and returns the state changes, in alarm order. */
  evaluate(): AlarmStateChange[] {
    const now = this.now();
    const changes: AlarmStateChange[] = [];
    for (const alarm of this.alarms) {
      const previousState = this.state(alarm.alarmName);
      const periodMs = alarm.period * 1000;
      const end = Math.floor(now / periodMs) * periodMs;
      const size = alarm.evaluationPeriods + EXTRA_EVALUATION_RANGE_PERIODS;
      const start = end - size * periodMs;
      const range = Array.from({ length: size }, (_, i) => {
        const values = this.metrics.values(alarm, start + i * periodMs, start + (i + 1) * periodMs);
        return values.length > 0 ? computeStatistic(alarm.statistic, values) : undefined;
      });
      const evaluation = evaluateAlarm(alarm, range, previousState.value);
      if (evaluation.state === previousState.value) continue;
      const reasonData = JSON.stringify({
        version: '1.0',
        queryDate: cloudWatchTimestamp(now),
        startDate: cloudWatchTimestamp(start),
        statistic: alarm.statistic,
        period: alarm.period,
        recentDatapoints: range.filter((v) => v !== undefined),
        threshold: alarm.threshold,
      });
      const state: AlarmState = { value: evaluation.state, reason: evaluation.reason, reasonData, timestamp: now };
      this.current.set(alarm.alarmName, state);
      changes.push({ alarm, previousState, state, event: this.event(alarm, previousState, state) });
    }
    return changes;
  }

  private event(alarm: MetricAlarmDefinition, previousState: AlarmState, state: AlarmState): AlarmStateChangeEvent {
    return {
      version: '0',
      id: this.newId(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: this.account,
      time: new Date(state.timestamp).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [`arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${alarm.alarmName}`],
      detail: {
        alarmName: alarm.alarmName,
        state: eventState(state),
        previousState: eventState(previousState),
        configuration: {
          ...(alarm.description === undefined ? {} : { description: alarm.description }),
          metrics: [
            {
              id: 'm1',
              metricStat: { metric: { namespace: alarm.namespace, name: alarm.metricName, dimensions: alarm.dimensions }, period: alarm.period, stat: alarm.statistic },
              returnData: true,
            },
          ],
        },
      },
    };
  }
}

function eventState(state: AlarmState): AlarmStateChangeEventState {
  return {
    value: state.value,
    reason: state.reason,
    ...(state.reasonData === undefined ? {} : { reasonData: state.reasonData }),
    timestamp: cloudWatchTimestamp(state.timestamp),
  };
}

function cloudWatchTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

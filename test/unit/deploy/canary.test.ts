/**
 * The traffic-shifting decision of a CodeDeploy Lambda deployment: parsing deployment configurations
 * (predefined names, CloudFormation TrafficRoutingConfig, DeploymentConfig properties) and the state at a
 * moment, with exact boundaries.
 */
import { canaryStep, completesAtMs, InvalidTrafficRoutingError, parseTrafficRouting, PREDEFINED_LAMBDA_DEPLOYMENT_CONFIGS, type TrafficRouting } from '../../../lambda/core/deploy/canary';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const at = (routing: TrafficRouting, elapsedMs: number, alarmsInAlarm: string[] = [], autoRollbackOnAlarm?: boolean) =>
  canaryStep(routing, { startedAtMs: T0, nowMs: T0 + elapsedMs, alarmsInAlarm, ...(autoRollbackOnAlarm === undefined ? {} : { autoRollbackOnAlarm }) });

describe('parseTrafficRouting', () => {
  test.each([
    ['CodeDeployDefault.LambdaAllAtOnce', { kind: 'allAtOnce' }],
    ['CodeDeployDefault.LambdaCanary10Percent5Minutes', { kind: 'canary', percent: 10, intervalMinutes: 5 }],
    ['CodeDeployDefault.LambdaCanary10Percent10Minutes', { kind: 'canary', percent: 10, intervalMinutes: 10 }],
    ['CodeDeployDefault.LambdaCanary10Percent15Minutes', { kind: 'canary', percent: 10, intervalMinutes: 15 }],
    ['CodeDeployDefault.LambdaCanary10Percent30Minutes', { kind: 'canary', percent: 10, intervalMinutes: 30 }],
    ['CodeDeployDefault.LambdaLinear10PercentEvery1Minute', { kind: 'linear', percent: 10, intervalMinutes: 1 }],
    ['CodeDeployDefault.LambdaLinear10PercentEvery2Minutes', { kind: 'linear', percent: 10, intervalMinutes: 2 }],
    ['CodeDeployDefault.LambdaLinear10PercentEvery3Minutes', { kind: 'linear', percent: 10, intervalMinutes: 3 }],
    ['CodeDeployDefault.LambdaLinear10PercentEvery10Minutes', { kind: 'linear', percent: 10, intervalMinutes: 10 }],
  ])('the predefined %s', (name, expected) => {
    expect(parseTrafficRouting(name)).toEqual(expected);
  });

  test('lists exactly the nine predefined Lambda configurations', () => {
    expect(Object.keys(PREDEFINED_LAMBDA_DEPLOYMENT_CONFIGS)).toHaveLength(9);
  });

  test('the CloudFormation shapes CDK synthesizes: canary, linear, all at once, and DeploymentConfig properties', () => {
    expect(parseTrafficRouting({ Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: 5, CanaryPercentage: 10 } })).toEqual({ kind: 'canary', percent: 10, intervalMinutes: 5 });
    expect(parseTrafficRouting({ Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 2, LinearPercentage: 25 } })).toEqual({ kind: 'linear', percent: 25, intervalMinutes: 2 });
    expect(parseTrafficRouting({ Type: 'AllAtOnce' })).toEqual({ kind: 'allAtOnce' });
    expect(parseTrafficRouting({ ComputePlatform: 'Lambda', TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: '15', CanaryPercentage: '5' } } })).toEqual({
      kind: 'canary',
      percent: 5,
      intervalMinutes: 15,
    });
    expect(parseTrafficRouting({ ComputePlatform: 'Lambda' })).toEqual({ kind: 'allAtOnce' });
  });

  test('every invalid configuration names the field, the value and what was expected', () => {
    expect(() => parseTrafficRouting('CodeDeployDefault.OneAtATime')).toThrow(/DeploymentConfigName: received "CodeDeployDefault.OneAtATime", expected one of .*LambdaAllAtOnce/);
    expect(() => parseTrafficRouting(42)).toThrow(/received 42, expected a name or a TrafficRoutingConfig/);
    expect(() => parseTrafficRouting({ ComputePlatform: 'ECS', TrafficRoutingConfig: { Type: 'AllAtOnce' } })).toThrow(/ComputePlatform: received "ECS", expected "Lambda"/);
    expect(() => parseTrafficRouting({ Type: 'Blue' })).toThrow(/TrafficRoutingConfig.Type: received "Blue", expected "AllAtOnce", "TimeBasedCanary" or "TimeBasedLinear"/);
    expect(() => parseTrafficRouting({ Type: 'TimeBasedCanary' })).toThrow(/TimeBasedCanary: received nothing, expected \{CanaryPercentage, CanaryInterval\}/);
    expect(() => parseTrafficRouting({ Type: 'TimeBasedLinear', TimeBasedLinear: 3 })).toThrow(/TimeBasedLinear: received 3, expected \{LinearPercentage, LinearInterval\}/);
    expect(() => parseTrafficRouting({ Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: 5, CanaryPercentage: 100 } })).toThrow(/CanaryPercentage: received 100, expected a whole percentage from 1 to 99/);
    expect(() => parseTrafficRouting({ Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: 0, CanaryPercentage: 10 } })).toThrow(/CanaryInterval: received 0, expected a whole number of minutes ≥ 1/);
    expect(() => parseTrafficRouting({ Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 1.5, LinearPercentage: 10 } })).toThrow(/LinearInterval: received 1.5/);
    expect(() => parseTrafficRouting({ Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: 1, LinearPercentage: 'x' } })).toThrow(InvalidTrafficRoutingError);
  });
});

describe('canaryStep', () => {
  const canary: TrafficRouting = { kind: 'canary', percent: 10, intervalMinutes: 5 };
  const linear: TrafficRouting = { kind: 'linear', percent: 25, intervalMinutes: 2 };

  test('all at once succeeds at its start', () => {
    expect(at({ kind: 'allAtOnce' }, 0)).toEqual({ status: 'Succeeded' });
  });

  test('canary: the percent from the start until just before the interval minute, then Succeeded at exactly that minute', () => {
    expect(at(canary, 0)).toEqual({ status: 'InProgress', targetPercent: 10, targetWeight: 0.1, nextShiftAtMs: T0 + 5 * MIN });
    expect(at(canary, 5 * MIN - 1)).toEqual({ status: 'InProgress', targetPercent: 10, targetWeight: 0.1, nextShiftAtMs: T0 + 5 * MIN });
    expect(at(canary, 5 * MIN)).toEqual({ status: 'Succeeded' });
    expect(at(canary, 60 * MIN)).toEqual({ status: 'Succeeded' });
    // A clock behind the start counts as the first phase.
    expect(at(canary, -1000)).toMatchObject({ status: 'InProgress', targetWeight: 0.1 });
  });

  test('linear: one more step at each interval minute, Succeeded when the steps reach 100', () => {
    expect(at(linear, 0)).toEqual({ status: 'InProgress', targetPercent: 25, targetWeight: 0.25, nextShiftAtMs: T0 + 2 * MIN });
    expect(at(linear, 2 * MIN - 1)).toMatchObject({ targetPercent: 25 });
    expect(at(linear, 2 * MIN)).toEqual({ status: 'InProgress', targetPercent: 50, targetWeight: 0.5, nextShiftAtMs: T0 + 4 * MIN });
    expect(at(linear, 4 * MIN)).toMatchObject({ targetPercent: 75, nextShiftAtMs: T0 + 6 * MIN });
    expect(at(linear, 6 * MIN - 1)).toMatchObject({ status: 'InProgress', targetPercent: 75 });
    expect(at(linear, 6 * MIN)).toEqual({ status: 'Succeeded' });
  });

  test('linear 10% every minute: weights are exact decimals, the tenth step (minute 9) completes', () => {
    const tenPercent: TrafficRouting = { kind: 'linear', percent: 10, intervalMinutes: 1 };
    expect(at(tenPercent, 2 * MIN)).toMatchObject({ targetWeight: 0.3 });
    expect(at(tenPercent, 9 * MIN - 1)).toMatchObject({ status: 'InProgress', targetPercent: 90, targetWeight: 0.9 });
    expect(at(tenPercent, 9 * MIN)).toEqual({ status: 'Succeeded' });
  });

  test('linear with a percent that does not divide 100: the last step is capped at 100', () => {
    const thirty: TrafficRouting = { kind: 'linear', percent: 30, intervalMinutes: 1 };
    expect(at(thirty, 2 * MIN)).toMatchObject({ targetPercent: 90 });
    expect(at(thirty, 3 * MIN)).toEqual({ status: 'Succeeded' });
    expect(completesAtMs(thirty, T0)).toBe(T0 + 3 * MIN);
  });

  test.each([
    ['all at once at its start', { kind: 'allAtOnce' } as TrafficRouting, 0],
    ['a canary at its start', canary, 0],
    ['a canary a millisecond before its last shift', canary, 5 * MIN - 1],
    ['a canary at its last shift (the alarm wins)', canary, 5 * MIN],
    ['a linear deployment mid-way', linear, 3 * MIN],
  ])('an alarm in ALARM stops %s and rolls back', (_name, routing, elapsed) => {
    expect(at(routing, elapsed, ['ErrorsAlarm', 'LatencyAlarm'])).toEqual({
      status: 'Stopped',
      reason: 'alarms in ALARM during the deployment: ErrorsAlarm, LatencyAlarm',
      alarms: ['ErrorsAlarm', 'LatencyAlarm'],
      rollback: true,
    });
  });

  test('without auto-rollback on alarm the stop keeps the traffic where it was', () => {
    expect(at(canary, MIN, ['ErrorsAlarm'], false)).toMatchObject({ status: 'Stopped', rollback: false });
  });

  test('completesAtMs: when the last traffic moves', () => {
    expect(completesAtMs({ kind: 'allAtOnce' }, T0)).toBe(T0);
    expect(completesAtMs(canary, T0)).toBe(T0 + 5 * MIN);
    expect(completesAtMs(linear, T0)).toBe(T0 + 6 * MIN);
    expect(at(linear, completesAtMs(linear, T0) - T0)).toEqual({ status: 'Succeeded' });
  });
});

/**
 * The traffic-shifting decision CodeDeploy makes for a Lambda deployment, as data: which share of an
 * alias's traffic the new version gets at a given moment, when the deployment is done, and when an alarm
 * stops it. Pure (no AWS import, no clock): the local CodeDeploy stand-in calls it with the platform
 * clock, and a test calls it with plain numbers.
 *
 * Real: the three traffic-routing kinds of an `AWS::CodeDeploy::DeploymentConfig` (`AllAtOnce`,
 * `TimeBasedCanary`, `TimeBasedLinear`) with their CloudFormation field names, and the nine predefined
 * Lambda configurations, as listed in the CodeDeploy User Guide, "Deployment configurations on an AWS
 * Lambda compute platform"
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-lambda)
 * and as aws-cdk-lib 2.276 names them (`aws-codedeploy/lib/lambda/deployment-config.js`).
 *
 * Modelled: time is continuous and a shift happens exactly at its minute (CodeDeploy shifts within
 * seconds of it); the lifecycle hooks (BeforeAllowTraffic / AfterAllowTraffic) are not run; an alarm in
 * ALARM when the deployment is looked at stops it whatever the phase — CodeDeploy polls the alarms
 * throughout the deployment, so a deployment whose last shift is due at the same time as an alarm is
 * seen is treated as stopped, not completed (the cautious reading).
 */

/** How traffic moves from the current version to the target version. */
export type TrafficRouting =
  | { readonly kind: 'allAtOnce' }
  /** `percent` of the traffic for `intervalMinutes`, then the rest. */
  | { readonly kind: 'canary'; readonly percent: number; readonly intervalMinutes: number }
  /** `percent` more of the traffic every `intervalMinutes` until all of it. */
  | { readonly kind: 'linear'; readonly percent: number; readonly intervalMinutes: number };

/**
 * CodeDeploy's predefined deployment configurations for the Lambda compute platform, by name.
 * Source: CodeDeploy User Guide, "Deployment configurations on an AWS Lambda compute platform";
 * the same nine names are the `LambdaDeploymentConfig` constants of aws-cdk-lib.
 */
export const PREDEFINED_LAMBDA_DEPLOYMENT_CONFIGS: Readonly<Record<string, TrafficRouting>> = {
  'CodeDeployDefault.LambdaAllAtOnce': { kind: 'allAtOnce' },
  'CodeDeployDefault.LambdaCanary10Percent5Minutes': { kind: 'canary', percent: 10, intervalMinutes: 5 },
  'CodeDeployDefault.LambdaCanary10Percent10Minutes': { kind: 'canary', percent: 10, intervalMinutes: 10 },
  'CodeDeployDefault.LambdaCanary10Percent15Minutes': { kind: 'canary', percent: 10, intervalMinutes: 15 },
  'CodeDeployDefault.LambdaCanary10Percent30Minutes': { kind: 'canary', percent: 10, intervalMinutes: 30 },
  'CodeDeployDefault.LambdaLinear10PercentEvery1Minute': { kind: 'linear', percent: 10, intervalMinutes: 1 },
  'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes': { kind: 'linear', percent: 10, intervalMinutes: 2 },
  'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes': { kind: 'linear', percent: 10, intervalMinutes: 3 },
  'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes': { kind: 'linear', percent: 10, intervalMinutes: 10 },
};

/** A deployment configuration that is not one CodeDeploy accepts for Lambda (says the field, the value, what was expected). */
export class InvalidTrafficRoutingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTrafficRoutingError';
  }
}

const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A whole number of minutes ≥ 1 (templates may carry numbers as strings once resolved). */
function minutes(value: unknown, field: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InvalidTrafficRoutingError(`${field}: received ${show(value)}, expected a whole number of minutes ≥ 1`);
  return n;
}

/** A whole percentage 1–99: 0 would shift nothing and 100 is all at once. */
function percentage(value: unknown, field: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 99) throw new InvalidTrafficRoutingError(`${field}: received ${show(value)}, expected a whole percentage from 1 to 99`);
  return n;
}

/**
 * The traffic routing of a deployment configuration.
 *
 * @param deploymentConfig one of: a predefined configuration name (`CodeDeployDefault.LambdaCanary10Percent5Minutes`…);
 *   a `TrafficRoutingConfig` (`{Type: 'TimeBasedCanary', TimeBasedCanary: {CanaryPercentage, CanaryInterval}}`,
 *   `{Type: 'TimeBasedLinear', TimeBasedLinear: {LinearPercentage, LinearInterval}}`, `{Type: 'AllAtOnce'}`);
 *   or the `Properties` of an `AWS::CodeDeploy::DeploymentConfig` holding one (`ComputePlatform` must then be `Lambda`).
 * @throws InvalidTrafficRoutingError for an unknown name, a non-Lambda configuration or out-of-range numbers
 */
export function parseTrafficRouting(deploymentConfig: unknown): TrafficRouting {
  if (typeof deploymentConfig === 'string') {
    const known = PREDEFINED_LAMBDA_DEPLOYMENT_CONFIGS[deploymentConfig];
    if (!known) {
      throw new InvalidTrafficRoutingError(
        `DeploymentConfigName: received ${show(deploymentConfig)}, expected one of CodeDeploy's predefined Lambda configurations (${Object.keys(PREDEFINED_LAMBDA_DEPLOYMENT_CONFIGS).join(', ')}) or a custom configuration`,
      );
    }
    return known;
  }
  if (!isRecord(deploymentConfig)) throw new InvalidTrafficRoutingError(`deployment configuration: received ${show(deploymentConfig)}, expected a name or a TrafficRoutingConfig object`);
  if ('ComputePlatform' in deploymentConfig || 'TrafficRoutingConfig' in deploymentConfig) {
    if (deploymentConfig.ComputePlatform !== undefined && deploymentConfig.ComputePlatform !== 'Lambda') {
      throw new InvalidTrafficRoutingError(`ComputePlatform: received ${show(deploymentConfig.ComputePlatform)}, expected "Lambda"`);
    }
    // CloudFormation leaves TrafficRoutingConfig optional; CodeDeploy then shifts everything at once.
    if (deploymentConfig.TrafficRoutingConfig === undefined) return { kind: 'allAtOnce' };
    return parseTrafficRoutingConfig(deploymentConfig.TrafficRoutingConfig, 'TrafficRoutingConfig');
  }
  return parseTrafficRoutingConfig(deploymentConfig, 'TrafficRoutingConfig');
}

function parseTrafficRoutingConfig(config: unknown, at: string): TrafficRouting {
  if (!isRecord(config)) throw new InvalidTrafficRoutingError(`${at}: received ${show(config)}, expected an object with Type`);
  switch (config.Type) {
    case 'AllAtOnce':
      return { kind: 'allAtOnce' };
    case 'TimeBasedCanary': {
      const c = config.TimeBasedCanary;
      if (!isRecord(c)) throw new InvalidTrafficRoutingError(`${at}.TimeBasedCanary: received ${show(c)}, expected {CanaryPercentage, CanaryInterval}`);
      return { kind: 'canary', percent: percentage(c.CanaryPercentage, `${at}.TimeBasedCanary.CanaryPercentage`), intervalMinutes: minutes(c.CanaryInterval, `${at}.TimeBasedCanary.CanaryInterval`) };
    }
    case 'TimeBasedLinear': {
      const l = config.TimeBasedLinear;
      if (!isRecord(l)) throw new InvalidTrafficRoutingError(`${at}.TimeBasedLinear: received ${show(l)}, expected {LinearPercentage, LinearInterval}`);
      return { kind: 'linear', percent: percentage(l.LinearPercentage, `${at}.TimeBasedLinear.LinearPercentage`), intervalMinutes: minutes(l.LinearInterval, `${at}.TimeBasedLinear.LinearInterval`) };
    }
    default:
      throw new InvalidTrafficRoutingError(`${at}.Type: received ${show(config.Type)}, expected "AllAtOnce", "TimeBasedCanary" or "TimeBasedLinear"`);
  }
}

/** What `canaryStep` looks at. */
export interface CanaryStepInput {
  /** When the deployment began (its first shift), ms since the epoch. */
  readonly startedAtMs: number;
  /** Now, on the same clock. */
  readonly nowMs: number;
  /** The deployment group's alarms that are in ALARM now (only the group's own alarms; empty when alarms are off). */
  readonly alarmsInAlarm: readonly string[];
  /**
   * Whether an alarm stop rolls back (`DEPLOYMENT_STOP_ON_ALARM` among the auto-rollback events).
   * @default true - CDK's `LambdaDeploymentGroup` enables it whenever alarms are given
   */
  readonly autoRollbackOnAlarm?: boolean;
}

/** Where a deployment stands at a moment. */
export type CanaryStep =
  /**
   * Still shifting: the target version gets `targetWeight` (0–1, an alias's `AdditionalVersionWeights`
   * value) of the traffic; `targetPercent` is the same share in CodeDeploy's whole percent; the next shift
   * is due at `nextShiftAtMs`.
   */
  | { readonly status: 'InProgress'; readonly targetWeight: number; readonly targetPercent: number; readonly nextShiftAtMs: number }
  /** All traffic on the target version. */
  | { readonly status: 'Succeeded' }
  /**
   * Stopped by alarms: `alarms` were in ALARM; `rollback` says whether traffic goes back to the current
   * version (else it stays where it was).
   */
  | { readonly status: 'Stopped'; readonly reason: string; readonly alarms: readonly string[]; readonly rollback: boolean };

const MINUTE_MS = 60_000;

/**
 * The state of a deployment with `routing` at `input.nowMs`.
 *
 * - all at once: Succeeded as soon as it starts;
 * - canary: `percent` from the start; Succeeded at exactly `startedAtMs + intervalMinutes` (and after);
 * - linear: `percent × (k + 1)` during the k-th interval (k from 0); Succeeded when that reaches 100;
 * - any alarm in ALARM (any phase, all-at-once included): Stopped, rolled back unless `autoRollbackOnAlarm` is false.
 */
export function canaryStep(routing: TrafficRouting, input: CanaryStepInput): CanaryStep {
  if (input.alarmsInAlarm.length > 0) {
    const alarms = [...input.alarmsInAlarm];
    return { status: 'Stopped', reason: `alarms in ALARM during the deployment: ${alarms.join(', ')}`, alarms, rollback: input.autoRollbackOnAlarm ?? true };
  }
  if (routing.kind === 'allAtOnce') return { status: 'Succeeded' };
  const intervalMs = routing.intervalMinutes * MINUTE_MS;
  // Before the start (a clock that has not moved yet) counts as the first phase.
  const elapsed = Math.max(0, input.nowMs - input.startedAtMs);
  const phase = Math.floor(elapsed / intervalMs);
  if (routing.kind === 'canary') {
    if (phase >= 1) return { status: 'Succeeded' };
    return { status: 'InProgress', targetPercent: routing.percent, targetWeight: routing.percent / 100, nextShiftAtMs: input.startedAtMs + intervalMs };
  }
  const percent = routing.percent * (phase + 1);
  if (percent >= 100) return { status: 'Succeeded' };
  return { status: 'InProgress', targetPercent: percent, targetWeight: percent / 100, nextShiftAtMs: input.startedAtMs + (phase + 1) * intervalMs };
}

/**
 * When a deployment with `routing` that started at `startedAtMs` shifts its last traffic (all at once: at
 * the start). Useful to advance a clock to the end of a deployment.
 */
export function completesAtMs(routing: TrafficRouting, startedAtMs: number): number {
  if (routing.kind === 'allAtOnce') return startedAtMs;
  if (routing.kind === 'canary') return startedAtMs + routing.intervalMinutes * MINUTE_MS;
  return startedAtMs + (Math.ceil(100 / routing.percent) - 1) * routing.intervalMinutes * MINUTE_MS;
}

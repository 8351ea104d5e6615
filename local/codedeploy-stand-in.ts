/**
 * A local stand-in for the two CodeDeploy calls the deploy state machine makes through Step Functions
 * AWS SDK integrations (`arn:aws:states:::aws-sdk:codedeploy:createDeployment` and `…:getDeployment`),
 * built from the templates' `AWS::CodeDeploy::*` resources, shifting the traffic of the local Lambda
 * control plane's alias on the platform clock.
 *
 * Real: the request and result shapes in PascalCase (as Step Functions passes and returns them), the
 * Lambda AppSpec (`Resources: [{<name>: {Type: AWS::Lambda::Function, Properties: {Name, Alias,
 * CurrentVersion, TargetVersion}}}]`), the validation errors named as Step Functions names SDK errors
 * (`CodeDeploy.DeploymentGroupDoesNotExistException`, `CodeDeploy.InvalidRevisionException`…), one active
 * deployment per group (`DeploymentLimitExceededException`), the traffic shifting of the deployment
 * configuration (see `lambda/core/deploy/canary.ts`), alarms stopping a deployment with
 * `ErrorInformation.Code` `ALARM_ACTIVE`, and the rollback (a rollback deployment that puts the alias back,
 * named in `RollbackInfo`) when the group's auto-rollback covers the event.
 *
 * Modelled: time moves only when the deployment is looked at (`getDeployment`, `advanceAll`), so traffic
 * shifts at the first look after its minute; alarm states are read at those looks (an alarm that went to
 * ALARM and back between two looks is not seen); lifecycle hooks (`Hooks` in the AppSpec) are not run; the
 * AppSpec must be JSON (CodeDeploy also reads YAML); a deployment goes straight to `InProgress` (no
 * `Created`/`Queued`); the alias must point at `CurrentVersion` when the deployment is created (else
 * `InvalidRevisionException`); timestamps are ISO strings; an alarm the platform does not know stops the
 * deployment with `ALARM_CONFIG` unless the group ignores alarm poll failures.
 */
import { createHash } from 'node:crypto';
import { canaryStep, InvalidTrafficRoutingError, parseTrafficRouting, type TrafficRouting } from '../lambda/core/deploy/canary';
import type { AlarmStateValue } from './alarms';
import { describeValue, isObject } from './json-value';
import type { LambdaControlPlane } from './lambda-control-plane';

/** A Lambda deployment group, resolved to plain data. */
export interface LambdaDeploymentGroupDescription {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** The name of its deployment configuration (predefined or custom), reported by GetDeployment. */
  readonly deploymentConfigName: string;
  readonly routing: TrafficRouting;
  /** The alarms CodeDeploy watches (empty when `AlarmConfiguration.Enabled` is false). */
  readonly alarmNames: readonly string[];
  /** `DEPLOYMENT_STOP_ON_ALARM` among the auto-rollback events. */
  readonly autoRollbackOnAlarm: boolean;
  /** `DEPLOYMENT_FAILURE` among the auto-rollback events. */
  readonly autoRollbackOnFailure: boolean;
  /** `AlarmConfiguration.IgnorePollAlarmFailure`. @default false - an unknown alarm fails the deployment */
  readonly ignorePollAlarmFailure?: boolean;
  /** The `AWS::CodeDeploy::DeploymentGroup` resource's logical id, when read from a template. */
  readonly logicalId?: string;
}

/** What the stand-in works with. */
export interface CodeDeployStandInDeps {
  /** The functions, versions and aliases whose traffic moves. */
  readonly lambda: LambdaControlPlane;
  /** The platform clock (ms since the epoch). */
  readonly now: () => number;
  /** An alarm's state now; undefined for an alarm the platform does not know. */
  readonly alarmState: (alarmName: string) => AlarmStateValue | undefined;
}

/** A request CodeDeploy would refuse: `name` is `CodeDeploy.<exception>` as Step Functions names SDK errors. */
export class CodeDeployRequestError extends Error {
  /** The exception name without the service prefix (`DeploymentGroupDoesNotExistException`). */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = `CodeDeploy.${code}`;
  }
}

/** A deployment group in a template the stand-in cannot read (says the resource, the field, the value, what was expected). */
export class InvalidDeploymentGroupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidDeploymentGroupError';
  }
}

/** The status of a deployment, as GetDeployment reports it. */
export type DeploymentStatus = 'Created' | 'Queued' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';

/** A deployment the stand-in runs (its state, for GetDeployment and for tests and logs). */
export interface LocalDeployment {
  readonly deploymentId: string;
  readonly group: LambdaDeploymentGroupDescription;
  readonly deploymentConfigName: string;
  readonly routing: TrafficRouting;
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  /** The AppSpec as given. */
  readonly appSpec: string;
  readonly description?: string;
  readonly createTimeMs: number;
  status: DeploymentStatus;
  /** The target version's share of the alias's traffic now (0–1). */
  targetWeight: number;
  completeTimeMs?: number;
  errorInformation?: { readonly Code: string; readonly Message: string };
  rollbackInfo?: { readonly RollbackDeploymentId?: string; readonly RollbackTriggeringDeploymentId?: string; readonly RollbackMessage: string };
}

/** Emitted when a deployment starts, shifts traffic or ends. */
export interface DeploymentChangeEvent {
  readonly deployment: LocalDeployment;
  readonly change: 'created' | 'shifted' | 'ended';
}

const TERMINAL: ReadonlySet<DeploymentStatus> = new Set(['Succeeded', 'Failed', 'Stopped']);
const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;
/** CodeDeploy's message for ALARM_ACTIVE (CodeDeploy API reference, ErrorInformation codes). */
const ALARM_ACTIVE_MESSAGE = 'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: ';

type Json = Record<string, unknown>;

function requiredString(params: Json, field: string, missing: string): string {
  const value = params[field];
  if (value === undefined || value === null || value === '') throw new CodeDeployRequestError(missing, `${field} is required`);
  if (typeof value !== 'string') throw new CodeDeployRequestError('InvalidParameterException', `${field} must be a string (got ${describeValue(value)})`);
  return value;
}

/** The CodeDeploy stand-in. */
export class CodeDeployStandIn {
  /** Every deployment, by id (rollback deployments included). */
  readonly deployments = new Map<string, LocalDeployment>();
  private readonly groups = new Map<string, LambdaDeploymentGroupDescription>();
  private readonly applications = new Set<string>();
  private readonly listeners: Array<(event: DeploymentChangeEvent) => void> = [];
  private counter = 0;

  /**
   * @param groups the Lambda deployment groups (see {@link lambdaDeploymentGroupsFromResources})
   * @param deps the control plane, the clock and the alarm states
   */
  constructor(
    groups: readonly LambdaDeploymentGroupDescription[],
    private readonly deps: CodeDeployStandInDeps,
  ) {
    for (const g of groups) {
      this.applications.add(g.applicationName);
      this.groups.set(`${g.applicationName}/${g.deploymentGroupName}`, g);
    }
  }

  /** Called when a deployment starts, shifts traffic or ends (the platform logs it). */
  onChange(listener: (event: DeploymentChangeEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Task handlers by state name, for `overrides.taskResourceLocalHandlers`. */
  handlers(names: { readonly createDeployment: readonly string[]; readonly getDeployment: readonly string[] }): Record<string, (input: unknown) => Promise<unknown>> {
    const out: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const n of names.createDeployment) out[n] = async (input) => this.createDeployment(input);
    for (const n of names.getDeployment) out[n] = async (input) => this.getDeployment(input);
    return out;
  }

  /**
   * `codedeploy:createDeployment`: validates the request like CodeDeploy, then begins the deployment
   * (canary / linear: the alias gets `AdditionalVersionWeights {target: percent/100}` now).
   * @returns `{DeploymentId}`
   * @throws CodeDeployRequestError named `CodeDeploy.<exception>`
   */
  createDeployment(params: unknown): { DeploymentId: string } {
    if (!isObject(params)) throw new CodeDeployRequestError('InvalidParameterException', `the request must be an object (got ${describeValue(params)})`);
    const applicationName = requiredString(params, 'ApplicationName', 'ApplicationNameRequiredException');
    if (!this.applications.has(applicationName)) throw new CodeDeployRequestError('ApplicationDoesNotExistException', `No application found for name: ${applicationName}`);
    const groupName = requiredString(params, 'DeploymentGroupName', 'DeploymentGroupNameRequiredException');
    const group = this.groups.get(`${applicationName}/${groupName}`);
    if (!group) throw new CodeDeployRequestError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${groupName}`);

    let deploymentConfigName = group.deploymentConfigName;
    let routing = group.routing;
    if (params.DeploymentConfigName !== undefined) {
      deploymentConfigName = requiredString(params, 'DeploymentConfigName', 'DeploymentConfigNameRequiredException');
      const custom = [...this.groups.values()].find((g) => g.deploymentConfigName === deploymentConfigName);
      if (custom) routing = custom.routing;
      else {
        try {
          routing = parseTrafficRouting(deploymentConfigName);
        } catch (error) {
          if (!(error instanceof InvalidTrafficRoutingError)) throw error;
          throw new CodeDeployRequestError('DeploymentConfigDoesNotExistException', `No deployment configuration found for name: ${deploymentConfigName}`);
        }
      }
    }

    const appSpec = this.appSpecContent(params.Revision);
    const target = this.lambdaTarget(appSpec);

    // A deployment that has run its course by now no longer blocks the group.
    for (const d of this.deployments.values()) if (d.group === group) this.advance(d);
    const active = [...this.deployments.values()].find((d) => d.group === group && !TERMINAL.has(d.status));
    if (active) throw new CodeDeployRequestError('DeploymentLimitExceededException', `The Deployment Group '${groupName}' already has an active Deployment '${active.deploymentId}'`);

    const deployment: LocalDeployment = {
      deploymentId: this.nextId(),
      group,
      deploymentConfigName,
      routing,
      ...target,
      appSpec,
      ...(typeof params.Description === 'string' ? { description: params.Description } : {}),
      createTimeMs: this.deps.now(),
      status: 'InProgress',
      targetWeight: 0,
    };
    this.deployments.set(deployment.deploymentId, deployment);
    this.emit(deployment, 'created');
    this.advance(deployment);
    return { DeploymentId: deployment.deploymentId };
  }

  /**
   * `codedeploy:getDeployment`: advances the deployment to `now()` (shifting the alias as the routing says,
   * completing, or stopping on alarms and rolling back) and reports it.
   * @returns `{DeploymentInfo: {DeploymentId, Status, ErrorInformation?, RollbackInfo?, …}}`
   */
  getDeployment(params: unknown): { DeploymentInfo: Json } {
    if (!isObject(params)) throw new CodeDeployRequestError('InvalidParameterException', `the request must be an object (got ${describeValue(params)})`);
    const id = requiredString(params, 'DeploymentId', 'DeploymentIdRequiredException');
    if (!DEPLOYMENT_ID.test(id)) throw new CodeDeployRequestError('InvalidDeploymentIdException', `Specified DeploymentId is not in the valid format: ${id}`);
    const deployment = this.deployments.get(id);
    if (!deployment) throw new CodeDeployRequestError('DeploymentDoesNotExistException', `Deployment ${id} does not exist`);
    this.advance(deployment);
    return { DeploymentInfo: this.info(deployment) };
  }

  /** Advance every active deployment to `now()` (call it on clock ticks so traffic moves without a poll). */
  advanceAll(): void {
    for (const d of [...this.deployments.values()]) this.advance(d);
  }

  // ---- internals ----------------------------------------------------------------------------------

  private nextId(): string {
    this.counter++;
    return `d-LOCAL${this.counter.toString(36).toUpperCase().padStart(4, '0')}`;
  }

  private emit(deployment: LocalDeployment, change: DeploymentChangeEvent['change']): void {
    for (const listener of this.listeners) listener({ deployment, change });
  }

  private appSpecContent(revision: unknown): string {
    if (revision === undefined || revision === null) throw new CodeDeployRequestError('RevisionRequiredException', 'Revision is required');
    if (!isObject(revision)) throw new CodeDeployRequestError('InvalidRevisionException', `Revision must be an object (got ${describeValue(revision)})`);
    const holder = revision.RevisionType === 'AppSpecContent' ? revision.AppSpecContent : revision.RevisionType === 'String' ? revision.String : undefined;
    if (revision.RevisionType !== 'AppSpecContent' && revision.RevisionType !== 'String') {
      throw new CodeDeployRequestError('InvalidRevisionException', `Revision.RevisionType ${describeValue(revision.RevisionType)} is not supported for a Lambda deployment here: use AppSpecContent (or String)`);
    }
    const content = isObject(holder) ? holder.Content : undefined;
    if (typeof content !== 'string' || content === '') throw new CodeDeployRequestError('InvalidRevisionException', `Revision.${String(revision.RevisionType)}.Content must be the AppSpec as a string`);
    return content;
  }

  /** The function, alias and versions of a Lambda AppSpec, checked against the control plane. */
  private lambdaTarget(content: string): { functionName: string; alias: string; currentVersion: string; targetVersion: string } {
    const bad = (message: string): CodeDeployRequestError => new CodeDeployRequestError('InvalidRevisionException', `The AppSpec is not valid: ${message}`);
    let spec: unknown;
    try {
      spec = JSON.parse(content);
    } catch (error) {
      throw bad(`it is not JSON (${(error as Error).message}); the local stand-in reads JSON AppSpecs only`);
    }
    if (!isObject(spec)) throw bad(`expected an object, got ${describeValue(spec)}`);
    if (spec.version !== 0 && spec.version !== '0.0') throw bad(`version must be 0.0 (got ${describeValue(spec.version)})`);
    const resources = spec.Resources;
    if (!Array.isArray(resources) || resources.length !== 1) throw bad(`Resources must list exactly one AWS::Lambda::Function (got ${describeValue(resources)})`);
    const entry: unknown = resources[0];
    const values = isObject(entry) ? Object.values(entry) : [];
    const resource = values[0];
    if (values.length !== 1 || !isObject(resource)) throw bad(`Resources[0] must be {"<name>": {Type, Properties}} (got ${describeValue(entry)})`);
    if (resource.Type !== 'AWS::Lambda::Function') throw bad(`Resources[0].Type must be AWS::Lambda::Function (got ${describeValue(resource.Type)})`);
    const props = isObject(resource.Properties) ? resource.Properties : {};
    const text = (field: string): string => {
      const v = props[field];
      if ((typeof v !== 'string' || v === '') && typeof v !== 'number') throw bad(`Resources[0].Properties.${field} is required (got ${describeValue(v)})`);
      return String(v);
    };
    const functionName = text('Name');
    const alias = text('Alias');
    const currentVersion = text('CurrentVersion');
    const targetVersion = text('TargetVersion');
    const lambda = this.deps.lambda;
    if (!lambda.hasFunction(functionName)) throw bad(`the Lambda function ${functionName} was not found`);
    if (!lambda.hasAlias(functionName, alias)) throw bad(`the alias ${alias} of ${functionName} was not found`);
    for (const [field, v] of [['CurrentVersion', currentVersion], ['TargetVersion', targetVersion]] as const) {
      if (!lambda.hasVersion(functionName, v)) throw bad(`${field} ${v} of ${functionName} was not found (publish it first)`);
    }
    const now = lambda.aliasRouting(functionName, alias).functionVersion;
    if (now !== currentVersion) throw bad(`CurrentVersion is ${currentVersion} but the alias ${alias} of ${functionName} points at version ${now}`);
    return { functionName, alias, currentVersion, targetVersion };
  }

  /** Move a deployment to now: shift, complete, stop on alarms or fail. */
  private advance(d: LocalDeployment): void {
    if (TERMINAL.has(d.status)) return;
    const group = d.group;
    const states = group.alarmNames.map((name) => ({ name, state: this.deps.alarmState(name) }));
    const unknown = states.filter((s) => s.state === undefined).map((s) => s.name);
    if (unknown.length > 0 && group.ignorePollAlarmFailure !== true) {
      return this.fail(d, 'ALARM_CONFIG', `The alarm configuration for the deployment group is not valid: alarms not found: ${unknown.join(', ')}`);
    }
    // Same version on both sides: nothing to shift.
    const step =
      d.currentVersion === d.targetVersion && states.every((s) => s.state !== 'ALARM')
        ? ({ status: 'Succeeded' } as const)
        : canaryStep(d.routing, {
            startedAtMs: d.createTimeMs,
            nowMs: this.deps.now(),
            alarmsInAlarm: states.filter((s) => s.state === 'ALARM').map((s) => s.name),
            autoRollbackOnAlarm: group.autoRollbackOnAlarm,
          });
    try {
      switch (step.status) {
        case 'InProgress':
          if (step.targetWeight !== d.targetWeight) {
            this.deps.lambda.setAliasRouting(d.functionName, d.alias, { functionVersion: d.currentVersion, additionalVersionWeights: { [d.targetVersion]: step.targetWeight } });
            d.targetWeight = step.targetWeight;
            this.emit(d, 'shifted');
          }
          return;
        case 'Succeeded':
          this.deps.lambda.setAliasRouting(d.functionName, d.alias, { functionVersion: d.targetVersion, additionalVersionWeights: {} });
          d.targetWeight = 1;
          return this.end(d, 'Succeeded');
        case 'Stopped':
          d.errorInformation = { Code: 'ALARM_ACTIVE', Message: `${ALARM_ACTIVE_MESSAGE}${step.alarms.join(', ')}` };
          if (step.rollback) this.rollback(d, `Deployment ${d.deploymentId} was stopped because alarms were activated (${step.alarms.join(', ')}); traffic rolled back to version ${d.currentVersion}`);
          return this.end(d, 'Stopped');
      }
    } catch (error) {
      // The alias could not be moved (changed or removed behind CodeDeploy's back): the deployment fails.
      this.fail(d, 'INTERNAL_ERROR', `Could not shift the traffic of ${d.functionName}:${d.alias}: ${(error as Error).message}`);
    }
  }

  private fail(d: LocalDeployment, code: string, message: string): void {
    d.errorInformation = { Code: code, Message: message };
    if (d.group.autoRollbackOnFailure) this.rollback(d, `Deployment ${d.deploymentId} failed (${code}); traffic rolled back to version ${d.currentVersion}`);
    this.end(d, 'Failed');
  }

  /** Put the alias back on the current version, as a rollback deployment CodeDeploy names in RollbackInfo. */
  private rollback(d: LocalDeployment, message: string): void {
    const now = this.deps.now();
    const rollbackId = this.nextId();
    let status: DeploymentStatus = 'Succeeded';
    let rollbackMessage = message;
    try {
      this.deps.lambda.setAliasRouting(d.functionName, d.alias, { functionVersion: d.currentVersion, additionalVersionWeights: {} });
      d.targetWeight = 0;
    } catch (error) {
      status = 'Failed';
      rollbackMessage = `${message} — but the rollback failed: ${(error as Error).message}`;
    }
    const rollback: LocalDeployment = {
      deploymentId: rollbackId,
      group: d.group,
      deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
      routing: { kind: 'allAtOnce' },
      functionName: d.functionName,
      alias: d.alias,
      currentVersion: d.targetVersion,
      targetVersion: d.currentVersion,
      appSpec: d.appSpec,
      createTimeMs: now,
      completeTimeMs: now,
      status,
      targetWeight: status === 'Succeeded' ? 1 : 0,
      rollbackInfo: { RollbackTriggeringDeploymentId: d.deploymentId, RollbackMessage: rollbackMessage },
    };
    this.deployments.set(rollbackId, rollback);
    d.rollbackInfo = { RollbackDeploymentId: rollbackId, RollbackMessage: rollbackMessage };
  }

  private end(d: LocalDeployment, status: 'Succeeded' | 'Failed' | 'Stopped'): void {
    d.status = status;
    d.completeTimeMs = this.deps.now();
    this.emit(d, 'ended');
  }

  private info(d: LocalDeployment): Json {
    return {
      ApplicationName: d.group.applicationName,
      DeploymentGroupName: d.group.deploymentGroupName,
      DeploymentConfigName: d.deploymentConfigName,
      DeploymentId: d.deploymentId,
      Revision: { RevisionType: 'AppSpecContent', AppSpecContent: { Content: d.appSpec, Sha256: createHash('sha256').update(d.appSpec).digest('hex') } },
      Status: d.status,
      ...(d.errorInformation ? { ErrorInformation: d.errorInformation } : {}),
      CreateTime: new Date(d.createTimeMs).toISOString(),
      ...(d.completeTimeMs !== undefined ? { CompleteTime: new Date(d.completeTimeMs).toISOString() } : {}),
      Creator: d.rollbackInfo?.RollbackTriggeringDeploymentId ? 'codeDeployRollback' : 'user',
      ...(d.description !== undefined ? { Description: d.description } : {}),
      ...(d.rollbackInfo ? { RollbackInfo: d.rollbackInfo } : {}),
      ComputePlatform: 'Lambda',
      DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      DeploymentStatusMessages: [],
    };
  }
}

/** A CloudFormation resource as the templates hold it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

/** Resolves one template value (an intrinsic such as `{Ref}`) to its local value; `where` names it for errors. */
export type TemplateValueResolver = (value: unknown, where: string) => unknown;

const isIntrinsic = (value: unknown): boolean => {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
};

/** CodeDeploy's configuration for a Lambda group that names none (the console's default for Lambda). */
const DEFAULT_LAMBDA_CONFIG = 'CodeDeployDefault.LambdaAllAtOnce';

/**
 * The Lambda deployment groups of a template's resources, as plain data for {@link CodeDeployStandIn}:
 * `AWS::CodeDeploy::DeploymentGroup`s of `Lambda` applications, their configuration (a custom
 * `AWS::CodeDeploy::DeploymentConfig` of the same resources, or a predefined name), alarms and
 * auto-rollback events. Names the template leaves to CloudFormation are `resolve({Ref: logicalId})`, so they
 * agree with what the state machines' `Ref`s resolve to.
 *
 * @param resources a template's `Resources`
 * @param resolve the platform's resolver for intrinsics (`{Ref}`, `Fn::GetAtt`…); plain values are used as they are
 * @throws InvalidDeploymentGroupError naming the resource and field
 */
export function lambdaDeploymentGroupsFromResources(resources: Readonly<Record<string, TemplateResource>>, resolve: TemplateValueResolver): LambdaDeploymentGroupDescription[] {
  const deep = (value: unknown, where: string): unknown => {
    if (isIntrinsic(value)) return resolve(value, where);
    if (Array.isArray(value)) return value.map((v, i) => deep(v, `${where}[${i}]`));
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v, `${where}.${k}`)]));
    return value;
  };
  const name = (value: unknown, where: string): string => {
    const v = deep(value, where);
    if (typeof v !== 'string' || v === '') throw new InvalidDeploymentGroupError(`${where}: received ${describeValue(v)}, expected a name`);
    return v;
  };
  const nameOf = (id: string, props: Readonly<Record<string, unknown>>, property: string): string => (props[property] !== undefined ? name(props[property], `${id}.${property}`) : name({ Ref: id }, `${id} (Ref)`));
  const truthy = (v: unknown): boolean => v === true || v === 'true';

  const platforms = new Map<string, string>();
  const configs = new Map<string, TrafficRouting>();
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::CodeDeploy::Application') platforms.set(nameOf(id, p, 'ApplicationName'), String(deep(p.ComputePlatform, `${id}.ComputePlatform`) ?? 'Server'));
    if (r.Type === 'AWS::CodeDeploy::DeploymentConfig' && deep(p.ComputePlatform, `${id}.ComputePlatform`) === 'Lambda') {
      try {
        configs.set(nameOf(id, p, 'DeploymentConfigName'), parseTrafficRouting({ ComputePlatform: 'Lambda', TrafficRoutingConfig: deep(p.TrafficRoutingConfig, `${id}.TrafficRoutingConfig`) }));
      } catch (error) {
        if (error instanceof InvalidTrafficRoutingError) throw new InvalidDeploymentGroupError(`${id}: ${error.message}`, { cause: error });
        throw error;
      }
    }
  }

  const groups: LambdaDeploymentGroupDescription[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::CodeDeploy::DeploymentGroup') continue;
    const p = r.Properties ?? {};
    const applicationName = name(p.ApplicationName, `${id}.ApplicationName`);
    const platform = platforms.get(applicationName);
    // Groups of an EC2/on-premises or ECS application are not Lambda deployments; an imported application is taken as Lambda.
    if (platform !== undefined && platform !== 'Lambda') continue;
    const deploymentConfigName = p.DeploymentConfigName !== undefined ? name(p.DeploymentConfigName, `${id}.DeploymentConfigName`) : DEFAULT_LAMBDA_CONFIG;
    let routing = configs.get(deploymentConfigName);
    if (!routing) {
      try {
        routing = parseTrafficRouting(deploymentConfigName);
      } catch (error) {
        if (error instanceof InvalidTrafficRoutingError) throw new InvalidDeploymentGroupError(`${id}.DeploymentConfigName: received ${describeValue(deploymentConfigName)}, expected a predefined Lambda configuration or a custom AWS::CodeDeploy::DeploymentConfig of the same template`, { cause: error });
        throw error;
      }
    }
    const alarmConfig = isObject(p.AlarmConfiguration) ? p.AlarmConfiguration : {};
    const alarmsOn = truthy(deep(alarmConfig.Enabled, `${id}.AlarmConfiguration.Enabled`));
    const alarmList = Array.isArray(alarmConfig.Alarms) ? alarmConfig.Alarms : [];
    const alarmNames = alarmsOn ? alarmList.map((a: unknown, i) => name(isObject(a) ? a.Name : undefined, `${id}.AlarmConfiguration.Alarms[${i}].Name`)) : [];
    const rollbackConfig = isObject(p.AutoRollbackConfiguration) ? p.AutoRollbackConfiguration : {};
    const rollbackOn = truthy(deep(rollbackConfig.Enabled, `${id}.AutoRollbackConfiguration.Enabled`));
    const events = Array.isArray(rollbackConfig.Events) ? rollbackConfig.Events.map((e: unknown, i) => deep(e, `${id}.AutoRollbackConfiguration.Events[${i}]`)) : [];
    groups.push({
      logicalId: id,
      applicationName,
      deploymentGroupName: nameOf(id, p, 'DeploymentGroupName'),
      deploymentConfigName,
      routing,
      alarmNames,
      autoRollbackOnAlarm: rollbackOn && events.includes('DEPLOYMENT_STOP_ON_ALARM'),
      autoRollbackOnFailure: rollbackOn && events.includes('DEPLOYMENT_FAILURE'),
      ignorePollAlarmFailure: truthy(deep(alarmConfig.IgnorePollAlarmFailure, `${id}.AlarmConfiguration.IgnorePollAlarmFailure`)),
    });
  }
  return groups;
}

/**
 * The CodeDeploy stand-in for the deploy state machine's two SDK-integration tasks: deployments that shift
 * a local alias's traffic on a fake clock, alarms (fake states) that stop and roll back, all-at-once,
 * linear, requests CodeDeploy would refuse, and the deployment groups read from a synthesized
 * `LambdaDeploymentGroup`.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { AlarmStateValue } from '../../../local/alarms';
import {
  CodeDeployStandIn,
  type DeploymentChangeEvent,
  InvalidDeploymentGroupError,
  type LambdaDeploymentGroupDescription,
  lambdaDeploymentGroupsFromResources,
  type TemplateResource,
} from '../../../local/codedeploy-stand-in';
import { type AliasChangeEvent, LambdaControlPlane } from '../../../local/lambda-control-plane';

const FN = 'mlops-dev-predict';
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);

const GROUP: LambdaDeploymentGroupDescription = {
  applicationName: 'PredictApp',
  deploymentGroupName: 'PredictGroup',
  deploymentConfigName: 'CanaryConfig',
  routing: { kind: 'canary', percent: 10, intervalMinutes: 5 },
  alarmNames: ['PredictErrors', 'PredictLatency'],
  autoRollbackOnAlarm: true,
  autoRollbackOnFailure: true,
};

function appSpec(current: string | number, target: string | number, name = FN, alias = 'live'): string {
  return JSON.stringify({ version: 0.0, Resources: [{ predict: { Type: 'AWS::Lambda::Function', Properties: { Name: name, Alias: alias, CurrentVersion: current, TargetVersion: target } } }] });
}

const request = (content: string, group = GROUP): Record<string, unknown> => ({
  ApplicationName: group.applicationName,
  DeploymentGroupName: group.deploymentGroupName,
  Revision: { RevisionType: 'AppSpecContent', AppSpecContent: { Content: content } },
});

/** A control plane with versions 1 (live) and 2 of the predict function, a fake clock and fake alarm states. */
function setUp(groups: LambdaDeploymentGroupDescription[] = [GROUP]) {
  const plane = new LambdaControlPlane();
  plane.register({ name: FN, handler: 'predict', environment: { MODEL_VERSION: '1' } });
  plane.createAlias(FN, 'live', plane.createVersion(FN));
  plane.updateFunctionConfiguration(FN, { Environment: { Variables: { MODEL_VERSION: '2' } } });
  plane.getFunction(FN);
  plane.createVersion(FN);
  const aliasEvents: AliasChangeEvent[] = [];
  plane.onAliasChange((e) => aliasEvents.push(e));
  const clock = { now: T0 };
  const alarms = new Map<string, AlarmStateValue>([
    ['PredictErrors', 'OK'],
    ['PredictLatency', 'INSUFFICIENT_DATA'],
  ]);
  const codedeployStandIn = new CodeDeployStandIn(groups, { lambda: plane, now: () => clock.now, alarmState: (name) => alarms.get(name) });
  const changes: DeploymentChangeEvent['change'][] = [];
  codedeployStandIn.onChange((e) => changes.push(e.change));
  return { plane, clock, alarms, codedeploy: codedeployStandIn, aliasEvents, changes };
}

describe('the CodeDeploy stand-in', () => {
  test('a canary shifts 10% at once and completes at the interval minute', () => {
    // Prepare
    const { plane, clock, alarms, codedeploy: cd, changes } = setUp();

    // Act
    const { DeploymentId } = cd.createDeployment(request(appSpec(1, 2)));
    const first = cd.getDeployment({ DeploymentId });
    clock.now = T0 + 5 * MIN - 1;
    const before = cd.getDeployment({ DeploymentId });
    const routingBefore = plane.aliasRouting(FN, 'live');
    clock.now = T0 + 5 * MIN;
    const done = cd.getDeployment({ DeploymentId });

    // Assess
    expect(DeploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
    expect(first.DeploymentInfo).toMatchObject({ DeploymentId, Status: 'InProgress', ApplicationName: 'PredictApp', DeploymentGroupName: 'PredictGroup', DeploymentConfigName: 'CanaryConfig', ComputePlatform: 'Lambda', CreateTime: new Date(T0).toISOString() });
    expect(before.DeploymentInfo.Status).toBe('InProgress');
    expect(routingBefore).toEqual({ functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
    expect(done.DeploymentInfo).toMatchObject({ Status: 'Succeeded', CompleteTime: new Date(T0 + 5 * MIN).toISOString() });
    expect(done.DeploymentInfo.ErrorInformation).toBeUndefined();
    expect(plane.aliasRouting(FN, 'live')).toEqual({ functionVersion: '2', additionalVersionWeights: {} });
    expect(plane.route(FN, 'live', () => 0).environment.MODEL_VERSION).toBe('2');
    expect(changes).toEqual(['created', 'shifted', 'ended']);
    // Terminal: a later alarm does not undo a finished deployment.
    alarms.set('PredictErrors', 'ALARM');
    clock.now += MIN;
    expect(cd.getDeployment({ DeploymentId }).DeploymentInfo.Status).toBe('Succeeded');
  });

  test('an alarm during the canary stops the deployment and rolls the alias back', () => {
    const { plane, clock, alarms, codedeploy: cd, aliasEvents } = setUp();
    const { DeploymentId } = cd.createDeployment(request(appSpec('1', '2')));
    clock.now = T0 + 2 * MIN;
    expect(cd.getDeployment({ DeploymentId }).DeploymentInfo.Status).toBe('InProgress');

    alarms.set('PredictLatency', 'ALARM');
    clock.now = T0 + 3 * MIN;
    const stopped = cd.getDeployment({ DeploymentId }).DeploymentInfo;

    expect(stopped).toMatchObject({ Status: 'Stopped', ErrorInformation: { Code: 'ALARM_ACTIVE' }, CompleteTime: new Date(T0 + 3 * MIN).toISOString() });
    expect((stopped.ErrorInformation as { Message: string }).Message).toMatch(/^One or more alarms have been activated .* Activated alarms: PredictLatency$/);
    const rollbackInfo = stopped.RollbackInfo as { RollbackDeploymentId: string; RollbackMessage: string };
    expect(rollbackInfo.RollbackMessage).toMatch(/rolled back to version 1/);
    expect(cd.getDeployment({ DeploymentId: rollbackInfo.RollbackDeploymentId }).DeploymentInfo).toMatchObject({ Status: 'Succeeded', Creator: 'codeDeployRollback', RollbackInfo: { RollbackTriggeringDeploymentId: DeploymentId } });
    expect(plane.aliasRouting(FN, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: {} });
    expect(aliasEvents.map((e) => e.after)).toEqual([
      { functionVersion: '1', additionalVersionWeights: { '2': 0.1 } },
      { functionVersion: '1', additionalVersionWeights: {} },
    ]);
    // The group is free again.
    expect(() => cd.createDeployment(request(appSpec(1, 2)))).not.toThrow();
  });

  test('without auto-rollback on alarm the stop leaves the traffic where it was', () => {
    const { plane, alarms, clock, codedeploy: cd } = setUp([{ ...GROUP, autoRollbackOnAlarm: false }]);
    const { DeploymentId } = cd.createDeployment(request(appSpec(1, 2)));
    alarms.set('PredictErrors', 'ALARM');
    clock.now = T0 + MIN;

    const info = cd.getDeployment({ DeploymentId }).DeploymentInfo;

    expect(info).toMatchObject({ Status: 'Stopped', ErrorInformation: { Code: 'ALARM_ACTIVE' } });
    expect(info.RollbackInfo).toBeUndefined();
    expect(plane.aliasRouting(FN, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
  });

  test('all at once: Succeeded at the first look, the alias on the target with no weights', () => {
    const { plane, codedeploy: cd } = setUp([{ ...GROUP, deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce', routing: { kind: 'allAtOnce' } }]);
    const { DeploymentId } = cd.createDeployment(request(appSpec(1, 2)));

    expect(cd.getDeployment({ DeploymentId }).DeploymentInfo).toMatchObject({ Status: 'Succeeded', DeploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' });
    expect(plane.aliasRouting(FN, 'live')).toEqual({ functionVersion: '2', additionalVersionWeights: {} });
  });

  test('an alarm already in ALARM stops an all-at-once deployment before any traffic moves', () => {
    const { plane, alarms, codedeploy: cd, aliasEvents } = setUp([{ ...GROUP, routing: { kind: 'allAtOnce' } }]);
    alarms.set('PredictErrors', 'ALARM');
    const { DeploymentId } = cd.createDeployment(request(appSpec(1, 2)));

    expect(cd.getDeployment({ DeploymentId }).DeploymentInfo).toMatchObject({ Status: 'Stopped', ErrorInformation: { Code: 'ALARM_ACTIVE' } });
    expect(plane.aliasRouting(FN, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: {} });
    expect(aliasEvents).toEqual([]);
  });

  test('linear: a step at each interval minute; advanceAll moves traffic without a poll', () => {
    const { plane, clock, codedeploy: cd } = setUp([{ ...GROUP, routing: { kind: 'linear', percent: 25, intervalMinutes: 2 } }]);
    const { DeploymentId } = cd.createDeployment(request(appSpec(1, 2)));
    const weights: unknown[] = [plane.aliasRouting(FN, 'live').additionalVersionWeights];
    for (const minute of [2, 4]) {
      clock.now = T0 + minute * MIN;
      cd.advanceAll();
      weights.push(plane.aliasRouting(FN, 'live').additionalVersionWeights);
    }
    clock.now = T0 + 6 * MIN;

    expect(weights).toEqual([{ '2': 0.25 }, { '2': 0.5 }, { '2': 0.75 }]);
    expect(cd.getDeployment({ DeploymentId }).DeploymentInfo.Status).toBe('Succeeded');
    expect(plane.aliasRouting(FN, 'live')).toEqual({ functionVersion: '2', additionalVersionWeights: {} });
  });

  test('an alarm the platform does not know fails the deployment (ALARM_CONFIG) and rolls back on failure', () => {
    const { plane, codedeploy: cd } = setUp([{ ...GROUP, alarmNames: ['NoSuchAlarm'] }]);
    const { DeploymentId } = cd.createDeployment(request(appSpec(1, 2)));

    expect(cd.getDeployment({ DeploymentId }).DeploymentInfo).toMatchObject({ Status: 'Failed', ErrorInformation: { Code: 'ALARM_CONFIG', Message: expect.stringMatching(/NoSuchAlarm/) }, RollbackInfo: { RollbackMessage: expect.stringMatching(/failed/) } });
    expect(plane.aliasRouting(FN, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: {} });
  });

  test('requests CodeDeploy would refuse are errors named as Step Functions names them', () => {
    const { codedeploy: cd, plane } = setUp();
    const refused = (params: unknown, name: string, message: RegExp): void => {
      let caught: unknown;
      try {
        cd.createDeployment(params);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ name });
      expect((caught as Error).message).toMatch(message);
    };
    refused({ ...request(appSpec(1, 2)), ApplicationName: undefined }, 'CodeDeploy.ApplicationNameRequiredException', /ApplicationName is required/);
    refused({ ...request(appSpec(1, 2)), ApplicationName: 'Nope' }, 'CodeDeploy.ApplicationDoesNotExistException', /No application found for name: Nope/);
    refused({ ...request(appSpec(1, 2)), DeploymentGroupName: 'Nope' }, 'CodeDeploy.DeploymentGroupDoesNotExistException', /No Deployment Group found for name: Nope/);
    refused({ ...request(appSpec(1, 2)), Revision: undefined }, 'CodeDeploy.RevisionRequiredException', /Revision is required/);
    refused({ ...request(appSpec(1, 2)), Revision: { RevisionType: 'S3', S3Location: {} } }, 'CodeDeploy.InvalidRevisionException', /RevisionType "S3" is not supported/);
    refused({ ...request(appSpec(1, 2)), DeploymentConfigName: 'CodeDeployDefault.Nope' }, 'CodeDeploy.DeploymentConfigDoesNotExistException', /CodeDeployDefault.Nope/);
    refused(request('{not json'), 'CodeDeploy.InvalidRevisionException', /not JSON/);
    refused(request(JSON.stringify({ version: 0.0, Resources: [] })), 'CodeDeploy.InvalidRevisionException', /exactly one AWS::Lambda::Function/);
    refused(request(appSpec(1, 2, 'other-fn')), 'CodeDeploy.InvalidRevisionException', /the Lambda function other-fn was not found/);
    refused(request(appSpec(1, 2, FN, 'blue')), 'CodeDeploy.InvalidRevisionException', /the alias blue of mlops-dev-predict was not found/);
    refused(request(appSpec(1, 7)), 'CodeDeploy.InvalidRevisionException', /TargetVersion 7 of mlops-dev-predict was not found/);
    refused(request(appSpec(2, 1)), 'CodeDeploy.InvalidRevisionException', /CurrentVersion is 2 but the alias live of mlops-dev-predict points at version 1/);
    expect(() => cd.getDeployment({ DeploymentId: 'nope' })).toThrow(expect.objectContaining({ name: 'CodeDeploy.InvalidDeploymentIdException' }));
    expect(() => cd.getDeployment({ DeploymentId: 'd-ZZZZZZZZZ' })).toThrow(expect.objectContaining({ name: 'CodeDeploy.DeploymentDoesNotExistException' }));
    expect(() => cd.getDeployment({})).toThrow(expect.objectContaining({ name: 'CodeDeploy.DeploymentIdRequiredException' }));

    // One active deployment per group.
    cd.createDeployment(request(appSpec(1, 2)));
    refused(request(appSpec(1, 2)), 'CodeDeploy.DeploymentLimitExceededException', /already has an active Deployment 'd-/);
    // Nothing refused moved traffic beyond the one accepted deployment.
    expect(plane.aliasRouting(FN, 'live')).toEqual({ functionVersion: '1', additionalVersionWeights: { '2': 0.1 } });
  });

  test('task handlers by state name answer like the SDK integrations', async () => {
    const { codedeploy: cd } = setUp();
    const handlers = cd.handlers({ createDeployment: ['Deploy'], getDeployment: ['Check deployment'] });

    const created = (await handlers.Deploy!(request(appSpec(1, 2)))) as { DeploymentId: string };
    const got = (await handlers['Check deployment']!({ DeploymentId: created.DeploymentId })) as { DeploymentInfo: { Status: string } };

    expect(got.DeploymentInfo.Status).toBe('InProgress');
    await expect(handlers.Deploy!({ ApplicationName: 'x' })).rejects.toMatchObject({ name: 'CodeDeploy.ApplicationDoesNotExistException' });
  });
});

describe('lambdaDeploymentGroupsFromResources', () => {
  /** A tiny stack with the deployment groups CDK's LambdaDeploymentGroup synthesizes. */
  function synthesized(): Record<string, TemplateResource> {
    const app = new App();
    const stack = new Stack(app, 'Serving');
    const fn = new lambda.Function(stack, 'Predict', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
    const alias = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
    const errors = new cloudwatch.Alarm(stack, 'Errors', { alarmName: 'predict-errors', metric: fn.metricErrors(), threshold: 1, evaluationPeriods: 1 });
    const latency = new cloudwatch.Alarm(stack, 'Latency', { metric: fn.metricDuration(), threshold: 1000, evaluationPeriods: 1 });
    const canary = new codedeploy.LambdaDeploymentConfig(stack, 'Canary', { trafficRouting: new codedeploy.TimeBasedCanaryTrafficRouting({ interval: Duration.minutes(5), percentage: 20 }) });
    new codedeploy.LambdaDeploymentGroup(stack, 'Deploy', { alias, deploymentConfig: canary, alarms: [errors, latency] });
    const other = new lambda.Alias(stack, 'Other', { aliasName: 'other', version: fn.currentVersion });
    new codedeploy.LambdaDeploymentGroup(stack, 'Plain', {
      alias: other,
      application: new codedeploy.LambdaApplication(stack, 'NamedApp', { applicationName: 'named-app' }),
      deploymentGroupName: 'plain-group',
      deploymentConfig: codedeploy.LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
      autoRollback: { failedDeployment: true, stoppedDeployment: false },
    });
    new codedeploy.ServerDeploymentGroup(stack, 'Servers');
    return app.synth().getStackByName('Serving').template.Resources as Record<string, TemplateResource>;
  }

  /** Like the platform's resolver: `Ref` → the resource's name property, else its logical id. */
  const resolver =
    (resources: Record<string, TemplateResource>) =>
    (value: unknown, where: string): unknown => {
      const ref = (value as { Ref?: string }).Ref;
      if (ref === undefined) throw new Error(`${where}: only Ref here`);
      const r = resources[ref];
      const nameProperty = r?.Type === 'AWS::CloudWatch::Alarm' ? 'AlarmName' : r?.Type === 'AWS::CodeDeploy::Application' ? 'ApplicationName' : 'DeploymentGroupName';
      return r?.Properties?.[nameProperty] ?? ref;
    };

  test('reads the synthesized groups: custom canary config, alarms, auto-rollback events, predefined config; skips server groups', () => {
    const resources = synthesized();
    const [deploy, plain, ...rest] = lambdaDeploymentGroupsFromResources(resources, resolver(resources));
    const appId = Object.keys(resources).find((id) => id.startsWith('DeployApplication'))!;
    const latencyId = Object.keys(resources).find((id) => id.startsWith('Latency'))!;
    const configId = Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::CodeDeploy::DeploymentConfig')!;

    expect(deploy).toEqual({
      logicalId: expect.stringMatching(/^Deploy/),
      applicationName: appId,
      deploymentGroupName: deploy!.logicalId,
      deploymentConfigName: configId,
      routing: { kind: 'canary', percent: 20, intervalMinutes: 5 },
      alarmNames: ['predict-errors', latencyId],
      autoRollbackOnAlarm: true,
      autoRollbackOnFailure: true,
      ignorePollAlarmFailure: false,
    });
    expect(plain).toMatchObject({
      applicationName: 'named-app',
      deploymentGroupName: 'plain-group',
      deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
      routing: { kind: 'linear', percent: 10, intervalMinutes: 1 },
      alarmNames: [],
      autoRollbackOnAlarm: false,
      autoRollbackOnFailure: true,
    });
    expect(rest).toEqual([]);
  });

  test('the groups drive the stand-in end to end (names as the state machine would resolve them)', () => {
    const resources = synthesized();
    const [deploy] = lambdaDeploymentGroupsFromResources(resources, resolver(resources));
    const { plane, clock, alarms, codedeploy: standIn } = setUp([deploy!]);
    for (const name of deploy!.alarmNames) alarms.set(name, 'OK');

    const { DeploymentId } = standIn.createDeployment(request(appSpec(1, 2), deploy));

    expect(plane.aliasRouting(FN, 'live').additionalVersionWeights).toEqual({ '2': 0.2 });
    clock.now = T0 + 5 * MIN;
    expect(standIn.getDeployment({ DeploymentId }).DeploymentInfo.Status).toBe('Succeeded');
  });

  test('a group whose configuration is unknown is an error naming the resource and field', () => {
    const resources: Record<string, TemplateResource> = {
      App: { Type: 'AWS::CodeDeploy::Application', Properties: { ComputePlatform: 'Lambda' } },
      Group: { Type: 'AWS::CodeDeploy::DeploymentGroup', Properties: { ApplicationName: { Ref: 'App' }, DeploymentConfigName: 'CodeDeployDefault.OneAtATime' } },
    };
    const resolve = (value: unknown): unknown => (value as { Ref: string }).Ref;

    expect(() => lambdaDeploymentGroupsFromResources(resources, resolve)).toThrow(InvalidDeploymentGroupError);
    expect(() => lambdaDeploymentGroupsFromResources(resources, resolve)).toThrow(/Group.DeploymentConfigName: received "CodeDeployDefault.OneAtATime", expected a predefined Lambda configuration/);
    const bad: Record<string, TemplateResource> = {
      Cfg: { Type: 'AWS::CodeDeploy::DeploymentConfig', Properties: { ComputePlatform: 'Lambda', TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: 5, CanaryPercentage: 0 } } } },
    };
    expect(() => lambdaDeploymentGroupsFromResources(bad, resolve)).toThrow(/Cfg: TrafficRoutingConfig.TimeBasedCanary.CanaryPercentage: received 0/);
    // No configuration named: CodeDeploy's Lambda default, all at once.
    const plainGroup: Record<string, TemplateResource> = { G: { Type: 'AWS::CodeDeploy::DeploymentGroup', Properties: { ApplicationName: 'imported-app' } } };
    expect(lambdaDeploymentGroupsFromResources(plainGroup, resolve)).toMatchObject([{ applicationName: 'imported-app', deploymentGroupName: 'G', deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce', routing: { kind: 'allAtOnce' } }]);
  });
});

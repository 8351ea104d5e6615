/**
 * The deploy state machine: how a registry version reaches the endpoint. Every deployment goes through
 * it — `mlops deploy VERSION` (levels 0–1, or a deliberate rollback to an older version at any level),
 * the level-2 pipeline after approval, the level-3+ pipeline when the gate passes.
 *
 * Input: `{"version": 3, "requestedBy": "alice", "reason": "…", "runId"?: "…"}`.
 *
 * Prepare (the version is registered and servable) → AlreadyServing? → by strategy:
 * - `promote` (levels 0–2): Complete — the version becomes the champion; warm predict containers pick it
 *   up within the champion TTL;
 * - `canary` (level 3+, engine `lambda`): Publish (a predict version pinned to the model) → StartCanary
 *   (CodeDeploy `CreateDeployment` on the release's deployment group) → WaitForCanary ⇄ CheckCanary
 *   (`GetDeployment`) until it ends: Succeeded → Complete; Failed or Stopped (an alarm fired, CodeDeploy
 *   moved the alias back) → RecordRollback → `RolledBack`;
 * - `abTest` (level 3+ with `serving.deployment.abTest`): HasChampion? — without a champion there is nothing
 *   to compare with, so the first version is promoted as above (Complete); with one: Publish (a predict
 *   version pinned to the model) → StartAbTest (the deploy Lambda writes the A/B record, keeps the challenger
 *   `candidate`, and routes the alias: the champion's version stays primary, the new one gets the
 *   challenger's share; refused while another test runs) → `AbTestStarted`. The execution ends there: the
 *   scheduled decision Lambda (`lib/constructs/ab-test-decision.ts`) promotes or rolls back the challenger
 *   when the window's evidence allows.
 * With a SageMaker serving engine (`endpoint`), the version first gets its own endpoint (see
 * `lambda/core/sagemaker/endpoint.ts` for why one per version): CreateEndpointConfig (serverless, or
 * real-time instances with `DataCaptureConfig`) → CreateEndpoint → WaitForEndpoint ⇄ DescribeEndpoint until
 * InService (Failed: the endpoint is deleted, `DeployFailed` with SageMaker's reason); then the strategy runs
 * as above on the front Lambda, whose versions call their model's endpoint. Once the version serves, the
 * previous champion's endpoint is retired after `retireAfter` (warm fronts following the champion switch
 * within its TTL): DescribePreviousEndpoint → DeletePreviousEndpoint → DeletePreviousEndpointConfig; if that
 * fails the execution still succeeds, in `DeployedPreviousEndpointKept`, so the leftover is visible. A
 * rolled-back or failed deployment deletes the endpoint it created.
 * Any other failure ends in `DeployFailed` with its cause.
 */
import { Duration, RemovalPolicy, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { PlatformConfig } from '../../config/schema';
import type { ILambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { StageFunction } from './stage-function';
import { TRANSIENT_LAMBDA_ERRORS, TRANSIENT_RETRY } from './training-pipeline';

/** CodeDeploy errors worth waiting out: another deployment of the group is still running, throttling. */
export const CODEDEPLOY_BUSY_ERRORS = ['CodeDeploy.DeploymentLimitExceededException', 'CodeDeploy.ThrottlingException'] as const;

/** The SageMaker endpoints of a SageMaker serving engine, one per model version. */
export interface SageMakerEndpointSettings {
  readonly engine: 'sagemaker-serverless' | 'sagemaker-realtime';
  /** `serving.sagemaker`: instance type and count (real-time), memory and concurrency (serverless). */
  readonly settings: PlatformConfig['serving']['sagemaker'];
  /** The common start of the environment's endpoint names (`endpointStem`): IAM is granted on `<stem>-*`. */
  readonly stem: string;
  /**
   * Real-time only (serverless endpoints have none): SageMaker's data capture of what the model received
   * and answered, `percent` of requests, to `destination` (an `s3://` URI), encrypted with `kmsKey`.
   */
  readonly dataCapture?: { readonly percent: number; readonly destination: string; readonly kmsKey?: IKey };
  /**
   * Wait between the new version serving and the previous endpoint's deletion: longer than the fronts'
   * champion TTL, so no warm front still calls it.
   * @default Duration.seconds(120)
   */
  readonly retireAfter?: Duration;
}

/** Properties of a {@link DeployStateMachine}. */
export interface DeployStateMachineProps {
  /** The deploy Lambda (prepare, publish, complete, rolled-back). */
  readonly deploy: StageFunction;
  /**
   * The canary release of the predict alias; present with strategy `canary`.
   * @default - strategy `promote`: the champion pointer moves at once
   */
  readonly canary?: { readonly deploymentGroup: LambdaDeploymentGroup; readonly deploymentConfig: ILambdaDeploymentConfig; readonly canaryMinutes: number };
  /**
   * The A/B test of a new version against the champion (strategy `abTest`); exclusive with `canary`.
   * `percent` and `windowHours` only describe the test in the states' comments: the deploy Lambda's
   * environment carries them.
   * @default - no A/B test: strategy `canary` or `promote`
   */
  readonly abTest?: { readonly percent: number; readonly windowHours: number };
  /**
   * SageMaker serving engines: the version's endpoint is created before the strategy runs, the previous one
   * retired after it. Not with `abTest`.
   * @default - engine `lambda`: no endpoint
   */
  readonly endpoint?: SageMakerEndpointSettings;
  /**
   * Time between two looks at a running canary.
   * @default Duration.seconds(30)
   */
  readonly pollInterval?: Duration;
  /**
   * The state machine's name: fixed, so the pipeline stack refers to it by name (no cross-stack export).
   * @default - generated by CloudFormation
   */
  readonly stateMachineName?: string;
  readonly logRetention: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** Names of the states the local platform and the tests refer to. */
export const DEPLOY_STATES = {
  deployed: 'Deployed',
  alreadyServing: 'AlreadyServing',
  rolledBack: 'RolledBack',
  failed: 'DeployFailed',
  waitForCanary: 'WaitForCanary',
  abTestStarted: 'AbTestStarted',
  waitForEndpoint: 'WaitForEndpoint',
  waitBeforeRetiring: 'WaitBeforeRetiring',
  previousEndpointKept: 'DeployedPreviousEndpointKept',
} as const;

/** The deploy state machine and its execution log group. */
export class DeployStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: DeployStateMachineProps) {
    super(scope, id);
    if (props.canary && props.abTest) throw new Error(`${this.node.path}: canary and abTest were both given; a deployment uses one strategy`);
    if (props.endpoint && props.abTest) throw new Error(`${this.node.path}: abTest with a SageMaker endpoint; A/B tests run on serving engine 'lambda'`);
    const failed = new sfn.Fail(this, DEPLOY_STATES.failed, { error: 'DeployFailed', causePath: '$.error.Cause' });
    const endpointStates = props.endpoint ? this.endpointStates(props.endpoint, failed) : undefined;
    // Once the version's endpoint exists, a failure deletes it before failing.
    let onFailure: sfn.IChainable = failed;
    const step = (stateName: string, payload: Record<string, unknown>, resultPath: string, comment: string, catchTo?: sfn.IChainable): tasks.LambdaInvoke => {
      const task = new tasks.LambdaInvoke(this, stateName, {
        lambdaFunction: props.deploy.function,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: sfn.TaskInput.fromObject(payload),
        resultPath,
        comment,
      });
      task.addRetry({ errors: [...TRANSIENT_LAMBDA_ERRORS], ...TRANSIENT_RETRY, jitterStrategy: sfn.JitterType.FULL });
      task.addCatch(catchTo ?? onFailure, { resultPath: '$.error' });
      return task;
    };

    const prepare = step('Prepare', { action: 'prepare', request: sfn.JsonPath.entirePayload }, '$.plan', 'the version is registered and servable; plan the deployment');
    const deployed = new sfn.Succeed(this, DEPLOY_STATES.deployed, { comment: 'The version serves' });
    if (endpointStates) onFailure = endpointStates.deleteOnFailure;
    // After the version serves: the previous endpoint is retired (SageMaker engines), then Deployed.
    const served: sfn.IChainable = endpointStates ? endpointStates.retirePrevious(deployed) : deployed;
    let byStrategy: sfn.IChainable;
    const complete = (): sfn.IChainable =>
      step('Complete', { action: 'complete', plan: sfn.JsonPath.objectAt('$.plan') }, '$.result', 'the version becomes the champion; the deployment is recorded').next(served);
    if (props.abTest) {
      const { percent, windowHours } = props.abTest;
      const publish = step('Publish', { action: 'publish', plan: sfn.JsonPath.objectAt('$.plan') }, '$.publish', 'publish a predict version pinned to the model version');
      const start = step(
        'StartAbTest',
        { action: 'start-ab-test', plan: sfn.JsonPath.objectAt('$.plan'), publish: sfn.JsonPath.objectAt('$.publish') },
        '$.abTest',
        `record the A/B test and route the alias: the champion stays primary, the challenger gets ${percent}% for ${windowHours} h`,
      );
      const started = new sfn.Succeed(this, DEPLOY_STATES.abTestStarted, { comment: 'The challenger serves its share; the scheduled A/B decision promotes or rolls it back' });
      byStrategy = new sfn.Choice(this, 'HasChampion', { comment: 'without a champion there is nothing to compare with: the first version is promoted' })
        .when(sfn.Condition.isPresent('$.plan.previousVersion'), publish.next(start).next(started))
        .otherwise(complete());
    } else if (!props.canary) {
      byStrategy = complete();
    } else {
      const { deploymentGroup, deploymentConfig } = props.canary;
      const publish = step('Publish', { action: 'publish', plan: sfn.JsonPath.objectAt('$.plan') }, '$.publish', 'publish a predict version pinned to the model version');
      const startCanary = new tasks.CallAwsService(this, 'StartCanary', {
        comment: 'CodeDeploy shifts the alias: a canary share first, the rest after the interval, rolled back on alarm',
        service: 'codedeploy',
        action: 'createDeployment',
        iamAction: 'codedeploy:CreateDeployment',
        iamResources: [deploymentGroup.deploymentGroupArn],
        additionalIamStatements: [
          new iam.PolicyStatement({ actions: ['codedeploy:GetDeploymentConfig'], resources: [deploymentConfig.deploymentConfigArn] }),
          new iam.PolicyStatement({ actions: ['codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'], resources: [deploymentGroup.application.applicationArn] }),
        ],
        parameters: {
          ApplicationName: deploymentGroup.application.applicationName,
          DeploymentGroupName: deploymentGroup.deploymentGroupName,
          Description: sfn.JsonPath.format('model v{} requested by {}', sfn.JsonPath.stringAt('$.plan.version'), sfn.JsonPath.stringAt('$.plan.requestedBy')),
          Revision: { RevisionType: 'AppSpecContent', AppSpecContent: { Content: sfn.JsonPath.stringAt('$.publish.appSpec') } },
        },
        resultSelector: { 'DeploymentId.$': '$.DeploymentId' },
        resultPath: '$.canary',
      });
      startCanary.addRetry({ errors: [...CODEDEPLOY_BUSY_ERRORS], interval: Duration.seconds(60), maxAttempts: 10, backoffRate: 1.5, jitterStrategy: sfn.JitterType.FULL });
      startCanary.addCatch(onFailure, { resultPath: '$.error' });
      const wait = new sfn.Wait(this, DEPLOY_STATES.waitForCanary, { time: sfn.WaitTime.duration(props.pollInterval ?? Duration.seconds(30)) });
      const check = new tasks.CallAwsService(this, 'CheckCanary', {
        service: 'codedeploy',
        action: 'getDeployment',
        iamAction: 'codedeploy:GetDeployment',
        iamResources: [deploymentGroup.deploymentGroupArn],
        parameters: { DeploymentId: sfn.JsonPath.stringAt('$.canary.DeploymentId') },
        resultSelector: { 'Info.$': '$.DeploymentInfo' },
        resultPath: '$.canaryStatus',
      });
      check.addRetry({ errors: ['CodeDeploy.ThrottlingException'], interval: Duration.seconds(10), maxAttempts: 5, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
      // The canary's state is unknown then: the new endpoint stays (CodeDeploy may still be shifting to it).
      check.addCatch(failed, { resultPath: '$.error' });
      const rollback = step(
        'RecordRollback',
        { action: 'rolled-back', plan: sfn.JsonPath.objectAt('$.plan'), deployment: sfn.JsonPath.objectAt('$.canaryStatus.Info') },
        '$.result',
        'the canary was stopped and the alias moved back: archive the version with the evidence',
      );
      const rolledBack = new sfn.Fail(this, DEPLOY_STATES.rolledBack, { error: 'RolledBack', cause: 'The canary was rolled back (an alarm fired or the deployment failed); the previous version serves' });
      const completeCanary = step(
        'CompleteCanary',
        { action: 'complete', plan: sfn.JsonPath.objectAt('$.plan'), deployment: sfn.JsonPath.objectAt('$.canaryStatus.Info') },
        '$.result',
        'the canary succeeded: the version becomes the champion; the deployment is recorded',
        // The alias serves the new version now: its endpoint must stay even if the record fails.
        failed,
      );
      completeCanary.next(served);
      byStrategy = publish
        .next(startCanary)
        .next(wait)
        .next(check)
        .next(
          new sfn.Choice(this, 'CanaryStatus')
            .when(sfn.Condition.stringEquals('$.canaryStatus.Info.Status', 'Succeeded'), completeCanary)
            .when(
              sfn.Condition.or(sfn.Condition.stringEquals('$.canaryStatus.Info.Status', 'Failed'), sfn.Condition.stringEquals('$.canaryStatus.Info.Status', 'Stopped')),
              endpointStates ? rollback.next(endpointStates.deleteAfterRollback(rolledBack)) : rollback.next(rolledBack),
            )
            .otherwise(wait),
        );
    }
    const definition = prepare.next(
      new sfn.Choice(this, 'AlreadyServingCheck')
        .when(sfn.Condition.booleanEquals('$.plan.alreadyServing', true), new sfn.Succeed(this, DEPLOY_STATES.alreadyServing, { comment: 'The version is already the champion' }))
        .otherwise(endpointStates ? endpointStates.create(byStrategy) : byStrategy),
    );

    this.logGroup = new LogGroup(this, 'ExecutionLogs', { retention: props.logRetention, removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN });
    const canaryMinutes = props.canary?.canaryMinutes ?? 0;
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      // A canary takes its interval plus CodeDeploy's own steps; a busy group is retried for ~30 minutes;
      // a real-time endpoint takes minutes to create.
      timeout: Duration.minutes(60 + 2 * canaryMinutes + (props.endpoint ? 30 : 0)),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      comment: 'mlops-platform deploy: a registry version becomes the one the endpoint serves',
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Step Functions log delivery (logs:*LogDelivery, DescribeLogGroups, resource policies) and X-Ray tracing (xray:Put*, GetSampling*) accept no resource narrower than *',
    });
    this.node.addValidation({
      validate: () => {
        const stack = Stack.of(this);
        const logicalId = stack.resolve(stack.getLogicalId(props.deploy.function.node.defaultChild as CfnResource)) as string;
        Validations.of(this.stateMachine.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
          reason: "lambda:InvokeFunction on the deploy function's ARN with ':*' lets Step Functions call its versions and aliases; it names one function",
        });
        return [];
      },
    });
  }
  /** The SageMaker endpoint states: created before the strategy, deleted on failure or rollback, the previous one retired after. */
  private endpointStates(endpoint: SageMakerEndpointSettings, failed: sfn.Fail) {
    const stack = Stack.of(this);
    for (const kind of ['endpoint', 'endpoint-config']) {
      Validations.of(this).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:${kind}/${endpoint.stem}-*]`,
        reason: `Each model version gets its own ${kind} (${endpoint.stem}-v<version>${kind === 'endpoint' ? '' : '-<time>'}) at deploy time: the pattern names this environment's only`,
      });
    }
    const endpointArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: `${endpoint.stem}-*` });
    const configArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint-config', resourceName: `${endpoint.stem}-*` });
    const call = (id: string, action: string, resources: string[], parameters: Record<string, unknown>, extra: Partial<tasks.CallAwsServiceProps> = {}): tasks.CallAwsService =>
      new tasks.CallAwsService(this, id, {
        service: 'sagemaker',
        action,
        iamAction: `sagemaker:${action.charAt(0).toUpperCase()}${action.slice(1)}`,
        iamResources: resources,
        parameters,
        resultPath: sfn.JsonPath.DISCARD,
        ...extra,
      });
    const { settings } = endpoint;
    const variant =
      endpoint.engine === 'sagemaker-serverless'
        ? { VariantName: 'AllTraffic', ModelName: sfn.JsonPath.stringAt('$.plan.endpoint.modelName'), ServerlessConfig: { MemorySizeInMB: settings.serverlessMemoryMb, MaxConcurrency: settings.maxConcurrency } }
        : {
            VariantName: 'AllTraffic',
            ModelName: sfn.JsonPath.stringAt('$.plan.endpoint.modelName'),
            InitialVariantWeight: 1,
            InstanceType: settings.instanceType,
            InitialInstanceCount: settings.initialInstanceCount,
          };
    const capture = endpoint.engine === 'sagemaker-realtime' ? endpoint.dataCapture : undefined;
    const createConfig = call(
      'CreateEndpointConfig',
      'createEndpointConfig',
      [configArn],
      {
        EndpointConfigName: sfn.JsonPath.stringAt('$.plan.endpoint.configName'),
        ProductionVariants: [variant],
        ...(capture && capture.percent > 0
          ? {
              DataCaptureConfig: {
                EnableCapture: true,
                InitialSamplingPercentage: Math.max(1, Math.round(capture.percent)),
                DestinationS3Uri: capture.destination,
                ...(capture.kmsKey ? { KmsKeyId: capture.kmsKey.keyArn } : {}),
                CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
                CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
              },
            }
          : {}),
      },
      {
        comment: `the version's endpoint config: ${endpoint.engine === 'sagemaker-serverless' ? `serverless, ${settings.serverlessMemoryMb} MB, ${settings.maxConcurrency} concurrent` : `${settings.initialInstanceCount} × ${settings.instanceType}${capture ? `, data capture ${capture.percent}%` : ''}`}`,
        ...(capture?.kmsKey
          ? { additionalIamStatements: [new iam.PolicyStatement({ actions: ['kms:DescribeKey', 'kms:CreateGrant'], resources: [capture.kmsKey.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } })] }
          : {}),
      },
    );
    createConfig.addCatch(failed, { resultPath: '$.error' });
    const createEndpoint = call(
      'CreateEndpoint',
      'createEndpoint',
      [endpointArn, configArn],
      { EndpointName: sfn.JsonPath.stringAt('$.plan.endpoint.name'), EndpointConfigName: sfn.JsonPath.stringAt('$.plan.endpoint.configName') },
      { comment: "the version's own endpoint: the front Lambda versions serving it call it" },
    );
    createEndpoint.addCatch(failed, { resultPath: '$.error' });

    const deleteNew = (prefix: string, then: sfn.IChainable): sfn.IChainable => {
      const deleteEndpoint = call(`Delete${prefix}Endpoint`, 'deleteEndpoint', [endpointArn], { EndpointName: sfn.JsonPath.stringAt('$.plan.endpoint.name') });
      const deleteConfig = call(`Delete${prefix}EndpointConfig`, 'deleteEndpointConfig', [configArn], { EndpointConfigName: sfn.JsonPath.stringAt('$.plan.endpoint.configName') });
      deleteEndpoint.addCatch(then, { resultPath: '$.cleanupError' });
      deleteConfig.addCatch(then, { resultPath: '$.cleanupError' });
      return deleteEndpoint.next(deleteConfig).next(then);
    };
    const deleteOnFailure = deleteNew('New', failed);

    const wait = new sfn.Wait(this, DEPLOY_STATES.waitForEndpoint, { time: sfn.WaitTime.duration(Duration.seconds(30)) });
    const describe = call('DescribeEndpoint', 'describeEndpoint', [endpointArn], { EndpointName: sfn.JsonPath.stringAt('$.plan.endpoint.name') }, {
      // The whole description: FailureReason is there only when the endpoint failed.
      resultPath: '$.endpointStatus',
    });
    describe.addCatch(deleteOnFailure, { resultPath: '$.error' });
    const endpointFailed = new sfn.Pass(this, 'EndpointFailed', {
      comment: "SageMaker could not bring the endpoint into service: its reason becomes the deployment's cause",
      parameters: { Error: 'EndpointFailed', 'Cause.$': "States.Format('the SageMaker endpoint {} failed: {}', $.plan.endpoint.name, $.endpointStatus.FailureReason)" },
      resultPath: '$.error',
    });
    endpointFailed.next(deleteOnFailure);

    return {
      deleteOnFailure,
      create: (next: sfn.IChainable): sfn.IChainable =>
        createConfig
          .next(createEndpoint)
          .next(wait)
          .next(describe)
          .next(
            new sfn.Choice(this, 'EndpointStatus')
              .when(sfn.Condition.stringEquals('$.endpointStatus.EndpointStatus', 'InService'), next)
              .when(sfn.Condition.stringEquals('$.endpointStatus.EndpointStatus', 'Failed'), endpointFailed)
              .otherwise(wait),
          ),
      deleteAfterRollback: (rolledBack: sfn.IChainable): sfn.IChainable => deleteNew('RolledBack', rolledBack),
      retirePrevious: (deployed: sfn.IChainable): sfn.IChainable => {
        const kept = new sfn.Succeed(this, DEPLOY_STATES.previousEndpointKept, { comment: "The version serves; the previous version's endpoint could not be retired (delete it by hand: it costs while it runs)" });
        const pause = new sfn.Wait(this, DEPLOY_STATES.waitBeforeRetiring, {
          comment: 'warm fronts following the champion switch within its TTL',
          time: sfn.WaitTime.duration(endpoint.retireAfter ?? Duration.seconds(120)),
        });
        const describePrevious = call('DescribePreviousEndpoint', 'describeEndpoint', [endpointArn], { EndpointName: sfn.JsonPath.stringAt('$.plan.endpoint.previousName') }, {
          resultSelector: { 'EndpointConfigName.$': '$.EndpointConfigName' },
          resultPath: '$.previousEndpoint',
        });
        const deleteEndpoint = call('DeletePreviousEndpoint', 'deleteEndpoint', [endpointArn], { EndpointName: sfn.JsonPath.stringAt('$.plan.endpoint.previousName') });
        const deleteConfig = call('DeletePreviousEndpointConfig', 'deleteEndpointConfig', [configArn], { EndpointConfigName: sfn.JsonPath.stringAt('$.previousEndpoint.EndpointConfigName') });
        for (const t of [describePrevious, deleteEndpoint, deleteConfig]) t.addCatch(kept, { resultPath: '$.retireError' });
        return new sfn.Choice(this, 'HasPreviousEndpoint')
          .when(sfn.Condition.isPresent('$.plan.endpoint.previousName'), pause.next(describePrevious).next(deleteEndpoint).next(deleteConfig).next(deployed))
          .otherwise(deployed);
      },
    };
  }
}

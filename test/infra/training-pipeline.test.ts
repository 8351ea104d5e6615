/**
 * The training state machine in the synthesized template, for every level: the stages in order,
 * retry with backoff on transient Lambda errors and a Catch that records the failure on every task,
 * named end states, execution logging and tracing; the upload rule and trigger only at level 2+.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DATA_PREFIX } from '../../lambda/core/layout';
import { DEFAULT_PARTS_CONCURRENCY, STAGE_FAIL_STATES, TRANSIENT_LAMBDA_ERRORS } from '../../lib/constructs/training-pipeline';
import { MATURITY_LEVELS, type MaturityLevel } from '../../lib/maturity';
import { buildApp } from '../../lib/platform';
import { configAtLevel, logicalIdOf, testApp } from './helpers';

interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Retry?: ReadonlyArray<{ ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; JitterStrategy?: string }>;
  readonly Catch?: ReadonlyArray<{ ErrorEquals: string[]; Next: string; ResultPath: string }>;
  readonly Choices?: ReadonlyArray<{ Variable: string; StringEquals: string; Next: string }>;
  readonly Default?: string;
  readonly ResultPath?: string | null;
  readonly Error?: string;
  readonly [field: string]: unknown;
}

/** The state machine's definition text with tokens replaced by placeholders. */
function definitionText(template: Template): string {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
  const body = machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  return body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
}

/** The state machine's definition with tokens replaced by placeholders, parsed. */
function definition(template: Template): { StartAt: string; States: Record<string, AslState> } {
  return JSON.parse(definitionText(template)) as { StartAt: string; States: Record<string, AslState> };
}

const built = new Map<MaturityLevel, Template>();
function pipelineAt(level: MaturityLevel): Template {
  const cached = built.get(level);
  if (cached) return cached;
  const [platform] = buildApp(testApp(), [configAtLevel(level)]);
  const template = Template.fromStack(platform!.pipeline!);
  built.set(level, template);
  return template;
}

describe.each(MATURITY_LEVELS.map((level) => [level]))('training pipeline at level %i', (level) => {
  test('stages run in order and end in named states', () => {
    const asl = definition(pipelineAt(level));
    const gate = {
      start: asl.StartAt,
      validateNext: asl.States.Validate?.Next ?? null,
      verdict: asl.States.ValidationVerdict?.Choices ?? null,
      verdictDefault: asl.States.ValidationVerdict?.Default ?? null,
      failed: asl.States.ValidationFailed ? { type: asl.States.ValidationFailed.Type, error: asl.States.ValidationFailed.Error } : null,
    };
    // Level 1+ has the validation gate (capability validationGate); level 0 starts at the features stage.
    expect(gate).toEqual(
      level >= 1
        ? {
            start: 'DatasetKind',
            validateNext: 'ValidationVerdict',
            verdict: [{ Variable: '$.validate.verdict', StringEquals: 'invalid', Next: 'RecordValidationFailed' }],
            verdictDefault: 'Features',
            failed: { type: 'Fail', error: 'ValidationFailed' },
          }
        : { start: 'Features', validateNext: null, verdict: null, verdictDefault: null, failed: null },
    );
    expect(asl.States.Features!.Next).toBe('Train');
    expect(asl.States.Train!.Next).toBe('Evaluate');
    expect(asl.States.Evaluate!.Next).toBe('GateDecision');
    expect(asl.States.GateDecision!.Choices).toEqual([{ Variable: '$.evaluate.decision', StringEquals: 'reject', Next: 'RecordGateRejected' }]);
    expect(asl.States.GateDecision!.Default).toBe('Register');
    // After registration, the deployment mode decides: levels 0–1 end (mlops deploy later), level 2 waits
    // for approval, levels 3+ deploy at once — both through the serving stack's deploy state machine.
    const next = { 0: 'Registered', 1: 'Registered', 2: 'WaitForApproval', 3: 'DeployRequester', 4: 'DeployRequester' }[level];
    expect(asl.States.Register!.Next).toBe(next);
    expect(asl.States.Registered?.Type).toBe(level <= 1 ? 'Succeed' : undefined);
    expect(asl.States.GateRejected!.Type).toBe('Succeed');
  });

  test('every stage retries transient Lambda errors with backoff and catches the rest into a recorded, named failure', () => {
    const asl = definition(pipelineAt(level));
    const stages = (level >= 1 ? ['Validate'] : []).concat(['Features', 'Train', 'Evaluate', 'Register']);
    const stageNames: Record<string, keyof typeof STAGE_FAIL_STATES> = { Validate: 'validate', Features: 'features', Train: 'train', Evaluate: 'evaluate', Register: 'register' };
    for (const name of stages) {
      const state = asl.States[name]!;
      expect(state.Retry).toEqual([
        { ErrorEquals: [...TRANSIENT_LAMBDA_ERRORS], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' },
      ]);
      const failState = STAGE_FAIL_STATES[stageNames[name]!];
      expect(state.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `Record${failState}` }]);
      expect(asl.States[`Record${failState}`]!.Next).toBe(failState);
      expect(asl.States[failState]).toMatchObject({ Type: 'Fail', Error: `${stageNames[name]}Failed` });
      expect(state.ResultPath).toBe(`$.${stageNames[name]}`);
    }
  });

  test('a standard workflow that logs every event with execution data, and traces with X-Ray', () => {
    const template = pipelineAt(level);
    const logGroupId = logicalIdOf(template, 'AWS::Logs::LogGroup', 'TrainingPipelineExecutionLogs');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      },
    });
  });

});

describe.each([[0], [1]] as Array<[MaturityLevel]>)('level %i (no s3Trigger)', (level) => {
  test('no upload rule and no trigger: runs start by hand', () => {
    const template = pipelineAt(level);
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('Trigger'))).toEqual([]);
  });
});

describe.each([[2], [3], [4]] as Array<[MaturityLevel]>)('level %i (s3Trigger)', (level) => {
  test('an upload under incoming/ starts the pipeline through the trigger', () => {
    const template = pipelineAt(level);
    const triggerId = logicalIdOf(template, 'AWS::Lambda::Function', 'TriggerFunction');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: DATA_PREFIX.incoming }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [triggerId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 4 } })],
    });
    const machineId = logicalIdOf(template, 'AWS::StepFunctions::StateMachine', 'TrainingPipelineStateMachine');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: machineId } }]) },
    });
  });
});

describe('part-file datasets (validation gate on)', () => {
  const transientRetry = [{ ErrorEquals: [...TRANSIENT_LAMBDA_ERRORS], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }];

  test('a run whose input names parts goes ListParts → Distributed Map of ValidatePart → MergeValidation → the same verdict', () => {
    const asl = definition(pipelineAt(2));
    expect(asl.States.DatasetKind).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.parts', IsPresent: true, Next: 'ListParts' }], Default: 'Validate' });
    expect(asl.States.ListParts).toMatchObject({ Type: 'Task', ResultPath: '$.partList', Next: 'ValidateParts' });
    const map = asl.States.ValidateParts!;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.partList.parts',
      ItemSelector: { 'runId.$': '$.runId', 'part.$': '$$.Map.Item.Value' },
      MaxConcurrency: DEFAULT_PARTS_CONCURRENCY,
      ResultPath: null,
      Label: 'ValidateParts',
      Next: 'MergeValidation',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'ValidatePart' },
    });
    // The local interpreter cannot run an ItemReader: the Map iterates over the list ListParts returned.
    expect(map).not.toHaveProperty('ItemReader');
    const inner = (map.ItemProcessor as { States: Record<string, AslState> }).States.ValidatePart!;
    expect(inner).toMatchObject({ Type: 'Task', End: true, Retry: transientRetry });
    expect(inner).not.toHaveProperty('Catch');
    expect(asl.States.MergeValidation).toMatchObject({ Type: 'Task', ResultPath: '$.validate', Next: 'ValidationVerdict' });
  });

  test('the new tasks retry transient errors, and every failure is recorded as the validate stage failing', () => {
    const asl = definition(pipelineAt(1));
    for (const name of ['ListParts', 'MergeValidation']) {
      expect({ name, retry: asl.States[name]!.Retry }).toEqual({ name, retry: transientRetry });
    }
    for (const name of ['ListParts', 'ValidateParts', 'MergeValidation']) {
      expect({ name, catch: asl.States[name]!.Catch }).toEqual({ name, catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordValidationStageFailed' }] });
    }
    expect(asl.States.RecordValidationStageFailed!.Next).toBe('ValidationStageFailed');
  });

  test('level 0 (no validation gate) has no part-file validation', () => {
    const template = pipelineAt(0);
    const asl = definition(template);
    expect(Object.keys(asl.States).filter((n) => /Parts|Part$|MergeValidation|DatasetKind/.test(n))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => /^(ListParts|ValidatePart|MergeValidation)/.test(id))).toEqual([]);
  });

  /** S3 object grants of a function's role: action group → key prefixes (bucket by output name). */
  function objectGrants(template: Template, functionPrefix: string): Record<string, string[]> {
    const roleId = logicalIdOf(template, 'AWS::IAM::Role', `${functionPrefix}Role`);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
    const out: Record<string, string[]> = {};
    for (const statement of policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)) {
      const actions = ([] as string[]).concat(statement.Action);
      const group = actions.includes('s3:GetObject') ? 'read' : actions.includes('s3:PutObject') ? 'write' : actions.includes('s3:ListBucket') ? 'list' : undefined;
      if (!group) continue;
      const resources = ([] as unknown[]).concat(statement.Resource).map((r) => JSON.stringify(r));
      const bucketOf = (text: string): string => (/DataBucket/.test(text) ? 'data' : /ArtifactBucket/.test(text) ? 'artifacts' : '?');
      const prefixes =
        group === 'list'
          ? resources.map((r) => `${bucketOf(r)}:${/"s3:prefix":\["([^"]+)"\]/.exec(JSON.stringify(statement))![1]}`)
          : resources.map((r) => `${bucketOf(r)}:${/"\/([^"]*\*)"/.exec(r)![1]}`);
      out[group] = [...(out[group] ?? []), ...prefixes].sort();
    }
    return out;
  }

  test('each new function may touch only its prefixes', () => {
    const template = pipelineAt(2);
    expect(objectGrants(template, 'ListParts')).toEqual({
      read: ['artifacts:runs/*', 'data:incoming/*'],
      list: ['artifacts:runs/*', 'data:incoming/*'],
      write: ['artifacts:runs/*'],
    });
    expect(objectGrants(template, 'ValidatePart')).toEqual({ read: ['data:incoming/*'], list: ['data:incoming/*'], write: ['artifacts:runs/*'] });
    expect(objectGrants(template, 'MergeValidation')).toEqual({
      read: ['artifacts:runs/*', 'data:incoming/*'],
      list: ['artifacts:runs/*', 'data:incoming/*'],
      write: ['artifacts:runs/*', 'data:quarantine/*', 'data:validated/*'],
    });
  });

  test('the state machine may start, describe and stop its own Map child executions, and invoke the new functions', () => {
    const template = pipelineAt(2);
    const machineId = logicalIdOf(template, 'AWS::StepFunctions::StateMachine', 'TrainingPipelineStateMachine');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: machineId } })]) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', Action: ['states:DescribeExecution', 'states:StopExecution'] })]) },
    });
    const invoked = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    for (const fn of ['ListParts', 'ValidatePart', 'MergeValidation']) {
      expect(invoked).toContain(`"Fn::GetAtt":["${logicalIdOf(template, 'AWS::Lambda::Function', `${fn}Function`)}","Arn"]`);
    }
  });
});

test('the stage functions get the stage view of the config; registration never promotes (the deploy state machine does)', () => {
  const level3 = pipelineAt(3).findResources('AWS::Lambda::Function');
  const envOf = (functions: Record<string, unknown>, prefix: string): Record<string, string> =>
    (Object.entries(functions).find(([id]) => id.startsWith(prefix))![1] as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment.Variables;
  const register3 = envOf(level3, 'RegisterStageFunction');
  expect(Object.keys(JSON.parse(register3.PLATFORM_CONFIG!) as object).sort()).toEqual(['dataset', 'environment', 'features', 'gate', 'governance', 'model', 'name']);
  expect(register3).not.toHaveProperty('PROMOTE_ON_DEPLOY');
});

describe('after registration', () => {
  test('level 2: the run waits on a task token (approval timeout from config), then runs the deploy state machine and waits for it', () => {
    // Prepare
    const template = pipelineAt(2);
    const asl = definition(template);

    // Assess
    expect(asl.States.WaitForApproval).toMatchObject({
      Type: 'Task',
      Resource: 'arn:TOKEN:states:::lambda:invoke.waitForTaskToken',
      TimeoutSeconds: 168 * 3600,
      Parameters: { Payload: { action: 'request', 'taskToken.$': '$$.Task.Token', 'runId.$': '$.runId', 'version.$': '$.register.version', timeoutHours: 168 } },
      ResultPath: '$.approval',
      Next: 'ApprovalDecision',
    });
    expect(asl.States.WaitForApproval!.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'RecordApprovalExpired' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'DeploymentFailed' },
    ]);
    expect(asl.States.ApprovalDecision).toMatchObject({ Choices: [{ Variable: '$.approval.decision', StringEquals: 'approved', Next: 'Deploy' }], Default: 'ApprovalRejected' });
    expect(asl.States.RecordApprovalExpired!.Next).toBe('ApprovalExpired');
    expect(asl.States.Deploy).toMatchObject({
      Resource: 'arn:TOKEN:states:::states:startExecution.sync:2',
      Parameters: { Input: { 'version.$': '$.register.version', 'requestedBy.$': '$.approval.by', 'runId.$': '$.runId', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' } },
      Next: 'Deployed',
    });
    expect(JSON.stringify(asl.States.Deploy!.Parameters)).toContain(':stateMachine:flights-level2-deploy');
    // Two hours of training plus the approval window plus an hour of deployment.
    const timeout = (JSON.parse(definitionText(template)) as { TimeoutSeconds: number }).TimeoutSeconds;
    expect(timeout).toBe((180 + 168 * 60) * 60);
  });

  test('level 3: the gate passing deploys at once, requested by the run', () => {
    const asl = definition(pipelineAt(3));
    expect(asl.States.DeployRequester).toMatchObject({ Type: 'Pass', Parameters: { 'by.$': "States.Format('run {}', $.runId)" }, Next: 'Deploy' });
    expect(asl.States.Deploy).toMatchObject({ Parameters: { Input: { 'requestedBy.$': '$.requester.by' } }, Next: 'Deployed' });
    expect(asl.States.Deploy!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'DeploymentFailed' }]);
    expect(asl.States.WaitForApproval).toBeUndefined();
  });

  test('the approval function may read and write its model\'s registry folder only', () => {
    const policies = JSON.stringify(pipelineAt(2).findResources('AWS::IAM::Policy'));
    expect(policies).toContain('/registry/flights/*');
    expect(Object.keys(pipelineAt(3).findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('ApprovalStage'))).toEqual([]);
    expect(Object.keys(pipelineAt(2).findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('ApprovalStage'))).toHaveLength(1);
  });
});


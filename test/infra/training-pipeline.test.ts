/**
 * The training state machine in the synthesized template, for every level: the stages in order,
 * retry with backoff on transient Lambda errors and a Catch that records the failure on every task,
 * named end states, execution logging and tracing; the upload rule and trigger only at level 2+.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DATA_PREFIX } from '../../lambda/core/layout';
import { STAGE_FAIL_STATES, TRANSIENT_LAMBDA_ERRORS } from '../../lib/constructs/training-pipeline';
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
  readonly ResultPath?: string;
  readonly Error?: string;
}

/** The state machine's definition with tokens replaced by placeholders, parsed. */
function definition(template: Template): { StartAt: string; States: Record<string, AslState> } {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
  const body = machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text) as { StartAt: string; States: Record<string, AslState> };
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
            start: 'Validate',
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
    expect(asl.States.Register!.Next).toBe('Registered');
    expect(asl.States.Registered!.Type).toBe('Succeed');
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

test('the stage functions get the stage view of the config, and promotion follows autoDeploy', () => {
  const level2 = pipelineAt(2).findResources('AWS::Lambda::Function');
  const level3 = pipelineAt(3).findResources('AWS::Lambda::Function');
  const envOf = (functions: Record<string, unknown>, prefix: string): Record<string, string> =>
    (Object.entries(functions).find(([id]) => id.startsWith(prefix))![1] as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment.Variables;
  const register2 = envOf(level2, 'RegisterStageFunction');
  expect(Object.keys(JSON.parse(register2.PLATFORM_CONFIG!) as object).sort()).toEqual(['dataset', 'environment', 'features', 'gate', 'model', 'name']);
  expect(register2.PROMOTE_ON_DEPLOY).toBe('false');
  expect(envOf(level3, 'RegisterStageFunction').PROMOTE_ON_DEPLOY).toBe('true');
});

test("model.engine 'sagemaker' is refused at synth with the field to change, until it is built", () => {
  const config = configAtLevel(2, { model: { engine: 'sagemaker', algorithm: 'xgboost' } });
  expect(() => buildApp(testApp(), [config])).toThrow(/model\.engine 'sagemaker' is not available yet; set model\.engine to 'lambda'/);
});

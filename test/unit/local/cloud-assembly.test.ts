/**
 * How the local platform reads templates: every intrinsic it meets resolved to local values (buckets to
 * their local names, ARNs by resource type, cross-stack outputs and exports through the other stack),
 * functions, state machines, rules and alarms collected, and a clear error for what it cannot resolve.
 */
import { LocalAssembly, UnresolvableValueError, type StackTemplate } from '../../../local/cloud-assembly';
import { LOCAL_ACCOUNT } from '../../../local/identity';
import { HANDLER_TAG } from '../../../lib/constructs/stage-function';

const data: StackTemplate = {
  stackName: 'app-data',
  template: {
    Resources: {
      DataBucketE3889A50: { Type: 'AWS::S3::Bucket', Properties: { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } } },
      LogsBucket0A1B2C3D: { Type: 'AWS::S3::Bucket', Properties: {} },
    },
    Outputs: {
      DataBucketName: { Value: { Ref: 'DataBucketE3889A50' }, Export: { Name: 'app-data-bucket' } },
      DataBucketArn: { Value: { 'Fn::GetAtt': ['DataBucketE3889A50', 'Arn'] } },
    },
  },
};

const pipeline: StackTemplate = {
  stackName: 'app-pipeline',
  template: {
    Mappings: { Images: { 'us-east-1': { account: '683313688378' } } },
    Resources: {
      StageFn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Tags: [{ Key: HANDLER_TAG, Value: 'features' }],
          Environment: {
            Variables: {
              DATA_BUCKET: { 'Fn::GetStackOutput': { StackName: 'app-data', OutputName: 'DataBucketName', Region: { Ref: 'AWS::Region' } } },
              IMPORTED: { 'Fn::ImportValue': 'app-data-bucket' },
              IMAGE: { 'Fn::Join': ['', [{ 'Fn::FindInMap': ['Images', { Ref: 'AWS::Region' }, 'account'] }, '.dkr.ecr.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
              SUB: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${AWS::AccountId}-x' },
              SECOND: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
            },
          },
        },
      },
      ProviderFn: { Type: 'AWS::Lambda::Function', Properties: {} },
      Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['StageFn', 'Arn'] }, '","End":true}}}']] } } },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventPattern: { source: ['aws.s3'], detail: { bucket: { name: [{ 'Fn::GetStackOutput': { StackName: 'app-data', OutputName: 'DataBucketName' } }] } } },
          Targets: [{ Arn: { 'Fn::GetAtt': ['StageFn', 'Arn'] }, Id: 't' }, { Arn: { Ref: 'Machine' }, Id: 'm', Input: '{"a":1}' }],
        },
      },
      Schedule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 hour)', State: 'DISABLED', Targets: [] } },
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmName: 'drift', Threshold: 0.1, Dimensions: [{ Name: 'env', Value: { Ref: 'AWS::Region' } }] } },
    },
  },
};

const assembly = new LocalAssembly([data, pipeline], (stack, id) => `${stack}-${id.slice(0, 4).toLowerCase()}`);

describe('LocalAssembly', () => {
  test('buckets get local names and say whether they send events to EventBridge', () => {
    expect(assembly.buckets).toEqual([
      { stackName: 'app-data', logicalId: 'DataBucketE3889A50', name: 'app-data-data', eventBridge: true },
      { stackName: 'app-data', logicalId: 'LogsBucket0A1B2C3D', name: 'app-data-logs', eventBridge: false },
    ]);
  });

  test("a stage function's environment resolves cross-stack outputs, exports, mappings, pseudo parameters, Sub, Select and Split", () => {
    expect(assembly.functions).toHaveLength(1); // the function without a handler tag is not ours
    expect(assembly.functions[0]).toMatchObject({
      handler: 'features',
      arn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT}:function:StageFn`,
      environment: { DATA_BUCKET: 'app-data-data', IMPORTED: 'app-data-data', IMAGE: '683313688378.dkr.ecr.us-east-1.amazonaws.com', SUB: `arn:aws:s3:::${LOCAL_ACCOUNT}-x`, SECOND: 'b' },
    });
  });

  test('state machines, rules (pattern, schedule, targets, state) and alarms are read resolved', () => {
    expect(assembly.stateMachines[0]!.definition).toEqual({ StartAt: 'A', States: { A: { Type: 'Task', Resource: assembly.functions[0]!.arn, End: true } } });
    const [rule, schedule] = assembly.rules;
    expect(rule).toMatchObject({ eventPattern: { source: ['aws.s3'], detail: { bucket: { name: ['app-data-data'] } } }, enabled: true });
    expect(rule!.targets).toEqual([{ arn: assembly.functions[0]!.arn }, { arn: assembly.stateMachines[0]!.arn, input: '{"a":1}' }]);
    expect(schedule).toMatchObject({ scheduleExpression: 'rate(1 hour)', enabled: false });
    expect(assembly.alarms[0]!.properties).toEqual({ AlarmName: 'drift', Threshold: 0.1, Dimensions: [{ Name: 'env', Value: 'us-east-1' }] });
    expect(assembly.resolve('app-pipeline', { Ref: 'Alarm' }, 'test')).toBe('drift');
  });

  test('what cannot be resolved locally is an error naming where and what', () => {
    expect(() => assembly.resolve('app-pipeline', { 'Fn::GetAtt': ['StageFn', 'Nope'] }, 'X.Y')).toThrow(new UnresolvableValueError('X.Y: Fn::GetAtt StageFn.Nope has no local value'));
    expect(() => assembly.resolve('app-pipeline', { 'Fn::GetStackOutput': { StackName: 'app-data', OutputName: 'Missing' } }, 'X')).toThrow(/stack app-data has no output "Missing"/);
    expect(() => assembly.resolve('app-pipeline', { 'Fn::ImportValue': 'nobody' }, 'X')).toThrow('X: no stack exports nobody');
    expect(() => assembly.resolve('app-pipeline', { 'Fn::If': ['c', 'a', 'b'] }, 'X')).toThrow(/X: cannot resolve \{"Fn::If"/);
    expect(() => assembly.resolve('elsewhere', { Ref: 'A' }, 'X')).toThrow(/no stack named elsewhere/);
  });
});

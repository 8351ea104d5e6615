/**
 * Engine `sagemaker` in the synthesized template: the training job is the native `.sync` task with the
 * config's hyperparameters and the XGBoost image from the region map, the holdout is scored by a batch
 * transform (and a SageMaker champion by a second one), every SageMaker task retries throttling and
 * catches into the run record, and the execution role is least privilege — passable to SageMaker only,
 * trusted by SageMaker for this account only, no managed policy, S3 access to the SageMaker folders of
 * runs only. cdk-nag finds nothing unacknowledged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { STAGE_FAIL_STATES } from '../../lib/constructs/training-pipeline';
import { TRANSIENT_SAGEMAKER_ERRORS } from '../../lib/constructs/sagemaker-training';
import { XGBOOST_IMAGE_ACCOUNTS } from '../../lib/constructs/xgboost-image';
import { buildApp } from '../../lib/platform';
import { configAtLevel, rawConfig, testApp } from './helpers';

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Next?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Retry?: ReadonlyArray<{ ErrorEquals: string[] }>;
  readonly Catch?: ReadonlyArray<{ ErrorEquals: string[]; Next: string }>;
  readonly Choices?: ReadonlyArray<{ Variable: string; IsPresent?: boolean; Next: string }>;
  readonly Default?: string;
  readonly ResultPath?: string;
  readonly ResultSelector?: Record<string, unknown>;
}

function definition(template: Template): { States: Record<string, AslState> } {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } };
  const text = machine.Properties.DefinitionString['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text) as { States: Record<string, AslState> };
}

const dev = rawConfig('dev') as { model: Record<string, unknown> };
const sagemakerModel = {
  engine: 'sagemaker',
  algorithm: 'xgboost',
  params: { iterations: 200, learningRate: 0.05, maxLeaves: 63, earlyStoppingRounds: 10 },
  sagemaker: { instanceType: 'ml.m5.2xlarge', instanceCount: 2, volumeGb: 50, maxRuntimeMinutes: 90 },
};

describe("engine 'sagemaker' in the template", () => {
  const app = testApp(true);
  const [platform] = buildApp(app, [configAtLevel(3, { model: { ...dev.model, ...sagemakerModel }, serving: { engine: 'sagemaker-serverless' } })]);
  const template = Template.fromStack(platform!.pipeline!);
  const states = definition(template).States;

  test('Features → Train (.sync) → CreateScoringModel → ScoreHoldout (.sync) → ChampionScoring → Evaluate; no train Lambda', () => {
    expect(states.Features!.Next).toBe('Train');
    expect(states.Train).toMatchObject({ Type: 'Task', Resource: expect.stringContaining(':states:::sagemaker:createTrainingJob.sync'), ResultPath: '$.train', Next: 'CreateScoringModel' });
    expect(states.CreateScoringModel).toMatchObject({ Resource: expect.stringContaining(':states:::sagemaker:createModel'), Next: 'ScoreHoldout' });
    expect(states.ScoreHoldout).toMatchObject({ Resource: expect.stringContaining(':states:::sagemaker:createTransformJob.sync'), Next: 'ChampionScoring' });
    expect(states.ChampionScoring).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.features.sagemaker.champion', IsPresent: true, Next: 'ScoreChampion' }], Default: 'Evaluate' });
    expect(states.ScoreChampion).toMatchObject({ Resource: expect.stringContaining(':states:::sagemaker:createTransformJob.sync'), ResultPath: '$.championScoring', Next: 'Evaluate' });
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).some((id) => id.startsWith('TrainStage'))).toBe(false);
  });

  test('the training job: names and locations from the features stage, the config hyperparameters and sizing, two CSV channels', () => {
    const p = states.Train!.Parameters!;
    expect(p['TrainingJobName.$']).toBe('$.features.sagemaker.trainingJobName');
    expect(p.HyperParameters).toEqual({
      objective: 'reg:squarederror',
      eval_metric: 'rmse',
      num_round: '200',
      eta: '0.05',
      tree_method: 'hist',
      grow_policy: 'lossguide',
      max_leaves: '63',
      max_depth: '0',
      min_child_weight: '20',
      lambda: '0',
      max_bin: '255',
      seed: '42',
      early_stopping_rounds: '10',
    });
    expect(p.ResourceConfig).toEqual({ InstanceCount: 2, InstanceType: 'ml.m5.2xlarge', VolumeSizeInGB: 50 });
    expect(p.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 90 * 60 });
    expect(p.InputDataConfig).toEqual([
      { ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { 'S3Uri.$': '$.features.sagemaker.trainUri', S3DataType: 'S3Prefix' } } },
      { ChannelName: 'validation', ContentType: 'text/csv', DataSource: { S3DataSource: { 'S3Uri.$': '$.features.sagemaker.validationUri', S3DataType: 'S3Prefix' } } },
    ]);
    expect(p.OutputDataConfig).toMatchObject({ 'S3OutputPath.$': '$.features.sagemaker.trainingOutputUri' });
    expect(states.Train!.ResultSelector).toEqual({
      algorithm: 'xgboost',
      'modelArtifactUri.$': '$.ModelArtifacts.S3ModelArtifacts',
      'trainingJobName.$': '$.TrainingJobName',
      'trainingJobArn.$': '$.TrainingJobArn',
      'trainingSeconds.$': '$.TrainingTimeInSeconds',
    });
  });

  test('the XGBoost 1.7-1 image comes from the region map, resolved by CloudFormation in the deploy region', () => {
    const mappings = template.toJSON().Mappings as Record<string, Record<string, { account: string }>>;
    const [mapping] = Object.values(mappings);
    expect(mapping!['us-east-1']).toEqual({ account: XGBOOST_IMAGE_ACCOUNTS['us-east-1'] });
    expect(Object.keys(mapping!).sort()).toEqual(Object.keys(XGBOOST_IMAGE_ACCOUNTS).sort());
    const text = JSON.stringify(template.toJSON().Resources);
    expect(text).toContain('/sagemaker-xgboost:1.7-1');
    expect(text).toContain('Fn::FindInMap');
  });

  test('every SageMaker task retries throttling and capacity errors and records a failure as its stage', () => {
    for (const [name, stage] of [['Train', 'train'], ['CreateScoringModel', 'train'], ['ScoreHoldout', 'train'], ['ScoreChampion', 'evaluate']] as const) {
      const state = states[name]!;
      expect(state.Retry?.[0]?.ErrorEquals).toEqual([...TRANSIENT_SAGEMAKER_ERRORS]);
      expect(state.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: `Record${STAGE_FAIL_STATES[stage]}` })]);
    }
  });

  test('the execution role: trusted by SageMaker of this account only, no managed policy, S3 limited to the SageMaker folders of runs', () => {
    const roles = template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] } } });
    expect(Object.keys(roles)).toHaveLength(1);
    const [roleId, role] = Object.entries(roles)[0] as [string, { Properties: Record<string, unknown> }];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
    expect(JSON.stringify(template.toJSON())).not.toContain('AmazonSageMakerFullAccess');

    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleId));
    const statements = policies.flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Sid?: string; Action: string | string[]; Resource: unknown }> } } }).Properties.PolicyDocument.Statement);
    const s3 = statements.filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('s3:')));
    const resources = s3.flatMap((s) => ([] as unknown[]).concat(s.Resource)).map((r) => JSON.stringify(r));
    for (const r of resources.filter((r) => r.includes('/runs/'))) expect(r).toMatch(/runs\/\*\/(features|train|evaluate)\/sagemaker\/\*/);
    expect(resources).not.toContain('"*"');
    expect(s3.flatMap((s) => ([] as string[]).concat(s.Action)).sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(statements.find((s) => s.Sid === 'PullXgboostImage')?.Resource).toBeDefined();
    expect(JSON.stringify(statements.find((s) => s.Sid === 'PullXgboostImage')?.Resource)).toContain('repository/sagemaker-xgboost');
  });

  test('Step Functions may pass the role to SageMaker only', () => {
    const passRole = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Condition?: unknown }> } } }).Properties.PolicyDocument.Statement)
      .filter((s) => ([] as string[]).concat(s.Action).includes('iam:PassRole'));
    expect(passRole.length).toBeGreaterThan(0);
    for (const s of passRole) expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
  });

  test('the features stage may read the registry (to find a SageMaker champion)', () => {
    const text = JSON.stringify(Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes('FeaturesStage')));
    expect(text).toContain('/registry/*');
  });

  test('cdk-nag reports nothing unacknowledged', () => {
    const assembly = app.synth();
    const report = JSON.parse(readFileSync(join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8')) as { pluginReports: Array<{ violations: Array<{ ruleName: string; violatingResources: unknown }> }> };
    expect(report.pluginReports.flatMap((r) => r.violations.map((v) => `${v.ruleName} ${JSON.stringify(v.violatingResources)}`))).toEqual([]);
  });

  test('a stack in a region without the algorithm is refused at synth, naming the field to change', () => {
    expect(() => buildApp(testApp(), [configAtLevel(2, { region: 'mx-central-1', account: '123456789012', model: { ...dev.model, ...sagemakerModel }, serving: { engine: 'sagemaker-serverless' } })])).toThrow(
      /built-in XGBoost is not published in region mx-central-1.*set model\.engine to 'lambda'/,
    );
  });
});

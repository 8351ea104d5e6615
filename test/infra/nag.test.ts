/**
 * cdk-nag (AwsSolutions) over the real app: every environment in config/, Lambda code really bundled.
 * cdk-nag v3 is a CDK policy-validation plugin: it runs in `app.synth()`, which throws on an unacknowledged
 * error, and writes every finding to the cloud assembly's validation report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, type App } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { VALIDATION_REPORT_FILE, type CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp, loadPlatformConfigs, type Platform } from '../../lib/platform';
import { acknowledgements, configAtLevel, testApp } from './helpers';

interface ValidationReport {
  readonly pluginReports: readonly { readonly pluginName: string; readonly violations: readonly { readonly ruleName: string; readonly severity: string }[] }[];
}

describe('cdk-nag AwsSolutions on every environment', () => {
  let app: App;
  let platforms: Platform[];
  let assembly: CloudAssembly;

  beforeAll(() => {
    app = testApp(true);
    platforms = buildApp(app, loadPlatformConfigs({}));
    assembly = app.synth();
  });

  test('synthesizes every environment in config/', () => {
    expect(platforms.map((p) => p.config.environment)).toEqual(['dev', 'prod', 'staging']);
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(
      // Monitoring from level 3: staging (3) and prod (4), not dev (2).
      ['dev', 'prod', 'staging'].flatMap((env) => ['cicd', 'data', ...(env === 'dev' ? [] : ['monitoring']), 'pipeline', 'serving'].map((part) => `flights-${env}-${part}`)),
    );
  });

  test('the validation report holds no unacknowledged finding, error or warning', () => {
    const reportFile = join(assembly.directory, VALIDATION_REPORT_FILE);
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
    expect(report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName} ${v.severity} ${v.ruleName}`))).toEqual([]);
  });

  test('no stack carries a warning or error annotation', () => {
    const messages = assembly.stacks.flatMap((stack) => stack.messages.filter((m) => m.level !== 'info').map((m) => `${m.level} ${m.id}: ${String(m.entry.data)}`));
    expect(messages).toEqual([]);
  });

  test('each acknowledgement sits on the construct it covers, one finding each, with a specific reason', () => {
    const found = acknowledgements(app);
    const expected = new Map<string, (string | RegExp)[]>();
    // The bucket ARN as the template renders it (a cross-stack reference), then the prefix.
    const prefixGrant = (bucket: 'DataBucket' | 'ArtifactBucket', prefix: string): RegExp =>
      new RegExp(`^AwsSolutions-IAM5\\[Resource::\\{"Fn::GetStackOutput":\\{"StackName":"flights-\\w+-data",.*"OutputName":"\\w*${bucket}\\w*"\\}\\}/${prefix}/\\*\\]$`);
    const stages: Record<string, RegExp[]> = {
      ValidateStage: [prefixGrant('DataBucket', 'incoming'), prefixGrant('DataBucket', 'quarantine'), prefixGrant('DataBucket', 'validated'), prefixGrant('ArtifactBucket', 'runs')],
      FeaturesStage: [prefixGrant('ArtifactBucket', 'runs'), prefixGrant('DataBucket', 'validated'), prefixGrant('DataBucket', 'incoming')],
      TrainStage: [prefixGrant('ArtifactBucket', 'runs')],
      EvaluateStage: [prefixGrant('ArtifactBucket', 'runs'), prefixGrant('DataBucket', 'validated'), prefixGrant('DataBucket', 'incoming'), prefixGrant('ArtifactBucket', 'registry')],
      RegisterStage: [prefixGrant('ArtifactBucket', 'runs'), prefixGrant('ArtifactBucket', 'registry')],
      RecordOutcome: [prefixGrant('ArtifactBucket', 'runs')],
      ListParts: [prefixGrant('DataBucket', 'incoming'), prefixGrant('ArtifactBucket', 'runs')],
      ValidatePart: [prefixGrant('DataBucket', 'incoming'), prefixGrant('ArtifactBucket', 'runs')],
      MergeValidation: [prefixGrant('DataBucket', 'incoming'), prefixGrant('DataBucket', 'quarantine'), prefixGrant('DataBucket', 'validated'), prefixGrant('ArtifactBucket', 'runs')],
      Trigger: [],
    };
    for (const env of ['dev', 'prod', 'staging']) {
      // Level 4 (prod) governs: the deciding functions also write the audit trail.
      const audit = env === 'prod' ? [prefixGrant('ArtifactBucket', 'audit')] : [];
      for (const [stage, grants] of Object.entries(stages)) {
        expected.set(`flights-${env}-pipeline/${stage}/Function`, ['AwsSolutions-L1']);
        // Level 4 retrains on an assembled part folder under retrain/, which the part stages read.
        const retrainParts = env === 'prod' && ['ListParts', 'ValidatePart', 'MergeValidation'].includes(stage) ? [prefixGrant('DataBucket', 'retrain')] : [];
        expected.set(`flights-${env}-pipeline/${stage}/Role`, ['AwsSolutions-IAM5[Resource::*]', ...grants, ...retrainParts, ...(['EvaluateStage', 'RecordOutcome', 'ValidateStage', 'MergeValidation'].includes(stage) ? audit : [])]);
      }
      // dev (level 2) waits for approval: its approval Lambda files requests beside the version.
      if (env === 'dev') {
        expected.set(`flights-${env}-pipeline/ApprovalStage/Function`, ['AwsSolutions-L1']);
        expected.set(`flights-${env}-pipeline/ApprovalStage/Role`, ['AwsSolutions-IAM5[Resource::*]', prefixGrant('ArtifactBucket', 'registry/flights')]);
      }
      // Step Functions' log delivery and X-Ray, invoke on each stage function's versions (`<arn>:*`), and the
      // nested deploy executions (levels 2+: every env in config/).
      expected.set(`flights-${env}-pipeline/TrainingPipeline/StateMachine/Role`, [
        'AwsSolutions-IAM5[Resource::*]',
        ...['ValidateStage', 'ListParts', 'ValidatePart', 'MergeValidation', 'FeaturesStage', 'TrainStage', 'EvaluateStage', 'RegisterStage', 'RecordOutcome', ...(env === 'dev' ? ['ApprovalStage'] : [])].map(
          (stage) => new RegExp(`^AwsSolutions-IAM5\\[Resource::<${stage}Function[0-9A-F]{8}\\.Arn>:\\*\\]$`),
        ),
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:flights-${env}-deploy*]`,
      ]);
      // The deploy Lambda reads and writes its model's registry folder; its state machine invokes it.
      expected.set(`flights-${env}-serving/Deploy/Function`, ['AwsSolutions-L1']);
      expected.set(`flights-${env}-serving/Deploy/Role`, ['AwsSolutions-IAM5[Resource::*]', prefixGrant('ArtifactBucket', 'registry/flights'), ...audit]);
      expected.set(`flights-${env}-serving/DeployModel/StateMachine/Role`, ['AwsSolutions-IAM5[Resource::*]', /^AwsSolutions-IAM5\[Resource::<DeployFunction[0-9A-F]{8}\.Arn>:\*\]$/]);
      // Levels 3+ (staging, prod): CodeDeploy's service role for the canary carries its AWS-managed policy.
      if (env !== 'dev') {
        expected.set(`flights-${env}-serving/Release/DeploymentGroup/ServiceRole`, ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]']);
      }
      // The predict function reads its model's registry folder and writes captured requests.
      expected.set(`flights-${env}-serving/Predict/Function`, ['AwsSolutions-L1']);
      expected.set(`flights-${env}-serving/Predict/Role`, ['AwsSolutions-IAM5[Resource::*]', prefixGrant('ArtifactBucket', 'registry/flights'), prefixGrant('ArtifactBucket', 'capture')]);
      // Levels 3+: the drift check reads its model's registry folder, the captures and the labels, reads and writes monitoring/<name>/.
      if (env !== 'dev') {
        expected.set(`flights-${env}-monitoring/Drift/Function/Function`, ['AwsSolutions-L1']);
        expected.set(`flights-${env}-monitoring/Drift/Function/Role`, [
          'AwsSolutions-IAM5[Resource::*]',
          prefixGrant('ArtifactBucket', 'registry/flights'),
          prefixGrant('ArtifactBucket', 'capture'),
          prefixGrant('DataBucket', 'labels'),
          prefixGrant('ArtifactBucket', 'monitoring/flights'),
          ...audit,
        ]);
      }
      // Level 4 (prod): the retrain trigger reads the validated data and the labelled captures, assembles retrain/, keeps its decisions.
      if (env === 'prod') {
        expected.set(`flights-${env}-monitoring/Retrain/Function/Function`, ['AwsSolutions-L1']);
        expected.set(`flights-${env}-monitoring/Retrain/Function/Role`, [
          'AwsSolutions-IAM5[Resource::*]',
          prefixGrant('DataBucket', 'validated'),
          prefixGrant('DataBucket', 'retrain'),
          prefixGrant('ArtifactBucket', 'monitoring/flights/labelled'),
          prefixGrant('ArtifactBucket', 'monitoring/flights/retrain'),
          ...audit,
        ]);
      }
      // The Distributed Map's child executions of this state machine (Describe/Stop, and Redrive by label).
      const executions = 'arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:\\{"Fn::Select":\\[6,\\{"Fn::Split":\\[":",\\{"Ref":"TrainingPipelineStateMachine[0-9A-F]{8}"\\}\\]\\}\\]\\}';
      expected.set(`flights-${env}-pipeline/TrainingPipeline/StateMachine/DistributedMapPolicy`, [
        new RegExp(`^AwsSolutions-IAM5\\[Resource::${executions}:\\*\\]$`),
        new RegExp(`^AwsSolutions-IAM5\\[Resource::${executions}/ValidateParts:\\*\\]$`),
      ]);
    }
    expect([...found.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, ids] of expected) {
      const rules = found.get(path)!;
      expect(rules.size).toBe(ids.length);
      for (const id of ids) {
        const matching = [...rules.keys()].filter((rule) => (typeof id === 'string' ? rule === id : id.test(rule)));
        expect({ path, id: String(id), matches: matching.length }).toEqual({ path, id: String(id), matches: 1 });
      }
      for (const reason of rules.values()) expect(reason.length).toBeGreaterThan(80);
    }
  });

  test('the validate stage is bundled by esbuild: minified CommonJS with a source map and the AWS SDK inside', () => {
    const pipeline = assembly.getStackByName('flights-dev-pipeline');
    const fn = Object.values(pipeline.template.Resources as Record<string, { Type: string; Properties: { Code: { S3Key: string } } }>).find(
      (r) => r.Type === 'AWS::Lambda::Function',
    )!;
    const assetDir = join(assembly.directory, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    const code = readFileSync(join(assetDir, 'index.js'), 'utf8');
    // Booleans, not the 1 MB bundle, in a failure message. Minified: long lines (template literals keep some newlines).
    expect({
      sourceMapFile: existsSync(join(assetDir, 'index.js.map')),
      sourceMapLink: /\/\/# sourceMappingURL=index\.js\.map\s*$/.test(code),
      commonJs: code.includes('module.exports'),
      sdkRequiredFromRuntime: code.includes('require("@aws-sdk/client-s3")'),
      sdkBundled: code.includes('HeadObjectCommand'),
      minified: code.length / code.split('\n').length > 400,
    }).toEqual({ sourceMapFile: true, sourceMapLink: true, commonJs: true, sdkRequiredFromRuntime: false, sdkBundled: true, minified: true });
  });
});

describe('cdk-nag reports real findings', () => {
  test('a non-compliant bucket beside the platform fails synth, naming only that bucket', () => {
    const app = testApp();
    buildApp(app, [configAtLevel(2)]);
    new Bucket(new Stack(app, 'Probe'), 'Open');
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/AwsSolutions-S1/);
    expect(message).toMatch(/AwsSolutions-S10/);
    expect(message).toContain('Probe/Open');
    expect(message).not.toContain('flights-level2');
  });
});

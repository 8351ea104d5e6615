/**
 * Template assertions for every maturity level 0–4, retained and disposable: what every environment must
 * have (secure storage), what the level switches on (the validate stage from level 1), and the IAM scope.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ARTIFACT_PREFIX, DATA_PREFIX } from '../../lambda/core/layout';
import { MATURITY_LEVELS, type MaturityLevel } from '../../lib/maturity';
import { PLATFORM_TAGS, buildApp, type Platform } from '../../lib/platform';
import { READ_OBJECT_ACTIONS, WRITE_OBJECT_ACTIONS } from '../../lib/constructs/stage-function';
import { configAtLevel, logicalIdOf, testApp } from './helpers';

type Json = Record<string, unknown>;

interface Built {
  readonly platform: Platform;
  readonly data: Template;
  readonly pipeline?: Template;
}

/** Storage settings that differ per level, so each assertion sees the value of its own config. */
function storageFor(level: MaturityLevel): { noncurrentVersionDays: number; accessLogDays: number; logRetentionDays: number } {
  return { noncurrentVersionDays: 10 + level, accessLogDays: 60 + level, logRetentionDays: [1, 3, 5, 7, 14][level]! };
}

function build(level: MaturityLevel, disposable: boolean): Built {
  const config = configAtLevel(level, { disposable, tags: { team: 'ml-platform' }, storage: storageFor(level) });
  const [platform] = buildApp(testApp(), [config]);
  if (!platform) throw new Error('buildApp returned no platform');
  return {
    platform,
    data: Template.fromStack(platform.data),
    pipeline: platform.pipeline ? Template.fromStack(platform.pipeline) : undefined,
  };
}

/** Where an object ARN of the pipeline's policy points: the data stack resource and the key suffix. */
function objectTarget(resource: unknown, dataTemplate: Template): { logicalId: string; suffix: string } {
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`not an object ARN: ${JSON.stringify(resource)}`);
  const [reference, suffix] = join[1];
  return { logicalId: producerResource(reference, dataTemplate), suffix: String(suffix) };
}

/** The data-stack resource a cross-stack reference (weak: Fn::GetStackOutput) resolves to. */
function producerResource(reference: unknown, dataTemplate: Template): string {
  const output = (reference as { 'Fn::GetStackOutput'?: { OutputName: string } })['Fn::GetStackOutput'];
  if (!output) throw new Error(`not a cross-stack reference: ${JSON.stringify(reference)}`);
  const outputs = dataTemplate.toJSON().Outputs as Record<string, { Value: { 'Fn::GetAtt'?: [string, string]; Ref?: string } }>;
  const value = outputs[output.OutputName]?.Value;
  const logicalId = value?.['Fn::GetAtt']?.[0] ?? value?.Ref;
  if (!logicalId) throw new Error(`no output ${output.OutputName} referring to a resource in the data stack`);
  return logicalId;
}

const cases = MATURITY_LEVELS.flatMap((level) => [
  { level, disposable: false, label: 'retained' },
  { level, disposable: true, label: 'disposable' },
]);

describe.each(cases)('maturity level $level, $label', ({ level, disposable }) => {
  let built: Built;
  /** The data stack's template. */
  let template: Template;
  let keyId: string;
  let logBucketId: string;
  let dataBucketId: string;
  let artifactBucketId: string;
  const storage = storageFor(level);

  beforeAll(() => {
    built = build(level, disposable);
    template = built.data;
    keyId = logicalIdOf(built.data, 'AWS::KMS::Key', 'DataKey');
    logBucketId = logicalIdOf(built.data, 'AWS::S3::Bucket', 'AccessLogBucket');
    dataBucketId = logicalIdOf(built.data, 'AWS::S3::Bucket', 'DataBucket');
    artifactBucketId = logicalIdOf(built.data, 'AWS::S3::Bucket', 'ArtifactBucket');
  });

  test('stacks are named <name>-<env>-<part> and carry the platform tags', () => {
    const env = `level${level}`;
    expect(built.platform.data.stackName).toBe(`flights-${env}-data`);
    expect(built.platform.data.tags.tagValues()).toEqual({
      team: 'ml-platform',
      [PLATFORM_TAGS.platform]: 'flights',
      [PLATFORM_TAGS.environment]: env,
      [PLATFORM_TAGS.maturityLevel]: String(level),
    });
    // The serving stack before the pipeline, which runs its deploy state machine; monitoring from level 3; cicd last, when the config has a section.
    expect(built.platform.stacks.map((s) => s.stackName)).toEqual([
      `flights-${env}-data`,
      `flights-${env}-serving`,
      `flights-${env}-pipeline`,
      ...(built.platform.capabilities.driftMonitoring ? [`flights-${env}-monitoring`] : []),
      ...(built.platform.capabilities.cicd ? [`flights-${env}-cicd`] : []),
    ]);
  });

  test('the customer-managed key rotates and has the env alias', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: `alias/flights-level${level}-data`,
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  test.each(['DataBucket', 'ArtifactBucket'])('%s: SSE-KMS with the key, versioned, private, access-logged, version expiry from config', (prefix) => {
    const id = logicalIdOf(built.data, 'AWS::S3::Bucket', prefix);
    expect(built.data.toJSON().Resources[id].Properties).toEqual(
      expect.objectContaining({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        LoggingConfiguration: { DestinationBucketName: { Ref: logBucketId }, LogFilePrefix: prefix === 'DataBucket' ? 'data/' : 'artifacts/' },
        LifecycleConfiguration: {
          Rules: [
            expect.objectContaining({
              Status: 'Enabled',
              NoncurrentVersionExpiration: { NoncurrentDays: storage.noncurrentVersionDays },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            }),
          ],
        },
      }),
    );
  });

  test('the access-log bucket: S3-managed encryption, versioned, private, logs expire after accessLogDays', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: storage.accessLogDays })] },
    });
    expect(built.data.toJSON().Resources[logBucketId].Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  test('every bucket denies requests without TLS', () => {
    for (const bucketId of [logBucketId, dataBucketId, artifactBucketId]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] }],
            }),
          ]),
        },
      });
    }
  });

  test('S3 may deliver access logs only from the two buckets, each under its prefix', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: Match.objectLike({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [dataBucketId, 'Arn'] } } }),
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logBucketId, 'Arn'] }, '/data/*']] },
          }),
        ]),
      },
    });
  });

  test('only the data bucket sends object events to EventBridge', () => {
    const resources = built.data.toJSON().Resources;
    expect(resources[dataBucketId].Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(resources[artifactBucketId].Properties.NotificationConfiguration).toBeUndefined();
  });

  test('key and buckets are retained, or destroyed and emptied when disposable', () => {
    const expected = disposable ? 'Delete' : 'Retain';
    for (const id of [keyId, logBucketId, dataBucketId, artifactBucketId]) {
      expect(built.data.toJSON().Resources[id]).toEqual(expect.objectContaining({ DeletionPolicy: expected, UpdateReplacePolicy: expected }));
    }
    template.resourceCountIs('Custom::S3AutoDeleteObjects', disposable ? 3 : 0);
    if (disposable) {
      for (const id of [logBucketId, dataBucketId, artifactBucketId]) {
        template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: id } });
      }
    }
  });

  test('bucket names and the key ARN are stack outputs for the CLI', () => {
    template.hasOutput('DataBucketName', { Value: { Ref: dataBucketId } });
    template.hasOutput('ArtifactBucketName', { Value: { Ref: artifactBucketId } });
    template.hasOutput('DataKeyArn', { Value: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  test('resources carry the platform, environment, level and config tags', () => {
    const tags = Match.arrayWith([
      { Key: PLATFORM_TAGS.environment, Value: `level${level}` },
      { Key: PLATFORM_TAGS.maturityLevel, Value: String(level) },
      { Key: PLATFORM_TAGS.platform, Value: 'flights' },
      { Key: 'team', Value: 'ml-platform' },
    ]);
    for (const id of [dataBucketId, artifactBucketId, logBucketId]) {
      expect(built.data.toJSON().Resources[id].Properties.Tags).toEqual(expect.arrayContaining([{ Key: PLATFORM_TAGS.maturityLevel, Value: String(level) }]));
    }
    template.hasResourceProperties('AWS::KMS::Key', { Tags: tags });
  });

  if (level === 0) {
    test('level 0 has no validation gate: a pipeline stack without a validate stage', () => {
      expect(built.platform.capabilities.validationGate).toBe(false);
      expect(built.platform.pipeline?.validateStage).toBeUndefined();
      expect(built.platform.stacks.map((s) => s.stackName)).toEqual(['flights-level0-data', 'flights-level0-serving', 'flights-level0-pipeline']);
    });
    return;
  }

  describe('validate stage', () => {
    /** The pipeline stack's template. */
    let template: Template;
    let statements: Json[];

    beforeAll(() => {
      if (!built.pipeline) throw new Error(`level ${level} should have a pipeline stack`);
      template = built.pipeline;
      const roleId = logicalIdOf(template, 'AWS::IAM::Role', 'ValidateStage');
      const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })) as {
        Properties: { PolicyDocument: { Statement: Json[] } };
      }[];
      if (policies.length !== 1) throw new Error(`expected the validate role's one policy, found ${policies.length}`);
      statements = policies[0]!.Properties.PolicyDocument.Statement;
    });

    test('Node.js 22 on arm64, X-Ray active, 1769 MB and 15 minutes', () => {
      logicalIdOf(template, 'AWS::Lambda::Function', 'ValidateStage');
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 1769,
        Timeout: 900,
        Handler: 'index.handler',
      });
    });

    test('logs to its own log group with the configured retention', () => {
      const logGroupId = logicalIdOf(template, 'AWS::Logs::LogGroup', 'ValidateStage');
      template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: Match.objectLike({ RetentionInDays: storage.logRetentionDays }),
        DeletionPolicy: disposable ? 'Delete' : 'Retain',
      });
    });

    test('environment follows the validate env contract, with the dataset from config', () => {
      const config = built.platform.config;
      const functions = template.findResources('AWS::Lambda::Function');
      const validateId = logicalIdOf(template, 'AWS::Lambda::Function', 'ValidateStage');
      const variables = (functions[validateId] as { Properties: { Environment: { Variables: Json } } }).Properties.Environment.Variables;
      expect(Object.keys(variables).sort()).toEqual(
        ['ARTIFACT_BUCKET', 'DATASET_SCHEMA', 'DATA_BUCKET', 'ENVIRONMENT_NAME', 'GOVERNANCE', 'NODE_OPTIONS', 'PLATFORM_NAME', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME'].sort(),
      );
      // Verdicts go to the audit trail only where the environment governs (level 4).
      expect(variables.GOVERNANCE).toBe(built.platform.capabilities.governance ? 'on' : 'off');
      expect(JSON.parse(String(variables.DATASET_SCHEMA))).toEqual(config.dataset);
      expect(variables).toEqual(
        expect.objectContaining({ POWERTOOLS_SERVICE_NAME: 'validate', POWERTOOLS_LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps' }),
      );
      expect(producerResource(variables.DATA_BUCKET, built.data)).toBe(dataBucketId);
      expect(producerResource(variables.ARTIFACT_BUCKET, built.data)).toBe(artifactBucketId);
    });

    test('carries the platform tags', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Tags: Match.arrayWith([
          { Key: PLATFORM_TAGS.environment, Value: `level${level}` },
          { Key: PLATFORM_TAGS.maturityLevel, Value: String(level) },
          { Key: PLATFORM_TAGS.platform, Value: 'flights' },
          { Key: 'team', Value: 'ml-platform' },
        ]),
      });
    });

    test('its role has no managed policy', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
        ManagedPolicyArns: Match.absent(),
      });
    });

    test('object access is scoped to incoming/ (read), quarantine/ and validated/ (write; at level 4 also read: retrains validate validated data), runs/ (read and write: the run record), audit/ (write, level 4)', () => {
      const objectStatements = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('s3:') && a !== 's3:ListBucket'));
      const grants = objectStatements.flatMap((s) =>
        [s.Resource].flat().map((resource) => ({ actions: [s.Action].flat().map(String).sort(), ...objectTarget(resource, built.data) })),
      );
      expect(grants).toEqual(
        expect.arrayContaining([
          { actions: [...READ_OBJECT_ACTIONS].sort(), logicalId: dataBucketId, suffix: `/${DATA_PREFIX.incoming}*` },
          { actions: [...WRITE_OBJECT_ACTIONS].sort(), logicalId: dataBucketId, suffix: `/${DATA_PREFIX.quarantine}*` },
          { actions: [...WRITE_OBJECT_ACTIONS].sort(), logicalId: dataBucketId, suffix: `/${DATA_PREFIX.validated}*` },
          { actions: [...WRITE_OBJECT_ACTIONS].sort(), logicalId: artifactBucketId, suffix: `/${ARTIFACT_PREFIX.runs}*` },
          { actions: [...READ_OBJECT_ACTIONS].sort(), logicalId: artifactBucketId, suffix: `/${ARTIFACT_PREFIX.runs}*` },
          ...(built.platform.capabilities.autoRetrain ? [{ actions: [...READ_OBJECT_ACTIONS].sort(), logicalId: dataBucketId, suffix: `/${DATA_PREFIX.validated}*` }] : []),
          ...(built.platform.capabilities.governance ? [{ actions: [...WRITE_OBJECT_ACTIONS].sort(), logicalId: artifactBucketId, suffix: `/${ARTIFACT_PREFIX.audit}*` }] : []),
        ]),
      );
      expect(grants).toHaveLength(5 + (built.platform.capabilities.autoRetrain ? 1 : 0) + (built.platform.capabilities.governance ? 1 : 0));
      for (const statement of objectStatements) {
        expect([statement.Action].flat()).not.toContainEqual(expect.stringMatching(/\*|Delete/));
      }
    });

    test('listing is limited to the incoming/ prefix of the data bucket (and validated/ at level 4) and runs/ of the artifact bucket', () => {
      const listing = statements.filter((s) => s.Action === 's3:ListBucket');
      expect(listing.map((l) => [producerResource(l.Resource, built.data), l.Condition])).toEqual(
        expect.arrayContaining([
          [dataBucketId, { StringLike: { 's3:prefix': [`${DATA_PREFIX.incoming}*`] } }],
          [artifactBucketId, { StringLike: { 's3:prefix': [`${ARTIFACT_PREFIX.runs}*`] } }],
          ...(built.platform.capabilities.autoRetrain ? [[dataBucketId, { StringLike: { 's3:prefix': [`${DATA_PREFIX.validated}*`] } }]] : []),
        ]),
      );
      expect(listing).toHaveLength(built.platform.capabilities.autoRetrain ? 3 : 2);
    });

    test('the key may be used only through S3, and only to decrypt and make data keys', () => {
      const kms = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('kms:')));
      expect(kms).toHaveLength(1);
      expect([kms[0]!.Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(producerResource(kms[0]!.Resource, built.data)).toBe(keyId);
      expect(kms[0]!.Condition).toEqual({
        StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      });
    });

    test('the only other permissions are its own log group and X-Ray', () => {
      const logGroupId = logicalIdOf(template, 'AWS::Logs::LogGroup', 'ValidateStage');
      const rest = statements.filter((s) => [s.Action].flat().every((a) => !/^(s3|kms):/.test(String(a))));
      expect(rest).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
        { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
      ]);
    });
  });
});

describe('capability overrides decide, not the level', () => {
  test('level 0 with validationGate switched on gets the validate stage', () => {
    const [platform] = buildApp(testApp(), [configAtLevel(0, { overrides: { validationGate: true } })]);
    expect(platform?.pipeline?.validateStage).toBeDefined();
    Template.fromStack(platform!.pipeline!).hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x' });
  });

  test('level 2 with validationGate switched off has no validate stage', () => {
    const [platform] = buildApp(testApp(), [configAtLevel(2, { overrides: { validationGate: false } })]);
    expect(platform?.capabilities.validationGate).toBe(false);
    expect(platform?.pipeline?.validateStage).toBeUndefined();
  });
});

describe('account and region', () => {
  test('come from the config when given', () => {
    const [platform] = buildApp(testApp(), [configAtLevel(2, { account: '123456789012', region: 'eu-west-1' })]);
    expect(platform?.data.account).toBe('123456789012');
    expect(platform?.data.region).toBe('eu-west-1');
    Template.fromStack(platform!.pipeline!).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } })]) },
    });
  });

  test('are left to deploy time otherwise (environment-agnostic stacks)', () => {
    const [platform] = buildApp(testApp(), [configAtLevel(2)]);
    expect(platform?.data.environment).toBe('aws://unknown-account/unknown-region');
  });
});

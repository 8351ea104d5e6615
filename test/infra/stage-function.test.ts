/**
 * The Lambda-defaults construct: defaults, the environment contract and its size limit, grants.
 */
import { Duration, Lazy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { z } from 'zod';
import { validateEnvSchema } from '../../lambda/env/validate-env';
import {
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  StageFunction,
  StageFunctionEnvironmentError,
  UNRESOLVED_TOKEN_BYTES,
  environmentSize,
  retentionDays,
} from '../../lib/constructs/stage-function';
import { testApp } from './helpers';

const env = { DATA_BUCKET: 'data-bucket', ARTIFACT_BUCKET: 'artifact-bucket', DATASET_SCHEMA: '{"columns":{}}' };

function stack(): Stack {
  return new Stack(testApp(), 'Stack');
}

function stage(scope: Stack, overrides: Partial<ConstructorParameters<typeof StageFunction<typeof validateEnvSchema>>[2]> = {}): StageFunction<typeof validateEnvSchema> {
  return new StageFunction(scope, 'Stage', {
    handler: 'validate',
    environmentSchema: validateEnvSchema,
    environment: env,
    logRetention: RetentionDays.ONE_MONTH,
    ...overrides,
  });
}

describe('StageFunction defaults', () => {
  let template: Template;

  beforeAll(() => {
    const scope = stack();
    stage(scope);
    template = Template.fromStack(scope);
  });

  test('Node.js 22, arm64, active tracing, 512 MB, 1 minute, lambda/handlers/<name>.ts#handler', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 512,
      Timeout: 60,
      Handler: 'index.handler',
      Description: 'mlops-platform stage: validate',
    });
  });

  test('schema defaults are applied and source maps are switched on', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { ...env, POWERTOOLS_SERVICE_NAME: 'validate', POWERTOOLS_LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps' },
      },
    });
  });

  test('its log group keeps events as long as told and is retained', () => {
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
  });

  test('its role has no managed policy and may write only to its own log group (plus X-Ray)', () => {
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0]!;
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
          { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
        ],
      },
    });
  });
});

describe('StageFunction props', () => {
  test('timeout, memory and description are taken as given', () => {
    const scope = stack();
    stage(scope, { timeout: Duration.minutes(15), memorySize: Size.mebibytes(1769), description: 'd' });
    const template = Template.fromStack(scope);
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900, MemorySize: 1769, Description: 'd' });
  });

  test('a handler name that is not a file name under lambda/handlers fails', () => {
    expect(() => stage(stack(), { handler: '../evil' })).toThrow(/Stack\/Stage: handler '\.\.\/evil': expected a handler file name/);
  });

  test('an environment the schema rejects fails synth, naming the variable', () => {
    expect(() => stage(stack(), { environment: { ...env, DATA_BUCKET: 'x' } })).toThrow(StageFunctionEnvironmentError);
    expect(() => stage(stack(), { environment: { ...env, POWERTOOLS_LOG_LEVEL: 'LOUD' as 'INFO' } })).toThrow(
      /Stack\/Stage: environment does not match its schema: POWERTOOLS_LOG_LEVEL: /,
    );
  });

  test('an environment over 4 KB fails synth, naming the function, the size and the largest variables', () => {
    const schema = JSON.stringify({ columns: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`column_${i}`, { type: 'number' }])) });
    expect(() => stage(stack(), { environment: { ...env, DATASET_SCHEMA: schema } })).toThrow(
      /^Stack\/Stage: Lambda environment is \d{4} bytes, over the 4096-byte limit .*largest: DATASET_SCHEMA \(\d{4} bytes\)/,
    );
  });

  test('an environment of exactly 4 KB is accepted', () => {
    // The schema's defaults are set too (the function's environment is the parsed contract).
    const base = environmentSize({ ...env, PLATFORM_NAME: 'unknown', ENVIRONMENT_NAME: 'unknown', GOVERNANCE: 'off', POWERTOOLS_SERVICE_NAME: 'validate', POWERTOOLS_LOG_LEVEL: 'INFO', NODE_OPTIONS: '--enable-source-maps' });
    const padding = 'x'.repeat(LAMBDA_ENVIRONMENT_LIMIT_BYTES - base);
    expect(() => stage(stack(), { environment: { ...env, DATASET_SCHEMA: env.DATASET_SCHEMA + padding } })).not.toThrow();
    expect(() => stage(stack(), { environment: { ...env, DATASET_SCHEMA: `${env.DATASET_SCHEMA}${padding}x` } })).toThrow(/4097 bytes/);
  });

  test('addEnvironment re-checks the limit', () => {
    const fn = stage(stack());
    expect(() => fn.addEnvironment('EXTRA', 'y'.repeat(LAMBDA_ENVIRONMENT_LIMIT_BYTES))).toThrow(/Stack\/Stage: Lambda environment is \d+ bytes.*largest: EXTRA/);
  });

  test('environmentSize counts UTF-8 bytes of keys and values, and a fixed budget per unresolved token', () => {
    const scope = stack();
    expect(environmentSize({ KEY: 'é' })).toBe(3 + 2);
    expect(environmentSize({ REGION: `s3.${scope.region}.x` })).toBe(6 + 's3..x'.length + UNRESOLVED_TOKEN_BYTES);
    expect(environmentSize({ LAZY: Lazy.string({ produce: () => 'v' }) })).toBe(4 + UNRESOLVED_TOKEN_BYTES);
  });

  test('any zod object with string outputs is an environment contract', () => {
    const scope = stack();
    new StageFunction(scope, 'Custom', {
      handler: 'validate',
      environmentSchema: z.object({ MODE: z.enum(['a', 'b']).default('a') }),
      environment: {},
      logRetention: RetentionDays.ONE_DAY,
    });
    Template.fromStack(scope).hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { MODE: 'a' } } });
  });
});

describe('retentionDays', () => {
  test('maps config days to a CloudWatch retention', () => {
    expect(retentionDays(14)).toBe(RetentionDays.TWO_WEEKS);
    expect(retentionDays(3653)).toBe(RetentionDays.TEN_YEARS);
  });

  test('refuses days CloudWatch does not offer', () => {
    expect(() => retentionDays(4)).toThrow(/log retention of 4 days: expected one of the retentions CloudWatch Logs offers \(1, 3, 5, 7, 14/);
  });
});

describe('grants', () => {
  let template: Template;
  let bucketId: string;
  let keyId: string;

  beforeAll(() => {
    const scope = stack();
    const key = new Key(scope, 'Key', { enableKeyRotation: true });
    const bucket = new Bucket(scope, 'Bucket', { encryptionKey: key });
    const plain = new Bucket(scope, 'Plain');
    const fn = stage(scope);
    fn.grantReadObjects(bucket, 'incoming/');
    fn.grantWriteObjects(bucket, 'runs/nested/');
    fn.grantWriteObjects(plain, 'out/');
    template = Template.fromStack(scope);
    bucketId = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.startsWith('Bucket'))!;
    keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0]!;
  });

  function objects(id: string, prefix: string): unknown {
    return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, `/${prefix}*`]] };
  }

  test('read: object and tagging reads under the prefix, listing limited to it, decrypt through S3', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:GetObjectVersionTagging'],
            Resource: objects(bucketId, 'incoming/'),
          },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['incoming/*'] } } },
        ]),
      },
    });
  });

  test('write: put, tag and abort uploads under the prefix; the key only through S3', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
          },
          Match.objectLike({ Action: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectTagging'], Resource: Match.arrayWith([objects(bucketId, 'runs/nested/')]) }),
        ]),
      },
    });
  });

  test('a bucket without a KMS key adds no key statement', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')))).toHaveLength(1);
  });

  test.each(['incoming', 'incoming/*', '/incoming/', '', 'a//b/'])('prefix %j is refused', (prefix) => {
    const scope = stack();
    const fn = stage(scope);
    const bucket = new Bucket(scope, 'B');
    expect(() => fn.grantReadObjects(bucket, prefix)).toThrow(/Stack\/Stage: key prefix '.*': expected a prefix such as 'incoming\/'/);
    expect(() => fn.grantWriteObjects(bucket, prefix)).toThrow(/expected a prefix such as 'incoming\/'/);
  });
});

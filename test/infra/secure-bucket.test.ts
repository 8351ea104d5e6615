/**
 * The SecureBucket construct on its own: its defaults and the validation of its props.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { SecureBucket, type SecureBucketProps } from '../../lib/constructs/secure-bucket';
import { testApp } from './helpers';

function build(props: Partial<SecureBucketProps> = {}): { stack: Stack; bucket: SecureBucket } {
  const stack = new Stack(testApp(), 'Stack');
  const bucket = new SecureBucket(stack, 'Secure', {
    encryptionKey: new Key(stack, 'Key', { enableKeyRotation: true }),
    serverAccessLogsBucket: new Bucket(stack, 'Logs'),
    noncurrentVersionExpiration: Duration.days(30),
    ...props,
  });
  return { stack, bucket };
}

describe('SecureBucket', () => {
  test('defaults: logs under "<id>/", no EventBridge, retained, not auto-deleted', () => {
    const { stack } = build();
    const template = Template.fromStack(stack);
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^Logs') }, LogFilePrefix: 'Secure/' },
        NotificationConfiguration: Match.absent(),
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'expire-noncurrent-versions',
              Status: 'Enabled',
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
              ExpiredObjectDeleteMarker: true,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            },
          ],
        },
      }),
      DeletionPolicy: 'Retain',
    });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('denies TLS below 1.2 as well as plain HTTP', () => {
    const { stack } = build();
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  test('eventBridgeEnabled sets the bucket property, with no custom-resource Lambda', () => {
    const { stack } = build({ eventBridgeEnabled: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('disposable: destroyed with the stack, emptied first', () => {
    const { stack } = build({ disposable: true });
    const template = Template.fromStack(stack);
    const secureId = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.startsWith('Secure'))!;
    expect(template.toJSON().Resources[secureId]).toEqual(expect.objectContaining({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' }));
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: secureId } });
  });

  test('exposes its key, so grants on it also grant the key', () => {
    const stack = new Stack(testApp(), 'Stack');
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    const bucket = new SecureBucket(stack, 'Secure', { encryptionKey: key, serverAccessLogsBucket: new Bucket(stack, 'Logs'), noncurrentVersionExpiration: Duration.days(1) });
    expect(bucket.encryptionKey).toBe(key);
  });

  test.each([
    ['36 hours', Duration.hours(36)],
    ['12 hours', Duration.hours(12)],
    ['0 days', Duration.days(0)],
  ])('noncurrentVersionExpiration of %s is refused', (_label, expiry) => {
    expect(() => build({ noncurrentVersionExpiration: expiry })).toThrow(/Secure: noncurrentVersionExpiration of .*: expected a whole number of days, at least 1/);
  });
});

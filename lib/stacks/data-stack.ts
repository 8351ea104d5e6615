/**
 * The stateful foundation of one environment: the customer-managed key, the data and artifact buckets and
 * the bucket their access logs go to. Every maturity level has it (capability `secureStorage`).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { StorageConfig } from '../../config/schema';
import { ABORT_INCOMPLETE_UPLOADS_AFTER, SecureBucket } from '../constructs/secure-bucket';
import { DATA_STACK_OUTPUTS } from '../stack-outputs';

/** Properties of a {@link DataStack}. */
export interface DataStackProps extends StackProps {
  /** Platform name from config (`name`): part of the key alias. */
  readonly platformName: string;

  /** Environment name from config (`environment`): part of the key alias. */
  readonly environmentName: string;

  /** The config's `storage` section: version history and access-log retention. */
  readonly storage: StorageConfig;

  /**
   * Whether the environment is throwaway (config `disposable`): then key and buckets are destroyed with
   * the stack, buckets emptied first.
   * @default false - key and buckets are retained when the stack is deleted
   */
  readonly disposable?: boolean;
}

export { DATA_STACK_OUTPUTS } from '../stack-outputs';

/**
 * Key, buckets and access logs of one environment.
 *
 * The prefix layout of both buckets is fixed in `lambda/core/layout.ts` (`DATA_PREFIX`, `ARTIFACT_PREFIX`),
 * which both IAM grants and handlers import, so they cannot disagree:
 *
 * - data bucket: `incoming/` (uploads; at level 2+ an object created here starts the pipeline; never
 *   modified), `validated/` (copies of files that passed validation, per run), `quarantine/` (copies of
 *   files that failed, with their report beside them);
 * - artifact bucket: `runs/<runId>/` (stage reports, profiles, the run record), `registry/<name>/<version>/`
 *   (immutable model versions), `capture/` (sampled live requests), `baselines/` (drift baselines),
 *   `audit/` (append-only audit trail).
 */
export class DataStack extends Stack {
  /** The customer-managed key both buckets are encrypted with (rotated yearly). */
  readonly key: Key;
  /** The data bucket; sends its object events to EventBridge. */
  readonly dataBucket: SecureBucket;
  /** The artifact bucket: run reports, the model registry, captured requests, baselines, audit trail. */
  readonly artifactBucket: SecureBucket;
  /** Receives the server access logs of both buckets. */
  readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const disposable = props.disposable ?? false;
    const removalPolicy = disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const noncurrentVersionExpiration = Duration.days(props.storage.noncurrentVersionDays);

    this.key = new Key(this, 'DataKey', {
      description: `Encrypts the data and artifact buckets of ${props.platformName}-${props.environmentName}`,
      alias: `alias/${props.platformName}-${props.environmentName}-data`,
      enableKeyRotation: true,
      removalPolicy,
      // A disposable environment's key is gone after the shortest waiting period KMS allows.
      pendingWindow: disposable ? Duration.days(7) : undefined,
    });

    // SSE-S3, not SSE-KMS: S3 server access logging cannot deliver to a bucket encrypted with a KMS key.
    // It has no access log of its own; cdk-nag (AwsSolutions-S1) accepts a bucket that is the log target of
    // another bucket, so this needs no acknowledgement.
    this.accessLogBucket = new Bucket(this, 'AccessLogBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.storage.accessLogDays),
          noncurrentVersionExpiration,
          abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER,
        },
      ],
      removalPolicy,
      autoDeleteObjects: disposable,
    });

    this.dataBucket = new SecureBucket(this, 'DataBucket', {
      encryptionKey: this.key,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'data/',
      noncurrentVersionExpiration,
      disposable,
      eventBridgeEnabled: true,
    });

    this.artifactBucket = new SecureBucket(this, 'ArtifactBucket', {
      encryptionKey: this.key,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'artifacts/',
      noncurrentVersionExpiration,
      disposable,
    });

    new CfnOutput(this, DATA_STACK_OUTPUTS.dataBucketName, {
      value: this.dataBucket.bucketName,
      description: 'Data bucket: upload files to incoming/',
    });
    new CfnOutput(this, DATA_STACK_OUTPUTS.artifactBucketName, {
      value: this.artifactBucket.bucketName,
      description: 'Artifact bucket: runs/, registry/, capture/, baselines/, audit/',
    });
    new CfnOutput(this, DATA_STACK_OUTPUTS.dataKeyArn, {
      value: this.key.keyArn,
      description: 'KMS key of both buckets',
    });
  }
}

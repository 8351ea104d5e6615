/**
 * The one way the platform makes a bucket that holds data or artifacts: encrypted with a customer key,
 * versioned, private, TLS-only, access-logged, with bounded version history.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** Incomplete multipart uploads are aborted (and their parts deleted) after this long. */
export const ABORT_INCOMPLETE_UPLOADS_AFTER = Duration.days(7);

/** Properties of a {@link SecureBucket}. */
export interface SecureBucketProps {
  /** The customer-managed KMS key objects are encrypted with (SSE-KMS, with an S3 Bucket Key). */
  readonly encryptionKey: IKey;

  /** The bucket server access logs are delivered to (it cannot be SSE-KMS encrypted). */
  readonly serverAccessLogsBucket: IBucket;

  /**
   * Key prefix of this bucket's access logs in the log bucket.
   * @default - the construct id followed by `/`, e.g. `DataBucket/`
   */
  readonly serverAccessLogsPrefix?: string;

  /** How long a replaced or deleted object version is kept before it expires (whole days, at least 1). */
  readonly noncurrentVersionExpiration: Duration;

  /**
   * Whether the bucket belongs to a throwaway environment: then the stack deletes it with all its
   * objects (`RemovalPolicy.DESTROY` plus auto-delete); otherwise it outlives the stack.
   * @default false - `RemovalPolicy.RETAIN`
   */
  readonly disposable?: boolean;

  /**
   * Whether S3 sends every object event to the account's default EventBridge bus. It is set on the
   * bucket resource (`NotificationConfiguration.EventBridgeConfiguration`): route events with EventBridge
   * rules, and do not also call `addEventNotification`, whose custom resource manages the same setting.
   * @default false - no EventBridge notifications
   */
  readonly eventBridgeEnabled?: boolean;
}

/**
 * A private S3 bucket with the platform's storage invariants:
 *
 * - SSE-KMS with the given customer key and an S3 Bucket Key (fewer KMS calls);
 * - versioning on, noncurrent versions expiring after `noncurrentVersionExpiration`, expired delete
 *   markers removed, incomplete multipart uploads aborted after {@link ABORT_INCOMPLETE_UPLOADS_AFTER};
 * - Block Public Access on all four settings, ACLs disabled (bucket owner enforced);
 * - a bucket policy denying any request without TLS, or with TLS older than 1.2;
 * - server access logs to the given log bucket under a prefix;
 * - optionally, every object event sent to EventBridge;
 * - `RETAIN` on stack deletion unless the environment is disposable (then `DESTROY`, emptied first).
 */
export class SecureBucket extends Bucket {
  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    const expiry = props.noncurrentVersionExpiration;
    if (!expiry.isUnresolved()) {
      const days = expiry.toDays({ integral: false });
      if (days < 1 || !Number.isInteger(days)) {
        throw new Error(`${id}: noncurrentVersionExpiration of ${expiry.toHumanString()}: expected a whole number of days, at least 1`);
      }
    }
    const disposable = props.disposable ?? false;
    super(scope, id, {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsPrefix ?? `${id}/`,
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: expiry,
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER,
        },
      ],
      removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: disposable,
    });

    if (props.eventBridgeEnabled) {
      // Set on the bucket resource itself, where CloudFormation supports it, rather than through the L2
      // `eventBridgeEnabled` prop: that deploys a custom-resource Lambda (with an AWS managed policy) per stack
      // only to make the same API call.
      const cfnBucket = this.node.defaultChild as CfnBucket;
      cfnBucket.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }
  }
}

/**
 * Who and where the local platform is: the account and region in every local ARN and event, and the
 * credentials its S3 (s3rver) accepts (the local Step Functions endpoint ignores them). A module of its
 * own, free of imports, so the CLI can reach a running platform without loading the platform.
 */

/** The account every local ARN and event names. */
export const LOCAL_ACCOUNT = '000000000000';

/** The region every local ARN, event and client uses. */
export const LOCAL_REGION = 'us-east-1';

/** The credentials s3rver accepts. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

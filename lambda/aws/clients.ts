/**
 * The one factory for AWS SDK clients. The only thing that changes when the platform runs locally is
 * the endpoint: `AWS_ENDPOINT_URL_S3` (the SDK's standard variable) points S3 at the local server,
 * which also needs path-style addressing; `AWS_ENDPOINT_URL_LAMBDA` points Lambda at the local control
 * plane; `AWS_ENDPOINT_URL_SFN` the local Step Functions endpoint; `AWS_ENDPOINT_URL_CLOUDWATCH`, where set, CloudWatch; `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME` the local
 * SageMaker endpoints.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SFNClient } from '@aws-sdk/client-sfn';

let s3: S3Client | undefined;
let lambda: LambdaClient | undefined;
let cloudWatch: CloudWatchClient | undefined;
let sageMakerRuntime: SageMakerRuntimeClient | undefined;
let sfn: SFNClient | undefined;

/** The region clients use: `AWS_REGION`, else us-east-1. */
function region(): string {
  return process.env.AWS_REGION ?? 'us-east-1';
}

/** Options that override what the environment says (tests, the local platform). */
export interface S3ClientOptions {
  /** Endpoint URL; default: `AWS_ENDPOINT_URL_S3`, else the regional AWS endpoint. */
  readonly endpoint?: string;
  /** Region; default: `AWS_REGION`, else us-east-1. */
  readonly region?: string;
  /** Static credentials (the local S3 server takes fixed ones); default: the standard chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Build an S3 client. Checksums only where S3 requires them: streamed bodies stay byte-exact everywhere. */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3;
  return new S3Client({
    region: options.region ?? region(),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The process-wide S3 client, created on first use (reused across Lambda invocations). */
export function s3Client(): S3Client {
  s3 ??= createS3Client();
  return s3;
}

/** The process-wide Lambda client (publishing predict versions, moving the serving alias). */
export function lambdaClient(): LambdaClient {
  lambda ??= new LambdaClient({ region: region() });
  return lambda;
}

/** The process-wide CloudWatch client (the A/B decision's GetMetricData). */
export function cloudWatchClient(): CloudWatchClient {
  cloudWatch ??= new CloudWatchClient({ region: region() });
  return cloudWatch;
}

/** The process-wide SageMaker Runtime client (the front Lambda's `InvokeEndpoint`). */
export function sageMakerRuntimeClient(): SageMakerRuntimeClient {
  // Two attempts at most: a prediction waits for the answer, and CodeDeploy's alarms watch the latency.
  sageMakerRuntime ??= new SageMakerRuntimeClient({ region: region(), maxAttempts: 2 });
  return sageMakerRuntime;
}

/** The process-wide Step Functions client (the upload and retrain triggers start the training pipeline). */
export function sfnClient(): SFNClient {
  const endpoint = process.env.AWS_ENDPOINT_URL_SFN;
  sfn ??= new SFNClient({ region: region(), ...(endpoint ? { endpoint } : {}) });
  return sfn;
}

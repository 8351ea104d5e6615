/**
 * The one place a command decides whether it talks to AWS or to the running local platform (`--local`):
 * either way it gets the environment's names (a {@link DeployedEnvironment}) and S3 and Step Functions
 * clients that reach them. On AWS the names come from the stack outputs and the clients use the standard
 * credential chain; locally they come from `<dir>/endpoints.json`, written by `mlops local up`, and the
 * clients point at its endpoints with the credentials the local S3 takes.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { PlatformConfig } from '../config/schema';
import { createS3Client } from '../lambda/aws/clients';
import { LOCAL_CREDENTIALS } from '../local/identity';
import { findEnvironment, type DeployedEnvironment } from './aws/environment';
import { defaultLocalDir, readEndpoints } from './local-endpoints';

/** How a command chose its target (the `--local` and `--dir` options). */
export interface TargetOptions {
  /** Use the running local platform instead of AWS. */
  readonly local?: boolean;
  /** The local platform's data folder. @default `.local/<env>` */
  readonly dir?: string;
}

/** An environment a command can talk to. */
export interface EnvironmentTarget {
  readonly env: DeployedEnvironment;
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  /** Whether this is the local platform (it answers at once: poll it often). */
  readonly local: boolean;
  /** Seconds between status polls while following a run. */
  readonly pollSeconds: number;
  /** Close the clients' connections. */
  close(): void;
}

function target(env: DeployedEnvironment, s3: S3Client, sfn: SFNClient, local: boolean): EnvironmentTarget {
  return {
    env,
    s3,
    sfn,
    local,
    pollSeconds: local ? 0.25 : 5,
    close: () => {
      s3.destroy();
      sfn.destroy();
    },
  };
}

/**
 * Resolve the environment a command talks to.
 * @throws EnvironmentNotFoundError (AWS: no credentials, stack not deployed) or
 *   LocalPlatformNotRunningError (`--local`: no live platform for the environment) — both usage errors
 */
export async function resolveTarget(config: PlatformConfig, options: TargetOptions = {}): Promise<EnvironmentTarget> {
  if (options.local) {
    const endpoints = readEndpoints(config, options.dir ?? defaultLocalDir(config));
    const env: DeployedEnvironment = {
      region: endpoints.region,
      dataBucket: endpoints.s3.buckets.data,
      artifactBucket: endpoints.s3.buckets.artifacts,
      stateMachineArn: endpoints.stepFunctions.stateMachineArn,
      ...(endpoints.stepFunctions.deployStateMachineArn ? { deployStateMachineArn: endpoints.stepFunctions.deployStateMachineArn } : {}),
    };
    const s3 = createS3Client({ endpoint: endpoints.s3.endpoint, region: endpoints.region, credentials: LOCAL_CREDENTIALS });
    const sfn = new SFNClient({ endpoint: endpoints.stepFunctions.endpoint, region: endpoints.region, credentials: LOCAL_CREDENTIALS });
    return target(env, s3, sfn, true);
  }
  const env = await findEnvironment(config);
  return target(env, createS3Client({ region: env.region }), new SFNClient({ region: env.region }), false);
}

/** Resolve the target, run `use` with it, and close its clients whatever happens. */
export async function withTarget<T>(config: PlatformConfig, options: TargetOptions, use: (target: EnvironmentTarget) => Promise<T>): Promise<T> {
  const resolved = await resolveTarget(config, options);
  try {
    return await use(resolved);
  } finally {
    resolved.close();
  }
}

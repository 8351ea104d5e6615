/**
 * `mlops local up` (run an environment's synthesized platform on this machine until Ctrl-C) and
 * `mlops local run FILE` (start it, upload FILE, follow the run, print its summary, stop).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { existsSync, statSync } from 'node:fs';
import type { PlatformConfig } from '../../config/schema';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/identity';
import type { LocalPlatform, LocalPlatformOptions } from '../../local/platform';
import type { DeployedEnvironment } from '../aws/environment';
import { EXIT, UsageError } from '../errors';
import { defaultLocalDir, endpointsPath, removeEndpoints, runningEndpoints, writeEndpoints, type LocalEndpoints } from '../local-endpoints';
import { colour, type Output } from '../output';
import { runCommand } from './run';
import { runShowCommand } from './runs';

/** Options of the `local` commands. */
export interface LocalCommandOptions {
  /** Data folder (default `.local/<env>`). */
  readonly dir?: string;
  /** S3 port on 127.0.0.1 (default: any free port for `local run`, 4569 for `local up`). */
  readonly port?: number;
  /** Schedules run this many times faster. */
  readonly clockSpeed?: number;
  readonly json?: boolean;
}

/** Start the local platform, loading it (CDK, s3rver, the ASL interpreter) only when a command needs it. */
async function startPlatform(options: LocalPlatformOptions): Promise<LocalPlatform> {
  // A require at the point of use (the CLI runs as CommonJS): other commands never load the platform.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LocalPlatform } = require('../../local/platform') as typeof import('../../local/platform');
  return LocalPlatform.start(options);
}

function platformOptions(config: PlatformConfig, options: LocalCommandOptions, output: Output, port: number): LocalPlatformOptions {
  return {
    config,
    dir: options.dir ?? defaultLocalDir(config),
    port: options.port ?? port,
    ...(options.clockSpeed ? { clockSpeed: options.clockSpeed } : {}),
    log: (line) => output.err(colour.dim(`[local] ${line}`)),
  };
}

/** The local platform as the AWS commands see a deployed environment. */
export function localEnvironment(platform: LocalPlatform): DeployedEnvironment {
  return {
    region: LOCAL_REGION,
    dataBucket: platform.buckets.data,
    artifactBucket: platform.buckets.artifacts,
    stateMachineArn: platform.stateMachineArn,
    ...(platform.deployStateMachineArn ? { deployStateMachineArn: platform.deployStateMachineArn } : {}),
  };
}

/**
 * The platform's Function URLs as `endpoints.json` lists them, and among them the predict URL: the
 * serving stack's (`<name>-<env>-serving`) Function URL in front of the `predict` handler (the function,
 * or an alias of it), or the serving stack's only Function URL.
 */
export function localFunctionUrls(platform: LocalPlatform, config: PlatformConfig): { functionUrls: Record<string, string>; predictUrl?: string } {
  const servingStack = `${config.name}-${config.environment}-serving`;
  const serving = platform.assembly.functionUrls.filter((u) => u.stackName === servingStack);
  const predictFunctions = platform.assembly.functions.filter((f) => f.handler === 'predict');
  const predict = serving.find((u) => predictFunctions.some((f) => u.targetArn === f.arn || u.targetArn.startsWith(`${f.arn}:`))) ?? (serving.length === 1 ? serving[0] : undefined);
  const predictUrl = predict ? platform.functionUrls.get(predict.logicalId) : undefined;
  return { functionUrls: Object.fromEntries(platform.functionUrls), ...(predictUrl ? { predictUrl } : {}) };
}

/** What `endpoints.json` says about a running platform (written by `local up`, read by `--local`). */
export function platformEndpoints(platform: LocalPlatform, config: PlatformConfig): LocalEndpoints {
  return {
    name: config.name,
    environment: config.environment,
    region: LOCAL_REGION,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    s3: { endpoint: platform.env.AWS_ENDPOINT_URL_S3!, buckets: platform.buckets },
    stepFunctions: {
      endpoint: platform.env.AWS_ENDPOINT_URL_SFN!,
      stateMachineArn: platform.stateMachineArn,
      ...(platform.deployStateMachineArn ? { deployStateMachineArn: platform.deployStateMachineArn } : {}),
    },
    ...localFunctionUrls(platform, config),
  };
}

/**
 * `mlops local up`: runs until `stopSignal` settles (SIGINT/SIGTERM). While it runs, `<dir>/endpoints.json`
 * tells other `mlops` processes (`--local`) where its S3 and Step Functions endpoints and its Function URLs
 * (the predict URL among them) are.
 */
export async function localUpCommand(config: PlatformConfig, options: LocalCommandOptions, output: Output, stopSignal: Promise<void>): Promise<number> {
  const dir = options.dir ?? defaultLocalDir(config);
  const running = runningEndpoints(dir);
  if (running) {
    throw new UsageError(`the local platform for ${running.environment} is already running in ${dir} (process ${running.pid}, S3 at ${running.s3.endpoint}): use it with --local, or stop it first`);
  }
  const platform = await startPlatform(platformOptions(config, options, output, 4569));
  try {
    const endpoints = platformEndpoints(platform, config);
    writeEndpoints(dir, endpoints);
    output.out(`local platform for ${config.name}-${config.environment} is up (Ctrl-C stops it)`);
    output.out(`  S3:             ${platform.env.AWS_ENDPOINT_URL_S3}  data bucket ${platform.buckets.data}, artifact bucket ${platform.buckets.artifacts}`);
    output.out(`  Step Functions: ${platform.env.AWS_ENDPOINT_URL_SFN}  ${platform.stateMachineArn}`);
    if (endpoints.predictUrl) output.out(`  predict:        ${endpoints.predictUrl}  (mlops predict JSON --env ${config.environment} --local${options.dir ? ` --dir ${dir}` : ''})`);
    output.out(`  credentials:    AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey}`);
    output.out(`  endpoints:      ${endpointsPath(dir)} (other commands use it with --local${options.dir ? ` --dir ${dir}` : ''})`);
    output.out(`  upload data:    mlops upload FILE --env ${config.environment} --local${options.dir ? ` --dir ${dir}` : ''}`);
    await stopSignal;
  } finally {
    removeEndpoints(dir);
    await platform.stop();
  }
  output.out('local platform stopped');
  return EXIT.ok;
}

/** `mlops local run FILE`: exit 0 if the run succeeded (registered or gate-rejected), 1 if it failed, 2 on usage errors. */
export async function localRunCommand(file: string, config: PlatformConfig, options: LocalCommandOptions, output: Output): Promise<number> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`no such file: ${file}`);
  const platform = await startPlatform(platformOptions(config, options, output, 0));
  const sfn = new SFNClient({ endpoint: platform.env.AWS_ENDPOINT_URL_SFN!, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    let runId = '';
    const code = await runCommand(file, config, localEnvironment(platform), { s3: platform.s3, sfn }, { wait: true, json: options.json ?? false, pollSeconds: 0.25, onRun: (id) => (runId = id) }, output);
    await runShowCommand(platform.s3, platform.buckets.artifacts, runId, { json: options.json ?? false }, output);
    return code;
  } finally {
    sfn.destroy();
    await platform.stop();
  }
}

/**
 * The `mlops` command-line program (commander). Every command accepts `--env NAME` or
 * `--config FILE`, and `--json` where its output is data. Exit codes follow the CLI contract.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config/load';
import type { PlatformConfig } from '../config/schema';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createS3Client } from '../lambda/aws/clients';
import { findEnvironment } from './aws/environment';
import { localRunCommand, localUpCommand } from './commands/local';
import { reportCommand } from './commands/report';
import { runCommand } from './commands/run';
import { runShowCommand, runsCommand } from './commands/runs';
import { validateCommand } from './commands/validate';
import { EXIT, UsageError } from './errors';
import { processOutput, type Output } from './output';

/** The options every command shares. */
interface ConfigOptions {
  readonly env?: string;
  readonly config?: string;
}

function configOptions(command: Command): Command {
  return command
    .addOption(new Option('-e, --env <name>', 'environment: reads config/<name>.json').conflicts('config'))
    .addOption(new Option('-c, --config <file>', 'any config file'));
}

function selectConfig(options: ConfigOptions): PlatformConfig {
  return loadConfig({ ...(options.env ? { env: options.env } : {}), ...(options.config ? { config: options.config } : {}) });
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--workers takes a whole number from 1 to 256, got ${JSON.stringify(value)}`);
  return n;
}

/** Build the program; `setExit` receives each command's exit code. */
export function buildProgram(output: Output, setExit: (code: number) => void): Command {
  const program = new Command('mlops')
    .description('MLOps platform CLI: validate data, run pipelines, manage models — on AWS or the local platform')
    .exitOverride()
    .configureOutput({ writeOut: (s) => output.out(s.trimEnd()), writeErr: (s) => output.err(s.trimEnd()) })
    .showHelpAfterError();

  configOptions(
    program
      .command('validate')
      .description("validate a local data file against the environment's dataset schema")
      .argument('<file>', 'CSV, JSON Lines or Parquet file')
      .option('--json', 'print the report and profile as JSON')
      .option('--workers <n>', 'threads for large CSV files (default: every core)', parseWorkers),
  ).action(async (file: string, options: ConfigOptions & { json?: boolean; workers?: number }) => {
    const config = selectConfig(options);
    setExit(await validateCommand(file, config, { json: options.json ?? false, ...(options.workers ? { workers: options.workers } : {}) }, output));
  });

  configOptions(
    program
      .command('run')
      .description('start a training run on AWS: uploads FILE to incoming/ first, or runs an object or part folder already there')
      .argument('<target>', 'a local data file, s3://<data bucket>/incoming/<key>, or a part folder s3://<data bucket>/incoming/<folder>/ (with _SUCCESS or _manifest.json)')
      .option('--wait', 'follow the run to its end; exit 0 if it succeeded, 1 if not')
      .option('--json', 'print the run as JSON'),
  ).action(async (target: string, options: ConfigOptions & { wait?: boolean; json?: boolean }) => {
    const config = selectConfig(options);
    const env = await findEnvironment(config);
    const clients = { s3: createS3Client({ region: env.region }), sfn: new SFNClient({ region: env.region }) };
    setExit(await runCommand(target, config, env, clients, { wait: options.wait ?? false, json: options.json ?? false }, output));
  });

  const runs = configOptions(
    program
      .command('runs')
      .description('list the recent training runs of an environment (`runs show ID` for one)')
      .option('--limit <n>', 'how many runs', (v) => Number(v), 20)
      .option('--json', 'print the run records as JSON'),
  ).action(async (options: ConfigOptions & { limit: number; json?: boolean }) => {
    const env = await findEnvironment(selectConfig(options));
    setExit(await runsCommand(createS3Client({ region: env.region }), env.artifactBucket, { limit: options.limit, json: options.json ?? false }, output));
  });
  configOptions(
    runs
      .command('show')
      .description("one run's stages, timings, metrics, outcome and gate reasons")
      .argument('<runId>', 'the run id (the execution name)')
      .option('--json', 'print the run record as JSON'),
  ).action(async (runId: string, options: ConfigOptions & { json?: boolean }) => {
    const env = await findEnvironment(selectConfig(options));
    setExit(await runShowCommand(createS3Client({ region: env.region }), env.artifactBucket, runId, { json: options.json ?? false }, output));
  });

  configOptions(
    program
      .command('report')
      .description("write one run's HTML report: validation, metrics vs champion and baseline, feature importance, lineage")
      .argument('<runId>', 'the run id (the execution name)')
      .requiredOption('-o, --out <file>', 'the HTML file to write (one self-contained file)'),
  ).action(async (runId: string, options: ConfigOptions & { out: string }) => {
    const env = await findEnvironment(selectConfig(options));
    setExit(await reportCommand(createS3Client({ region: env.region }), env.artifactBucket, runId, { out: options.out }, output));
  });

  const local = program.command('local').description("run an environment's synthesized platform on this machine (S3, Step Functions, rules: no AWS account)");
  configOptions(
    local
      .command('up')
      .description('start the local platform in the foreground (Ctrl-C stops it)')
      .option('--port <n>', 'S3 port on 127.0.0.1', parsePort, 4569)
      .option('--dir <folder>', 'data folder (default .local/<env>)')
      .option('--clock-speed <x>', 'run schedules this many times faster', (v) => Number(v)),
  ).action(async (options: ConfigOptions & { port: number; dir?: string; clockSpeed?: number }) => {
    const stop = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    setExit(await localUpCommand(selectConfig(options), { port: options.port, ...(options.dir ? { dir: options.dir } : {}), ...(options.clockSpeed ? { clockSpeed: options.clockSpeed } : {}) }, output, stop));
  });
  configOptions(
    local
      .command('run')
      .description('start the local platform, upload FILE, follow the run, print its summary, stop (exit 0 run succeeded, 1 failed)')
      .argument('<file>', 'a CSV, JSON Lines or Parquet file')
      .option('--dir <folder>', 'data folder (default .local/<env>)')
      .option('--json', 'print the run record as JSON'),
  ).action(async (file: string, options: ConfigOptions & { dir?: string; json?: boolean }) => {
    setExit(await localRunCommand(file, selectConfig(options), { ...(options.dir ? { dir: options.dir } : {}), json: options.json ?? false }, output));
  });

  return program;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port takes a port number (0–65535), got ${JSON.stringify(value)}`);
  return n;
}

/** Parse argv, run the command, and return the exit code (never throws). */
export async function runCli(argv: readonly string[], output: Output = processOutput): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(output, (c) => (code = c));
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError || error instanceof UsageError) {
      output.err(`mlops: ${error.message}`);
      return EXIT.usage;
    }
    output.err(`mlops: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT.failed;
  }
}

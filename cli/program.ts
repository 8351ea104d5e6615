/**
 * The `mlops` command-line program (commander). Every command accepts `--env NAME` or
 * `--config FILE`, and `--json` where its output is data; every command that talks to an environment
 * also takes `--local [--dir D]` (the running local platform instead of AWS, resolved in
 * `environment-target.ts`). Exit codes follow the CLI contract.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config/load';
import type { PlatformConfig } from '../config/schema';
import { auditRecorder, type AuditRecorder } from '../lambda/aws/audit-recorder';
import { capabilitiesFor } from '../lib/maturity';
import { deployCommand } from './commands/deploy';
import { driftCommand, driftStatusCommand } from './commands/drift';
import { localRunCommand, localUpCommand } from './commands/local';
import { modelCardCommand, modelShowCommand, modelsCommand, modelStageCommand, parseVersion, s3ModelRegistry, type ModelRegistry, type StageChangeOptions } from './commands/models';
import { predictCommand, readRequestBody, resolvePredictEndpoint } from './commands/predict';
import { reportCommand } from './commands/report';
import { runCommand } from './commands/run';
import { runShowCommand, runsCommand } from './commands/runs';
import { checkUpload, uploadCommand } from './commands/upload';
import { validateCommand } from './commands/validate';
import { withTarget, type EnvironmentTarget, type TargetOptions } from './environment-target';
import { EXIT, UsageError } from './errors';
import { processOutput, type Output } from './output';

/** The options every command shares. */
interface ConfigOptions {
  readonly env?: string;
  readonly config?: string;
}

/** The options of a command that talks to an environment: which one, on AWS or the local platform. */
type EnvOptions = ConfigOptions & TargetOptions;

function configOptions(command: Command): Command {
  return command
    .addOption(new Option('-e, --env <name>', 'environment: reads config/<name>.json').conflicts('config'))
    .addOption(new Option('-c, --config <file>', 'any config file'));
}

/** `--env/--config`, plus `--local [--dir D]`: every command that talks to an environment has them. */
function targetOptions(command: Command): Command {
  return configOptions(command)
    .addOption(new Option('--local', 'use the running local platform (mlops local up) instead of AWS'))
    .addOption(new Option('--dir <folder>', "the local platform's data folder (default .local/<env>); implies --local").implies({ local: true }));
}

/** The audit recorder of an environment's CLI decisions: on at the governance level (level 4), else off. */
function governanceAudit(config: PlatformConfig, target: EnvironmentTarget): AuditRecorder {
  return auditRecorder({ enabled: capabilitiesFor(config.maturityLevel, config.overrides).governance, client: target.s3, bucket: target.env.artifactBucket, environment: config.environment });
}

function selectConfig(options: ConfigOptions): PlatformConfig {
  return loadConfig({ ...(options.env ? { env: options.env } : {}), ...(options.config ? { config: options.config } : {}) });
}

/** The options that select this environment again, for the follow-up commands a command suggests. */
function selectionFlags(config: PlatformConfig, options: EnvOptions): string {
  return [options.config ? `--config ${options.config}` : `--env ${config.environment}`, options.dir ? `--dir ${options.dir}` : options.local ? '--local' : ''].filter(Boolean).join(' ');
}

function stageChange(options: StageChangeOptions): StageChangeOptions {
  return { ...(options.by !== undefined ? { by: options.by } : {}), ...(options.reason !== undefined ? { reason: options.reason } : {}), json: options.json ?? false };
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
    .showHelpAfterError()
    // `runs` and `models` have options of their own and subcommands with the same ones (`--json`, `--env`):
    // an option belongs to the command it follows, so `models show 3 --json` is show's `--json`.
    .enablePositionalOptions();

  /** Run a `models` command on the registry of the environment's model (named by the config's `name`). */
  const withRegistry = async (options: EnvOptions, command: (registry: ModelRegistry, target: EnvironmentTarget) => Promise<number>): Promise<void> => {
    const config = selectConfig(options);
    await withTarget(config, options, async (t) => setExit(await command(s3ModelRegistry(t.s3, t.env.artifactBucket, config.name), t)));
  };

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

  targetOptions(
    program
      .command('drift')
      .description("drift report between two local data files (the reference fixes each column's test, as a training split does); without files, the environment's latest drift verdict")
      .argument('[reference]', 'reference data: CSV, JSON Lines or Parquet')
      .argument('[current]', 'current data, same format and columns')
      .option('--json', 'print the report as JSON'),
  ).action(async (reference: string | undefined, current: string | undefined, options: EnvOptions & { json?: boolean }) => {
    const config = selectConfig(options);
    if (reference !== undefined && current !== undefined) {
      setExit(await driftCommand(reference, current, config, { json: options.json ?? false }, output));
    } else if (reference === undefined) {
      await withTarget(config, options, async (t) => setExit(await driftStatusCommand(t.s3, t.env.artifactBucket, config, { json: options.json ?? false }, output)));
    } else {
      throw new UsageError("give two files (mlops drift REF CUR) or none (the environment's latest drift verdict)");
    }
  });

  targetOptions(
    program
      .command('run')
      .description('start a training run: uploads FILE to incoming/ first, or runs an object or part folder already there')
      .argument('<target>', 'a local data file, s3://<data bucket>/incoming/<key>, or a part folder s3://<data bucket>/incoming/<folder>/ (with _SUCCESS or _manifest.json)')
      .option('--wait', 'follow the run to its end; exit 0 if it succeeded, 1 if not')
      .option('--json', 'print the run as JSON'),
  ).action(async (target: string, options: EnvOptions & { wait?: boolean; json?: boolean }) => {
    const config = selectConfig(options);
    await withTarget(config, options, async (t) => {
      setExit(await runCommand(target, config, t.env, t, { wait: options.wait ?? false, json: options.json ?? false, pollSeconds: t.pollSeconds, flags: selectionFlags(config, options) }, output));
    });
  });

  targetOptions(
    program
      .command('upload')
      .description("upload a file to the environment's data bucket under incoming/ (multipart, progress bar on a TTY); at level 2+ this starts a run")
      .argument('<file>', 'the file to upload')
      .option('--key <key>', 'the object key, under incoming/ (default incoming/<file name>)')
      .option('--json', 'print the uploaded object (and the run it starts) as JSON'),
  ).action(async (file: string, options: EnvOptions & { key?: string; json?: boolean }) => {
    const config = selectConfig(options);
    // Usage errors first: no need to find the environment for a file that is not there.
    const key = checkUpload(file, options.key);
    await withTarget(config, options, async (t) => {
      const upload = { key, json: options.json ?? false, flags: selectionFlags(config, options) };
      setExit(await uploadCommand(file, config, t.env, t.s3, upload, output));
    });
  });

  const runs = targetOptions(
    program
      .command('runs')
      .description('list the recent training runs of an environment (`runs show ID` for one)')
      .option('--limit <n>', 'how many runs', (v) => Number(v), 20)
      .option('--json', 'print the run records as JSON'),
  ).action(async (options: EnvOptions & { limit: number; json?: boolean }) => {
    await withTarget(selectConfig(options), options, async (t) => {
      setExit(await runsCommand(t.s3, t.env.artifactBucket, { limit: options.limit, json: options.json ?? false }, output));
    });
  });
  targetOptions(
    runs
      .command('show')
      .description("one run's stages, timings, metrics, outcome and gate reasons")
      .argument('<runId>', 'the run id (the execution name)')
      .option('--json', 'print the run record as JSON'),
  ).action(async (runId: string, options: EnvOptions & { json?: boolean }) => {
    await withTarget(selectConfig(options), options, async (t) => {
      setExit(await runShowCommand(t.s3, t.env.artifactBucket, runId, { json: options.json ?? false }, output));
    });
  });

  const models = targetOptions(
    program
      .command('models')
      .description("the registry's versions of the environment's model, newest first (`models show|approve|reject VERSION`)")
      .option('--json', 'print the versions as JSON'),
  ).action(async (options: EnvOptions & { json?: boolean }) => {
    await withRegistry(options, (registry) => modelsCommand(registry, { json: options.json ?? false }, output));
  });
  targetOptions(
    models
      .command('show')
      .description("one version's manifest (lineage, gate, files) and stage history")
      .argument('<version>', 'the version number (3 or v3)')
      .option('--json', 'print the manifest and history as JSON'),
  ).action(async (version: string, options: EnvOptions & { json?: boolean }) => {
    const v = parseVersion(version);
    await withRegistry(options, (registry) => modelShowCommand(registry, v, { json: options.json ?? false }, output));
  });
  targetOptions(
    models
      .command('card')
      .description("one version's model card: intended use, training data, evaluation, importance, limitations (level 4)")
      .argument('<version>', 'the version number (3 or v3)')
      .option('--out <file>', 'write the card as a self-contained HTML page')
      .option('--json', 'print the card as JSON'),
  ).action(async (version: string, options: EnvOptions & { json?: boolean; out?: string }) => {
    const v = parseVersion(version);
    await withRegistry(options, (registry) => modelCardCommand(registry, v, { json: options.json ?? false, ...(options.out ? { out: options.out } : {}) }, output));
  });
  targetOptions(
    models
      .command('approve')
      .description('approve a candidate version (stage approved), recording who and why')
      .argument('<version>', 'the version number (3 or v3)')
      .option('--reason <text>', 'why (recorded in the stage history)')
      .option('--by <name>', 'who approves (default: the OS user)')
      .option('--json', 'print the new stage and history as JSON'),
  ).action(async (version: string, options: EnvOptions & StageChangeOptions) => {
    const v = parseVersion(version);
    const config = selectConfig(options);
    await withRegistry(options, (registry, t) => modelStageCommand(registry, v, 'approve', stageChange(options), output, t.sfn, governanceAudit(config, t)));
  });
  targetOptions(
    models
      .command('reject')
      .description('reject a candidate or approved version (stage archived), recording who and why')
      .argument('<version>', 'the version number (3 or v3)')
      .requiredOption('--reason <text>', 'why (recorded in the stage history)')
      .option('--by <name>', 'who rejects (default: the OS user)')
      .option('--json', 'print the new stage and history as JSON'),
  ).action(async (version: string, options: EnvOptions & StageChangeOptions) => {
    const v = parseVersion(version);
    const config = selectConfig(options);
    await withRegistry(options, (registry, t) => modelStageCommand(registry, v, 'reject', stageChange(options), output, t.sfn, governanceAudit(config, t)));
  });

  targetOptions(
    program
      .command('deploy')
      .description("deploy a registry version to the environment's endpoint through its deploy state machine (levels 0–1; at any level, a deliberate redeploy or rollback)")
      .argument('<version>', 'the version number (3 or v3)')
      .option('--reason <text>', 'why (recorded in the stage history and the deploy history)')
      .option('--by <name>', 'who deploys (default: the OS user)')
      .option('--no-wait', 'start the deployment and return')
      .option('--json', 'print the outcome as JSON'),
  ).action(async (version: string, options: EnvOptions & { reason?: string; by?: string; wait: boolean; json?: boolean }) => {
    const v = parseVersion(version);
    const config = selectConfig(options);
    await withTarget(config, options, async (t) =>
      setExit(
        await deployCommand(
          v,
          config,
          t.env,
          { sfn: t.sfn, registry: s3ModelRegistry(t.s3, t.env.artifactBucket, config.name).store },
          { ...(options.reason ? { reason: options.reason } : {}), ...(options.by ? { by: options.by } : {}), wait: options.wait, json: options.json ?? false, pollSeconds: t.pollSeconds, flags: selectionFlags(config, options) },
          output,
        ),
      ),
    );
  });

  targetOptions(
    program
      .command('predict')
      .description("call the environment's predict endpoint: SigV4-signed on AWS, or the local platform's with --local (exit 0 answered, 1 refused or failed)")
      .argument('[json]', 'the request: one record \'{"distance": 950, …}\' or a batch \'{"instances": [...]}\'; - reads stdin')
      .option('-f, --file <file>', 'read the request from a JSON file instead')
      .option('--json', 'print the response body as the endpoint sent it'),
  ).action(async (json: string | undefined, options: EnvOptions & { file?: string; json?: boolean }) => {
    const config = selectConfig(options);
    // Usage errors first: no need to find the endpoint for a request that is not JSON.
    const body = readRequestBody(json, options.file);
    const endpoint = await resolvePredictEndpoint(config, options);
    setExit(await predictCommand(endpoint, body, { json: options.json ?? false }, output));
  });

  targetOptions(
    program
      .command('report')
      .description("write one run's HTML report: validation, metrics vs champion and baseline, feature importance, lineage")
      .argument('<runId>', 'the run id (the execution name)')
      .requiredOption('-o, --out <file>', 'the HTML file to write (one self-contained file)'),
  ).action(async (runId: string, options: EnvOptions & { out: string }) => {
    await withTarget(selectConfig(options), options, async (t) => {
      setExit(await reportCommand(t.s3, t.env.artifactBucket, runId, { out: options.out }, output));
    });
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

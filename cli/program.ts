/**
 * The `mlops` command-line program (commander). Every command accepts `--env NAME` or
 * `--config FILE`, and `--json` where its output is data. Exit codes follow the CLI contract.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig } from '../config/load';
import type { PlatformConfig } from '../config/schema';
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

  return program;
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

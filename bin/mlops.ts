/**
 * The `mlops` CLI entry point: builds the commander program and maps outcomes to the exit codes of the
 * CLI contract (0 success · 1 the checked thing failed · 2 usage or config error).
 */
import { runCli } from '../cli/program';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void runCli(process.argv).then((code) => {
  process.exitCode = code;
});

// `mlops … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

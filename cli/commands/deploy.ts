/**
 * `mlops deploy VERSION [--reason R] [--by NAME] [--no-wait] [--json]`: run the environment's deploy state
 * machine for a registry version — the manual deploy of levels 0–1, and at any level a deliberate
 * redeploy (a rollback to an older version). It waits for the deployment to end unless `--no-wait`.
 *
 * Exit 0 deployed (or already serving) · 1 the deployment failed or was rolled back, or the version does
 * not exist · 2 usage (no deploy state machine in the environment).
 */
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { PlatformConfig } from '../../config/schema';
import { versionKey, type RegistryStore, type VersionManifest } from '../../lambda/core/registry/registry';
import type { DeployedEnvironment } from '../aws/environment';
import { EXIT, UsageError } from '../errors';
import { colour, type Output } from '../output';
import { defaultActor } from './models';

/** Options of `mlops deploy`. */
export interface DeployCommandOptions {
  readonly reason?: string;
  readonly by?: string;
  /** Follow the deployment to its end. @default true */
  readonly wait?: boolean;
  readonly json?: boolean;
  /** Seconds between status polls. @default 5 */
  readonly pollSeconds?: number;
  /** How the CLI was pointed at the environment (`--env dev --local`), for the hints it prints. */
  readonly flags?: string;
}

/** Execution names are unique per state machine: version, time and a random tail. */
function executionNameFor(version: number, now: Date): string {
  return `deploy-v${version}-${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A failed Lambda task's cause is Lambda's error JSON (`{"errorType", "errorMessage", "trace"}`): its message. */
function causeText(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/** `mlops deploy VERSION`. */
export async function deployCommand(
  version: number,
  config: PlatformConfig,
  env: DeployedEnvironment,
  clients: { readonly sfn: SFNClient; readonly registry: RegistryStore },
  options: DeployCommandOptions,
  output: Output,
): Promise<number> {
  if (!env.deployStateMachineArn) {
    throw new UsageError(`${config.environment} has no deploy state machine: deploy the serving stack first (npx cdk deploy --all -c env=${config.environment})`);
  }
  // A missing version fails fast here, with the same words the deploy state machine would use.
  const manifest = await clients.registry.get<VersionManifest>(versionKey(config.name, version, 'manifest.json'));
  if (!manifest) {
    output.err(`mlops: version ${version} of model ${config.name} is not in the registry (list versions with: mlops models ${options.flags ?? `--env ${config.environment}`})`);
    return EXIT.failed;
  }
  const name = executionNameFor(version, new Date());
  const input = { version, requestedBy: options.by ?? defaultActor(), reason: options.reason ?? 'deployed with mlops deploy' };
  const started = await clients.sfn.send(new StartExecutionCommand({ stateMachineArn: env.deployStateMachineArn, name, input: JSON.stringify(input) }));
  const executionArn = started.executionArn!;
  if (options.wait === false) {
    if (options.json) output.out(JSON.stringify({ version, executionArn, status: 'RUNNING' }, null, 2));
    else output.out(`deploying v${version} of ${config.name}: ${executionArn}`);
    return EXIT.ok;
  }
  const poll = (options.pollSeconds ?? 5) * 1000;
  for (;;) {
    const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const status = described.status ?? 'RUNNING';
    if (status === 'RUNNING' || status === 'PENDING_REDRIVE') {
      await new Promise((resolve) => setTimeout(resolve, poll));
      continue;
    }
    const result = described.output ? (JSON.parse(described.output) as { plan?: { previousVersion?: number; alreadyServing?: boolean; strategy?: string } }) : {};
    if (options.json) {
      output.out(JSON.stringify({ version, executionArn, status, ...(described.error ? { error: described.error, cause: described.cause } : {}), ...(result.plan ? { plan: result.plan } : {}) }, null, 2));
    } else if (status === 'SUCCEEDED') {
      const plan = result.plan;
      if (plan?.alreadyServing) output.out(`v${version} of ${config.name} already serves: nothing to do`);
      else output.out(`${colour.green('deployed')}: v${version} of ${config.name} serves${plan?.previousVersion ? ` (replacing v${plan.previousVersion})` : ''}${plan?.strategy === 'canary' ? ' after a canary' : ''}`);
    } else {
      output.err(`mlops: ${colour.red(described.error ?? status)}: v${version} was not deployed${described.cause ? `: ${causeText(described.cause)}` : ''}`);
    }
    return status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
  }
}

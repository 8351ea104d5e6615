/**
 * Finding a deployed environment on AWS: its buckets and state machine from the stack outputs, with
 * errors that say what to do (no credentials, stack not deployed, output missing).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { PlatformConfig } from '../../config/schema';
import { DATA_STACK_OUTPUTS, PIPELINE_STACK_OUTPUTS, SERVING_STACK_OUTPUTS } from '../../lib/stack-outputs';
import { UsageError } from '../errors';

/** The deployed names of one environment. */
export interface DeployedEnvironment {
  readonly region: string;
  readonly dataBucket: string;
  readonly artifactBucket: string;
  readonly stateMachineArn: string;
  /** The deploy state machine (serving stack); absent when the serving stack is not deployed. */
  readonly deployStateMachineArn?: string;
}

/** The environment cannot be reached or is not deployed (exit 2: nothing ran). */
export class EnvironmentNotFoundError extends UsageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvironmentNotFoundError';
  }
}

function describeFailure(error: unknown, stackName: string, region: string, env: string): EnvironmentNotFoundError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message)) {
    return new EnvironmentNotFoundError('no AWS credentials found: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY', { cause: error });
  }
  if (/does not exist/.test(message)) {
    return new EnvironmentNotFoundError(`stack ${stackName} is not deployed in ${region}: run \`npx cdk deploy --all -c env=${env}\` first`, { cause: error });
  }
  return new EnvironmentNotFoundError(`cannot read stack ${stackName} in ${region} (${name || 'error'}: ${message})`, { cause: error });
}

/** Read the outputs of the environment's data, pipeline and (when deployed) serving stacks. */
export async function findEnvironment(config: PlatformConfig, client?: CloudFormationClient): Promise<DeployedEnvironment> {
  const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const cfn = client ?? new CloudFormationClient({ region });
  const outputs = new Map<string, string>();
  for (const part of ['data', 'pipeline', 'serving']) {
    const stackName = `${config.name}-${config.environment}-${part}`;
    try {
      const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
      for (const o of out?.Stacks?.[0]?.Outputs ?? []) if (o.OutputKey && o.OutputValue) outputs.set(o.OutputKey, o.OutputValue);
    } catch (error) {
      // Without the serving stack the data commands still work; `mlops deploy` says what is missing.
      if (part === 'serving' && error instanceof Error && /does not exist/.test(error.message)) continue;
      throw describeFailure(error, stackName, region, config.environment);
    }
  }
  const need = (key: string): string => {
    const value = outputs.get(key);
    if (!value) throw new EnvironmentNotFoundError(`the deployed stacks of ${config.environment} have no output ${key}: redeploy with this version (npx cdk deploy --all -c env=${config.environment})`);
    return value;
  };
  return {
    region,
    dataBucket: need(DATA_STACK_OUTPUTS.dataBucketName),
    artifactBucket: need(DATA_STACK_OUTPUTS.artifactBucketName),
    stateMachineArn: need(PIPELINE_STACK_OUTPUTS.stateMachineArn),
    ...(outputs.has(SERVING_STACK_OUTPUTS.deployStateMachineArn) ? { deployStateMachineArn: outputs.get(SERVING_STACK_OUTPUTS.deployStateMachineArn)! } : {}),
  };
}

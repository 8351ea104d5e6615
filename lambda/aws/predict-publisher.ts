/**
 * Publishes a Lambda version of the predict function pinned to one registry version, for CodeDeploy to
 * shift the serving alias to: `$LATEST`'s environment gains `MODEL_VERSION=<n>` (every other variable
 * kept), the update is awaited, and the result is published. The alias itself is not touched here:
 * CodeDeploy moves it (canary, alarms, rollback) from the AppSpec this returns.
 *
 * `$LATEST` keeps the pin after a deployment. A later `cdk deploy` that changes the function resets its
 * environment from the template (no pin: the champion, re-read from the registry) and shifts the alias
 * to that version through the same deployment group — it then serves the same model, the champion.
 */
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, PublishVersionCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';

let lambda: LambdaClient | undefined;

/** The process-wide Lambda client (the SDK reads `AWS_ENDPOINT_URL_LAMBDA` for the local platform). */
export function lambdaClient(): LambdaClient {
  lambda ??= new LambdaClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
  return lambda;
}

/** A published, pinned version and the AppSpec that shifts the alias to it. */
export interface PublishedPredictVersion {
  readonly functionName: string;
  readonly alias: string;
  /** The Lambda version the alias serves now. */
  readonly currentVersion: string;
  /** The Lambda version just published, serving the model version. */
  readonly targetVersion: string;
  readonly modelVersion: number;
  /** CodeDeploy's Lambda AppSpec (JSON text), for `CreateDeployment` with `AppSpecContent`. */
  readonly appSpec: string;
}

/** The variable the predict Lambda pins its model version with. */
export const MODEL_VERSION_VARIABLE = 'MODEL_VERSION';

/** Longest wait for a function update before giving up. */
const UPDATE_WAIT_SECONDS = 120;

/**
 * Pin `$LATEST` of the predict function to a model version and publish it.
 * @throws the SDK's errors (ResourceNotFoundException, …), and a waiter error when the update does not settle
 */
export async function publishPinnedVersion(
  client: LambdaClient,
  target: { readonly functionName: string; readonly alias: string; readonly modelVersion: number; readonly description: string },
): Promise<PublishedPredictVersion> {
  const { functionName, alias, modelVersion } = target;
  const [configuration, current] = await Promise.all([
    client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName })),
    client.send(new GetAliasCommand({ FunctionName: functionName, Name: alias })),
  ]);
  const variables = { ...(configuration.Environment?.Variables ?? {}), [MODEL_VERSION_VARIABLE]: String(modelVersion) };
  await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: variables } }));
  await waitUntilFunctionUpdatedV2({ client, maxWaitTime: UPDATE_WAIT_SECONDS, minDelay: 1, maxDelay: 5 }, { FunctionName: functionName });
  const published = await client.send(new PublishVersionCommand({ FunctionName: functionName, Description: target.description }));
  const currentVersion = current.FunctionVersion ?? '$LATEST';
  const targetVersion = published.Version ?? '$LATEST';
  const appSpec = JSON.stringify({
    version: 0.0,
    Resources: [{ PredictFunction: { Type: 'AWS::Lambda::Function', Properties: { Name: functionName, Alias: alias, CurrentVersion: currentVersion, TargetVersion: targetVersion } } }],
  });
  return { functionName, alias, currentVersion, targetVersion, modelVersion, appSpec };
}

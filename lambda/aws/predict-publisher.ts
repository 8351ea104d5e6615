/**
 * Publishes a Lambda version of the predict function pinned to one registry version, for CodeDeploy to
 * shift the serving alias to: `$LATEST`'s environment gains `MODEL_VERSION=<n>` (every other variable
 * kept), the update is awaited, and the result is published. The alias itself is not touched here:
 * CodeDeploy moves it (canary, alarms, rollback) from the AppSpec this returns.
 *
 * `$LATEST` keeps the pin after a deployment. A later `cdk deploy` that changes the function resets its
 * environment from the template (no pin: the champion, re-read from the registry) and shifts the alias
 * to that version through the same deployment group — it then serves the same model, the champion.
 *
 * For an A/B test the alias is routed directly instead ({@link routeAlias}): the primary version keeps
 * serving and the challenger gets a weighted share (`RoutingConfig.AdditionalVersionWeights`), until the
 * decision moves the primary or removes the weight.
 */
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';

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

/** Where an alias sends its traffic: the primary version, and at most one more with its share (0–1). */
export interface AliasRoute {
  readonly functionVersion: string;
  readonly additionalVersionWeights: Readonly<Record<string, number>>;
}

/** The alias is not where the caller expected it (someone else moved it meanwhile). */
export class AliasMovedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AliasMovedError';
  }
}

/**
 * Route an alias: set its primary version and its additional version weights (an empty record removes
 * them). With `expectPrimary`, refuses when the alias's primary is not that version, and updates with the
 * alias's `RevisionId`, so a concurrent move fails instead of being overwritten.
 * @throws AliasMovedError when the primary is not `expectPrimary`; the SDK's errors (PreconditionFailedException, …)
 */
export async function routeAlias(
  client: LambdaClient,
  target: { readonly functionName: string; readonly alias: string; readonly route: AliasRoute; readonly expectPrimary?: string },
): Promise<AliasRoute> {
  const { functionName, alias } = target;
  const current = await client.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }));
  if (target.expectPrimary !== undefined && current.FunctionVersion !== target.expectPrimary) {
    throw new AliasMovedError(`alias '${alias}' of ${functionName} serves version ${current.FunctionVersion ?? 'none'}, expected ${target.expectPrimary}: it moved meanwhile`);
  }
  const updated = await client.send(
    new UpdateAliasCommand({
      FunctionName: functionName,
      Name: alias,
      FunctionVersion: target.route.functionVersion,
      RoutingConfig: { AdditionalVersionWeights: { ...target.route.additionalVersionWeights } },
      ...(current.RevisionId ? { RevisionId: current.RevisionId } : {}),
    }),
  );
  return { functionVersion: updated.FunctionVersion ?? target.route.functionVersion, additionalVersionWeights: { ...(updated.RoutingConfig?.AdditionalVersionWeights ?? {}) } };
}

/**
 * Deploying a registry version to the environment's endpoint, as the deploy state machine does it, in
 * three pure steps over the registry:
 *
 * 1. {@link prepareDeployment}: the version exists, is complete and servable by the engine; which
 *    version serves now; whether there is anything to do.
 * 2. (engine `lambda`, strategy `canary`: the adapter publishes a Lambda version pinned to the model, and
 *    CodeDeploy shifts the alias — outside this module.)
 * 3. {@link completeDeployment} makes it the champion (the endpoint serves it) and records how it got
 *    there; {@link recordRollback} archives a version whose canary was rolled back, with the evidence.
 *
 * Every deployment and rollback is also appended to `registry/<name>/deployments/` (one JSON document per
 * event, named by time), the deploy history `mlops models show` and the audit trail read.
 */
import { endpointConfigName, endpointName } from '../sagemaker/endpoint';
import { getChampion, modelPrefix, setStage, versionKey, type ModelStage, type RegistryStore, type StageRecord, type VersionManifest } from '../registry/registry';

/**
 * How a version reaches the endpoint: at once (champion pointer), through a canary with alarms, or as the
 * challenger of an A/B test against the champion (`ab-test.ts`).
 */
export type DeployStrategy = 'promote' | 'canary' | 'abTest';

/** What the deploy state machine is asked to do. */
export interface DeployRequest {
  readonly version: number;
  /** Who asked: a user (`mlops deploy`, the approver) or `run <runId>` (automatic deploy). */
  readonly requestedBy: string;
  readonly reason: string;
  /** The training run that registered the version, when a pipeline deploys it. */
  readonly runId?: string;
}

/** The prepared deployment: what serves now and what will. */
export interface DeployPlan {
  readonly modelName: string;
  readonly version: number;
  readonly strategy: DeployStrategy;
  /** The champion before this deployment (absent: none yet). */
  readonly previousVersion?: number;
  /** The version already serves: there is nothing to do. */
  readonly alreadyServing: boolean;
  readonly requestedBy: string;
  readonly reason: string;
  readonly runId?: string;
  /**
   * SageMaker serving engines: the endpoint the deploy state machine creates for the version (its own, see
   * `lambda/core/sagemaker/endpoint.ts`), and the previous champion's, which it retires afterwards.
   */
  readonly endpoint?: PlannedEndpoint;
}

/** The SageMaker endpoint of a deployment (names only: the serving settings are in the state machine). */
export interface PlannedEndpoint {
  /** The version's endpoint, `<stem>-v<version>`. */
  readonly name: string;
  /** This deployment's endpoint config, `<endpoint>-<yyMMddHHmmss>`. */
  readonly configName: string;
  /** The SageMaker Model the training pipeline created for the version. */
  readonly modelName: string;
  /** The previous champion's endpoint (absent without a champion). */
  readonly previousName?: string;
}

/** A deployment the registry refuses: unknown version, incomplete, or not servable by this engine. */
export class DeployRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployRefusedError';
  }
}

/** One entry of the deploy history. */
export interface DeploymentEvent {
  readonly at: string;
  readonly event: 'deployed' | 'rolled-back' | 'ab-test-started';
  readonly modelName: string;
  readonly version: number;
  readonly previousVersion?: number;
  readonly strategy: DeployStrategy;
  readonly by: string;
  readonly reason: string;
  readonly runId?: string;
  /** What the traffic shift reported (CodeDeploy deployment id, status, error), when there was one. */
  readonly evidence?: Readonly<Record<string, unknown>>;
}

/** Key of one deploy-history entry: time-ordered, unique per version and event. */
export function deploymentEventKey(name: string, event: Pick<DeploymentEvent, 'at' | 'version' | 'event'>): string {
  return `${modelPrefix(name)}deployments/${event.at.replace(/[:.]/g, '-')}-v${event.version}-${event.event}.json`;
}

/** Whether a model document is one the predict Lambda runs (not a SageMaker artifact descriptor). */
function servedByLambda(model: unknown): boolean {
  return !(typeof model === 'object' && model !== null && (model as { engine?: unknown }).engine === 'sagemaker');
}

/**
 * Check a deployment request against the registry and plan it.
 * @throws DeployRefusedError when the version is not registered (or not complete), or its model is not
 *   one the serving engine runs
 */
export async function prepareDeployment(
  registry: RegistryStore,
  modelName: string,
  request: DeployRequest,
  options: {
    readonly strategy: DeployStrategy;
    readonly servingEngine: string;
    /** The environment (it names SageMaker endpoints). @default 'default' */
    readonly environment?: string;
    /** The time of the deployment (it names the endpoint config). @default - now */
    readonly now?: Date;
  },
): Promise<DeployPlan> {
  const { version } = request;
  const manifest = await registry.get<VersionManifest>(versionKey(modelName, version, 'manifest.json'));
  if (!manifest) {
    throw new DeployRefusedError(`cannot deploy v${version} of '${modelName}': it is not in the registry (no ${versionKey(modelName, version, 'manifest.json')}; list versions with mlops models)`);
  }
  const model = await registry.get<unknown>(versionKey(modelName, version, 'model.json'));
  if (model === undefined) throw new DeployRefusedError(`cannot deploy v${version} of '${modelName}': its model.json is missing from the registry`);
  if (options.servingEngine === 'lambda' && !servedByLambda(model)) {
    throw new DeployRefusedError(`cannot deploy v${version} of '${modelName}' to serving engine 'lambda': it is a SageMaker XGBoost artifact, which a SageMaker endpoint serves (serving.engine 'sagemaker-serverless' or 'sagemaker-realtime')`);
  }
  const onSageMaker = options.servingEngine !== 'lambda';
  if (onSageMaker && servedByLambda(model)) {
    throw new DeployRefusedError(
      `cannot deploy v${version} of '${modelName}' to serving engine '${options.servingEngine}': it was trained by model.engine 'lambda' (a ${describeAlgorithm(model)} model), which the predict Lambda serves (serving.engine 'lambda')`,
    );
  }
  const champion = await getChampion(registry, modelName);
  const environment = options.environment ?? 'default';
  const sagemakerModelName = onSageMaker ? (model as { sagemakerModelName?: unknown }).sagemakerModelName : undefined;
  if (onSageMaker && typeof sagemakerModelName !== 'string') {
    throw new DeployRefusedError(`cannot deploy v${version} of '${modelName}': its model.json names no SageMaker model (sagemakerModelName), so no endpoint can serve it`);
  }
  const endpoint: PlannedEndpoint | undefined =
    typeof sagemakerModelName === 'string'
      ? {
          name: endpointName(modelName, environment, version),
          configName: endpointConfigName(modelName, environment, version, options.now ?? new Date()),
          modelName: sagemakerModelName,
          ...(champion ? { previousName: endpointName(modelName, environment, champion.version) } : {}),
        }
      : undefined;
  return {
    modelName,
    version,
    strategy: options.strategy,
    ...(champion ? { previousVersion: champion.version } : {}),
    alreadyServing: champion?.version === version,
    requestedBy: request.requestedBy,
    reason: request.reason,
    ...(request.runId ? { runId: request.runId } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** The algorithm a model document names, for messages. */
function describeAlgorithm(model: unknown): string {
  const algorithm = typeof model === 'object' && model !== null ? (model as { algorithm?: unknown }).algorithm : undefined;
  return typeof algorithm === 'string' ? algorithm : 'unknown';
}

/** Make the planned version the champion and record the deployment. */
export async function completeDeployment(
  registry: RegistryStore,
  plan: DeployPlan,
  evidence?: Readonly<Record<string, unknown>>,
  at: string = new Date().toISOString(),
): Promise<{ readonly stage: StageRecord; readonly event: DeploymentEvent }> {
  const how = plan.strategy === 'canary' ? 'canary deployment succeeded' : 'deployed';
  const stage = await setStage(registry, plan.modelName, plan.version, 'champion', { by: plan.requestedBy, reason: `${how}: ${plan.reason}`, at });
  const event = deploymentEvent(plan, 'deployed', at, evidence);
  await registry.put(deploymentEventKey(plan.modelName, event), event);
  return { stage, event };
}

/** Archive a version whose canary was rolled back (the previous version serves on), with the evidence. */
export async function recordRollback(
  registry: RegistryStore,
  plan: DeployPlan,
  evidence: Readonly<Record<string, unknown>> & { readonly message?: string },
  at: string = new Date().toISOString(),
): Promise<{ readonly stage: StageRecord; readonly event: DeploymentEvent }> {
  const why = evidence.message ?? 'the traffic shift did not complete';
  const stage = await setStage(registry, plan.modelName, plan.version, 'archived', { by: 'codedeploy', reason: `rolled back: ${why}`, at });
  const event = deploymentEvent(plan, 'rolled-back', at, evidence);
  await registry.put(deploymentEventKey(plan.modelName, event), event);
  return { stage, event };
}

/**
 * One deploy-history entry for a planned deployment (write it under {@link deploymentEventKey}).
 * @param by who caused it; default: the requester, or `codedeploy` for a rollback
 */
export function deploymentEvent(plan: DeployPlan, kind: DeploymentEvent['event'], at: string, evidence?: Readonly<Record<string, unknown>>, by?: string): DeploymentEvent {
  return {
    at,
    event: kind,
    modelName: plan.modelName,
    version: plan.version,
    ...(plan.previousVersion !== undefined ? { previousVersion: plan.previousVersion } : {}),
    strategy: plan.strategy,
    by: by ?? (kind === 'rolled-back' ? 'codedeploy' : plan.requestedBy),
    reason: plan.reason,
    ...(plan.runId ? { runId: plan.runId } : {}),
    ...(evidence ? { evidence } : {}),
  };
}

/** The approval a level-2 run waits for, kept beside the version as `approval.json`. */
export interface ApprovalRecord {
  readonly status: 'pending' | 'approved' | 'rejected' | 'expired';
  readonly runId: string;
  readonly requestedAt: string;
  /** When the run stops waiting. */
  readonly expiresAt: string;
  /** The Step Functions task token that resumes the run (`SendTaskSuccess`). */
  readonly taskToken: string;
  readonly decidedAt?: string;
  readonly by?: string;
  readonly reason?: string;
}

/** The decision an approver sends back to the waiting run (the task's output). */
export interface ApprovalDecision {
  readonly decision: 'approved' | 'rejected';
  readonly by: string;
  readonly reason: string;
  readonly at: string;
}

/** Key of a version's approval record. */
export function approvalKey(modelName: string, version: number): string {
  return versionKey(modelName, version, 'approval.json');
}

/** File the approval request of a level-2 run: the version waits (stage `candidate`) for a decision. */
export async function requestApproval(
  registry: RegistryStore,
  modelName: string,
  request: { readonly version: number; readonly runId: string; readonly taskToken: string; readonly timeoutHours: number },
  at: Date = new Date(),
): Promise<ApprovalRecord> {
  const record: ApprovalRecord = {
    status: 'pending',
    runId: request.runId,
    requestedAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + request.timeoutHours * 3_600_000).toISOString(),
    taskToken: request.taskToken,
  };
  await registry.put(approvalKey(modelName, request.version), record);
  return record;
}

/**
 * Record the end of an approval: a decision (with the stage it implies: `approved` or `archived`), or
 * expiry. Returns the updated record; a record that is not pending is left as it is.
 */
export async function closeApproval(
  registry: RegistryStore,
  modelName: string,
  version: number,
  outcome: ApprovalDecision | { readonly decision: 'expired'; readonly at: string },
): Promise<ApprovalRecord | undefined> {
  const current = await registry.get<ApprovalRecord>(approvalKey(modelName, version));
  if (!current || current.status !== 'pending') return current;
  if (outcome.decision === 'expired') {
    const record: ApprovalRecord = { ...current, status: 'expired', decidedAt: outcome.at, by: 'step functions', reason: `no decision by ${current.expiresAt}` };
    await registry.put(approvalKey(modelName, version), record);
    return record;
  }
  const record: ApprovalRecord = { ...current, status: outcome.decision, decidedAt: outcome.at, by: outcome.by, reason: outcome.reason };
  await registry.put(approvalKey(modelName, version), record);
  const stage: ModelStage = outcome.decision === 'approved' ? 'approved' : 'archived';
  await setStage(registry, modelName, version, stage, { by: outcome.by, reason: outcome.reason, at: outcome.at });
  return record;
}

/**
 * The deploy steps over an in-memory registry: what prepare refuses and plans, what complete and
 * rollback record, and the approval record's life (request, decision or expiry).
 */
import {
  approvalKey,
  closeApproval,
  completeDeployment,
  DeployRefusedError,
  prepareDeployment,
  recordRollback,
  requestApproval,
  type DeployPlan,
  type DeploymentEvent,
} from '../../../lambda/core/deploy/deployment';
import { getChampion, memoryRegistryStore, registerVersion, versionKey, type StageRecord } from '../../../lambda/core/registry/registry';

const NAME = 'flights';

async function registryWith(versions: number, options: { champion?: number; sagemaker?: number } = {}) {
  const store = memoryRegistryStore();
  for (let i = 1; i <= versions; i++) {
    const model = options.sagemaker === i ? { algorithm: 'xgboost', engine: 'sagemaker', artifactUri: 's3://b/k' } : { algorithm: 'ridge', weights: [1] };
    await registerVersion(store, NAME, { model, transformSpec: {}, metrics: {}, importance: [], profile: null }, { runId: `run-${i}`, registeredAt: `2026-01-0${i}T00:00:00.000Z` });
  }
  if (options.champion) {
    const plan = await prepareDeployment(store, NAME, { version: options.champion, requestedBy: 'setup', reason: 'initial' }, { strategy: 'promote', servingEngine: 'lambda' });
    await completeDeployment(store, plan, undefined, '2026-01-10T00:00:00.000Z');
  }
  return store;
}

const deploymentEvents = (store: ReturnType<typeof memoryRegistryStore>): DeploymentEvent[] =>
  [...store.objects.entries()].filter(([k]) => k.startsWith(`registry/${NAME}/deployments/`)).sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => JSON.parse(v) as DeploymentEvent);

describe('prepareDeployment', () => {
  test('plans a registered version: strategy, the champion it replaces, who and why', async () => {
    // Prepare
    const store = await registryWith(2, { champion: 1 });

    // Act
    const plan = await prepareDeployment(store, NAME, { version: 2, requestedBy: 'alice', reason: 'better on March', runId: 'run-2' }, { strategy: 'canary', servingEngine: 'lambda' });

    // Assess
    expect(plan).toEqual({ modelName: NAME, version: 2, strategy: 'canary', previousVersion: 1, alreadyServing: false, requestedBy: 'alice', reason: 'better on March', runId: 'run-2' });
  });

  test('the champion itself is already serving', async () => {
    const store = await registryWith(1, { champion: 1 });
    const plan = await prepareDeployment(store, NAME, { version: 1, requestedBy: 'alice', reason: 'again' }, { strategy: 'promote', servingEngine: 'lambda' });
    expect(plan.alreadyServing).toBe(true);
  });

  test('refuses a version that is not registered, naming the versions command', async () => {
    const store = await registryWith(1);
    await expect(prepareDeployment(store, NAME, { version: 7, requestedBy: 'a', reason: 'r' }, { strategy: 'promote', servingEngine: 'lambda' })).rejects.toThrow(
      new DeployRefusedError("cannot deploy v7 of 'flights': it is not in the registry (no registry/flights/7/manifest.json; list versions with mlops models)"),
    );
  });

  test('refuses a SageMaker artifact on serving engine lambda, naming the engines that serve it', async () => {
    const store = await registryWith(1, { sagemaker: 1 });
    await expect(prepareDeployment(store, NAME, { version: 1, requestedBy: 'a', reason: 'r' }, { strategy: 'promote', servingEngine: 'lambda' })).rejects.toThrow(/serving engine 'lambda': it is a SageMaker XGBoost artifact.*'sagemaker-serverless' or 'sagemaker-realtime'/);
  });

  test('SageMaker engines: the plan names the version’s endpoint, this deployment’s config, its SageMaker model and the endpoint to retire', async () => {
    // Prepare: v1 (champion) and v2, both SageMaker models.
    const store = memoryRegistryStore();
    for (const v of [1, 2]) {
      const model = { algorithm: 'xgboost', engine: 'sagemaker', artifactUri: `s3://b/${v}`, sagemakerModelName: `flights-job-${v}`, columns: ['distance'] };
      await registerVersion(store, NAME, { model, transformSpec: {}, metrics: {}, importance: [], profile: null }, { runId: `run-${v}` });
    }
    const options = { strategy: 'canary' as const, servingEngine: 'sagemaker-realtime', environment: 'prod', now: new Date('2026-11-27T19:30:00Z') };
    await completeDeployment(store, await prepareDeployment(store, NAME, { version: 1, requestedBy: 'setup', reason: 'first' }, options));

    // Act
    const plan = await prepareDeployment(store, NAME, { version: 2, requestedBy: 'run run-2', reason: 'gate passed' }, options);

    // Assess
    expect(plan).toMatchObject({ version: 2, previousVersion: 1, alreadyServing: false });
    expect(plan.endpoint).toEqual({ name: 'flights-prod-v2', configName: 'flights-prod-v2-261127193000', modelName: 'flights-job-2', previousName: 'flights-prod-v1' });
  });

  test('SageMaker engines refuse a model of engine lambda, and a SageMaker descriptor without its model name', async () => {
    const store = await registryWith(2, { sagemaker: 2 });
    await expect(prepareDeployment(store, NAME, { version: 1, requestedBy: 'a', reason: 'r' }, { strategy: 'promote', servingEngine: 'sagemaker-serverless' })).rejects.toThrow(
      new DeployRefusedError("cannot deploy v1 of 'flights' to serving engine 'sagemaker-serverless': it was trained by model.engine 'lambda' (a ridge model), which the predict Lambda serves (serving.engine 'lambda')"),
    );
    await expect(prepareDeployment(store, NAME, { version: 2, requestedBy: 'a', reason: 'r' }, { strategy: 'promote', servingEngine: 'sagemaker-serverless' })).rejects.toThrow(/names no SageMaker model \(sagemakerModelName\)/);
  });

  test('refuses a version whose model.json is missing', async () => {
    const store = await registryWith(1);
    store.objects.delete(versionKey(NAME, 1, 'model.json'));
    await expect(prepareDeployment(store, NAME, { version: 1, requestedBy: 'a', reason: 'r' }, { strategy: 'promote', servingEngine: 'lambda' })).rejects.toThrow(/its model.json is missing/);
  });
});

describe('completeDeployment and recordRollback', () => {
  test('complete: the version becomes champion, the old one archived, and the deploy history names both', async () => {
    // Prepare
    const store = await registryWith(2, { champion: 1 });
    const plan: DeployPlan = await prepareDeployment(store, NAME, { version: 2, requestedBy: 'run run-2', reason: 'registered by run run-2', runId: 'run-2' }, { strategy: 'canary', servingEngine: 'lambda' });

    // Act
    const { stage } = await completeDeployment(store, plan, { DeploymentId: 'd-ABC', Status: 'Succeeded' }, '2026-02-01T00:00:00.000Z');

    // Assess
    expect(stage.stage).toBe('champion');
    expect(stage.history.at(-1)).toEqual({ stage: 'champion', at: '2026-02-01T00:00:00.000Z', by: 'run run-2', reason: 'canary deployment succeeded: registered by run run-2' });
    expect(await getChampion(store, NAME)).toEqual({ version: 2, since: '2026-02-01T00:00:00.000Z', previous: 1 });
    expect((JSON.parse(store.objects.get(versionKey(NAME, 1, 'stage.json'))!) as StageRecord).stage).toBe('archived');
    expect(deploymentEvents(store).at(-1)).toEqual({
      at: '2026-02-01T00:00:00.000Z',
      event: 'deployed',
      modelName: NAME,
      version: 2,
      previousVersion: 1,
      strategy: 'canary',
      by: 'run run-2',
      reason: 'registered by run run-2',
      runId: 'run-2',
      evidence: { DeploymentId: 'd-ABC', Status: 'Succeeded' },
    });
  });

  test('rollback: the candidate is archived with the alarm message; the champion does not move', async () => {
    // Prepare
    const store = await registryWith(2, { champion: 1 });
    const plan = await prepareDeployment(store, NAME, { version: 2, requestedBy: 'run run-2', reason: 'r' }, { strategy: 'canary', servingEngine: 'lambda' });

    // Act
    const { stage } = await recordRollback(store, plan, { DeploymentId: 'd-XYZ', Status: 'Stopped', message: 'Activated alarms: ErrorRate' }, '2026-02-02T00:00:00.000Z');

    // Assess
    expect(stage.stage).toBe('archived');
    expect(stage.history.at(-1)).toMatchObject({ by: 'codedeploy', reason: 'rolled back: Activated alarms: ErrorRate' });
    expect((await getChampion(store, NAME))?.version).toBe(1);
    expect(deploymentEvents(store).at(-1)).toMatchObject({ event: 'rolled-back', version: 2, previousVersion: 1, by: 'codedeploy', evidence: { DeploymentId: 'd-XYZ', Status: 'Stopped' } });
  });
});

describe('approval records', () => {
  test('a request is pending with its token and expiry; approval records who and moves the stage to approved', async () => {
    // Prepare
    const store = await registryWith(1);
    const requested = await requestApproval(store, NAME, { version: 1, runId: 'run-1', taskToken: 'tok', timeoutHours: 24 }, new Date('2026-03-01T10:00:00.000Z'));

    // Act
    const closed = await closeApproval(store, NAME, 1, { decision: 'approved', by: 'alice', reason: 'looks right', at: '2026-03-01T12:00:00.000Z' });

    // Assess
    expect(requested).toEqual({ status: 'pending', runId: 'run-1', requestedAt: '2026-03-01T10:00:00.000Z', expiresAt: '2026-03-02T10:00:00.000Z', taskToken: 'tok' });
    expect(closed).toMatchObject({ status: 'approved', by: 'alice', reason: 'looks right', decidedAt: '2026-03-01T12:00:00.000Z', taskToken: 'tok' });
    expect(JSON.parse(store.objects.get(approvalKey(NAME, 1))!)).toMatchObject({ status: 'approved' });
    expect((JSON.parse(store.objects.get(versionKey(NAME, 1, 'stage.json'))!) as StageRecord).history.at(-1)).toEqual({ stage: 'approved', at: '2026-03-01T12:00:00.000Z', by: 'alice', reason: 'looks right' });
  });

  test('a rejection archives the version; a second decision changes nothing', async () => {
    const store = await registryWith(1);
    await requestApproval(store, NAME, { version: 1, runId: 'run-1', taskToken: 'tok', timeoutHours: 1 });
    await closeApproval(store, NAME, 1, { decision: 'rejected', by: 'bob', reason: 'drifted', at: '2026-03-01T12:00:00.000Z' });
    const again = await closeApproval(store, NAME, 1, { decision: 'approved', by: 'alice', reason: 'changed my mind', at: '2026-03-01T13:00:00.000Z' });
    expect(again).toMatchObject({ status: 'rejected', by: 'bob' });
    expect((JSON.parse(store.objects.get(versionKey(NAME, 1, 'stage.json'))!) as StageRecord).stage).toBe('archived');
  });

  test('expiry leaves the stage a candidate', async () => {
    const store = await registryWith(1);
    await requestApproval(store, NAME, { version: 1, runId: 'run-1', taskToken: 'tok', timeoutHours: 1 });
    const closed = await closeApproval(store, NAME, 1, { decision: 'expired', at: '2026-03-01T12:00:00.000Z' });
    expect(closed).toMatchObject({ status: 'expired', by: 'step functions' });
    expect((JSON.parse(store.objects.get(versionKey(NAME, 1, 'stage.json'))!) as StageRecord).stage).toBe('candidate');
  });

  test('closing a version with no request returns undefined and writes nothing', async () => {
    const store = await registryWith(1);
    expect(await closeApproval(store, NAME, 1, { decision: 'approved', by: 'a', reason: 'r', at: 'now' })).toBeUndefined();
    expect(store.objects.has(approvalKey(NAME, 1))).toBe(false);
  });
});

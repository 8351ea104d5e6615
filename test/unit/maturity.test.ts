/**
 * The maturity table (lib/maturity.ts) against DESIGN.md's table, level by level; overrides; and the
 * contradictions `checkCapabilities` refuses.
 */
import {
  CAPABILITY_NAMES,
  DEPLOYMENT_MODES,
  MATURITY_LEVELS,
  MATURITY_TABLE,
  capabilitiesFor,
  checkCapabilities,
  hasEndpoint,
  type CapabilityName,
  type MaturityLevel,
} from '../../lib/maturity';

/**
 * DESIGN.md's table, transcribed: the capabilities each level switches on. Row order and descriptions
 * are DESIGN.md's; a change there must be made here and in lib/maturity.ts together.
 */
const DESIGN_TABLE: ReadonlyArray<readonly [CapabilityName, string, readonly MaturityLevel[]]> = [
  ['secureStorage', 'KMS-encrypted, versioned data + artifact buckets, TLS-only, no public access', [0, 1, 2, 3, 4]],
  ['trainingPipeline', 'training pipeline (Step Functions), started by hand (`mlops run`)', [0, 1, 2, 3, 4]],
  ['manualDeploy', 'inference endpoint, model deployed by hand (`mlops deploy <version>`)', [0, 1]],
  ['validationGate', 'data validation gate + quarantine in the pipeline', [1, 2, 3, 4]],
  ['cicd', 'CI/CD workflow for the platform code (GitHub Actions, OIDC role per env)', [1, 2, 3, 4]],
  ['s3Trigger', 'S3 upload starts the pipeline (one run per object version)', [2, 3, 4]],
  ['runTracking', 'run records (params, metrics, artifacts, data version) + CloudWatch pipeline metrics', [2, 3, 4]],
  ['approvalDeploy', 'model registry; evaluation gate; manual approval deploys', [2]],
  ['autoDeploy', 'gate passes → automatic deploy, canary/blue-green with auto-rollback on alarms', [3, 4]],
  ['abTesting', 'A/B test champion vs challenger, decided on live metrics', [3, 4]],
  ['driftMonitoring', 'drift metrics on live inputs + alarms + dashboard + SNS alerts', [3, 4]],
  ['autoRetrain', 'drift or quality alarm starts retraining (cooldown, weekly cap)', [4]],
  ['governance', 'governance: audit trail of every decision, model card, per-prediction explanations', [4]],
];

/** The names of the capabilities that are on. */
function onSet(caps: Readonly<Record<CapabilityName, boolean>>): CapabilityName[] {
  return CAPABILITY_NAMES.filter((name) => caps[name]);
}

describe('the maturity table', () => {
  test('has DESIGN.md rows, in its order, with its descriptions', () => {
    // Act
    const rows = CAPABILITY_NAMES.map((name) => [name, MATURITY_TABLE[name].description, MATURITY_TABLE[name].levels] as const);
    // Assess
    expect(rows).toEqual(DESIGN_TABLE);
    expect(MATURITY_LEVELS).toEqual([0, 1, 2, 3, 4]);
  });

  test.each([
    [0, ['secureStorage', 'trainingPipeline', 'manualDeploy']],
    [1, ['secureStorage', 'trainingPipeline', 'manualDeploy', 'validationGate', 'cicd']],
    [2, ['secureStorage', 'trainingPipeline', 'validationGate', 'cicd', 's3Trigger', 'runTracking', 'approvalDeploy']],
    [3, ['secureStorage', 'trainingPipeline', 'validationGate', 'cicd', 's3Trigger', 'runTracking', 'autoDeploy', 'abTesting', 'driftMonitoring']],
    [4, ['secureStorage', 'trainingPipeline', 'validationGate', 'cicd', 's3Trigger', 'runTracking', 'autoDeploy', 'abTesting', 'driftMonitoring', 'autoRetrain', 'governance']],
  ] as const)('level %i switches on exactly its capabilities', (level, expected) => {
    // Act
    const caps = capabilitiesFor(level);
    // Assess
    expect(onSet(caps)).toEqual(expected);
    expect(onSet(caps)).toEqual(DESIGN_TABLE.filter(([, , levels]) => levels.includes(level)).map(([name]) => name));
    expect(checkCapabilities(level)).toEqual([]);
  });

  test.each(MATURITY_LEVELS.map((l) => [l]))('level %i has exactly one deployment mode, hence an endpoint', (level) => {
    // Act
    const caps = capabilitiesFor(level);
    // Assess
    expect(DEPLOYMENT_MODES.filter((mode) => caps[mode])).toHaveLength(1);
    expect(hasEndpoint(caps)).toBe(true);
  });
});

describe('overrides', () => {
  test('switch one capability on against the level, leaving the rest', () => {
    // Act
    const caps = capabilitiesFor(2, { driftMonitoring: true });
    // Assess
    expect(onSet(caps)).toEqual([...onSet(capabilitiesFor(2)).slice(0, 6), 'approvalDeploy', 'driftMonitoring']);
    expect(checkCapabilities(2, { driftMonitoring: true })).toEqual([]);
  });

  test('switch one capability off against the level, leaving the rest', () => {
    // Act
    const caps = capabilitiesFor(4, { abTesting: false });
    // Assess
    expect(caps.abTesting).toBe(false);
    expect(onSet(caps)).toEqual(onSet(capabilitiesFor(4)).filter((c) => c !== 'abTesting'));
    expect(checkCapabilities(4, { abTesting: false })).toEqual([]);
  });

  test('an override equal to the default changes nothing', () => {
    // Act / Assess
    expect(capabilitiesFor(3, { autoDeploy: true, governance: false })).toEqual(capabilitiesFor(3));
  });

  test('a level-3 env can swap automatic deploys for approvals', () => {
    // Prepare: abTesting needs autoDeploy, so it goes too.
    const overrides = { autoDeploy: false, abTesting: false, approvalDeploy: true };
    // Act
    const caps = capabilitiesFor(3, overrides);
    // Assess
    expect(DEPLOYMENT_MODES.filter((mode) => caps[mode])).toEqual(['approvalDeploy']);
    expect(checkCapabilities(3, overrides)).toEqual([]);
  });
});

describe('checkCapabilities', () => {
  test.each(['secureStorage', 'trainingPipeline'] as const)('refuses switching off the locked %s', (capability) => {
    // Act
    const problems = checkCapabilities(2, { [capability]: false });
    // Assess
    expect(problems).toEqual([{ capability, message: `'${capability}' is a foundation of every environment and cannot be switched off` }]);
  });

  test('accepts a capability switched on with its requirement on; blames the override when it is off', () => {
    // Act
    const problems = checkCapabilities(2, { governance: true, runTracking: true });
    const missing = checkCapabilities(1, { autoRetrain: true });
    // Assess
    expect(problems).toEqual([]);
    expect(missing).toEqual([{ capability: 'autoRetrain', message: "'autoRetrain' needs 'driftMonitoring', which is off at level 1 with these overrides" }]);
  });

  test('blames the override that switched off a requirement of a default capability', () => {
    // Act
    const problems = checkCapabilities(4, { driftMonitoring: false });
    // Assess
    expect(problems).toEqual([{ capability: 'driftMonitoring', message: "'autoRetrain' needs 'driftMonitoring', which is off at level 4 with these overrides" }]);
  });

  test('lists every missing requirement', () => {
    // Act
    const problems = checkCapabilities(4, { runTracking: false });
    // Assess
    expect(problems).toEqual([
      { capability: 'runTracking', message: "'autoDeploy' needs 'runTracking', which is off at level 4 with these overrides" },
      { capability: 'runTracking', message: "'governance' needs 'runTracking', which is off at level 4 with these overrides" },
    ]);
  });

  test('refuses two deployment modes, blaming the one switched on', () => {
    // Act
    const problems = checkCapabilities(1, { approvalDeploy: true, runTracking: true });
    // Assess
    expect(problems).toEqual([{ capability: 'approvalDeploy', message: "only one deployment mode may be on, but 'manualDeploy' and 'approvalDeploy' are (switch the other off)" }]);
  });

  test('refuses three deployment modes at once', () => {
    // Act
    const problems = checkCapabilities(0, { approvalDeploy: true, autoDeploy: true, runTracking: true });
    // Assess
    expect(problems).toEqual([{ capability: 'approvalDeploy', message: "only one deployment mode may be on, but 'manualDeploy' and 'approvalDeploy' and 'autoDeploy' are (switch the other off)" }]);
  });

  test('no deployment mode is allowed, and means no endpoint', () => {
    // Prepare
    const overrides = { approvalDeploy: false };
    // Act
    const caps = capabilitiesFor(2, overrides);
    // Assess
    expect(checkCapabilities(2, overrides)).toEqual([]);
    expect(hasEndpoint(caps)).toBe(false);
  });
});

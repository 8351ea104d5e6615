/**
 * THE maturity table: which capability each MLOps maturity level (0–4, Microsoft's model) switches on.
 *
 * This is the only place in the code base where a level is compared. Stacks, handlers, the CLI and the
 * local platform ask {@link capabilitiesFor} "is capability X on?" and never look at the level itself.
 * Per-environment `overrides` may switch a single capability on or off against its level; the table
 * stays the default, and {@link checkCapabilities} refuses override sets that contradict themselves.
 */

/** Every maturity level the platform knows. */
export const MATURITY_LEVELS = [0, 1, 2, 3, 4] as const;

/** One maturity level. */
export type MaturityLevel = (typeof MATURITY_LEVELS)[number];

/** What the table says about one capability. */
export interface CapabilityDefinition {
  /** One line a user reads in `mlops` output and the README. */
  readonly description: string;
  /** Levels at which the capability is on by default. */
  readonly levels: readonly MaturityLevel[];
  /** Foundations every environment has; an override may not switch them off. */
  readonly locked?: boolean;
  /** Capabilities that must also be on when this one is on. */
  readonly requires?: readonly CapabilityName[];
}

/** The capability names, in the order of DESIGN.md's table. */
export const CAPABILITY_NAMES = [
  'secureStorage',
  'trainingPipeline',
  'manualDeploy',
  'validationGate',
  'cicd',
  's3Trigger',
  'runTracking',
  'approvalDeploy',
  'autoDeploy',
  'abTesting',
  'driftMonitoring',
  'autoRetrain',
  'governance',
] as const;

/** The name of one capability. */
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/** The table, as data: capability → levels it is on by default. */
export const MATURITY_TABLE: Readonly<Record<CapabilityName, CapabilityDefinition>> = {
  secureStorage: {
    description: 'KMS-encrypted, versioned data + artifact buckets, TLS-only, no public access',
    levels: [0, 1, 2, 3, 4],
    locked: true,
  },
  trainingPipeline: {
    description: 'training pipeline (Step Functions), started by hand (`mlops run`)',
    levels: [0, 1, 2, 3, 4],
    locked: true,
  },
  manualDeploy: {
    description: 'inference endpoint, model deployed by hand (`mlops deploy <version>`)',
    levels: [0, 1],
  },
  validationGate: {
    description: 'data validation gate + quarantine in the pipeline',
    levels: [1, 2, 3, 4],
  },
  cicd: {
    description: 'CI/CD workflow for the platform code (GitHub Actions, OIDC role per env)',
    levels: [1, 2, 3, 4],
  },
  s3Trigger: {
    description: 'S3 upload starts the pipeline (one run per object version)',
    levels: [2, 3, 4],
  },
  runTracking: {
    description: 'run records (params, metrics, artifacts, data version) + CloudWatch pipeline metrics',
    levels: [2, 3, 4],
  },
  approvalDeploy: {
    description: 'model registry; evaluation gate; manual approval deploys',
    levels: [2],
    requires: ['runTracking'],
  },
  autoDeploy: {
    description: 'gate passes → automatic deploy, canary/blue-green with auto-rollback on alarms',
    levels: [3, 4],
    requires: ['runTracking'],
  },
  abTesting: {
    description: 'A/B test champion vs challenger, decided on live metrics',
    levels: [3, 4],
    requires: ['autoDeploy'],
  },
  driftMonitoring: {
    description: 'drift metrics on live inputs + alarms + dashboard + SNS alerts',
    levels: [3, 4],
  },
  autoRetrain: {
    description: 'drift or quality alarm starts retraining (cooldown, weekly cap)',
    levels: [4],
    requires: ['driftMonitoring', 'validationGate'],
  },
  governance: {
    description: 'governance: audit trail of every decision, model card, per-prediction explanations',
    levels: [4],
    requires: ['runTracking'],
  },
};

/** Deployment modes: exactly one decides how a model reaches the endpoint. */
export const DEPLOYMENT_MODES = ['manualDeploy', 'approvalDeploy', 'autoDeploy'] as const satisfies readonly CapabilityName[];

/** Per-capability on/off switches an environment may set against its level. */
export type CapabilityOverrides = Partial<Record<CapabilityName, boolean>>;

/** The resolved set of capabilities of one environment. */
export type Capabilities = Readonly<Record<CapabilityName, boolean>>;

/** A contradiction found in a set of overrides, located at the override that causes it. */
export interface CapabilityProblem {
  /** The capability whose override is at fault. */
  readonly capability: CapabilityName;
  /** What is wrong, in words a user can act on. */
  readonly message: string;
}

/** Whether a level is switched on by default for one capability (the only level comparison there is). */
export function isOnByDefault(capability: CapabilityName, level: MaturityLevel): boolean {
  return MATURITY_TABLE[capability].levels.includes(level);
}

/** Resolve the capabilities of an environment: the table's defaults for its level, then its overrides. */
export function capabilitiesFor(level: MaturityLevel, overrides: CapabilityOverrides = {}): Capabilities {
  const resolved = {} as Record<CapabilityName, boolean>;
  for (const name of CAPABILITY_NAMES) {
    resolved[name] = overrides[name] ?? isOnByDefault(name, level);
  }
  return resolved;
}

/**
 * Find every contradiction in an environment's overrides: a locked capability switched off, a
 * capability on without what it requires, or more than one deployment mode on.
 */
export function checkCapabilities(level: MaturityLevel, overrides: CapabilityOverrides = {}): CapabilityProblem[] {
  const problems: CapabilityProblem[] = [];
  const caps = capabilitiesFor(level, overrides);
  for (const name of CAPABILITY_NAMES) {
    const def = MATURITY_TABLE[name];
    if (def.locked && overrides[name] === false) {
      problems.push({ capability: name, message: `'${name}' is a foundation of every environment and cannot be switched off` });
    }
    if (!caps[name]) continue;
    for (const required of def.requires ?? []) {
      if (!caps[required]) {
        const blame = overrides[name] === true ? name : required;
        problems.push({
          capability: blame,
          message: `'${name}' needs '${required}', which is off at level ${level} with these overrides`,
        });
      }
    }
  }
  const modesOn = DEPLOYMENT_MODES.filter((mode) => caps[mode]);
  if (modesOn.length > 1) {
    const blame = modesOn.find((mode) => overrides[mode] === true) ?? modesOn[0]!;
    problems.push({
      capability: blame,
      message: `only one deployment mode may be on, but ${modesOn.map((m) => `'${m}'`).join(' and ')} are (switch the other off)`,
    });
  }
  return problems;
}

/** Whether the environment has an inference endpoint: any deployment mode on. */
export function hasEndpoint(caps: Capabilities): boolean {
  return DEPLOYMENT_MODES.some((mode) => caps[mode]);
}

/**
 * Composition of the platform: one {@link Platform} per environment config, and the app-wide pieces
 * (`buildApp`: cdk-nag; `loadPlatformConfigs`: which configs a synth uses). `bin/app.ts` only calls these.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tags, Validations, type App, type Environment, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_DIR, ConfigError, listEnvironments, loadConfig } from '../config/load';
import type { PlatformConfig } from '../config/schema';
import { capabilitiesFor, type Capabilities } from './maturity';
import { retentionDays } from './constructs/stage-function';
import { CicdStack } from './stacks/cicd-stack';
import { DataStack } from './stacks/data-stack';
import { PipelineStack } from './stacks/pipeline-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { deployStateMachineName, servesWithDataCapture, ServingStack } from './stacks/serving-stack';

/** The platform's version (package.json), recorded as the code version in every model's lineage. */
export const PLATFORM_VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

/** Tag keys every resource of the platform carries. */
export const PLATFORM_TAGS = {
  platform: 'mlops:platform',
  environment: 'mlops:environment',
  maturityLevel: 'mlops:maturity-level',
} as const;

/**
 * The stacks of one environment, built from its validated config:
 *
 * - `<name>-<env>-data`: {@link DataStack} (every level);
 * - `<name>-<env>-serving`: {@link ServingStack}, the endpoint and the deploy state machine, when a
 *   deployment mode is on;
 * - `<name>-<env>-pipeline`: {@link PipelineStack}, when it has something to deploy at this env's
 *   capabilities (at levels 2+ it runs the serving stack's deploy state machine, so it comes after it);
 * - `<name>-<env>-cicd`: {@link CicdStack}, when `cicd` is on and the config has a `cicd` section.
 *
 * Stacks take account and region from the config when it gives them, else they are environment-agnostic
 * (synth needs no credentials). Every stack and resource is tagged with the platform name, environment
 * and maturity level, plus the config's own `tags`.
 */
export class Platform {
  /** The config the stacks were built from. */
  readonly config: PlatformConfig;
  /** What this environment deploys: its level's row of the maturity table, with its overrides. */
  readonly capabilities: Capabilities;
  /** Key, buckets, access logs. */
  readonly data: DataStack;
  /** Stage functions and training pipeline; absent while it would hold no resource (see {@link PipelineStack.hasResources}). */
  readonly pipeline?: PipelineStack;
  /** The inference endpoint; present when a deployment mode is on (see {@link ServingStack.hasResources}). */
  readonly serving?: ServingStack;
  /** The GitHub Actions deploy role; present when `cicd` is on and the config has a `cicd` section (see {@link CicdStack.hasResources}). */
  readonly cicd?: CicdStack;
  /** The alert topic, model-health alarms and dashboard (capability `driftMonitoring`). */
  readonly monitoring?: MonitoringStack;
  /** Every stack of this environment, in deployment order. */
  readonly stacks: readonly Stack[];

  constructor(app: App, config: PlatformConfig) {
    this.config = config;
    this.capabilities = capabilitiesFor(config.maturityLevel, config.overrides);
    const prefix = `${config.name}-${config.environment}`;
    const env: Environment | undefined =
      config.account !== undefined || config.region !== undefined ? { account: config.account, region: config.region } : undefined;
    const tags: Record<string, string> = {
      ...config.tags,
      [PLATFORM_TAGS.platform]: config.name,
      [PLATFORM_TAGS.environment]: config.environment,
      [PLATFORM_TAGS.maturityLevel]: String(config.maturityLevel),
    };
    const common = { env, tags };

    this.data = new DataStack(app, `${prefix}-data`, {
      ...common,
      stackName: `${prefix}-data`,
      description: `${prefix}: KMS key, data and artifact buckets, access logs (mlops-platform)`,
      platformName: config.name,
      environmentName: config.environment,
      storage: config.storage,
      disposable: config.disposable,
    });
    const stacks: Stack[] = [this.data];

    if (ServingStack.hasResources(this.capabilities)) {
      this.serving = new ServingStack(app, `${prefix}-serving`, {
        ...common,
        stackName: `${prefix}-serving`,
        description: `${prefix}: inference endpoint and deploy state machine (mlops-platform)`,
        artifactBucket: this.data.artifactBucket,
        capabilities: this.capabilities,
        config: { name: config.name, environment: config.environment, dataset: config.dataset, serving: config.serving },
        logRetention: retentionDays(config.storage.logRetentionDays),
        disposable: config.disposable,
      });
      stacks.push(this.serving);
    }
    if (PipelineStack.hasResources(this.capabilities)) {
      this.pipeline = new PipelineStack(app, `${prefix}-pipeline`, {
        ...common,
        stackName: `${prefix}-pipeline`,
        description: `${prefix}: pipeline stages and training pipeline (mlops-platform)`,
        capabilities: this.capabilities,
        dataBucket: this.data.dataBucket,
        artifactBucket: this.data.artifactBucket,
        config: { name: config.name, environment: config.environment, dataset: config.dataset, features: config.features, model: config.model, gate: config.gate, governance: config.governance },
        codeVersion: PLATFORM_VERSION,
        ...(this.serving ? { deployStateMachineName: deployStateMachineName(config) } : {}),
        approvalTimeoutHours: config.serving.deployment.approvalTimeoutHours,
        ...(this.serving && servesWithDataCapture(config.serving) ? { endpointDataCapture: true } : {}),
        logRetention: retentionDays(config.storage.logRetentionDays),
        disposable: config.disposable,
      });
      if (this.serving) this.pipeline.addStackDependency(this.serving, 'the pipeline runs the deploy state machine');
      stacks.push(this.pipeline);
    }
    if (MonitoringStack.hasResources(this.capabilities)) {
      this.monitoring = new MonitoringStack(app, `${prefix}-monitoring`, {
        ...common,
        stackName: `${prefix}-monitoring`,
        description: `${prefix}: alert topic, model-health alarms and dashboard (mlops-platform)`,
        config: { name: config.name, environment: config.environment, dataset: config.dataset, features: config.features, monitoring: config.monitoring, gate: config.gate, serving: config.serving, alerts: config.alerts },
        artifactBucket: this.data.artifactBucket,
        dataBucket: this.data.dataBucket,
        logRetention: retentionDays(config.storage.logRetentionDays),
        ...(this.capabilities.autoRetrain && this.pipeline ? { retrain: { pipeline: this.pipeline.pipeline.stateMachine } } : {}),
        ...(this.capabilities.governance ? { audit: true } : {}),
        disposable: config.disposable,
      });
      stacks.push(this.monitoring);
    }
    if (CicdStack.hasResources(this.capabilities, config)) {
      this.cicd = new CicdStack(app, `${prefix}-cicd`, {
        ...common,
        stackName: `${prefix}-cicd`,
        description: `${prefix}: GitHub Actions OIDC deploy role (mlops-platform)`,
        config: { name: config.name, environment: config.environment, cicd: config.cicd },
      });
      stacks.push(this.cicd);
    }
    this.stacks = stacks;

    // Stack tags (above) reach the stacks themselves; these reach every resource in the templates
    // (the explicitStackTags flag keeps Tags.of(stack) off the stack). Not dashboards: CDK renders Tags on
    // them, but the CloudFormation schema cfn-lint checks against has none for AWS::CloudWatch::Dashboard.
    for (const stack of stacks) {
      for (const [key, value] of Object.entries(tags)) Tags.of(stack).add(key, value, { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] });
    }
  }
}

/**
 * Build every environment's platform into one app, with cdk-nag's AWS Solutions checks on the whole app.
 * @returns the platforms, in the order of `configs`
 */
export function buildApp(app: App, configs: readonly PlatformConfig[]): Platform[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return configs.map((config) => new Platform(app, config));
}

/** Which configs a synth uses: `-c env=NAME`, `-c config=FILE`, or neither for every env in `config/`. */
export interface PlatformSelection {
  /** One environment: `config/<env>.json`. */
  readonly env?: string;
  /** One config file anywhere. */
  readonly config?: string;
}

/** One or more config files that cannot be used; the message lists every problem of every file. */
export class PlatformConfigError extends Error {
  /** One error per bad file (each lists all of that file's problems). */
  readonly errors: readonly ConfigError[];

  constructor(errors: readonly ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'PlatformConfigError';
    this.errors = errors;
  }
}

/**
 * Load and validate the configs a synth uses. Every file is read, so one bad file does not hide another.
 * @param configDir folder of `<env>.json` files
 * @throws PlatformConfigError listing every problem of every bad file
 */
export function loadPlatformConfigs(selection: PlatformSelection, configDir: string = CONFIG_DIR): PlatformConfig[] {
  const selectors =
    selection.env !== undefined || selection.config !== undefined
      ? [selection]
      : listEnvironments(configDir).map((env) => ({ env }));
  const configs: PlatformConfig[] = [];
  const errors: ConfigError[] = [];
  for (const selector of selectors) {
    try {
      configs.push(loadConfig(selector, configDir));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new PlatformConfigError(errors);
  if (configs.length === 0) {
    throw new PlatformConfigError([new ConfigError(configDir, [{ path: '(folder)', received: '(no <env>.json file)', expected: 'at least one environment config' }])]);
  }
  return configs;
}

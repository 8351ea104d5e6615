/**
 * Helpers of the infrastructure tests: apps with the project's feature flags, configs per maturity level,
 * and readers for what the CDK and cdk-nag record.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { CONFIG_DIR, parseConfig } from '../../config/load';
import type { PlatformConfig } from '../../config/schema';
import type { MaturityLevel } from '../../lib/maturity';

const REPO_ROOT = join(__dirname, '..', '..');

/** The feature flags of `cdk.json`, so test templates match what `cdk synth` produces. */
export const CDK_CONTEXT: Record<string, unknown> = (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

/**
 * A CDK app with the project's feature flags.
 * @param bundle whether Lambda code is really bundled (slow); otherwise asset bundling is skipped
 */
export function testApp(bundle = false): App {
  return new App({ context: { ...CDK_CONTEXT, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
}

/** A config file of `config/`, as JSON. */
export function rawConfig(env: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(CONFIG_DIR, `${env}.json`), 'utf8')) as Record<string, unknown>;
}

/**
 * `config/dev.json` at another maturity level (validated like a real file).
 * @param changes top-level fields to replace, e.g. `{ disposable: false, overrides: {...} }`
 */
export function configAtLevel(level: MaturityLevel, changes: Record<string, unknown> = {}): PlatformConfig {
  return parseConfig({ ...rawConfig('dev'), environment: `level${level}`, maturityLevel: level, ...changes }, `dev.json at level ${level}`);
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} whose logical id starts with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

/** Every `Validations.acknowledge` in the tree: construct path → acknowledged rule id → reason. */
export function acknowledgements(app: App): Map<string, Map<string, string>> {
  const found = new Map<string, Map<string, string>>();
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      const rules = found.get(construct.node.path) ?? new Map<string, string>();
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) rules.set(id.replace(/^[A-Za-z]+::/, ''), reason);
      found.set(construct.node.path, rules);
    }
  }
  return found;
}

/**
 * Loading and validating environment configs. Used by `bin/app.ts` (synth), the CLI and the local platform.
 * Every problem in a file is reported at once, each as field path, value received and what was expected.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { validateConfig, type ConfigIssue, type PlatformConfig } from './schema';

/** The folder holding `config/<env>.json`, next to this file. */
export const CONFIG_DIR = resolve(__dirname);

/** One thing wrong with a config file. */
export interface ConfigProblem {
  /** Dotted field path, e.g. `dataset.columns.delay.min` (`(root)` for the whole file). */
  readonly path: string;
  /** The value found there, rendered as JSON (or `(missing)`). */
  readonly received: string;
  /** What was expected instead. */
  readonly expected: string;
}

/** A config file that cannot be used; `problems` lists every problem found, not only the first. */
export class ConfigError extends Error {
  /** Every problem found in the file. */
  readonly problems: readonly ConfigProblem[];
  /** The file (or `inline config`) the problems are in. */
  readonly source: string;

  constructor(source: string, problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    super(formatProblems(source, problems), options);
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

/** Render problems one per line: `path: received X — expected Y`. */
export function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.path}: received ${p.received} — expected ${p.expected}`);
  return `invalid config in ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

function render(value: unknown): string {
  if (value === undefined) return '(missing)';
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Turn one zod issue into the path / received / expected triple users read. */
function toProblem(issue: ConfigIssue, raw: unknown): ConfigProblem[] {
  const base = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...base, key].join('.') || '(root)',
      received: render(valueAt(raw, [...issue.path, key])),
      expected: `no such field (allowed fields are listed in config/schema.json)`,
    }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A union (e.g. a column's type) failed every branch: report the branch that got furthest.
    const deepest = issue.errors.reduce((a, b) => (b.length > 0 && (a.length === 0 || b[0]!.path.length > a[0]!.path.length) ? b : a));
    if (deepest.length > 0 && deepest.every((inner) => inner.path.length > 0)) {
      return deepest.flatMap((inner) => toProblem({ ...inner, path: [...issue.path, ...inner.path] } as ConfigIssue, raw));
    }
  }
  const discriminator = issue.code === 'invalid_union' && /discriminator/i.test(issue.message);
  const received = !discriminator && 'input' in issue && issue.input !== undefined ? issue.input : valueAt(raw, issue.path);
  let expected = issue.message;
  if (discriminator) expected = issue.message.replace(/^Invalid discriminator value\. Expected /, 'one of ').replace(/ \| /g, ', ');
  if (issue.code === 'invalid_type') {
    expected = received === undefined ? `${issue.expected} (the field is required)` : issue.expected;
  } else if (issue.code === 'invalid_value') {
    expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (issue.code === 'too_small' || issue.code === 'too_big') {
    expected = issue.message.replace(/^Too (small|big): expected /, '').replace(/^(string|array|number) to (have|be) /, '');
  } else if (issue.code === 'invalid_format' && issue.format === 'email') {
    expected = 'an email address';
  } else if (issue.code === 'invalid_format' || issue.code === 'custom') {
    expected = issue.message.replace(/^Invalid (string|input): /, '');
  } else if (issue.code === 'invalid_union' && !discriminator) {
    expected = unionExpected(issue.errors) ?? expected;
  }
  return [{ path: base.join('.') || '(root)', received: render(received), expected }];
}

/**
 * What a union of values and shapes accepts, from its branches' top-level issues (zod's own message is
 * "Invalid input"): `one of 1, 3, 5` for literals, plus the other shapes, e.g. `… or an array or an object`.
 */
function unionExpected(branches: readonly (readonly ConfigIssue[])[]): string | undefined {
  const values: string[] = [];
  const shapes: string[] = [];
  for (const branch of branches) {
    for (const inner of branch) {
      if (inner.path.length > 0) continue;
      if (inner.code === 'invalid_value') values.push(...inner.values.map((v) => JSON.stringify(v)));
      else if (inner.code === 'invalid_type') shapes.push(`${/^[aeiou]/.test(inner.expected) ? 'an' : 'a'} ${inner.expected}`);
    }
  }
  const parts = [...(values.length > 0 ? [`one of ${[...new Set(values)].join(', ')}`] : []), ...new Set(shapes)];
  return parts.length > 0 ? parts.join(' or ') : undefined;
}

/**
 * Validate a parsed config object; throws {@link ConfigError} listing every problem.
 * @param raw the parsed JSON
 * @param source where it came from, for messages
 * @param expectedEnvironment when loading `config/<env>.json`, the file's env name, which `environment` must equal
 */
export function parseConfig(raw: unknown, source = 'inline config', expectedEnvironment?: string): PlatformConfig {
  const { config, issues } = validateConfig(raw);
  const problems: ConfigProblem[] = issues.flatMap((issue) => toProblem(issue, raw));
  const environment = valueAt(raw, ['environment']);
  if (expectedEnvironment !== undefined && typeof environment === 'string' && environment !== expectedEnvironment) {
    problems.push({ path: 'environment', received: render(environment), expected: `"${expectedEnvironment}" (the name of the file it is in)` });
  }
  if (problems.length > 0 || !config) throw new ConfigError(source, problems);
  return config;
}

/** Read and validate one config file. JSON syntax errors are reported with their position. */
export function loadConfigFile(file: string, expectedEnvironment?: string): PlatformConfig {
  if (!existsSync(file)) {
    throw new ConfigError(file, [{ path: '(file)', received: render(file), expected: 'an existing JSON config file' }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(file, [{ path: '(root)', received: 'text that is not JSON', expected: `valid JSON (${(error as Error).message})` }], { cause: error });
  }
  return parseConfig(raw, file, expectedEnvironment);
}

/** The environment names that have a `config/<env>.json`, sorted. */
export function listEnvironments(configDir = CONFIG_DIR): string[] {
  return readdirSync(configDir)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .map((f) => basename(f, '.json'))
    .sort();
}

/** How a command names the config it works on: an env in `config/`, or any file. */
export interface ConfigSelector {
  /** An environment name: reads `config/<env>.json`. */
  readonly env?: string;
  /** Any config file path. */
  readonly config?: string;
}

/**
 * Load the config a command asked for (`--env NAME` or `--config FILE`; neither means `dev`).
 * Unknown env names fail with the list of those that exist.
 */
export function loadConfig(selector: ConfigSelector, configDir = CONFIG_DIR): PlatformConfig {
  if (selector.env && selector.config) {
    throw new ConfigError('the command line', [{ path: '--env/--config', received: `both`, expected: 'one of --env NAME or --config FILE' }]);
  }
  if (selector.config) return loadConfigFile(resolve(selector.config));
  const env = selector.env ?? 'dev';
  const known = listEnvironments(configDir);
  if (!known.includes(env)) {
    throw new ConfigError('the command line', [{ path: '--env', received: render(env), expected: `one of the environments in config/: ${known.join(', ')}` }]);
  }
  return loadConfigFile(join(configDir, `${env}.json`), env);
}

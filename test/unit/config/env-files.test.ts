/** The committed environment files load, and loading reports unknown envs, bad JSON and missing files. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_DIR, ConfigError, formatProblems, listEnvironments, loadConfig, loadConfigFile } from '../../../config/load';

/** Run `fn`, expecting a ConfigError, and return it (fails the test otherwise). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('the environment files', () => {
  test.each([
    ['dev', 2, true, 'regression', 'rmse'],
    ['staging', 3, false, 'binary', 'auc'],
    ['prod', 4, false, 'binary', 'auc'],
  ] as const)('%s loads at level %i', (env, level, disposable, task, metric) => {
    // Act
    const config = loadConfig({ env });
    // Assess
    expect(config).toMatchObject({ name: 'flights', environment: env, maturityLevel: level, disposable, gate: { metric } });
    expect(config.dataset.task).toBe(task);
    expect(Object.keys(config.dataset.columns)).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
  });

  test('every env file points editors at the generated JSON Schema', () => {
    // Act
    const schemas = listEnvironments().map((env) => (JSON.parse(readFileSync(join(CONFIG_DIR, `${env}.json`), 'utf8')) as { $schema?: string }).$schema);
    // Assess
    expect(schemas).toEqual(['./schema.json', './schema.json', './schema.json']);
  });

  test('defaults are applied once, by the schema', () => {
    // Act
    const dev = loadConfig({ env: 'dev' });
    // Assess
    expect(dev.dataset).toMatchObject({ delimiter: ',', maxFileMb: 2048, unknownColumns: 'fail' });
    expect(dev.dataset.columns.delay).toMatchObject({ nullable: false, required: true, mostly: 0.999 });
    expect(dev.overrides).toEqual({});
  });

  test('no selector means dev; --config reads any file', () => {
    // Act
    const byDefault = loadConfig({});
    const byPath = loadConfig({ config: join(CONFIG_DIR, 'staging.json') });
    // Assess
    expect(byDefault.environment).toBe('dev');
    expect(byPath.environment).toBe('staging');
  });

  test('listEnvironments lists the env files, not schema.json', () => {
    // Act / Assess
    expect(listEnvironments()).toEqual(['dev', 'prod', 'staging']);
  });
});

describe('loading errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('an unknown env name lists the known environments', () => {
    // Act
    const error = configError(() => loadConfig({ env: 'qa' }));
    // Assess
    expect(error.problems).toEqual([{ path: '--env', received: '"qa"', expected: 'one of the environments in config/: dev, prod, staging' }]);
    expect(error.message).toMatch(/--env: received "qa" — expected one of the environments in config\/: dev, prod, staging/);
  });

  test('--env and --config together are refused', () => {
    // Act
    const error = configError(() => loadConfig({ env: 'dev', config: 'x.json' }));
    // Assess
    expect(error.problems).toMatchObject([{ path: '--env/--config', expected: 'one of --env NAME or --config FILE' }]);
  });

  test('a JSON syntax error is reported with its position, and keeps its cause', () => {
    // Prepare
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "name": "flights",\n  "environment": "dev",\n}\n');
    // Act
    const error = configError(() => loadConfigFile(file));
    // Assess
    expect(error.source).toBe(file);
    expect(error.problems).toMatchObject([{ path: '(root)', received: 'text that is not JSON', expected: expect.stringMatching(/^valid JSON \(.*position \d+/) }]);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  test('a missing file is named', () => {
    // Act
    const error = configError(() => loadConfig({ config: join(dir, 'nope.json') }));
    // Assess
    expect(error.problems).toMatchObject([{ path: '(file)', expected: 'an existing JSON config file' }]);
    expect(error.problems[0]!.received).toMatch(/nope\.json"$/);
  });

  test('a file whose environment differs from its name is refused', () => {
    // Prepare: a copy of dev.json placed as prod.json in another config folder.
    const configDir = mkdtempSync(join(dir, 'envs-'));
    writeFileSync(join(configDir, 'prod.json'), readFileSync(join(CONFIG_DIR, 'dev.json')));
    // Act
    const error = configError(() => loadConfig({ env: 'prod' }, configDir));
    // Assess
    expect(error.problems).toEqual([{ path: 'environment', received: '"dev"', expected: '"prod" (the name of the file it is in)' }]);
  });

  test('formatProblems renders one line per problem with the count', () => {
    // Act
    const text = formatProblems('x.json', [
      { path: 'a', received: '1', expected: 'a string' },
      { path: 'b.c', received: '(missing)', expected: 'number (the field is required)' },
    ]);
    // Assess
    expect(text).toBe('invalid config in x.json (2 problems):\n  - a: received 1 — expected a string\n  - b.c: received (missing) — expected number (the field is required)');
  });
});

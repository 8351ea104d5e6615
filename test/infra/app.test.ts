/**
 * The composition root: which configs a synth uses, and what a bad config does to `bin/app.ts`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config/load';
import { PlatformConfigError, loadPlatformConfigs } from '../../lib/platform';
import { rawConfig } from './helpers';

const REPO_ROOT = join(__dirname, '..', '..');

/** A config with several problems at once, each of a different kind. */
function brokenConfig(environment: string): Record<string, unknown> {
  const raw = rawConfig('dev');
  const dataset = raw.dataset as Record<string, unknown>;
  return {
    ...raw,
    environment,
    maturityLevel: 7,
    surprise: true,
    dataset: { ...dataset, target: 'arrival' },
  };
}

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, none was thrown');
}

describe('loadPlatformConfigs', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlops-config-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('no selection: every environment in config/, sorted', () => {
    expect(loadPlatformConfigs({}).map((c) => [c.environment, c.maturityLevel])).toEqual([
      ['dev', 2],
      ['prod', 4],
      ['staging', 3],
    ]);
  });

  test('env: just that environment', () => {
    expect(loadPlatformConfigs({ env: 'prod' }).map((c) => c.environment)).toEqual(['prod']);
  });

  test('config: any file', () => {
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ ...rawConfig('dev'), environment: 'mine' }));
    expect(loadPlatformConfigs({ config: file }).map((c) => c.environment)).toEqual(['mine']);
  });

  test('an unknown env lists the ones that exist', () => {
    expect(() => loadPlatformConfigs({ env: 'qa' })).toThrow(/--env: received "qa" — expected one of the environments in config\/: dev, prod, staging/);
  });

  test('every problem of every bad file is reported, not just the first', () => {
    writeFileSync(join(dir, 'dev.json'), JSON.stringify(brokenConfig('dev')));
    writeFileSync(join(dir, 'prod.json'), JSON.stringify({ ...rawConfig('prod'), storage: { logRetentionDays: 4 } }));
    writeFileSync(join(dir, 'staging.json'), JSON.stringify(rawConfig('staging')));
    const error = thrown(() => loadPlatformConfigs({}, dir));
    expect(error).toBeInstanceOf(PlatformConfigError);
    const { errors, message } = error as PlatformConfigError;
    expect(errors.map((e) => e.source)).toEqual([join(dir, 'dev.json'), join(dir, 'prod.json')]);
    expect(errors[0]!.problems.map((p) => p.path).sort()).toEqual(['dataset.target', 'maturityLevel', 'surprise']);
    expect(errors[1]!.problems.map((p) => p.path)).toEqual(['storage.logRetentionDays']);
    expect(message).toContain('maturityLevel: received 7 — expected an integer from 0 to 4');
    expect(message).toContain('dataset.target: received "arrival" — expected one of the columns: date, delay, distance, origin, destination');
    expect(message).toContain('surprise: received true — expected no such field');
    expect(message).toContain('storage.logRetentionDays: received 4');
  });

  test('a folder without configs is an error, not an empty app', () => {
    expect(() => loadPlatformConfigs({}, dir)).toThrow(/at least one environment config/);
  });

  test('the errors are ConfigErrors, one per file', () => {
    writeFileSync(join(dir, 'dev.json'), '{ not json');
    const error = thrown(() => loadPlatformConfigs({}, dir));
    expect(error).toBeInstanceOf(PlatformConfigError);
    expect((error as PlatformConfigError).errors[0]).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/\(root\): received text that is not JSON — expected valid JSON/);
  });
});

describe('bin/app.ts with a bad config', () => {
  test('prints every problem to stderr and exits 1, without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-app-'));
    try {
      const file = join(dir, 'broken.json');
      writeFileSync(file, JSON.stringify(brokenConfig('broken')));
      const result = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'bin', 'app.ts')], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        // How the CDK CLI hands `-c config=FILE` to the app.
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: file }), CDK_OUTDIR: join(dir, 'cdk.out') },
      });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`invalid config in ${file} (3 problems):`);
      expect(result.stderr).toContain('  - maturityLevel: received 7 — expected an integer from 0 to 4');
      expect(result.stderr).toContain('  - surprise: received true — expected no such field');
      expect(result.stderr).toContain('  - dataset.target: received "arrival"');
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

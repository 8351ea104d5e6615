/**
 * `mlops validate` through the real commander program: the CLI contract's exit codes (0 valid,
 * 1 invalid, 2 usage or config error), the printed report, and `--json`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../cli/program';
import devConfig from '../../../config/dev.json';
import { fixturePath } from '../../helpers/validation';
import { captureOutput } from '../../helpers/output';

/** Captures what a command prints. */
const mlops = (...args: string[]): string[] => ['node', 'mlops', ...args];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('mlops validate', () => {
  test('a valid file exits 0 and says so', async () => {
    // Prepare
    const output = captureOutput();

    // Act
    const code = await runCli(mlops('validate', fixturePath('valid-crlf.csv'), '--config', writeConfig({ rowCount: { min: 1 } })), output);

    // Assess
    expect(code).toBe(0);
    expect(output.stdout.join('\n')).toMatch(/✓ valid .*valid-crlf\.csv/);
  });

  test('an invalid file exits 1 and prints the named reason with sample rows', async () => {
    // Prepare
    const output = captureOutput();

    // Act
    const code = await runCli(mlops('validate', fixturePath('ragged-rows.csv'), '--config', writeConfig({ rowCount: { min: 1 } })), output);

    // Assess
    expect(code).toBe(1);
    const text = output.stdout.join('\n');
    expect(text).toMatch(/✗ invalid/);
    expect(text).toMatch(/ragged_rows: \d+ rows? ha(s|ve) a field count different from the header's 5/);
    expect(text).toMatch(/row \d+: \d+ fields/);
  });

  test('--json prints the report and profile as JSON', async () => {
    // Prepare
    const output = captureOutput();

    // Act
    const code = await runCli(mlops('validate', fixturePath('valid-crlf.csv'), '--json', '--config', writeConfig({ rowCount: { min: 1 } })), output);

    // Assess
    expect(code).toBe(0);
    const parsed = JSON.parse(output.stdout.join('\n')) as { report: { verdict: string; rowCount: number }; profile: { columns: Record<string, unknown> } };
    expect(parsed.report.verdict).toBe('valid');
    expect(Object.keys(parsed.profile.columns)).toEqual(['date', 'delay', 'distance', 'origin', 'destination']);
  });

  test.each([
    ['an unknown environment', ['--env', 'qa'], /--env: received "qa" — expected one of the environments in config\/: dev, prod, staging/],
    ['both --env and --config', ['--env', 'dev', '--config', 'x.json'], /cannot be used with option/],
    ['a missing file', ['--env', 'dev', '__nope__.csv'], /no such file: __nope__\.csv/],
    ['a bad --workers value', ['--env', 'dev', '--workers', 'many'], /--workers takes a whole number/],
    ['a config file that does not exist', ['--config', 'no/such/config.json'], /\(file\): received ".*no\/such\/config\.json" — expected an existing JSON config file/],
  ])('%s exits 2 with a message', async (_label, extra, message) => {
    // Prepare
    const output = captureOutput();
    const args = extra.includes('__nope__.csv') ? extra : [fixturePath('valid-crlf.csv'), ...extra];

    // Act
    const code = await runCli(mlops('validate', ...args), output);

    // Assess
    expect(code).toBe(2);
    expect(output.stderr.join('\n')).toMatch(message);
  });

  test('a bad config file exits 2 and lists every problem', async () => {
    // Prepare
    const output = captureOutput();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...devConfig, maturityLevel: 9, dataset: { ...devConfig.dataset, target: 'nope' } }));

    // Act
    const code = await runCli(mlops('validate', fixturePath('valid-crlf.csv'), '--config', file), output);

    // Assess
    expect(code).toBe(2);
    const text = output.stderr.join('\n');
    expect(text).toMatch(/maturityLevel: received 9 — expected an integer from 0 to 4/);
    expect(text).toMatch(/dataset\.target: received "nope" — expected one of the columns: date, delay, distance, origin, destination/);
  });
});

/** Write dev.json with dataset overrides to a temp file; returns its path. */
function writeConfig(dataset: Record<string, unknown>): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ ...devConfig, $schema: undefined, dataset: { ...devConfig.dataset, ...dataset } }));
  return file;
}

/**
 * The platform's GitHub Actions workflow (.github/workflows/platform.yml) against what it must agree with:
 * the README's test command, package.json's scripts, the environments in config/ and their `cicd`
 * sections, and the deploy role the cicd stack creates (OIDC token, the environment subject).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { CONFIG_DIR, listEnvironments, loadConfig } from '../../config/load';
import { deployRoleVariable } from '../../lib/stacks/cicd-stack';

const REPO_ROOT = join(__dirname, '..', '..');
const WORKFLOW_FILE = join(REPO_ROOT, '.github', 'workflows', 'platform.yml');

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}

interface Job {
  readonly needs?: string | string[];
  readonly if?: string;
  readonly environment?: string | { readonly name: string };
  readonly permissions?: Record<string, string>;
  readonly container?: unknown;
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const DEPLOY_ORDER = ['dev', 'staging', 'prod'] as const;

/** The workflow file, parsed; YAML errors and warnings are reported by the first test. */
const text = readFileSync(WORKFLOW_FILE, 'utf8');
const document = parseDocument(text);
const workflow = document.toJS() as Workflow;

/** Every shell command of a job's `run:` steps, one per line, in order. */
function commandsOf(job: Job): string[] {
  return job.steps.flatMap((step) => (step.run ?? '').split('\n').map((line) => line.trim()).filter((line) => line.length > 0));
}

function job(id: string): Job {
  const found = workflow.jobs[id];
  if (!found) throw new Error(`the workflow has no job '${id}'`);
  return found;
}

/**
 * The README quickstart's test command, split at `&&`: the fenced block under `## Quickstart`, the line
 * whose command (before its `#` comment) runs the tests.
 */
function readmeTestCommands(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const quickstart = /^## Quickstart\s*\n+```bash\n([\s\S]*?)\n```/m.exec(readme);
  if (!quickstart) throw new Error('README.md has no "## Quickstart" section opening with a bash block');
  const commands = quickstart[1]!.split('\n').map((line) => line.replace(/#.*$/, '').trim());
  const testLine = commands.find((line) => /\btest\b/.test(line));
  if (!testLine) throw new Error(`README.md's quickstart has no test command:\n${quickstart[1]}`);
  return testLine.split('&&').map((part) => part.trim());
}

describe('.github/workflows/platform.yml', () => {
  test('is valid YAML without warnings', () => {
    // Assess
    expect(document.errors.map(String)).toEqual([]);
    expect(document.warnings.map(String)).toEqual([]);
    expect(typeof workflow.jobs).toBe('object');
  });

  test('runs on every push and every pull request (no branch filter), read-only by default', () => {
    // Assess
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    expect(workflow.on.push).toBeNull();
    expect(workflow.on.pull_request).toBeNull();
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  test('has the check job and one deploy job per environment, chained check → dev → staging → prod', () => {
    // Assess
    expect(Object.keys(workflow.jobs)).toEqual(['check', 'deploy-dev', 'deploy-staging', 'deploy-prod']);
    expect(job('check').needs).toBeUndefined();
    expect(DEPLOY_ORDER.map((env) => job(`deploy-${env}`).needs)).toEqual(['check', 'deploy-dev', 'deploy-staging']);
  });

  test("the check job runs the README's test command, in its order, first thing after setup", () => {
    // Prepare
    const readme = readmeTestCommands();
    const commands = commandsOf(job('check'));
    // Assess: the README says `npm ci && npm test`; a change there must be made here too.
    expect(readme).toEqual(['npm ci', 'npm test']);
    expect(commands[0]).toBe('npm ci');
    const positions = readme.map((command) => commands.indexOf(command));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  test("the check job also type-checks, lints, synthesizes every environment and lints the templates, like .ci/run", () => {
    // Prepare
    const commands = commandsOf(job('check'));
    const ciRun = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
    // Assess
    expect(commands).toEqual(expect.arrayContaining(['npx tsc --noEmit -p .', 'npm run lint', 'npx cdk synth --quiet', 'git diff --exit-code -- config/schema.json']));
    expect(commands.some((c) => /cfn-lint cdk\.out\/\*\.template\.json$/.test(c))).toBe(true);
    // The same synth and type check as .ci/run (no -c env=: every environment).
    expect(ciRun).toContain('npx cdk synth --quiet');
    expect(ciRun).toContain('npx tsc --noEmit -p .');
    // Synth comes after the tests, so a failing test is reported first.
    expect(commands.indexOf('npx cdk synth --quiet')).toBeGreaterThan(commands.indexOf('npm test'));
  });

  test('every `npm run X` names a script of package.json', () => {
    // Prepare
    const scripts = Object.keys((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const used = [...text.matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]!);
    // Assess
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !scripts.includes(name))).toEqual([]);
  });

  test('every `-c env=X` names a config file in config/', () => {
    // Prepare
    const envs = [...text.matchAll(/-c env=([\w-]+)/g)].map((m) => m[1]!);
    // Assess
    expect(new Set(envs)).toEqual(new Set(DEPLOY_ORDER));
    expect(envs.filter((env) => !existsSync(join(CONFIG_DIR, `${env}.json`)))).toEqual([]);
  });

  test('deploys exactly the environments whose config has a cicd section', () => {
    // Prepare
    const withCicd = listEnvironments().filter((env) => loadConfig({ env }).cicd !== undefined);
    // Assess
    expect(withCicd.sort()).toEqual([...DEPLOY_ORDER].sort());
  });

  describe.each(DEPLOY_ORDER)('deploy-%s', (env) => {
    const deploy = job(`deploy-${env}`);
    const config = loadConfig({ env });

    test('runs only for pushes to the branch its config deploys from', () => {
      // Assess
      expect(deploy.if).toBe(`github.event_name == 'push' && github.ref == 'refs/heads/${config.cicd?.branch ?? '(no cicd section)'}'`);
    });

    test("runs in the GitHub environment the deploy role trusts, and may ask for GitHub's OIDC token", () => {
      // Assess: the job's token subject is repo:<owner>/<name>:environment:<this>.
      expect(deploy.environment).toBe(config.cicd?.githubEnvironment ?? env);
      expect(deploy.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    });

    test('signs in with configure-aws-credentials (pinned major) as the role of the repository variable', () => {
      // Prepare
      const credentials = deploy.steps.filter((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      // Assess
      expect(credentials).toHaveLength(1);
      expect(credentials[0]!.uses).toMatch(/@v\d+$/);
      expect(credentials[0]!.with).toEqual({
        'role-to-assume': `\${{ vars.${deployRoleVariable(env)} }}`,
        'aws-region': `\${{ vars.${env.toUpperCase()}_AWS_REGION }}`,
        'role-duration-seconds': 3600,
      });
    });

    test('installs with npm ci on Node 20, then diffs and deploys every stack of the environment, in that order', () => {
      // Prepare
      const commands = commandsOf(deploy);
      const setupNode = deploy.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
      const credentialsAt = deploy.steps.findIndex((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      const diffAt = deploy.steps.findIndex((step) => step.run === `npx cdk diff --all -c env=${env}`);
      // Assess
      expect(setupNode?.with).toEqual({ 'node-version': 20, cache: 'npm' });
      expect(commands).toEqual(['npm ci', `npx cdk diff --all -c env=${env}`, `npx cdk deploy --all -c env=${env} --require-approval never`]);
      expect(credentialsAt).toBeGreaterThan(0);
      expect(diffAt).toBeGreaterThan(credentialsAt);
    });
  });

  test('prod runs in the GitHub environment prod, whose required reviewers the file asks for', () => {
    // Assess
    expect(job('deploy-prod').environment).toBe('prod');
    expect(text).toMatch(/environment `prod` must have required reviewers/);
  });

  test('only the deploy jobs may ask for an OIDC token', () => {
    // Assess
    const withToken = Object.entries(workflow.jobs)
      .filter(([, j]) => j.permissions?.['id-token'] === 'write')
      .map(([id]) => id);
    expect(withToken).toEqual(['deploy-dev', 'deploy-staging', 'deploy-prod']);
  });
});

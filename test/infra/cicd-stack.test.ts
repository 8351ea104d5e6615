/**
 * The cicd stack in the template: the GitHub OIDC provider (created, or the account's existing one by
 * ARN), a deploy role trusted by exactly one workflow subject with audience sts.amazonaws.com, sessions of
 * at most an hour, and `sts:AssumeRole` on the four CDK bootstrap roles of its account and region and
 * nothing else; the role ARN as an output; no stack without the capability or a `cicd` section; cdk-nag
 * clean without acknowledgements; and the config rules of the `cicd` section.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations, type App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../../config/load';
import type { PlatformConfig } from '../../config/schema';
import { capabilitiesFor, type MaturityLevel } from '../../lib/maturity';
import { buildApp, type Platform } from '../../lib/platform';
import { CICD_STACK_OUTPUTS } from '../../lib/stack-outputs';
import { CicdStack, deployRoleVariable } from '../../lib/stacks/cicd-stack';
import { acknowledgements, configAtLevel, rawConfig, testApp } from './helpers';

type Json = Record<string, unknown>;

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const REPOSITORY = 'example-org/mlops-platform';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

/** A level's config with a cicd section (and account/region unless `agnostic`). */
function cicdConfig(cicd: Json, options: { level?: MaturityLevel; agnostic?: boolean; changes?: Json } = {}): PlatformConfig {
  return configAtLevel(options.level ?? 2, { ...(options.agnostic ? {} : { account: ACCOUNT, region: REGION }), cicd, ...options.changes });
}

/** The platforms of one config, built without synthesis (which stacks exist, in which order). */
function platformOf(config: PlatformConfig): Platform {
  const [platform] = buildApp(testApp(), [config]);
  if (!platform) throw new Error('buildApp returned no platform');
  return platform;
}

/**
 * A cicd stack alone in an app with cdk-nag, as the platform builds it (same id, name, env), so its
 * template and findings are its own. `context` adds CDK context (e.g. a bootstrap qualifier).
 */
function cicdStackOf(config: PlatformConfig, context: Json = {}): { app: App; stack: CicdStack; template: Template } {
  const { app, stack } = unsynthesizedCicdStack(config, context);
  return { app, stack, template: Template.fromStack(stack) };
}

/** {@link cicdStackOf} before synthesis (which runs once per app), to change the stack first. */
function unsynthesizedCicdStack(config: PlatformConfig, context: Json = {}): { app: App; stack: CicdStack } {
  const app = testApp();
  for (const [key, value] of Object.entries(context)) app.node.setContext(key, value);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (!CicdStack.hasResources(capabilitiesFor(config.maturityLevel, config.overrides), config)) throw new Error('this config has no cicd stack');
  const name = `${config.name}-${config.environment}-cicd`;
  const env = config.account !== undefined || config.region !== undefined ? { account: config.account, region: config.region } : undefined;
  const stack = new CicdStack(app, name, { env, stackName: name, config: { name: config.name, environment: config.environment, cicd: config.cicd } });
  return { app, stack };
}

function cicdTemplate(config: PlatformConfig, context: Json = {}): Template {
  return cicdStackOf(config, context).template;
}

/** The only resource of a type in a template: its logical id and body. */
function only(template: Template, type: string): { id: string; resource: Json } {
  const found = Object.entries(template.findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return { id: found[0]![0], resource: found[0]![1] as Json };
}

function bootstrapRoleArns(qualifier: string, account = ACCOUNT, region = REGION): string[] {
  return ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'].map(
    (kind) => `arn:aws:iam::${account}:role/cdk-${qualifier}-${kind}-${account}-${region}`,
  );
}

describe('the cicd stack, provider created here (the default)', () => {
  const config = cicdConfig({ repository: REPOSITORY });
  const platform = platformOf(config);
  const { stack, template } = cicdStackOf(config);
  const provider = only(template, 'AWS::IAM::OIDCProvider');
  const role = only(template, 'AWS::IAM::Role');

  test('is named <name>-<env>-cicd and deployed after the other stacks', () => {
    // Assess
    const names = platform.stacks.map((s) => s.stackName);
    expect(names.at(-1)).toBe('flights-level2-cicd');
    expect(names.slice(0, -1).sort()).toEqual(['flights-level2-data', 'flights-level2-pipeline', 'flights-level2-serving']);
    expect(platform.cicd?.createsProvider).toBe(true);
    expect(stack.createsProvider).toBe(true);
  });

  test("creates GitHub's OIDC provider for audience sts.amazonaws.com, retained when the stack goes (other envs may trust it)", () => {
    // Assess
    expect(provider.resource).toMatchObject({
      Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('the role trusts exactly the environment subject of the repository, with the STS audience, via that provider', () => {
    // Assess: one statement, StringEquals only (no StringLike wildcard, no branch subject).
    expect((role.resource.Properties as Json).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: { Ref: provider.id } },
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': 'repo:example-org/mlops-platform:environment:level2',
            },
          },
        },
      ],
    });
    expect(stack.deployRole.subject).toBe('repo:example-org/mlops-platform:environment:level2');
  });

  test('sessions last at most one hour; no managed or inline policies on the role itself', () => {
    // Assess
    expect(role.resource.Properties).toMatchObject({ MaxSessionDuration: 3600 });
    expect(Object.keys(role.resource.Properties as Json).sort()).toEqual(['AssumeRolePolicyDocument', 'Description', 'MaxSessionDuration']);
  });

  test('its only permission is sts:AssumeRole on the four CDK bootstrap roles of its account and region', () => {
    // Prepare
    const policy = only(template, 'AWS::IAM::Policy');
    // Assess
    expect((policy.resource.Properties as Json).Roles).toEqual([{ Ref: role.id }]);
    expect(((policy.resource.Properties as Json).PolicyDocument as Json).Statement).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: bootstrapRoleArns('hnb659fds') },
    ]);
  });

  test('outputs the role ARN under the name the workflow docs give', () => {
    // Assess
    template.hasOutput(CICD_STACK_OUTPUTS.deployRoleArn, {
      Value: { 'Fn::GetAtt': [role.id, 'Arn'] },
      Description: `Set as the GitHub Actions variable LEVEL2_DEPLOY_ROLE_ARN (role-to-assume of the deploy-level2 job)`,
    });
    expect(deployRoleVariable('prod')).toBe('PROD_DEPLOY_ROLE_ARN');
    expect(deployRoleVariable('eu-prod')).toBe('EU_PROD_DEPLOY_ROLE_ARN');
  });

  test('holds nothing else', () => {
    // Assess
    expect(Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type).sort()).toEqual([
      'AWS::IAM::OIDCProvider',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
    ]);
  });
});

describe('the cicd stack, provider not created here', () => {
  test("'existing': trusts the standard provider ARN of the stack's account, creates none", () => {
    // Act
    const { stack, template } = cicdStackOf(cicdConfig({ repository: REPOSITORY, oidcProvider: 'existing' }));
    // Assess
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(stack.createsProvider).toBe(false);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: PROVIDER_ARN }, Condition: {} }] },
    });
  });

  test("'existing' in an environment-agnostic stack: the account of the deployment", () => {
    // Act
    const template = cicdTemplate(cicdConfig({ repository: REPOSITORY, oidcProvider: 'existing' }, { agnostic: true }));
    // Assess
    const federated = (only(template, 'AWS::IAM::Role').resource.Properties as { AssumeRolePolicyDocument: { Statement: Array<{ Principal: { Federated: unknown } }> } })
      .AssumeRolePolicyDocument.Statement[0]!.Principal.Federated;
    expect(federated).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':oidc-provider/token.actions.githubusercontent.com']],
    });
  });

  test('an ARN: trusts that provider, creates none', () => {
    // Act
    const template = cicdTemplate(cicdConfig({ repository: REPOSITORY, oidcProvider: PROVIDER_ARN }));
    // Assess
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    const statement = ((only(template, 'AWS::IAM::Role').resource.Properties as Json).AssumeRolePolicyDocument as { Statement: Json[] }).Statement;
    expect(statement.map((s) => s.Principal)).toEqual([{ Federated: PROVIDER_ARN }]);
  });
});

describe('the cicd stack, other settings', () => {
  test('githubEnvironment replaces the environment name in the trusted subject', () => {
    // Act
    const template = cicdTemplate(cicdConfig({ repository: 'Org-1/repo.name', githubEnvironment: 'production' }));
    // Assess
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': 'repo:Org-1/repo.name:environment:production',
              },
            },
          },
        ],
      },
    });
  });

  test('a bootstrap qualifier set in context (@aws-cdk/core:bootstrapQualifier) names the bootstrap roles', () => {
    // Act
    const template = cicdTemplate(cicdConfig({ repository: REPOSITORY }), { '@aws-cdk/core:bootstrapQualifier': 'custom42' });
    // Assess
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: bootstrapRoleArns('custom42') }] },
    });
  });

  test('environment-agnostic: the bootstrap roles of the account and region deployed to', () => {
    // Act
    const template = cicdTemplate(cicdConfig({ repository: REPOSITORY }, { agnostic: true }));
    // Assess
    const resources = ((only(template, 'AWS::IAM::Policy').resource.Properties as Json).PolicyDocument as { Statement: Array<{ Resource: unknown[] }> }).Statement[0]!.Resource;
    expect(resources).toHaveLength(4);
    expect(resources[0]).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/cdk-hnb659fds-deploy-role-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }],
      ],
    });
    expect(JSON.stringify(resources)).not.toContain('*');
  });
});

describe('when there is no cicd stack', () => {
  test.each([
    ['level 0 (cicd off by default)', () => cicdConfig({ repository: REPOSITORY }, { level: 0 })],
    ['cicd switched off by an override', () => cicdConfig({ repository: REPOSITORY }, { changes: { overrides: { cicd: false } } })],
    ['no cicd section (capability on)', () => configAtLevel(2, { cicd: undefined })],
  ])('%s: the other stacks only', (_label, config) => {
    // Act
    const platform = platformOf(config());
    // Assess
    expect(platform.cicd).toBeUndefined();
    expect(platform.stacks.map((s) => s.stackName).some((name) => name.endsWith('-cicd'))).toBe(false);
  });

  test('hasResources: the capability on and a cicd section, both', () => {
    // Prepare
    const section = { cicd: { repository: REPOSITORY, branch: 'main', oidcProvider: 'create' } };
    // Assess
    expect(CicdStack.hasResources(capabilitiesFor(1), section)).toBe(true);
    expect(CicdStack.hasResources(capabilitiesFor(1), { cicd: undefined })).toBe(false);
    expect(CicdStack.hasResources(capabilitiesFor(0), section)).toBe(false);
    expect(CicdStack.hasResources(capabilitiesFor(4, { cicd: false }), section)).toBe(false);
  });
});

describe('cdk-nag on the cicd stack', () => {
  test.each([
    ['a created provider', cicdConfig({ repository: REPOSITORY })],
    ['the existing provider', cicdConfig({ repository: REPOSITORY, oidcProvider: 'existing' })],
    ['a provider ARN', cicdConfig({ repository: REPOSITORY, oidcProvider: PROVIDER_ARN })],
    ['environment-agnostic', cicdConfig({ repository: REPOSITORY }, { agnostic: true })],
  ])('%s: no finding, no acknowledgement, no warning', (_label, config) => {
    // Prepare
    const { app, stack } = cicdStackOf(config);
    // Act (synth throws on an unacknowledged error)
    const assembly = app.synth();
    // Assess
    const reportFile = join(assembly.directory, VALIDATION_REPORT_FILE);
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string }> }> };
    expect(report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual([]);
    expect([...acknowledgements(app).keys()]).toEqual([]);
    expect(assembly.getStackByName(stack.stackName).messages.filter((m) => m.level !== 'info')).toEqual([]);
  });
});

describe('cdk-nag watches the cicd stack', () => {
  test('a wildcard added to the deploy role fails synth with AwsSolutions-IAM5, naming the role', () => {
    // Prepare
    const { app, stack } = unsynthesizedCicdStack(cicdConfig({ repository: REPOSITORY }));
    stack.deployRole.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: ['*'] }));
    // Act / Assess
    expect(() => app.synth()).toThrow(/flights-level2-cicd\/GitHubDeployRole\/Role\/DefaultPolicy[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
  });
});

describe('the cicd config section', () => {
  /** The problems parseConfig reports for dev.json with this cicd section and top-level changes. */
  function problems(cicd: unknown, changes: Json = {}): string {
    try {
      parseConfig({ ...rawConfig('dev'), cicd, ...changes }, 'test.json');
    } catch (error) {
      return (error as Error).message;
    }
    return '(accepted)';
  }

  test('defaults: branch main, provider created, GitHub environment = the environment name', () => {
    // Act
    const config = parseConfig({ ...rawConfig('dev'), cicd: { repository: REPOSITORY } }, 'test.json');
    // Assess
    expect(config.cicd).toEqual({ repository: REPOSITORY, branch: 'main', oidcProvider: 'create' });
  });

  test('the committed environments: dev creates the provider, staging shares it, prod (its own account) creates one', () => {
    // Assess
    expect(['dev', 'staging', 'prod'].map((env) => parseConfig(rawConfig(env), `${env}.json`).cicd)).toEqual([
      { repository: REPOSITORY, branch: 'main', oidcProvider: 'create' },
      { repository: REPOSITORY, branch: 'main', oidcProvider: 'existing' },
      { repository: REPOSITORY, branch: 'main', oidcProvider: 'create' },
    ]);
  });

  test('a section while the capability is off is accepted (and ignored): overrides may switch cicd back on', () => {
    // Assess
    expect(problems({ repository: REPOSITORY }, { maturityLevel: 0 })).toBe('(accepted)');
    expect(problems({ repository: REPOSITORY }, { overrides: { cicd: false } })).toBe('(accepted)');
  });

  test('oidcProvider: create, existing, or a GitHub provider ARN', () => {
    // Assess
    expect(() => parseConfig({ ...rawConfig('dev'), cicd: { repository: REPOSITORY, oidcProvider: 'import' } }, 'test.json')).toThrow(
      /cicd\.oidcProvider: received "import" — expected 'create', 'existing', or the ARN of a GitHub OIDC provider/,
    );
    expect(problems({ repository: REPOSITORY, oidcProvider: `arn:aws:iam::${ACCOUNT}:oidc-provider/accounts.google.com` })).toMatch(
      /cicd\.oidcProvider: received "arn:aws:iam::123456789012:oidc-provider\/accounts\.google\.com" — expected 'create', 'existing'/,
    );
  });

  test("a provider ARN of another account than the config's is refused, naming the account expected", () => {
    // Assess
    expect(() =>
      parseConfig({ ...rawConfig('dev'), account: '210987654321', cicd: { repository: REPOSITORY, oidcProvider: PROVIDER_ARN } }, 'test.json'),
    ).toThrow(
      /cicd\.oidcProvider: received "arn:aws:iam::123456789012:oidc-provider\/token\.actions\.githubusercontent\.com" — expected a provider in this environment's account 210987654321 \(arn:aws:iam::210987654321:oidc-provider\/token\.actions\.githubusercontent\.com\), or 'existing'/,
    );
    expect(problems({ repository: REPOSITORY, oidcProvider: PROVIDER_ARN }, { account: ACCOUNT })).toBe('(accepted)');
  });

  test('repository is owner/name; githubEnvironment a GitHub environment name', () => {
    // Assess
    expect(() => parseConfig({ ...rawConfig('dev'), cicd: { repository: 'mlops-platform' } }, 'test.json')).toThrow(
      /cicd\.repository: received "mlops-platform" — expected owner\/name of a GitHub repository/,
    );
    expect(() => parseConfig({ ...rawConfig('dev'), cicd: { repository: REPOSITORY, githubEnvironment: 'prod env' } }, 'test.json')).toThrow(
      /cicd\.githubEnvironment: received "prod env" — expected a GitHub environment name/,
    );
    expect(() => parseConfig({ ...rawConfig('dev'), cicd: { repository: REPOSITORY, branch: 'main', extra: 1 } }, 'test.json')).toThrow(/cicd\.extra: received 1 — expected no such field/);
  });
});

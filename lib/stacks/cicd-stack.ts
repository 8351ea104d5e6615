/**
 * The platform's own CI/CD footing in one environment (capability `cicd`): the account's GitHub Actions
 * OIDC provider (created here, or the existing one of the account) and the deploy role the environment's
 * deploy job in `.github/workflows/platform.yml` assumes. The role's ARN is a stack output, to be set as
 * the repository variable `<ENV>_DEPLOY_ROLE_ARN`.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { GITHUB_OIDC_HOST, type CicdConfig, type PlatformConfig } from '../../config/schema';
import { DEFAULT_BOOTSTRAP_QUALIFIER, GITHUB_OIDC_AUDIENCE, GitHubDeployRole } from '../constructs/github-deploy-role';
import type { Capabilities } from '../maturity';
import { CICD_STACK_OUTPUTS } from '../stack-outputs';

/** The view of the config a {@link CicdStack} needs, with its `cicd` section present. */
export type CicdStackConfig = Pick<PlatformConfig, 'name' | 'environment'> & { readonly cicd: CicdConfig };

/** Properties of a {@link CicdStack}. */
export interface CicdStackProps extends StackProps {
  /** Platform and environment names, and the cicd section. */
  readonly config: CicdStackConfig;
}

/** The GitHub repository variable holding an environment's deploy role ARN, e.g. `PROD_DEPLOY_ROLE_ARN`. */
export function deployRoleVariable(environment: string): string {
  return `${environment.toUpperCase().replace(/-/g, '_')}_DEPLOY_ROLE_ARN`;
}

/** The GitHub OIDC provider (or a reference to the account's existing one) and the deploy role. */
export class CicdStack extends Stack {
  /**
   * Whether an environment gets a cicd stack: the `cicd` capability is on and the config has a `cicd`
   * section (without one there is nothing to trust, so no stack — not an error).
   */
  static hasResources<C extends Pick<PlatformConfig, 'cicd'>>(capabilities: Capabilities, config: C): config is C & { readonly cicd: CicdConfig } {
    return capabilities.cicd && config.cicd !== undefined;
  }

  /** The account's GitHub OIDC provider: created by this stack, or imported by ARN. */
  readonly provider: iam.IOidcProvider;
  /** Whether this stack owns the provider (`oidcProvider: 'create'`). */
  readonly createsProvider: boolean;
  /** The deploy role. */
  readonly deployRole: GitHubDeployRole;

  constructor(scope: Construct, id: string, props: CicdStackProps) {
    super(scope, id, props);
    const { cicd, environment } = props.config;
    const setting = cicd.oidcProvider;
    this.createsProvider = setting === 'create';
    if (setting === 'create') {
      this.provider = new iam.OidcProviderNative(this, 'GitHubOidcProvider', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: [GITHUB_OIDC_AUDIENCE],
        // One per account, and other environments of the account may trust it ('existing'): deleting this
        // stack must not cut them off. Re-creating the env then needs oidcProvider 'existing'.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    } else {
      const arn = setting === 'existing' ? this.formatArn({ service: 'iam', region: '', resource: 'oidc-provider', resourceName: GITHUB_OIDC_HOST }) : setting;
      this.provider = iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidcProvider', arn);
    }
    const githubEnvironment = cicd.githubEnvironment ?? environment;
    this.deployRole = new GitHubDeployRole(this, 'GitHubDeployRole', {
      provider: this.provider,
      repository: cicd.repository,
      githubEnvironment,
      // The qualifier the synthesizer deploys with (context @aws-cdk/core:bootstrapQualifier, else the default).
      bootstrapQualifier: this.synthesizer.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER,
      description: `${props.config.name}-${environment}: GitHub Actions deploys from ${cicd.repository} (environment ${githubEnvironment}, branch ${cicd.branch}); may only assume the CDK bootstrap roles`,
    });
    new CfnOutput(this, CICD_STACK_OUTPUTS.deployRoleArn, {
      value: this.deployRole.role.roleArn,
      description: `Set as the GitHub Actions variable ${deployRoleVariable(environment)} (role-to-assume of the deploy-${environment} job)`,
    });
  }
}

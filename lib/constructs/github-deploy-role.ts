/**
 * The IAM role a GitHub Actions deploy job assumes (OIDC, no stored keys) to run `cdk diff` / `cdk deploy`
 * for one environment. It trusts exactly one workflow subject and may do exactly one thing: assume the
 * CDK bootstrap roles of its own account and region, which hold the real deploy permissions.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { GITHUB_OIDC_HOST } from '../../config/schema';

/** The audience GitHub's token carries when `aws-actions/configure-aws-credentials` asks for one. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** The default bootstrap qualifier of `cdk bootstrap` (`DefaultStackSynthesizer.DEFAULT_QUALIFIER`). */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** The bootstrap roles the CDK CLI assumes during diff and deploy: `cdk-<qualifier>-<kind>-<account>-<region>`. */
export const BOOTSTRAP_ROLE_KINDS = ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'] as const;

/** Properties of a {@link GitHubDeployRole}. */
export interface GitHubDeployRoleProps {
  /** The account's IAM OIDC provider for `token.actions.githubusercontent.com` (created or imported). */
  readonly provider: iam.IOIDCProviderRef;
  /** The repository as `owner/name`. */
  readonly repository: string;
  /**
   * The GitHub environment the deploy job declares (`environment:`): its token's subject is
   * `repo:<owner>/<name>:environment:<githubEnvironment>`, the only subject trusted.
   */
  readonly githubEnvironment: string;
  /**
   * Qualifier of the account's CDK bootstrap stack.
   * @default - `hnb659fds` (what `cdk bootstrap` uses unless told otherwise)
   */
  readonly bootstrapQualifier?: string;
  /**
   * Description of the role.
   * @default - names the repository and GitHub environment
   */
  readonly description?: string;
}

/**
 * A role for one GitHub environment's deploy job: web identity from GitHub's OIDC provider with audience
 * `sts.amazonaws.com` and subject `repo:<owner>/<name>:environment:<env>` (both `StringEquals`, no
 * wildcard), sessions of at most one hour, and `sts:AssumeRole` on the four CDK bootstrap roles of the
 * stack's account and region — nothing else. A job without that `environment:` (another branch, a pull
 * request, another repository or environment) presents another subject and is refused.
 */
export class GitHubDeployRole extends Construct {
  /** The role. */
  readonly role: iam.Role;
  /** The exact token subject the role trusts. */
  readonly subject: string;
  /** ARNs of the bootstrap roles it may assume. */
  readonly bootstrapRoleArns: readonly string[];

  constructor(scope: Construct, id: string, props: GitHubDeployRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const qualifier = props.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER;
    this.subject = `repo:${props.repository}:environment:${props.githubEnvironment}`;
    this.role = new iam.Role(this, 'Role', {
      description: props.description ?? `GitHub Actions deploys from ${props.repository} (environment ${props.githubEnvironment}); may only assume the CDK bootstrap roles`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.OpenIdConnectPrincipal(props.provider, {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE, [`${GITHUB_OIDC_HOST}:sub`]: this.subject },
      }),
    });
    // Named roles, not `cdk-<qualifier>-*`: the four the CLI uses are all it needs, and a wildcard would
    // also match roles someone adds later under the bootstrap prefix.
    this.bootstrapRoleArns = BOOTSTRAP_ROLE_KINDS.map((kind) =>
      stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `cdk-${qualifier}-${kind}-${stack.account}-${stack.region}` }),
    );
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [...this.bootstrapRoleArns] }));
  }
}

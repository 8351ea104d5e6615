/**
 * THE Lambda-defaults construct (CONVENTIONS #10): every pipeline stage, trigger and serving function of
 * the platform is a {@link StageFunction}, so runtime, bundling, tracing, logging and IAM shape are decided
 * here once.
 */
import { resolve } from 'node:path';
import { Duration, RemovalPolicy, Size, Stack, Tags, Token, Tokenization, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { Construct } from 'constructs';
import type { z } from 'zod';

/** The repository root (where `package-lock.json` lives): esbuild's project root. */
const REPO_ROOT = resolve(__dirname, '..', '..');

/** Tag on every stage function naming its handler file (`lambda/handlers/<value>.ts`). */
export const HANDLER_TAG = 'mlops:handler';

/** The folder holding one handler file per Lambda: `lambda/handlers/<name>.ts`, each exporting `handler`. */
export const HANDLERS_DIR = resolve(REPO_ROOT, 'lambda', 'handlers');

/** AWS Lambda's limit on the total size of a function's environment variables (keys plus values): 4 KB. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * Bytes charged for each unresolved token (a bucket name, an ARN) in an environment value when its size
 * is checked at synth: above any bucket name (63) or function name (64), and the length of typical ARNs.
 */
export const UNRESOLVED_TOKEN_BYTES = 128;

/** S3 actions of {@link StageFunction.grantReadObjects}, on objects under the prefix. */
export const READ_OBJECT_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'] as const;

/** S3 actions of {@link StageFunction.grantWriteObjects}, on objects under the prefix. */
export const WRITE_OBJECT_ACTIONS = ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'] as const;

/** Default timeout of a stage function. */
export const DEFAULT_STAGE_TIMEOUT = Duration.minutes(1);

/** Default memory of a stage function. */
export const DEFAULT_STAGE_MEMORY = Size.mebibytes(512);

/**
 * A Lambda environment contract: a zod schema whose parsed output maps variable names to values (strings,
 * or numbers and booleans the schema coerces). The same schema is imported by the handler, which parses
 * `process.env` with it once at module scope.
 */
export type EnvironmentSchema = z.ZodType<Record<string, string | number | boolean | undefined>>;

/** Properties of a {@link StageFunction}. */
export interface StageFunctionProps<S extends EnvironmentSchema> {
  /**
   * Name of the handler file: `lambda/handlers/<handler>.ts`, which exports `handler`.
   * Lowercase letters, digits and dashes.
   */
  readonly handler: string;

  /** The function's environment contract (`lambda/env/<handler>-env.ts`). */
  readonly environmentSchema: S;

  /**
   * The environment, typed by the schema's input (variables with a schema default may be omitted).
   * It is parsed by {@link StageFunctionProps.environmentSchema} at synth: a value the schema rejects fails synth.
   */
  readonly environment: z.input<S>;

  /** How long the function's log group keeps events (config `storage.logRetentionDays`). */
  readonly logRetention: RetentionDays;

  /**
   * What happens to the log group when the stack deletes it.
   * @default RemovalPolicy.RETAIN - logs outlive the function, like the data they describe
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * Maximum run time of one invocation.
   * @default DEFAULT_STAGE_TIMEOUT (1 minute)
   */
  readonly timeout?: Duration;

  /**
   * Memory of the function; Lambda gives 1 vCPU at 1769 MiB and scales CPU with memory.
   * @default DEFAULT_STAGE_MEMORY (512 MiB)
   */
  readonly memorySize?: Size;

  /**
   * A description shown in the Lambda console.
   * @default - `mlops-platform stage: <handler>`
   */
  readonly description?: string;
}

/** An environment that does not fit Lambda's limit or does not match the function's schema. */
export class StageFunctionEnvironmentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StageFunctionEnvironmentError';
  }
}

/**
 * The CloudWatch Logs retention for a number of days, as config files write it.
 * @throws Error when CloudWatch does not offer that retention
 */
export function retentionDays(days: number): RetentionDays {
  const offered = Object.values(RetentionDays).filter((value): value is RetentionDays => typeof value === 'number');
  const match = offered.find((value) => value === days);
  if (match === undefined) {
    throw new Error(`log retention of ${days} days: expected one of the retentions CloudWatch Logs offers (${offered.join(', ')})`);
  }
  return match;
}

/**
 * Size of a Lambda environment as AWS counts it (UTF-8 bytes of every key and value), charging
 * {@link UNRESOLVED_TOKEN_BYTES} for each unresolved token.
 */
export function environmentSize(environment: Readonly<Record<string, string>>): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(environment)) {
    bytes += Buffer.byteLength(key, 'utf8');
    if (Token.isUnresolved(value)) {
      const fragments = Tokenization.reverseString(value);
      const literals = fragments.mapTokens({ mapToken: () => '' }).join({ join: (left: unknown, right: unknown) => `${left}${right}` });
      bytes += Buffer.byteLength(String(literals), 'utf8') + fragments.tokens.length * UNRESOLVED_TOKEN_BYTES;
    } else {
      bytes += Buffer.byteLength(value, 'utf8');
    }
  }
  return bytes;
}

/**
 * A Node.js 22 / arm64 Lambda for one platform stage, with the platform's defaults:
 *
 * - `NodejsFunction` bundled by the locally installed esbuild (never Docker): minified CommonJS for
 *   `node22`, with source maps and `NODE_OPTIONS=--enable-source-maps` so stack traces name `.ts` lines.
 *   The AWS SDK v3 is bundled too, so the SDK version the tests ran is the one deployed.
 * - X-Ray active tracing; an explicit log group with retention from config.
 * - Its own IAM role with no managed policy: log writes are granted on its log group only, and data
 *   access only through {@link grantReadObjects} / {@link grantWriteObjects}, scoped to key prefixes.
 * - The environment parsed through the function's zod schema and checked against Lambda's 4 KB limit at
 *   synth, so an oversized environment fails `cdk synth`, not the deployment.
 */
export class StageFunction<S extends EnvironmentSchema = EnvironmentSchema> extends Construct implements iam.IGrantable {
  /** The Lambda function (for invoke grants and Step Functions tasks). */
  readonly function: NodejsFunction;
  /** The function's execution role. */
  readonly role: iam.Role;
  /** The function's log group. */
  readonly logGroup: LogGroup;
  /** The principal that {@link grantReadObjects} and friends grant to: the execution role. */
  readonly grantPrincipal: iam.IPrincipal;

  /** Every variable set on the function, kept to re-check the size limit when one is added. */
  private readonly variables: Record<string, string>;

  /** Object ARNs granted with a trailing `<prefix>*`, to acknowledge once their final form is known. */
  private readonly prefixGrants: { readonly objectsArn: string; readonly bucket: IBucket; readonly prefix: string; readonly access: string }[] = [];

  /** Acknowledgement ids already recorded (validation runs on every synth of the app). */
  private readonly acknowledged = new Set<string>();

  constructor(scope: Construct, id: string, props: StageFunctionProps<S>) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]*$/.test(props.handler)) {
      throw new Error(`${this.node.path}: handler '${props.handler}': expected a handler file name (lowercase letters, digits, dashes) under lambda/handlers/`);
    }

    const parsed = props.environmentSchema.safeParse(props.environment);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
      throw new StageFunctionEnvironmentError(`${this.node.path}: environment does not match its schema: ${problems.join('; ')}`, { cause: parsed.error });
    }
    // Source maps are only read by Node when asked to; without this traces point into the minified bundle.
    // Lambda environment variables are strings: a schema that coerces (numbers, booleans) is given its
    // parsed values back as text, defaults included; the handler parses them with the same schema.
    const text = Object.fromEntries(Object.entries(parsed.data).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])));
    this.variables = { ...text, NODE_OPTIONS: '--enable-source-maps' };
    this.checkEnvironmentSize();

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // An explicit role instead of the default one: the default attaches AWSLambdaBasicExecutionRole,
    // which may write to every log group of the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.handler} stage`,
    });
    this.grantPrincipal = this.role;
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: resolve(HANDLERS_DIR, `${props.handler}.ts`),
      handler: 'handler',
      description: props.description ?? `mlops-platform stage: ${props.handler}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: (props.memorySize ?? DEFAULT_STAGE_MEMORY).toMebibytes(),
      timeout: props.timeout ?? DEFAULT_STAGE_TIMEOUT,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      environment: this.variables,
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.CJS,
        // Bundle the AWS SDK v3 rather than use the runtime's copy: the deployed version is the tested one.
        externalModules: [],
      },
    });

    // The handler file the function runs, on the function itself: the local platform binds each function
    // of the synthesized template to `lambda/handlers/<handler>.ts` by this tag.
    Tags.of(this.function).add(HANDLER_TAG, props.handler);

    // X-Ray's PutTraceSegments / PutTelemetryRecords have no resource-level permissions; active tracing
    // adds them on '*', which is the only form AWS accepts.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only the X-Ray actions xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) use Resource "*": X-Ray supports no resource-level permissions for them.',
    });
    this.node.addValidation({ validate: () => this.acknowledgePrefixGrants() });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: handlers, the local platform and the tests target Node.js 22 (esbuild target node22); moving to a newer runtime is a deliberate upgrade, not a drift.',
    });
  }

  /**
   * Set one more environment variable, re-checking the 4 KB limit.
   * @throws StageFunctionEnvironmentError when the environment no longer fits
   */
  addEnvironment(key: string, value: string): this {
    this.variables[key] = value;
    this.checkEnvironmentSize();
    this.function.addEnvironment(key, value);
    return this;
  }

  /**
   * Allow reading objects under one key prefix of a bucket: `s3:GetObject`, `s3:GetObjectVersion` and
   * their tagging reads (a `CopyObject` of a tagged object copies its tags) on `<bucket>/<prefix>*`,
   * `s3:ListBucket` limited to that prefix (so a missing key answers 404, not 403), and `kms:Decrypt` on
   * the bucket's key when S3 uses it on our behalf.
   * @param prefix a key prefix ending in `/`, e.g. `DATA_PREFIX.incoming`
   */
  grantReadObjects(bucket: IBucket, prefix: string): iam.Grant {
    checkPrefix(this, prefix);
    const objectsArn = bucket.arnForObjects(`${prefix}*`);
    this.prefixGrants.push({ objectsArn, bucket, prefix, access: 'read (s3:GetObject, s3:GetObjectVersion and their tagging)' });
    const objects = iam.Grant.addToPrincipal({
      grantee: this,
      actions: [...READ_OBJECT_ACTIONS],
      resourceArns: [objectsArn],
    });
    const listing = iam.Grant.addToPrincipal({
      grantee: this,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    });
    return this.withKeyGrant(objects.combine(listing), bucket, ['kms:Decrypt']);
  }

  /**
   * Allow writing objects under one key prefix of a bucket: `s3:PutObject` (which covers multipart
   * uploads and the destination side of a copy), `s3:PutObjectTagging` (tags a copy carries over) and
   * `s3:AbortMultipartUpload` on `<bucket>/<prefix>*`, and `kms:GenerateDataKey` plus `kms:Decrypt`
   * (multipart uploads need both) on the bucket's key. Nothing may delete or overwrite elsewhere.
   * @param prefix a key prefix ending in `/`, e.g. `ARTIFACT_PREFIX.runs`
   */
  grantWriteObjects(bucket: IBucket, prefix: string): iam.Grant {
    checkPrefix(this, prefix);
    const objectsArn = bucket.arnForObjects(`${prefix}*`);
    this.prefixGrants.push({ objectsArn, bucket, prefix, access: 'write (s3:PutObject, tagging, multipart abort)' });
    const objects = iam.Grant.addToPrincipal({
      grantee: this,
      actions: [...WRITE_OBJECT_ACTIONS],
      resourceArns: [objectsArn],
    });
    return this.withKeyGrant(objects, bucket, ['kms:GenerateDataKey', 'kms:Decrypt']);
  }

  /** Adds KMS actions on the bucket's key, usable only through S3 in this region. */
  private withKeyGrant(grant: iam.Grant, bucket: IBucket, actions: string[]): iam.Grant {
    if (!bucket.encryptionKey) return grant;
    const key = iam.Grant.addToPrincipal({
      grantee: this,
      actions,
      resourceArns: [bucket.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
    return grant.combine(key);
  }

  /**
   * Acknowledges cdk-nag's AwsSolutions-IAM5 finding on each prefix grant: `<bucket>/<prefix>*` is the
   * narrowest resource S3 offers for objects whose keys are not known in advance (uploads, run ids).
   *
   * cdk-nag names the finding after the resource as the template renders it, and a bucket of another
   * stack only gets that form (`Fn::GetStackOutput` or `Fn::ImportValue`, per the cross-stack reference
   * mode) when the app is prepared for synthesis. So the acknowledgement is recorded in this construct's
   * validation hook, which runs after that and before cdk-nag, for exactly the ARNs granted above.
   */
  private acknowledgePrefixGrants(): string[] {
    const stack = Stack.of(this);
    for (const grant of this.prefixGrants) {
      const id = `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(grant.objectsArn))}]`;
      if (this.acknowledged.has(id)) continue;
      this.acknowledged.add(id);
      Validations.of(this.role).acknowledge({
        id,
        reason:
          `Prefix-scoped ${grant.access} on objects under '${grant.prefix}' of ${grant.bucket.node.path}: ` +
          'object keys there are not known in advance (uploads, run ids), and a key prefix is the narrowest S3 resource that covers them.',
      });
    }
    return [];
  }

  private checkEnvironmentSize(): void {
    const bytes = environmentSize(this.variables);
    if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
      const largest = Object.entries(this.variables)
        .map(([key, value]) => ({ key, bytes: environmentSize({ [key]: value }) }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 3)
        .map((v) => `${v.key} (${v.bytes} bytes)`);
      throw new StageFunctionEnvironmentError(
        `${this.node.path}: Lambda environment is ${bytes} bytes, over the ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit ` +
          `(unresolved tokens counted as ${UNRESOLVED_TOKEN_BYTES} bytes each); largest: ${largest.join(', ')}`,
      );
    }
  }
}

function checkPrefix(scope: Construct, prefix: string): void {
  if (!/^[A-Za-z0-9!_.()'-]+(\/[A-Za-z0-9!_.()'-]+)*\/$/.test(prefix)) {
    throw new Error(`${scope.node.path}: key prefix '${prefix}': expected a prefix such as 'incoming/' (no wildcard, ending in '/')`);
  }
}

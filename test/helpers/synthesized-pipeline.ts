/**
 * Runs the training pipeline exactly as synthesized: the state machine's ASL taken from the pipeline
 * stack's template, every Lambda task — at the top level or nested in a Map's item processor or a
 * Parallel's branches — bound (by the function's `mlops:handler` tag) to its real handler module loaded
 * with the environment the template gives that function, S3 served by s3rver. Only the template's
 * references to the data stack (bucket names) are mapped to the local buckets, and pseudo parameters
 * (partition, region, account) to fixed values.
 *
 * Tasks whose resource is not a Lambda function of the template (a service integration such as
 * `arn:aws:states:::sagemaker:createTrainingJob.sync`) run the stand-in given for their state name;
 * one without a stand-in is an error naming the state.
 */
import '../../local/promise-with-resolvers';
import type { Template } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import { HANDLER_TAG } from '../../lib/constructs/stage-function';
import { taskStatesOf, type AslState } from '../../local/platform';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A Lambda handler as the tests call it. */
export type LocalHandler = (event: unknown) => Promise<unknown>;

interface FunctionResource {
  readonly Properties: { readonly Environment?: { readonly Variables: Record<string, Json> }; readonly Tags?: ReadonlyArray<{ Key: string; Value: string }> };
}

const FAKE_ACCOUNT = '123456789012';
const FAKE_REGION = 'us-east-1';
const functionArn = (logicalId: string): string => `arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:${logicalId}`;

/** Values of the pseudo parameters a template may reference. */
const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': FAKE_REGION,
  'AWS::AccountId': FAKE_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** The fake ARN of a template resource, by its type (a Lambda function's is what the ASL names). */
function arnOf(logicalId: string, type: string | undefined): string {
  switch (type) {
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${FAKE_ACCOUNT}:role/${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${FAKE_REGION}:${FAKE_ACCOUNT}:stateMachine:${logicalId}`;
    default:
      return functionArn(logicalId);
  }
}

/**
 * A resolver of template values to strings: data-stack references to local bucket names, pseudo
 * parameters to fixed values, `Fn::GetAtt …Arn` to a fake ARN of the resource's kind, `Fn::FindInMap`
 * through the template's mappings, `Ref` to the logical id.
 */
function resolverOf(template: Template, buckets: { data: string; artifacts: string }): (value: Json) => string {
  const json = template.toJSON() as { Resources?: Record<string, { Type?: string }>; Mappings?: Record<string, Record<string, Record<string, Json>>> };
  const resolve = (value: Json): string => {
    if (typeof value === 'string') return value;
    const text = JSON.stringify(value);
    if (/DataBucket/.test(text)) return buckets.data;
    if (/ArtifactBucket/.test(text)) return buckets.artifacts;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if ('Fn::GetAtt' in value) {
        const [id, attr] = value['Fn::GetAtt'] as [string, string];
        if (attr === 'Arn') return arnOf(id, json.Resources?.[id]?.Type);
      }
      if ('Ref' in value) return PSEUDO_PARAMETERS[String(value.Ref)] ?? String(value.Ref);
      if ('Fn::FindInMap' in value) {
        const [map, top, second] = (value['Fn::FindInMap'] as Json[]).map((v) => resolve(v));
        const found = json.Mappings?.[map!]?.[top!]?.[second!];
        if (found !== undefined) return resolve(found);
      }
      if ('Fn::Join' in value) {
        const [separator, parts] = value['Fn::Join'] as [string, Json[]];
        return parts.map((part) => resolve(part)).join(separator);
      }
    }
    throw new Error(`cannot resolve template value ${text}`);
  };
  return resolve;
}

export { taskStatesOf };

/** The state machine's ASL with every intrinsic resolved. */
export function definitionOf(template: Template, buckets: { data: string; artifacts: string }): Record<string, unknown> {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: Json } };
  const resolve = resolverOf(template, buckets);
  const body = machine.Properties.DefinitionString as { 'Fn::Join': [string, Json[]] };
  return JSON.parse(body['Fn::Join'][1].map((part) => resolve(part)).join('')) as Record<string, unknown>;
}

/** Each function's handler name and environment, by the fake ARN the ASL now names. */
export function functionsOf(template: Template, buckets: { data: string; artifacts: string }): Map<string, { handler: string; env: Record<string, string> }> {
  const resolve = resolverOf(template, buckets);
  const out = new Map<string, { handler: string; env: Record<string, string> }>();
  for (const [id, resource] of Object.entries(template.findResources('AWS::Lambda::Function')) as Array<[string, FunctionResource]>) {
    const handler = resource.Properties.Tags?.find((t) => t.Key === HANDLER_TAG)?.Value;
    if (!handler) continue;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(resource.Properties.Environment?.Variables ?? {})) env[k] = resolve(v);
    out.set(functionArn(id), { handler, env });
  }
  return out;
}

/** Load `lambda/handlers/<name>.ts` in its own module registry with the function's environment. */
export function loadHandler(name: string, env: Record<string, string>, base: Record<string, string>): LocalHandler {
  const saved = { ...process.env };
  let handler: LocalHandler | undefined;
  try {
    Object.assign(process.env, base, env);
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require(`../../lambda/handlers/${name}`) as { handler: LocalHandler }).handler;
    });
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return handler!;
}

/** The synthesized pipeline, runnable locally. */
export class LocalPipeline {
  readonly machine: StateMachine;
  /** Task state name → the handler it runs (nested states included). */
  readonly handlers: Record<string, LocalHandler> = {};

  /**
   * @param standIns local handlers for Task states (by state name) whose resource is not a Lambda
   *   function of the template, e.g. a SageMaker `.sync` integration
   */
  constructor(template: Template, buckets: { data: string; artifacts: string }, baseEnv: Record<string, string>, standIns: Readonly<Record<string, LocalHandler>> = {}) {
    const definition = definitionOf(template, buckets);
    const functions = functionsOf(template, buckets);
    const loaded = new Map<string, LocalHandler>();
    const tasks = taskStatesOf(definition.States as Record<string, AslState>);
    for (const name of Object.keys(standIns)) {
      if (!tasks.has(name)) throw new Error(`stand-in for ${name}: the state machine has no Task state of that name (it has ${[...tasks.keys()].join(', ')})`);
    }
    for (const [stateName, resource] of tasks) {
      const fn = functions.get(resource);
      if (!fn) {
        const standIn = standIns[stateName];
        if (!standIn) {
          throw new Error(`Task state ${stateName} runs ${resource}, which is not a Lambda function of the template: pass a stand-in for it (standIns.${stateName})`);
        }
        this.handlers[stateName] = standIn;
        continue;
      }
      if (standIns[stateName]) throw new Error(`stand-in for ${stateName}: that state runs a Lambda function of the template (its real handler is bound); use run(…, overrides) to replace it`);
      const handler = loaded.get(resource) ?? loadHandler(fn.handler, fn.env, baseEnv);
      loaded.set(resource, handler);
      this.handlers[stateName] = handler;
    }
    this.machine = new StateMachine(definition as never, { validationOptions: { checkArn: true } });
  }

  /** Run one execution; `overrides` replace single task handlers (to inject failures). */
  async run(input: Record<string, unknown>, overrides: Record<string, LocalHandler> = {}): Promise<{ status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: string; cause?: string }> {
    const taskResourceLocalHandlers = Object.fromEntries(
      Object.entries({ ...this.handlers, ...overrides }).map(([name, fn]) => [name, async (event: unknown) => (await fn(event)) as never]),
    );
    const retryIntervalOverrides = Object.fromEntries(Object.keys(this.handlers).map((name) => [name, 0]));
    const execution = this.machine.run(input as never, { overrides: { taskResourceLocalHandlers, retryIntervalOverrides } });
    try {
      return { status: 'SUCCEEDED', output: await execution.result };
    } catch (error) {
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      return { status: 'FAILED', error: cause?.name ?? (error as Error).name, cause: cause?.message ?? (error as Error).message };
    }
  }
}

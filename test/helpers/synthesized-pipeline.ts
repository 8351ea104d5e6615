/**
 * Runs the training pipeline exactly as synthesized: the state machine's ASL taken from the pipeline
 * stack's template, every Lambda task bound (by the function's `mlops:handler` tag) to its real handler
 * module loaded with the environment the template gives that function, S3 served by s3rver. Only the
 * template's references to the data stack (bucket names) are mapped to the local buckets.
 */
import './promise-with-resolvers';
import type { Template } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import { HANDLER_TAG } from '../../lib/constructs/stage-function';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A Lambda handler as the tests call it. */
export type LocalHandler = (event: unknown) => Promise<unknown>;

interface FunctionResource {
  readonly Properties: { readonly Environment?: { readonly Variables: Record<string, Json> }; readonly Tags?: ReadonlyArray<{ Key: string; Value: string }> };
}

const FAKE_ACCOUNT = '123456789012';
const functionArn = (logicalId: string): string => `arn:aws:lambda:us-east-1:${FAKE_ACCOUNT}:function:${logicalId}`;

/** Resolve a template value: data-stack references to local bucket names, GetAtt Arn to a fake ARN. */
function resolveValue(value: Json, buckets: { data: string; artifacts: string }): string {
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  if (/DataBucket/.test(text)) return buckets.data;
  if (/ArtifactBucket/.test(text)) return buckets.artifacts;
  if (value && typeof value === 'object' && !Array.isArray(value) && 'Fn::GetAtt' in value) {
    const [id, attr] = value['Fn::GetAtt'] as [string, string];
    if (attr === 'Arn') return functionArn(id);
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && 'Ref' in value) return String(value.Ref);
  throw new Error(`cannot resolve template value ${text}`);
}

/** The state machine's ASL with every intrinsic resolved. */
export function definitionOf(template: Template, buckets: { data: string; artifacts: string }): Record<string, unknown> {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: Json } };
  const body = machine.Properties.DefinitionString as { 'Fn::Join': [string, Json[]] };
  return JSON.parse(body['Fn::Join'][1].map((part) => resolveValue(part, buckets)).join('')) as Record<string, unknown>;
}

/** Each function's handler name and environment, by the fake ARN the ASL now names. */
export function functionsOf(template: Template, buckets: { data: string; artifacts: string }): Map<string, { handler: string; env: Record<string, string> }> {
  const out = new Map<string, { handler: string; env: Record<string, string> }>();
  for (const [id, resource] of Object.entries(template.findResources('AWS::Lambda::Function')) as Array<[string, FunctionResource]>) {
    const handler = resource.Properties.Tags?.find((t) => t.Key === HANDLER_TAG)?.Value;
    if (!handler) continue;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(resource.Properties.Environment?.Variables ?? {})) env[k] = resolveValue(v, buckets);
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
  /** Task state name → the handler it runs. */
  readonly handlers: Record<string, LocalHandler> = {};

  constructor(template: Template, buckets: { data: string; artifacts: string }, baseEnv: Record<string, string>) {
    const definition = definitionOf(template, buckets);
    const functions = functionsOf(template, buckets);
    const loaded = new Map<string, LocalHandler>();
    for (const [stateName, state] of Object.entries(definition.States as Record<string, { Type: string; Resource?: string }>)) {
      if (state.Type !== 'Task' || !state.Resource) continue;
      const fn = functions.get(state.Resource);
      if (!fn) throw new Error(`state ${stateName} names ${state.Resource}, which is not a stage function of the template`);
      const handler = loaded.get(state.Resource) ?? loadHandler(fn.handler, fn.env, baseEnv);
      loaded.set(state.Resource, handler);
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

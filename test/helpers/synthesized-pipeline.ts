/**
 * Runs the training pipeline exactly as synthesized: the state machine's ASL taken from the pipeline
 * stack's template, every Lambda task — at the top level or nested in a Map's item processor or a
 * Parallel's branches — bound (by the function's `mlops:handler` tag) to its real handler module loaded
 * with the environment the template gives that function, S3 served by s3rver. Template values are
 * resolved exactly as the local platform resolves them (`local/cloud-assembly.ts`), with the data stack's
 * buckets under the test's bucket names.
 *
 * Tasks whose resource is not a Lambda function of the template (a service integration such as
 * `arn:aws:states:::sagemaker:createTrainingJob.sync`) run the stand-in given for their state name;
 * one without a stand-in is an error naming the state.
 */
import '../../local/promise-with-resolvers';
import { Template } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Platform } from '../../lib/platform';
import { LocalAssembly, type StackTemplate } from '../../local/cloud-assembly';
import { loadHandlerIsolated, taskStatesOf, type AslState } from '../../local/platform';
import { setStage, type RegistryStore } from '../../lambda/core/registry/registry';

/** A Lambda handler as the tests call it. */
export type LocalHandler = (event: unknown) => Promise<unknown>;

/** The templates of one environment: the pipeline stack's, and the data stack's its references resolve against. */
export interface PipelineTemplates {
  readonly pipeline: Template;
  readonly data?: Template;
}

/** Both templates of a built platform, under their stack names. */
export function templatesOf(platform: Platform): PipelineTemplates {
  return { pipeline: Template.fromStack(platform.pipeline!), data: Template.fromStack(platform.data) };
}

/**
 * The templates resolved as the local platform resolves them ({@link LocalAssembly}), with the data
 * stack's data and artifact buckets under the given local names.
 */
function assemblyOf(templates: PipelineTemplates | Template, buckets: { data: string; artifacts: string }): LocalAssembly {
  const { pipeline, data } = templates instanceof Template ? { pipeline: templates, data: undefined } : templates;
  const stacks: StackTemplate[] = [
    { stackName: 'pipeline', template: pipeline.toJSON() as StackTemplate['template'] },
    ...(data ? [{ stackName: dataStackName(pipeline), template: data.toJSON() as StackTemplate['template'] }] : []),
  ];
  return new LocalAssembly(stacks, (_stack, logicalId) => (logicalId.startsWith('DataBucket') ? buckets.data : logicalId.startsWith('ArtifactBucket') ? buckets.artifacts : logicalId.toLowerCase()));
}

/** The stack name the pipeline template's cross-stack references name (`Fn::GetStackOutput`). */
function dataStackName(pipeline: Template): string {
  const match = /"StackName":"([^"]+)"/.exec(JSON.stringify(pipeline.toJSON()));
  return match ? match[1]! : 'data';
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
  constructor(templates: PipelineTemplates | Template, buckets: { data: string; artifacts: string }, baseEnv: Record<string, string>, standIns: Readonly<Record<string, LocalHandler>> = {}) {
    const assembly = assemblyOf(templates, buckets);
    const definition = assembly.stateMachines[0]!.definition;
    const functions = new Map(assembly.functions.map((f) => [f.arn, f]));
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
      const handler = loaded.get(resource) ?? loadHandlerIsolated(fn.handler, { ...baseEnv, ...fn.environment });
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
    // The context object as Step Functions gives it (`$$.Execution.Id`: a nested deploy names its parent).
    const name = typeof input.runId === 'string' ? input.runId : 'local';
    const context = { Execution: { Id: `arn:aws:states:us-east-1:000000000000:execution:pipeline:${name}`, Name: name, Input: input as never, StartTime: new Date().toISOString() } };
    const execution = this.machine.run(input as never, { overrides: { taskResourceLocalHandlers, retryIntervalOverrides }, context });
    try {
      return { status: 'SUCCEEDED', output: await execution.result };
    } catch (error) {
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      return { status: 'FAILED', error: cause?.name ?? (error as Error).name, cause: cause?.message ?? (error as Error).message };
    }
  }
}

/**
 * A stand-in for the pipeline's `Deploy` task (levels 2+: a nested execution of the serving stack's deploy
 * state machine, which these pipeline-only tests do not load): it makes the registered version the
 * champion, as a successful deployment does, and answers as `states:startExecution.sync:2` does. The deploy
 * state machine itself runs for real in `test/e2e/deploy-flows.test.ts`.
 */
export function deployStandIn(registry: RegistryStore, modelName: string): LocalHandler {
  return async (input) => {
    const request = (input as { Input: { version: number; requestedBy: string; reason: string } }).Input;
    await setStage(registry, modelName, request.version, 'champion', { by: request.requestedBy, reason: `deployed (stand-in): ${request.reason}` });
    return { ExecutionArn: `stand-in:deploy-v${request.version}`, Status: 'SUCCEEDED', Output: { plan: { version: request.version } } };
  };
}

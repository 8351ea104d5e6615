/**
 * The embedded local platform: one environment's synthesized definitions, run on this machine.
 *
 * - synthesizes the environment in-process (the same `buildApp` as `cdk synth`, Lambda bundling skipped)
 *   and reads the templates: buckets, stage functions, state machines, EventBridge rules, alarms;
 * - serves S3 with s3rver on 127.0.0.1 (objects kept under `<dir>/s3`), each bucket under a local name;
 * - serves Step Functions' `StartExecution`/`DescribeExecution`/`ListExecutions` on 127.0.0.1 and runs each
 *   state machine's own ASL in aws-local-stepfunctions, every Lambda task bound to its handler module,
 *   loaded with the environment the template gives that function (fresh module instances per function,
 *   as separate Lambda containers would have);
 * - turns S3 object-created events of buckets with EventBridge notifications into EventBridge events
 *   and delivers them to the targets of every rule whose synthesized pattern matches;
 * - runs `rate(…)` schedules on a clock that can be sped up;
 * - keeps each function's versions and aliases (`lambda-control-plane.ts`, also served as the Lambda API
 *   the deploy Lambda publishes versions through): a Function URL on an alias runs the version the alias
 *   routes to, each version in module instances of its own with its own environment;
 * - runs the deploy state machine's CodeDeploy tasks on `codedeploy-stand-in.ts` (canary shifts on the
 *   platform clock, stopped and rolled back by the synthesized alarms), nested executions
 *   (`states:startExecution.sync`) on the local endpoint, and `.waitForTaskToken` tasks until
 *   `SendTaskSuccess`/`SendTaskFailure` arrives for their token.
 *
 * SageMaker tasks (engine `sagemaker`, and the deploy state machine's endpoint calls with a SageMaker serving
 * engine) are bound to the stand-in of `sagemaker-stand-in.ts`, which also serves `InvokeEndpoint` to the
 * front Lambda (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`) and keeps its models and endpoints in the platform's
 * folder (`sagemaker-state.json`), and the log
 * says so. Nothing in `lambda/` knows it runs locally beyond the standard `AWS_ENDPOINT_URL_*` variables.
 */
import './promise-with-resolvers';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { S3Client } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import S3rver from 's3rver';
import type { PlatformConfig } from '../config/schema';
import { createS3Client } from '../lambda/aws/clients';
import { buildApp } from '../lib/platform';
import { PIPELINE_STACK_OUTPUTS, SERVING_STACK_OUTPUTS } from '../lib/stack-outputs';
import { LocalAssembly, type Json, type LocalFunction, type LocalRule, type StackTemplate } from './cloud-assembly';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './identity';
import { AlarmEvaluator, parseMetricAlarm } from './alarms';
import { parseEventPattern, type EventPattern } from './event-pattern';
import { MetricStore, parseEmfDocument } from './metrics';
import { parseSchedule, type Schedule } from './schedule';
import { FunctionUrlServer } from './function-url-server';
import { captureHandlerOutput } from './log-capture';
import { SageMakerStandIn } from './sagemaker-stand-in';
import { CodeDeployStandIn, lambdaDeploymentGroupsFromResources } from './codedeploy-stand-in';
import { LambdaControlPlane, type RouteResult } from './lambda-control-plane';
import { StepFunctionsEndpoint, type LocalExecution } from './stepfunctions-endpoint';

const REPO_ROOT = resolve(__dirname, '..');


/** Prefix of the task tokens the local platform hands `.waitForTaskToken` tasks. */
const TASK_TOKEN_PREFIX = 'local-task-token-';

/** A Lambda handler as the platform calls it. */
export type LocalHandler = (event: unknown) => Promise<unknown>;

/** Loads `lambda/handlers/<name>.ts` with a function's environment, in module instances of its own. */
export type HandlerLoader = (name: string, environment: Readonly<Record<string, string>>) => LocalHandler;

/** Options of {@link LocalPlatform.start}. */
export interface LocalPlatformOptions {
  readonly config: PlatformConfig;
  /** Folder for the platform's data (S3 objects under `s3/`); kept between runs. */
  readonly dir: string;
  /** S3 port on 127.0.0.1 (0: any free port). */
  readonly port?: number;
  /** Where the platform says what it does (one line per call). */
  readonly log?: (line: string) => void;
  /** How handler modules are loaded (tests pass one built on `jest.isolateModules`). */
  readonly loadHandler?: HandlerLoader;
  /** Schedules run this many times faster than real time. */
  readonly clockSpeed?: number;
  /**
   * The templates to run.
   * @default the environment synthesized from `config` by {@link synthesizeEnvironment}
   */
  readonly templates?: readonly StackTemplate[];
  /**
   * The alarms' clock (milliseconds since the epoch, the time base of the handlers' EMF timestamps).
   * @default Date.now
   */
  readonly now?: () => number;
}

/**
 * Load a handler module with its function's environment in module instances of its own, as in its own
 * Lambda container: under Node, by dropping every cached `lambda/` module around the load; under Jest
 * (whose module registry is its own), with `jest.isolateModules`.
 */
export const loadHandlerIsolated: HandlerLoader = (name, environment) => {
  const lambdaRoot = join(REPO_ROOT, 'lambda');
  const forget = (): void => {
    for (const key of Object.keys(require.cache)) if (key.startsWith(lambdaRoot)) delete require.cache[key];
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (): LocalHandler => (require(join(lambdaRoot, 'handlers', name)) as { handler: LocalHandler }).handler;
  const saved = { ...process.env };
  forget();
  try {
    Object.assign(process.env, environment);
    if (typeof jest !== 'undefined') {
      let handler: LocalHandler | undefined;
      jest.isolateModules(() => (handler = load()));
      return handler!;
    }
    return load();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    forget();
  }
};

/** The project's CDK feature flags (`cdk.json`), so the local templates are the ones `cdk synth` writes. */
function cdkContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
}

/**
 * Synthesize one environment in-process (Lambda bundling skipped: handlers run from source).
 * @param customize changes the app before synthesis (tests: an escape hatch on a construct)
 */
export function synthesizeEnvironment(config: PlatformConfig, customize?: (app: App) => void): StackTemplate[] {
  const app = new App({ context: { ...cdkContext(), 'aws:cdk:bundling-stacks': [] } });
  buildApp(app, [config]);
  customize?.(app);
  const assembly = app.synth();
  return assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template as StackTemplate['template'] }));
}

/** The local name of a bucket: `<stack>-<logical id without CDK's hash>`, lower case. */
export function localBucketName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId.replace(/[0-9A-F]{8}$/, '')}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
}

/** The parts of an ASL state the platform reads. */
export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  /** Wait states: seconds to wait. */
  readonly Seconds?: number;
  /** Task states: the task's time limit. */
  readonly TimeoutSeconds?: number;
  readonly ItemProcessor?: { readonly States: Record<string, AslState> };
  readonly Iterator?: { readonly States: Record<string, AslState> };
  readonly Branches?: ReadonlyArray<{ readonly States: Record<string, AslState> }>;
}

/** Every Task state of an ASL graph, nested ones (Map item processors, Parallel branches) included: state name → resource. */
export function taskStatesOf(states: Readonly<Record<string, AslState>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task' && state.Resource) {
      if (out.has(name)) throw new Error(`two Task states are named ${name}: local handlers are bound by state name`);
      out.set(name, state.Resource);
    }
    for (const graph of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) {
      if (!graph) continue;
      for (const [inner, resource] of taskStatesOf(graph.States)) {
        if (out.has(inner)) throw new Error(`two Task states are named ${inner}: local handlers are bound by state name`);
        out.set(inner, resource);
      }
    }
  }
  return out;
}

interface S3NotificationRecord {
  readonly eventName: string;
  readonly eventTime?: string;
  readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly sequencer?: string; readonly versionId?: string } };
}

/** An S3 notification record as the EventBridge "Object Created" event S3 sends (keys not URL-encoded). */
export function objectCreatedEvent(record: S3NotificationRecord): Record<string, unknown> {
  const { bucket, object } = record.s3;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: LOCAL_ACCOUNT,
    time: record.eventTime ?? new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [`arn:aws:s3:::${bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: bucket.name },
      object: {
        // Notification records URL-encode keys (spaces as '+'); EventBridge events do not.
        key: decodeURIComponent(object.key.replace(/\+/g, ' ')),
        ...(object.size !== undefined ? { size: object.size } : {}),
        ...(object.eTag ? { etag: object.eTag } : {}),
        ...(object.versionId ? { 'version-id': object.versionId } : {}),
        ...(object.sequencer ? { sequencer: object.sequencer } : {}),
      },
      'request-id': randomUUID(),
      requester: LOCAL_ACCOUNT,
      reason: record.eventName.replace(/^ObjectCreated:/, '') === 'CompleteMultipartUpload' ? 'CompleteMultipartUpload' : 'PutObject',
    },
  };
}

/** A running local platform. */
export class LocalPlatform {
  /** The resolved templates. */
  readonly assembly: LocalAssembly;
  /** Local names of the environment's data and artifact buckets. */
  readonly buckets: { readonly data: string; readonly artifacts: string };
  /** A client for the local S3. */
  readonly s3: S3Client;
  /** The training state machine's local ARN. */
  readonly stateMachineArn: string;
  /** The deploy state machine's local ARN (the serving stack's); absent without a serving stack. */
  readonly deployStateMachineArn?: string;
  readonly stepFunctions: StepFunctionsEndpoint;
  /** Environment variables that point AWS SDK clients at the local services. */
  readonly env: Readonly<Record<string, string>>;
  readonly sagemaker: SageMakerStandIn;
  /** Every function's versions and aliases; also served as the Lambda API (`AWS_ENDPOINT_URL_LAMBDA`). */
  readonly lambda: LambdaControlPlane;
  /** CodeDeploy for the templates' Lambda deployment groups; present when there are any. */
  codeDeploy?: CodeDeployStandIn;

  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  /** Aborts of the executions still running (a run waiting for approval waits until the platform stops). */
  private readonly running = new Set<() => void>();
  private readonly handlers = new Map<string, LocalHandler>();
  /** Handler instances of published versions (`<function ARN>:<version>`), each with its version's environment. */
  private readonly versionHandlers = new Map<string, LocalHandler>();
  /** Each state machine (by ARN), parsed once, with its tasks' local handlers by state name. */
  private readonly machines = new Map<string, { stateMachine: StateMachine; handlers: Record<string, (event: unknown) => Promise<never>>; waits: Record<string, number> }>();
  private readonly savedEnv: Record<string, string | undefined> = {};
  private restoreOutput?: () => void;
  /** The metrics the handlers emitted (their EMF lines), as CloudWatch would store them. */
  readonly metrics = new MetricStore();
  /** The synthesized alarms, evaluated on {@link LocalPlatform.metrics}; state changes go to the rules. */
  alarms?: AlarmEvaluator;
  private readonly patterns = new Map<string, EventPattern>();
  /** Each Function URL of the templates (by logical id) → its local URL. */
  readonly functionUrls = new Map<string, string>();
  private readonly urlServers: FunctionUrlServer[] = [];
  /** The schedules' clock (ms since the epoch, whole minutes), advanced by {@link LocalPlatform.advanceClock}. */
  private clockMs = Math.floor(Date.now() / 60_000) * 60_000;
  private readonly schedules: Array<{ ruleId: string; targets: LocalRule['targets']; schedule: Schedule; last: number }> = [];
  /** Where the handlers' structured log lines go (one JSON line each, as in their CloudWatch log streams). */
  readonly logFile: string;

  private constructor(
    private readonly options: LocalPlatformOptions,
    private readonly server: S3rver,
    setup: {
      assembly: LocalAssembly;
      buckets: { data: string; artifacts: string };
      s3: S3Client;
      stepFunctions: StepFunctionsEndpoint;
      lambda: LambdaControlPlane;
      sagemaker: SageMakerStandIn;
      env: Record<string, string>;
      stateMachineArn: string;
      deployStateMachineArn?: string;
    },
  ) {
    this.assembly = setup.assembly;
    this.buckets = setup.buckets;
    this.s3 = setup.s3;
    this.stepFunctions = setup.stepFunctions;
    this.lambda = setup.lambda;
    this.env = setup.env;
    this.stateMachineArn = setup.stateMachineArn;
    if (setup.deployStateMachineArn) this.deployStateMachineArn = setup.deployStateMachineArn;
    this.sagemaker = setup.sagemaker;
    mkdirSync(join(options.dir, 'logs'), { recursive: true });
    this.logFile = join(options.dir, 'logs', 'handlers.jsonl');
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Synthesize, start S3 and Step Functions, bind handlers, rules and schedules. */
  static async start(options: LocalPlatformOptions): Promise<LocalPlatform> {
    const { config } = options;
    const stacks = options.templates ?? synthesizeEnvironment(config);
    const assembly = new LocalAssembly(stacks, localBucketName);
    const dataStack = `${config.name}-${config.environment}-data`;
    const bucketByOutput = (output: string): string => assembly.resolve(dataStack, stacks.find((s) => s.stackName === dataStack)!.template.Outputs![output]!.Value, output);
    const buckets = { data: bucketByOutput('DataBucketName'), artifacts: bucketByOutput('ArtifactBucketName') };

    mkdirSync(join(options.dir, 's3'), { recursive: true });
    const server = new S3rver({
      address: '127.0.0.1',
      port: options.port ?? 0,
      silent: true,
      directory: join(options.dir, 's3'),
      vhostBuckets: false,
      configureBuckets: assembly.buckets.map((b) => ({ name: b.name })),
    });
    const { port } = await server.run();
    const s3Endpoint = `http://127.0.0.1:${port}`;
    const s3 = createS3Client({ endpoint: s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

    const machines = assembly.stateMachines;
    if (machines.length === 0) throw new Error(`${config.environment} has no state machine to run`);
    // The endpoint runs executions on the platform, which is made once the endpoint listens.
    const running: { platform?: LocalPlatform } = {};
    const stepFunctions = new StepFunctionsEndpoint(
      machines.map((m) => m.arn),
      (arn, input, name) => running.platform!.execute(arn, input, name),
    );
    const sfnEndpoint = await stepFunctions.listen();
    const lambda = new LambdaControlPlane();
    const lambdaEndpoint = await lambda.listen();
    const sagemaker = new SageMakerStandIn(s3, { stateFile: join(options.dir, 'sagemaker-state.json') });
    const sagemakerRuntimeEndpoint = await sagemaker.listen();
    const env = {
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ENDPOINT_URL_SFN: sfnEndpoint,
      AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
      AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemakerRuntimeEndpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: LOCAL_REGION,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const trainingArn = assembly.outputOf(`${config.name}-${config.environment}-pipeline`, PIPELINE_STACK_OUTPUTS.stateMachineArn);
    const servingStack = `${config.name}-${config.environment}-serving`;
    const deployArn = assembly.stackNames.includes(servingStack) ? assembly.outputOf(servingStack, SERVING_STACK_OUTPUTS.deployStateMachineArn) : undefined;
    const platform = new LocalPlatform(options, server, { assembly, buckets, s3, stepFunctions, lambda, sagemaker, env, stateMachineArn: trainingArn, ...(deployArn ? { deployStateMachineArn: deployArn } : {}) });
    running.platform = platform;
    // SDK clients inside the handlers are made on first use: the local endpoints stay set while the platform runs.
    for (const key of Object.keys(env)) platform.savedEnv[key] = process.env[key];
    Object.assign(process.env, env);
    platform.restoreOutput = captureHandlerOutput({
      metric: (document) => {
        try {
          platform.metrics.add(parseEmfDocument(document));
        } catch (error) {
          platform.log(`a handler printed a malformed EMF document (CloudWatch would drop it): ${(error as Error).message}`);
        }
      },
      log: (line) => appendFileSync(platform.logFile, `${line}\n`),
    });
    platform.bind();
    await platform.serveFunctionUrls();
    server.on('event', (event: { Records: S3NotificationRecord[] }) => platform.onS3Event(event));
    platform.log(`S3 ${s3Endpoint} (data in ${join(options.dir, 's3')}): ${assembly.buckets.map((b) => b.name).join(', ')}`);
    platform.log(`Step Functions ${sfnEndpoint}: ${machines.map((m) => m.logicalId).join(', ')}`);
    platform.log(`Lambda API ${lambdaEndpoint} (versions and aliases of ${assembly.functions.length} functions)`);
    platform.log(`handler logs: ${platform.logFile}`);
    return platform;
  }

  /** Load every stage function and check every task of every state machine has something to run. */
  private bind(): void {
    const load = this.options.loadHandler ?? loadHandlerIsolated;
    for (const fn of this.assembly.functions) {
      this.handlers.set(fn.arn, load(fn.handler, fn.environment));
      this.lambda.register({ name: fn.arn.slice(fn.arn.lastIndexOf(':') + 1), arn: fn.arn, handler: fn.handler, environment: fn.environment });
    }
    for (const version of this.assembly.versions) this.lambda.createVersion(version.functionArn, `${version.logicalId} (CloudFormation)`);
    for (const alias of this.assembly.aliases) this.lambda.createAlias(alias.functionArn, alias.name, alias.version);
    this.lambda.onAliasChange((e) => {
      if (!e.before) return;
      const weights = Object.entries(e.after.additionalVersionWeights).map(([v, w]) => ` + version ${v} at ${Math.round(w * 100)}%`).join('');
      this.log(`alias ${e.functionName}:${e.alias}: version ${e.before.functionVersion} → ${e.after.functionVersion}${weights}`);
    });
    const groups = this.assembly.stackNames.flatMap((stack) =>
      lambdaDeploymentGroupsFromResources(this.assembly.resourcesOf(stack), (value, where) => this.assembly.resolveDeep(stack, value as Json, where)),
    );
    if (groups.length > 0) {
      this.codeDeploy = new CodeDeployStandIn(groups, {
        lambda: this.lambda,
        now: () => this.clockMs,
        alarmState: (name) => {
          try {
            return this.alarms?.state(name).value;
          } catch {
            return undefined;
          }
        },
      });
      this.codeDeploy.onChange((e) => this.log(`CodeDeploy ${e.deployment.deploymentId} (${e.deployment.group.deploymentGroupName}): ${e.change}, ${e.deployment.status}${e.deployment.errorInformation ? ` (${e.deployment.errorInformation.Code}: ${e.deployment.errorInformation.Message})` : ""}${e.deployment.targetWeight > 0 && e.deployment.targetWeight < 1 ? ` (${Math.round(e.deployment.targetWeight * 100)}% on version ${e.deployment.targetVersion})` : ''}`));
      this.log(`CodeDeploy (stand-in, on the platform clock): ${groups.map((g) => `${g.deploymentGroupName} ${JSON.stringify(g.routing)} alarms ${g.alarmNames.join(', ') || 'none'}`).join('; ')}`);
    }
    // Each state machine is parsed (and its ASL validated) once, every task bound to what it runs.
    for (const machine of this.assembly.stateMachines) {
      const handlers: Record<string, (event: unknown) => Promise<never>> = {};
      const standIns: string[] = [];
      const states = machine.definition.States as Record<string, AslState>;
      for (const [state, resource] of taskStatesOf(states)) {
        const sagemaker = this.sagemakerTask(resource);
        const handler = this.handlers.get(resource) ?? sagemaker ?? this.serviceTask(resource, states[state]);
        if (!handler) throw new Error(`${machine.logicalId}: state ${state} runs ${resource}, which has no local counterpart`);
        if (sagemaker || resource.includes(':aws-sdk:sagemaker:')) standIns.push(state);
        handlers[state] = async (event) => (await handler(event)) as never;
      }
      if (standIns.length > 0) {
        this.log(`SageMaker is not available locally: states ${standIns.join(', ')} run on the SageMaker stand-in (our GBDT in place of XGBoost; set model.engine to 'lambda' to train in the Lambda as deployed)`);
      }
      // Wait states run on the platform clock: as many real milliseconds as their seconds take at its speed.
      const waits: Record<string, number> = {};
      for (const [name, state] of Object.entries(states)) {
        if (state.Type === 'Wait' && typeof state.Seconds === 'number') waits[name] = Math.max(10, (state.Seconds * 1000) / (this.options.clockSpeed ?? 1));
      }
      this.machines.set(machine.arn, { stateMachine: new StateMachine(machine.definition as never, { validationOptions: { checkArn: true } }), handlers, waits });
    }
    for (const rule of this.assembly.rules) if (rule.eventPattern) this.patterns.set(rule.logicalId, parseEventPattern(rule.eventPattern));
    const alarms = this.assembly.alarms.map((a) => parseMetricAlarm(a.logicalId, a.properties));
    if (alarms.length > 0) {
      this.alarms = new AlarmEvaluator(alarms, this.metrics, { account: LOCAL_ACCOUNT, region: LOCAL_REGION, ...(this.options.now ? { now: this.options.now } : {}) });
      // Alarms are evaluated once a minute (their smallest standard period), faster with the clock speed.
      this.timers.push(setInterval(() => this.evaluateAlarms(), Math.max(1000, 60_000 / (this.options.clockSpeed ?? 1))));
      this.log(`alarms: ${alarms.map((a) => a.alarmName).join(', ')}`);
    }
    for (const rule of this.assembly.rules) {
      if (!rule.enabled || !rule.scheduleExpression) continue;
      try {
        this.schedules.push({ ruleId: rule.logicalId, targets: rule.targets, schedule: parseSchedule(rule.scheduleExpression), last: this.clockMs });
        this.log(`rule ${rule.logicalId}: ${rule.scheduleExpression} on the local clock${this.options.clockSpeed ? ` (${this.options.clockSpeed}× real time)` : ''}`);
      } catch (error) {
        this.log(`rule ${rule.logicalId}: ${(error as Error).message}; the rule does not run locally`);
      }
    }
    // The platform clock (schedules, canaries) moves a minute per tick: once a real minute, or faster with the clock speed.
    this.timers.push(setInterval(() => this.advanceClock(1), Math.max(50, 60_000 / (this.options.clockSpeed ?? 1))));
  }

  /**
   * Move the schedules' clock on by whole minutes, delivering each scheduled event that falls due (in
   * EventBridge's "Scheduled Event" shape) — what the clock's timer does once a (sped-up) minute.
   */
  advanceClock(minutes: number): void {
    for (let m = 0; m < minutes; m++) {
      this.clockMs += 60_000;
      // Traffic shifts fall due on the clock, whether or not the deploy state machine is looking.
      this.codeDeploy?.advanceAll();
      const time = new Date(this.clockMs);
      for (const entry of this.schedules) {
        const { rateMs, firesAt } = entry.schedule;
        const due = rateMs !== undefined ? this.clockMs - entry.last >= rateMs : firesAt!(time);
        if (!due) continue;
        entry.last = this.clockMs;
        this.deliver(entry.ruleId, entry.targets, {
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: LOCAL_ACCOUNT,
          time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: LOCAL_REGION,
          resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${entry.ruleId}`],
          detail: {},
        });
      }
    }
  }

  /** Serve every Function URL of the templates on 127.0.0.1, each in front of its function's handler. */
  private async serveFunctionUrls(): Promise<void> {
    for (const url of this.assembly.functionUrls) {
      if (!this.handlers.has(url.targetArn)) throw new Error(`Function URL ${url.logicalId} fronts ${url.targetArn}, which is not a stage function of the templates`);
      // Each request runs the version the URL's alias routes it to (weights included), as Lambda does.
      const handler: LocalHandler = (event) => this.handlerOf(url.targetArn, this.lambda.route(url.targetArn, url.qualifier))(event);
      const server = new FunctionUrlServer(handler, (error) => this.log(`Function URL ${url.logicalId}: the handler threw ${error.name}: ${error.message} (the client got 502)`));
      this.urlServers.push(server);
      const local = await server.listen();
      this.functionUrls.set(url.logicalId, local);
      this.log(`Function URL ${url.logicalId} (${this.functionOf(url.targetArn)?.handler ?? url.targetArn}): ${local}${url.authType === 'AWS_IAM' ? ' (AWS_IAM auth is not checked locally)' : ''}`);
    }
  }

  /** The handler instance of the version a request was routed to (`$LATEST`: the function's own). */
  private handlerOf(functionArn: string, route: RouteResult): LocalHandler {
    if (route.version === '$LATEST') return this.handlers.get(functionArn)!;
    const key = `${functionArn}:${route.version}`;
    let handler = this.versionHandlers.get(key);
    if (!handler) {
      handler = (this.options.loadHandler ?? loadHandlerIsolated)(route.handler, route.environment);
      this.versionHandlers.set(key, handler);
    }
    return handler;
  }

  /** Run one execution of a state machine (the Step Functions endpoint calls this). */
  private async execute(stateMachineArn: string, input: unknown, name: string): Promise<unknown> {
    const { stateMachine, handlers, waits } = this.machines.get(stateMachineArn)!;
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    // One token per execution: `$$.Task.Token` of its (one) `.waitForTaskToken` task.
    const context = {
      Execution: { Id: executionArn, Name: name, Input: input as never, StartTime: new Date().toISOString() },
      Task: { Token: `${TASK_TOKEN_PREFIX}${randomUUID()}` },
    };
    const execution = stateMachine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits }, context });
    this.running.add(execution.abort);
    try {
      return await execution.result;
    } finally {
      this.running.delete(execution.abort);
    }
  }

  /**
   * The local counterpart of a Step Functions service integration other than SageMaker: CodeDeploy's
   * deployments (the stand-in), a nested execution (`states:startExecution.sync`), or a Lambda invoked with a
   * task token (`lambda:invoke.waitForTaskToken`, resumed by `SendTaskSuccess`/`SendTaskFailure`).
   */
  private serviceTask(resource: string, state: AslState | undefined): LocalHandler | undefined {
    const service = /^arn:aws:states:::(.+)$/.exec(resource)?.[1];
    if (service === 'aws-sdk:codedeploy:createDeployment') return async (params) => this.codeDeployOrFail().createDeployment(params);
    if (service === 'aws-sdk:codedeploy:getDeployment') return async (params) => this.codeDeployOrFail().getDeployment(params);
    const sagemakerAction = /^aws-sdk:sagemaker:(\w+)$/.exec(service ?? '')?.[1];
    const sagemakerTask = sagemakerAction ? this.sagemaker.sdkTask(sagemakerAction) : undefined;
    if (sagemakerTask) return (params) => sagemakerTask(params as Record<string, unknown>);
    if (service === 'states:startExecution.sync:2' || service === 'states:startExecution.sync') return (params) => this.runNested(params, service.endsWith(':2'));
    if (service === 'lambda:invoke.waitForTaskToken') return (params) => this.invokeAndWaitForToken(params, state?.TimeoutSeconds);
    return undefined;
  }

  private codeDeployOrFail(): CodeDeployStandIn {
    if (!this.codeDeploy) throw Object.assign(new Error('the templates have no CodeDeploy deployment group'), { name: 'CodeDeploy.DeploymentGroupDoesNotExistException' });
    return this.codeDeploy;
  }

  /** `states:startExecution.sync(:2)`: start the execution on the local endpoint, wait, answer as Step Functions does. */
  private async runNested(params: unknown, jsonOutput: boolean): Promise<unknown> {
    const p = params as { StateMachineArn?: string; Input?: unknown; Name?: string };
    const input = typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input ?? {});
    const execution = this.stepFunctions.startExecution(String(p.StateMachineArn), p.Name ?? randomUUID(), input);
    this.log(`nested execution ${execution.executionArn} started`);
    await execution.done;
    const described = {
      ExecutionArn: execution.executionArn,
      StateMachineArn: execution.stateMachineArn,
      Name: execution.name,
      Status: execution.status,
      StartDate: execution.startDate.getTime(),
      StopDate: execution.stopDate?.getTime(),
      Input: jsonOutput ? (JSON.parse(input) as unknown) : input,
      ...(execution.output !== undefined ? { Output: jsonOutput ? (JSON.parse(execution.output) as unknown) : execution.output } : {}),
      ...(execution.error !== undefined ? { Error: execution.error, Cause: execution.cause } : {}),
    };
    if (execution.status !== 'SUCCEEDED') throw Object.assign(new Error(JSON.stringify(described)), { name: 'States.TaskFailed' });
    return described;
  }

  /** `lambda:invoke.waitForTaskToken`: run the function on its payload, then wait for its token's answer. */
  private async invokeAndWaitForToken(params: unknown, timeoutSeconds: number | undefined): Promise<unknown> {
    const p = params as { FunctionName?: string; Payload?: unknown };
    const handler = this.handlers.get(String(p.FunctionName));
    if (!handler) throw Object.assign(new Error(`${String(p.FunctionName)} is not a function of the templates`), { name: 'Lambda.ResourceNotFoundException' });
    const token = JSON.stringify(p.Payload ?? null).match(new RegExp(`"(${TASK_TOKEN_PREFIX}[0-9a-f-]+)"`))?.[1];
    if (!token) throw Object.assign(new Error('the payload of a .waitForTaskToken task must carry $$.Task.Token'), { name: 'States.Runtime' });
    const answer = this.stepFunctions.waitForTaskToken(token, timeoutSeconds === undefined ? undefined : (timeoutSeconds * 1000) / (this.options.clockSpeed ?? 1));
    await handler(p.Payload);
    return answer;
  }

  /** The stand-in for a SageMaker service integration, or undefined for any other resource. */
  private sagemakerTask(resource: string): LocalHandler | undefined {
    if (!resource.startsWith('arn:aws:states:::sagemaker:')) return undefined;
    if (resource.includes(':createTrainingJob')) return (event) => this.sagemaker.createTrainingJob(event as Record<string, unknown>);
    if (resource.includes(':createModel')) return (event) => this.sagemaker.createModel(event as Record<string, unknown>);
    if (resource.includes(':createTransformJob')) return (event) => this.sagemaker.createTransformJob(event as Record<string, unknown>);
    return undefined;
  }

  private onS3Event(event: { Records: S3NotificationRecord[] }): void {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const bucket = this.assembly.buckets.find((b) => b.name === record.s3.bucket.name);
      if (!bucket?.eventBridge) continue;
      this.publish(objectCreatedEvent(record));
    }
  }

  /** Put an event on the local bus: every enabled rule whose synthesized pattern matches gets it. */
  publish(event: Record<string, unknown>): void {
    for (const rule of this.assembly.rules) {
      const pattern = this.patterns.get(rule.logicalId);
      if (rule.enabled && pattern?.matches(event)) this.deliver(rule.logicalId, rule.targets, event);
    }
  }

  /** Evaluate every alarm now; each state change is logged and published as CloudWatch's EventBridge event. */
  evaluateAlarms(): void {
    for (const change of this.alarms?.evaluate() ?? []) {
      this.log(`alarm ${change.alarm.alarmName}: ${change.previousState.value} → ${change.state.value} (${change.state.reason})`);
      this.publish(change.event as unknown as Record<string, unknown>);
    }
  }

  /** Deliver an event to a rule's targets (a Lambda is retried twice on error, as EventBridge retries). */
  private deliver(ruleId: string, targets: ReadonlyArray<{ arn: string; input?: string }>, event: unknown): void {
    for (const target of targets) {
      const payload = target.input !== undefined ? (JSON.parse(target.input) as unknown) : event;
      const work = (async () => {
        const handler = this.handlers.get(target.arn);
        if (handler) {
          for (let attempt = 1; ; attempt++) {
            try {
              const result = await handler(payload);
              this.log(`rule ${ruleId} → ${this.functionOf(target.arn)?.handler ?? target.arn}: ${JSON.stringify(result)}`);
              return;
            } catch (error) {
              this.log(`rule ${ruleId} → ${target.arn} failed (attempt ${attempt}): ${(error as Error).name}: ${(error as Error).message}`);
              if (attempt >= 3) return;
            }
          }
        }
        if (this.assembly.stateMachines.some((m) => m.arn === target.arn)) {
          const execution = this.stepFunctions.startExecution(target.arn, randomUUID(), JSON.stringify(payload));
          this.log(`rule ${ruleId} → started ${execution.name}`);
          return;
        }
        this.log(`rule ${ruleId}: target ${target.arn} has no local counterpart`);
      })();
      this.inflight.add(work);
      void work.finally(() => this.inflight.delete(work));
    }
  }

  private functionOf(arn: string): LocalFunction | undefined {
    return this.assembly.functions.find((f) => f.arn === arn);
  }

  /** Wait for the execution of this name to exist and end (the trigger starts it asynchronously). */
  async waitForExecution(name: string, timeoutMs = 10 * 60_000): Promise<LocalExecution> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const execution = [...this.stepFunctions.executions.values()].find((e) => e.name === name);
      if (execution) {
        await execution.done;
        return execution;
      }
      if (Date.now() > deadline) throw new Error(`no execution named ${name} started within ${timeoutMs / 1000} s`);
      await Promise.race([...this.inflight, new Promise((r) => setTimeout(r, 100))]);
    }
  }

  /** Stop schedules, wait for deliveries in flight, abort running executions, close the endpoints (the data folder stays). */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.inflight]);
    // Executions still running (waiting for a task token, or a long Wait) end with the platform, as
    // `StopExecution` would end them: their timers must not keep the process alive.
    for (const abort of this.running) abort();
    this.stepFunctions.abandonWaitingTasks('the local platform stopped while the task waited for its token');
    this.restoreOutput?.();
    await Promise.all(this.urlServers.map((server) => server.close()));
    await this.stepFunctions.close();
    await this.lambda.close();
    await this.sagemaker.close();
    this.s3.destroy();
    await this.server.close();
    for (const [key, value] of Object.entries(this.savedEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

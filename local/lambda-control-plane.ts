/**
 * The local model of Lambda functions' versions and aliases, and an HTTP endpoint that speaks the part of
 * the Lambda REST API the deploy Lambda calls, so it runs unmodified through `@aws-sdk/client-lambda`
 * (with `AWS_ENDPOINT_URL_LAMBDA`): GetFunctionConfiguration, UpdateFunctionConfiguration, GetFunction
 * (what `waitUntilFunctionUpdatedV2` polls), PublishVersion, CreateAlias, GetAlias, UpdateAlias.
 *
 * Real: the paths, methods and status codes of the Lambda API (version 2015-03-31), the JSON shapes of
 * FunctionConfiguration / AliasConfiguration, errors as Lambda sends them (`x-amzn-errortype` header and
 * `{"Type":"User","Message":…}`, so the SDK raises `ResourceNotFoundException`,
 * `InvalidParameterValueException`, `ResourceConflictException`, `PreconditionFailedException`), function
 * names given as a name, an ARN or a partial ARN with or without a qualifier, versions numbered from 1,
 * PublishVersion returning the last version when nothing changed since, RevisionId checks, the alias
 * routing rules (one additional version, weight 0–1, no `$LATEST` in a weighted alias), an update that is
 * `InProgress` until observed (PublishVersion or another update meanwhile is a `ResourceConflictException`,
 * which is why the deploy Lambda must wait).
 *
 * Modelled: there is no code — a version is a snapshot of $LATEST's configuration (handler, environment,
 * description, timeout, memory) and `CodeSha256` is a hash of the handler; an update completes after
 * `inProgressPolls` GetFunction/GetFunctionConfiguration observations instead of after some seconds;
 * requests are not authenticated (any SigV4 signature is accepted); only the operations above exist.
 * Invocations do not go through this endpoint: the Function URL server asks {@link LambdaControlPlane.route}
 * which version serves a request and runs that version's handler with that version's environment.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject } from './json-value';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './identity';
import { LocalHttpService } from './local-http';

/** A function as the templates declare it (its `$LATEST`). */
export interface LambdaFunctionSpec {
  /** The function name (what `Ref` of the function resolves to locally). */
  readonly name: string;
  /** Its unqualified ARN. @default - `arn:aws:lambda:<LOCAL_REGION>:<LOCAL_ACCOUNT>:function:<name>` */
  readonly arn?: string;
  /** The handler, as GetFunctionConfiguration reports it (locally: which of our handlers runs). */
  readonly handler: string;
  /** Environment variables of `$LATEST`. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default 'nodejs22.x' */
  readonly runtime?: string;
  /** @default - a local role ARN */
  readonly role?: string;
  /** @default '' */
  readonly description?: string;
  /** Seconds. @default 3 */
  readonly timeout?: number;
  /** MB. @default 128 */
  readonly memorySize?: number;
}

/** An alias's routing: its primary version and the additional version's share (0–1). */
export interface AliasRouting {
  readonly functionVersion: string;
  /** `RoutingConfig.AdditionalVersionWeights`: at most one version → its share of the traffic. */
  readonly additionalVersionWeights: Readonly<Record<string, number>>;
}

/** Emitted when an alias is created or its routing changes. */
export interface AliasChangeEvent {
  readonly functionName: string;
  readonly alias: string;
  /** Undefined when the alias was just created. */
  readonly before: AliasRouting | undefined;
  readonly after: AliasRouting;
}

/** The version that serves one invocation, and what it runs with. */
export interface RouteResult {
  readonly functionName: string;
  /** `$LATEST` or a version number. */
  readonly version: string;
  /** The alias the invocation named, if any. */
  readonly alias?: string;
  readonly handler: string;
  /** That version's own environment (e.g. its MODEL_VERSION). */
  readonly environment: Readonly<Record<string, string>>;
}

/** Options of the control plane. */
export interface LambdaControlPlaneOptions {
  /**
   * How many GetFunction / GetFunctionConfiguration calls still see an update `InProgress` before it is
   * `Successful` (the update response itself always says `InProgress`).
   * @default 0 - the first look after the update sees it done
   */
  readonly inProgressPolls?: number;
  /** The clock for `LastModified`. @default Date.now */
  readonly now?: () => number;
}

/** A Lambda API error: `name` is the error type the SDK raises (`ResourceNotFoundException`…), `status` the HTTP status. */
export class LambdaServiceError extends Error {
  constructor(
    name: 'ResourceNotFoundException' | 'InvalidParameterValueException' | 'ResourceConflictException' | 'PreconditionFailedException' | 'ValidationException' | 'UnknownOperationException',
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = name;
  }
}

const notFound = (message: string): LambdaServiceError => new LambdaServiceError('ResourceNotFoundException', message, 404);
const invalid = (message: string): LambdaServiceError => new LambdaServiceError('InvalidParameterValueException', message, 400);
const conflict = (message: string): LambdaServiceError => new LambdaServiceError('ResourceConflictException', message, 409);
const precondition = (message: string): LambdaServiceError => new LambdaServiceError('PreconditionFailedException', message, 412);

interface Snapshot {
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly description: string;
  readonly timeout: number;
  readonly memorySize: number;
}

interface VersionRecord extends Snapshot {
  readonly version: string;
  readonly revisionId: string;
  readonly lastModified: string;
}

interface LatestRecord extends Snapshot {
  revisionId: string;
  lastModified: string;
  updateStatus: 'Successful' | 'InProgress';
  /** Observations left before an in-progress update is `Successful`. */
  pollsLeft: number;
}

interface AliasRecord {
  readonly name: string;
  functionVersion: string;
  weights: Record<string, number>;
  description: string;
  revisionId: string;
}

interface FunctionRecord {
  readonly name: string;
  readonly arn: string;
  readonly runtime: string;
  readonly role: string;
  latest: LatestRecord;
  readonly versions: Map<string, VersionRecord>;
  nextVersion: number;
  readonly aliases: Map<string, AliasRecord>;
}

const NAME = '[a-zA-Z0-9_-]{1,64}';
const QUALIFIER = '\\$LATEST|[a-zA-Z0-9_-]{1,128}';
const FULL_ARN = new RegExp(`^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:(${NAME})(?::(${QUALIFIER}))?$`);
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:(${NAME})(?::(${QUALIFIER}))?$`);
const PLAIN = new RegExp(`^(${NAME})(?::(${QUALIFIER}))?$`);

/** A function name as Lambda accepts it: name, ARN or partial ARN, each with an optional qualifier. */
function parseFunctionName(raw: string): { name: string; qualifier?: string; account?: string; region?: string } {
  let m = FULL_ARN.exec(raw);
  if (m) return { region: m[1]!, account: m[2]!, name: m[3]!, ...(m[4] ? { qualifier: m[4] } : {}) };
  m = PARTIAL_ARN.exec(raw);
  if (m) return { account: m[1]!, name: m[2]!, ...(m[3] ? { qualifier: m[3] } : {}) };
  m = PLAIN.exec(raw);
  if (m) return { name: m[1]!, ...(m[2] ? { qualifier: m[2] } : {}) };
  throw new LambdaServiceError('ValidationException', `1 validation error detected: Value '${raw}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`, 400);
}

const timestamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');
const isVersionNumber = (q: string): boolean => /^\d+$/.test(q);

function snapshotKey(s: Snapshot): string {
  const env = Object.keys(s.environment)
    .sort()
    .map((k) => [k, s.environment[k]]);
  return JSON.stringify([s.handler, env, s.timeout, s.memorySize]);
}

/** The local Lambda control plane: functions, versions, aliases, and the HTTP endpoint over them. */
export class LambdaControlPlane {
  private readonly functions = new Map<string, FunctionRecord>();
  /** The function-name part of a registered ARN → the function's name, where they differ (locally the ARN may carry the logical id). */
  private readonly arnNames = new Map<string, string>();
  private readonly aliasListeners: Array<(event: AliasChangeEvent) => void> = [];
  private readonly inProgressPolls: number;
  private readonly now: () => number;
  private readonly http = new LocalHttpService((req, res) => this.handle(req, res));

  constructor(options: LambdaControlPlaneOptions = {}) {
    this.inProgressPolls = options.inProgressPolls ?? 0;
    this.now = options.now ?? Date.now;
  }

  // ---- the model --------------------------------------------------------------------------------

  /** Add a function (its `$LATEST`). @throws LambdaServiceError ResourceConflictException if the name is taken */
  register(spec: LambdaFunctionSpec): void {
    if (this.functions.has(spec.name)) throw conflict(`Function already exist: ${spec.name}`);
    const arn = spec.arn ?? `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${spec.name}`;
    const arnName = FULL_ARN.exec(arn)?.[3];
    if (arnName === undefined) throw invalid(`${arn} is not an unqualified Lambda function ARN`);
    if (arnName !== spec.name) this.arnNames.set(arnName, spec.name);
    this.functions.set(spec.name, {
      name: spec.name,
      arn,
      runtime: spec.runtime ?? 'nodejs22.x',
      role: spec.role ?? `arn:aws:iam::${LOCAL_ACCOUNT}:role/${spec.name}-role`,
      latest: {
        handler: spec.handler,
        environment: { ...spec.environment },
        description: spec.description ?? '',
        timeout: spec.timeout ?? 3,
        memorySize: spec.memorySize ?? 128,
        revisionId: randomUUID(),
        lastModified: timestamp(this.now()),
        updateStatus: 'Successful',
        pollsLeft: 0,
      },
      versions: new Map(),
      nextVersion: 1,
      aliases: new Map(),
    });
  }

  /** The registered function names. */
  functionNames(): string[] {
    return [...this.functions.keys()];
  }

  /**
   * Publish `$LATEST` as a version, as an `AWS::Lambda::Version` of the templates does (nothing changed
   * since the last version: that version). Returns the version number.
   */
  createVersion(functionName: string, description?: string): string {
    return this.publishVersion(functionName, description === undefined ? {} : { Description: description }).Version as string;
  }

  /** Create an alias on a published version (an `AWS::Lambda::Alias` of the templates). Emits an alias change. */
  createAlias(functionName: string, alias: string, version: string, additionalVersionWeights: Readonly<Record<string, number>> = {}): void {
    this.createAliasRequest(functionName, { Name: alias, FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: additionalVersionWeights } });
  }

  /** An alias's routing now. @throws LambdaServiceError ResourceNotFoundException */
  aliasRouting(functionName: string, alias: string): AliasRouting {
    const a = this.alias(this.fn(functionName).record, alias);
    return { functionVersion: a.functionVersion, additionalVersionWeights: { ...a.weights } };
  }

  /** Change an alias's routing (what UpdateAlias does). Emits an alias change when it moves. */
  setAliasRouting(functionName: string, alias: string, routing: { functionVersion?: string; additionalVersionWeights?: Readonly<Record<string, number>> }): AliasRouting {
    this.updateAlias(functionName, alias, {
      ...(routing.functionVersion !== undefined ? { FunctionVersion: routing.functionVersion } : {}),
      ...(routing.additionalVersionWeights !== undefined ? { RoutingConfig: { AdditionalVersionWeights: routing.additionalVersionWeights } } : {}),
    });
    return this.aliasRouting(functionName, alias);
  }

  /** Whether a published version exists. */
  hasVersion(functionName: string, version: string): boolean {
    return this.find(functionName)?.versions.has(version) ?? false;
  }

  /** Whether an alias exists. */
  hasAlias(functionName: string, alias: string): boolean {
    return this.find(functionName)?.aliases.has(alias) ?? false;
  }

  /** Whether a function exists (by name or ARN, as `route` takes it). */
  hasFunction(functionName: string): boolean {
    return this.find(functionName) !== undefined;
  }

  private find(functionName: string): FunctionRecord | undefined {
    try {
      return this.fn(functionName).record;
    } catch (error) {
      if (error instanceof LambdaServiceError) return undefined;
      throw error;
    }
  }

  /** Called when an alias is created or its routing changes. */
  onAliasChange(listener: (event: AliasChangeEvent) => void): void {
    this.aliasListeners.push(listener);
  }

  /**
   * The version that serves an invocation of `functionName` (name or ARN, optionally qualified) with
   * `qualifier`: unqualified → `$LATEST`; a version → that version; an alias → its version, or with
   * `AdditionalVersionWeights {v: w}` version v when `random() < w`.
   * @throws LambdaServiceError ResourceNotFoundException for an unknown function, version or alias
   */
  route(functionName: string, qualifier?: string, random: () => number = Math.random): RouteResult {
    const { record, qualifier: q } = this.fn(functionName, qualifier);
    if (q === undefined || q === '$LATEST') return { functionName: record.name, version: '$LATEST', handler: record.latest.handler, environment: record.latest.environment };
    if (isVersionNumber(q)) {
      const v = this.version(record, q);
      return { functionName: record.name, version: v.version, handler: v.handler, environment: v.environment };
    }
    const a = this.alias(record, q);
    let version = a.functionVersion;
    const extra = Object.entries(a.weights)[0];
    if (extra && random() < extra[1]) version = extra[0];
    if (version === '$LATEST') return { functionName: record.name, version, alias: a.name, handler: record.latest.handler, environment: record.latest.environment };
    const v = this.version(record, version);
    return { functionName: record.name, version, alias: a.name, handler: v.handler, environment: v.environment };
  }

  // ---- the API operations (JSON in, JSON out, as on the wire) ------------------------------------

  /** GetFunctionConfiguration. */
  getFunctionConfiguration(functionName: string, qualifier?: string): Record<string, unknown> {
    const { record, qualifier: q } = this.fn(functionName, qualifier);
    this.observe(record);
    return this.configuration(record, q);
  }

  /** GetFunction: `{Configuration, Code}`. */
  getFunction(functionName: string, qualifier?: string): Record<string, unknown> {
    const configuration = this.getFunctionConfiguration(functionName, qualifier);
    return { Configuration: configuration, Code: { RepositoryType: 'S3', Location: `local://lambda/${String(configuration.FunctionName)}` } };
  }

  /** UpdateFunctionConfiguration of `$LATEST` (Environment replaces the variables; Handler, Description, Timeout, MemorySize). */
  updateFunctionConfiguration(functionName: string, request: Record<string, unknown>): Record<string, unknown> {
    const { record, qualifier } = this.fn(functionName);
    if (qualifier !== undefined && qualifier !== '$LATEST') throw invalid(`Updating the configuration of a published version or alias is not supported: qualifier ${qualifier}`);
    const latest = record.latest;
    if (latest.updateStatus === 'InProgress') throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${record.arn}`);
    if (request.RevisionId !== undefined && request.RevisionId !== latest.revisionId) throw precondition('The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    let environment = latest.environment;
    if (request.Environment !== undefined) {
      const variables = isObject(request.Environment) ? request.Environment.Variables : undefined;
      if (variables !== undefined && !isObject(variables)) throw invalid('Environment.Variables must be a map of strings');
      const entries = Object.entries(variables ?? {});
      for (const [k, v] of entries) {
        if (typeof v !== 'string') throw invalid(`Environment variable ${k} must be a string`);
        if (!/^[a-zA-Z]\w*$/.test(k)) throw invalid(`Environment variable name ${k} is not valid: it must start with a letter and hold only letters, digits and _`);
      }
      environment = Object.fromEntries(entries) as Record<string, string>;
    }
    const number = (key: 'Timeout' | 'MemorySize', min: number, max: number, current: number): number => {
      const v = request[key];
      if (v === undefined) return current;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return v;
    };
    record.latest = {
      handler: typeof request.Handler === 'string' ? request.Handler : latest.handler,
      environment,
      description: typeof request.Description === 'string' ? request.Description : latest.description,
      timeout: number('Timeout', 1, 900, latest.timeout),
      memorySize: number('MemorySize', 128, 10240, latest.memorySize),
      revisionId: randomUUID(),
      lastModified: timestamp(this.now()),
      updateStatus: 'InProgress',
      pollsLeft: this.inProgressPolls,
    };
    return this.configuration(record, undefined);
  }

  /** PublishVersion: a new version from `$LATEST`, or the last one when nothing changed since. */
  publishVersion(functionName: string, request: Record<string, unknown> = {}): Record<string, unknown> {
    const { record, qualifier } = this.fn(functionName);
    if (qualifier !== undefined && qualifier !== '$LATEST') throw invalid(`PublishVersion takes an unqualified function name (got qualifier ${qualifier})`);
    const latest = record.latest;
    if (latest.updateStatus === 'InProgress') throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${record.arn}`);
    if (request.RevisionId !== undefined && request.RevisionId !== latest.revisionId) throw precondition('The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    if (request.CodeSha256 !== undefined && request.CodeSha256 !== codeSha256(latest)) {
      throw invalid(`CodeSHA256 (${String(request.CodeSha256)}) is different from current CodeSHA256 in $LATEST (${codeSha256(latest)}). Please try publishing again with the CodeSHA256 in $LATEST.`);
    }
    const last = record.versions.get(String(record.nextVersion - 1));
    if (last && snapshotKey(last) === snapshotKey(latest)) return this.configuration(record, last.version);
    const version = String(record.nextVersion++);
    record.versions.set(version, {
      version,
      handler: latest.handler,
      environment: { ...latest.environment },
      description: typeof request.Description === 'string' ? request.Description : latest.description,
      timeout: latest.timeout,
      memorySize: latest.memorySize,
      revisionId: randomUUID(),
      lastModified: timestamp(this.now()),
    });
    return this.configuration(record, version);
  }

  /** CreateAlias. */
  createAliasRequest(functionName: string, request: Record<string, unknown>): Record<string, unknown> {
    const { record } = this.fn(functionName);
    const name = String(request.Name ?? '');
    if (!/^(?!^\d+$)[a-zA-Z0-9_-]{1,128}$/.test(name) || name === '$LATEST') throw invalid(`Alias name '${name}' is not valid: 1–128 of [a-zA-Z0-9-_], not only digits`);
    if (record.aliases.has(name)) throw conflict(`Alias already exists: ${record.arn}:${name}`);
    const version = String(request.FunctionVersion ?? '');
    const weights = this.checkRouting(record, version, request.RoutingConfig, {});
    const alias: AliasRecord = { name, functionVersion: version, weights, description: typeof request.Description === 'string' ? request.Description : '', revisionId: randomUUID() };
    record.aliases.set(name, alias);
    this.emitAlias(record.name, name, undefined, alias);
    return this.aliasConfiguration(record, alias);
  }

  /** GetAlias. */
  getAlias(functionName: string, alias: string): Record<string, unknown> {
    const { record } = this.fn(functionName);
    return this.aliasConfiguration(record, this.alias(record, alias));
  }

  /**
   * UpdateAlias: `FunctionVersion` and `RoutingConfig` each keep their value when absent;
   * `RoutingConfig: {AdditionalVersionWeights: {}}` removes the additional version.
   */
  updateAlias(functionName: string, aliasName: string, request: Record<string, unknown>): Record<string, unknown> {
    const { record } = this.fn(functionName);
    const alias = this.alias(record, aliasName);
    if (request.RevisionId !== undefined && request.RevisionId !== alias.revisionId) throw precondition('The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    const version = request.FunctionVersion !== undefined ? String(request.FunctionVersion) : alias.functionVersion;
    const weights = this.checkRouting(record, version, request.RoutingConfig, alias.weights);
    const before: AliasRouting = { functionVersion: alias.functionVersion, additionalVersionWeights: { ...alias.weights } };
    alias.functionVersion = version;
    alias.weights = weights;
    if (typeof request.Description === 'string') alias.description = request.Description;
    alias.revisionId = randomUUID();
    if (before.functionVersion !== alias.functionVersion || JSON.stringify(before.additionalVersionWeights) !== JSON.stringify(alias.weights)) this.emitAlias(record.name, alias.name, before, alias);
    return this.aliasConfiguration(record, alias);
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  /** Listen on 127.0.0.1; returns the endpoint URL (for the client's `endpoint` or `AWS_ENDPOINT_URL_LAMBDA`). */
  listen(port = 0): Promise<string> {
    return this.http.listen(port);
  }

  /** Stop listening. */
  close(): Promise<void> {
    return this.http.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, type?: string): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...(type ? { 'x-amzn-errortype': type } : {}) });
      res.end(JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> = {};
      if (text.trim() !== '') {
        try {
          const parsed: unknown = JSON.parse(text);
          if (isObject(parsed)) body = parsed;
        } catch {
          throw invalid('The request body is not valid JSON');
        }
      }
      const url = new URL(req.url ?? '/', 'http://local');
      const qualifier = url.searchParams.get('Qualifier') ?? undefined;
      const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
      const method = req.method ?? 'GET';
      if (parts[0] === '2015-03-31' && parts[1] === 'functions' && parts[2] !== undefined) {
        const fn = parts[2];
        const rest = parts.slice(3).join('/');
        if (rest === '' && method === 'GET') return reply(200, this.getFunction(fn, qualifier));
        if (rest === 'configuration' && method === 'GET') return reply(200, this.getFunctionConfiguration(fn, qualifier));
        if (rest === 'configuration' && method === 'PUT') return reply(200, this.updateFunctionConfiguration(fn, body));
        if (rest === 'versions' && method === 'POST') return reply(201, this.publishVersion(fn, body));
        if (rest === 'aliases' && method === 'POST') return reply(201, this.createAliasRequest(fn, body));
        if (parts[3] === 'aliases' && parts[4] !== undefined && parts.length === 5) {
          if (method === 'GET') return reply(200, this.getAlias(fn, parts[4]));
          if (method === 'PUT') return reply(200, this.updateAlias(fn, parts[4], body));
        }
      }
      throw new LambdaServiceError('UnknownOperationException', `the local Lambda endpoint does not implement ${method} ${url.pathname}`, 404);
    } catch (error) {
      if (error instanceof LambdaServiceError) return reply(error.status, { Type: 'User', Message: error.message }, error.name);
      return reply(500, { Type: 'Service', Message: (error as Error).message }, 'ServiceException');
    }
  }

  // ---- internals ----------------------------------------------------------------------------------

  /** The function a name/ARN designates, and the qualifier (from the name or the argument; they must agree). */
  private fn(functionName: string, qualifier?: string): { record: FunctionRecord; qualifier: string | undefined } {
    const parsed = parseFunctionName(functionName);
    if (parsed.qualifier !== undefined && qualifier !== undefined && parsed.qualifier !== qualifier) {
      throw invalid('The derived qualifier from the function name does not match the specified qualifier.');
    }
    const q = parsed.qualifier ?? qualifier;
    const record = this.functions.get(parsed.name) ?? this.functions.get(this.arnNames.get(parsed.name) ?? '');
    const arn = record?.arn.split(':') ?? [];
    if (!record || (parsed.region !== undefined && parsed.region !== arn[3]) || (parsed.account !== undefined && parsed.account !== arn[4])) {
      const region = parsed.region ?? LOCAL_REGION;
      const account = parsed.account ?? LOCAL_ACCOUNT;
      throw notFound(`Function not found: arn:aws:lambda:${region}:${account}:function:${parsed.name}${q ? `:${q}` : ''}`);
    }
    return { record, qualifier: q };
  }

  private version(record: FunctionRecord, version: string): VersionRecord {
    const v = record.versions.get(version);
    if (!v) throw notFound(`Function not found: ${record.arn}:${version}`);
    return v;
  }

  private alias(record: FunctionRecord, alias: string): AliasRecord {
    const a = record.aliases.get(alias);
    if (!a) throw notFound(`Alias not found: ${record.arn}:${alias}`);
    return a;
  }

  /** An observation of `$LATEST` (GetFunction / GetFunctionConfiguration) moves an in-progress update on. */
  private observe(record: FunctionRecord): void {
    const latest = record.latest;
    if (latest.updateStatus !== 'InProgress') return;
    if (latest.pollsLeft > 0) latest.pollsLeft--;
    else latest.updateStatus = 'Successful';
  }

  /** Validate an alias's version and routing; returns the weights it will have. */
  private checkRouting(record: FunctionRecord, version: string, routingConfig: unknown, current: Record<string, number>): Record<string, number> {
    if (version !== '$LATEST' && !record.versions.has(version)) throw invalid(`Version ${version || '(none)'} of function ${record.arn} does not exist: publish it before pointing an alias at it`);
    let weights = current;
    if (routingConfig !== undefined && routingConfig !== null) {
      const given = isObject(routingConfig) ? (routingConfig.AdditionalVersionWeights ?? {}) : undefined;
      if (!isObject(given)) throw invalid('RoutingConfig.AdditionalVersionWeights must be a map of version → weight');
      weights = {};
      for (const [v, w] of Object.entries(given)) {
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1) throw invalid(`Invalid weight ${JSON.stringify(w)} for version ${v}: a routing weight must be between 0.0 and 1.0`);
        weights[v] = w;
      }
    }
    const extra = Object.keys(weights);
    if (extra.length > 1) throw invalid(`RoutingConfig.AdditionalVersionWeights names ${extra.length} versions: an alias can route to at most one additional version`);
    const other = extra[0];
    if (other !== undefined) {
      if (version === '$LATEST' || other === '$LATEST') throw invalid('$LATEST is not supported for an alias pointing to more than 1 version');
      if (other === version) throw invalid(`The additional version ${other} must be different from the alias's primary version`);
      if (!record.versions.has(other)) throw invalid(`Version ${other} of function ${record.arn} does not exist: it cannot receive routed traffic`);
    }
    return { ...weights };
  }

  private emitAlias(functionName: string, alias: string, before: AliasRouting | undefined, after: AliasRecord): void {
    const event: AliasChangeEvent = { functionName, alias, before, after: { functionVersion: after.functionVersion, additionalVersionWeights: { ...after.weights } } };
    for (const listener of this.aliasListeners) listener(event);
  }

  /** FunctionConfiguration of `$LATEST` (qualifier undefined or `$LATEST`), a version, or an alias's primary version. */
  private configuration(record: FunctionRecord, qualifier: string | undefined): Record<string, unknown> {
    let version = '$LATEST';
    let snapshot: Snapshot & { revisionId: string; lastModified: string } = record.latest;
    if (qualifier !== undefined && qualifier !== '$LATEST') {
      version = isVersionNumber(qualifier) ? qualifier : this.alias(record, qualifier).functionVersion;
      if (version !== '$LATEST') snapshot = this.version(record, version);
    }
    const latest = version === '$LATEST';
    return {
      FunctionName: record.name,
      FunctionArn: qualifier === undefined ? record.arn : `${record.arn}:${qualifier}`,
      Runtime: record.runtime,
      Role: record.role,
      Handler: snapshot.handler,
      CodeSize: 1024,
      Description: snapshot.description,
      Timeout: snapshot.timeout,
      MemorySize: snapshot.memorySize,
      LastModified: snapshot.lastModified,
      CodeSha256: codeSha256(snapshot),
      Version: version,
      Environment: { Variables: { ...snapshot.environment } },
      TracingConfig: { Mode: 'PassThrough' },
      RevisionId: snapshot.revisionId,
      State: 'Active',
      LastUpdateStatus: latest ? record.latest.updateStatus : 'Successful',
      PackageType: 'Zip',
      Architectures: ['arm64'],
    };
  }

  private aliasConfiguration(record: FunctionRecord, alias: AliasRecord): Record<string, unknown> {
    return {
      AliasArn: `${record.arn}:${alias.name}`,
      Name: alias.name,
      FunctionVersion: alias.functionVersion,
      Description: alias.description,
      ...(Object.keys(alias.weights).length > 0 ? { RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } } } : {}),
      RevisionId: alias.revisionId,
    };
  }
}

/** The "code hash" of a snapshot: there is no code locally, so a hash of the handler it runs. */
function codeSha256(snapshot: Snapshot): string {
  return createHash('sha256').update(snapshot.handler).digest('base64');
}

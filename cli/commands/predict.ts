/**
 * `mlops predict JSON`: send one predict request (a record, or `{"instances": [...]}`) to the
 * environment's endpoint and print the answer. On AWS the endpoint is the serving stack's Function URL
 * (stack output `PredictUrl`), called with a SigV4-signed POST (service `lambda`, the environment's
 * region, the default credential chain): the URL's auth type is `AWS_IAM`. With `--local` it is the
 * running local platform's predict URL from `<dir>/endpoints.json` (no signature: IAM is not enforced
 * locally).
 *
 * The body is the JSON argument, a file (`--file F`) or stdin (`-`), sent byte for byte as given once it
 * parses as JSON; whether the records are right is the endpoint's to say (it names the field).
 *
 * Exit 0 answered (2xx) · 1 the endpoint refused (4xx) or failed (5xx, unreachable, no answer) ·
 * 2 usage or configuration (no body, a body that is not JSON, no endpoint, no local platform running).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { PlatformConfig } from '../../config/schema';
import { SERVING_STACK_OUTPUTS } from '../../lib/stack-outputs';
import { EnvironmentNotFoundError } from '../aws/environment';
import type { TargetOptions } from '../environment-target';
import { EXIT, UsageError } from '../errors';
import { defaultLocalDir, readEndpoints } from '../local-endpoints';
import { colour, type Output } from '../output';

/** Where a predict request goes. */
export interface PredictEndpoint {
  /** The Function URL. */
  readonly url: string;
  /** The region the request is signed for. */
  readonly region: string;
  /** Sign with SigV4 (AWS); the local platform checks no signature. */
  readonly signed: boolean;
  /** The endpoint, for messages: `flights-dev-serving (eu-west-1)` or `the local platform`. */
  readonly where: string;
}

/** The request body: its exact bytes, and where it came from (for messages). */
export interface RequestBody {
  readonly bytes: Buffer;
  readonly source: string;
}

/** Options of {@link predictCommand}. */
export interface PredictOptions {
  /** Print the response body as the endpoint sent it. */
  readonly json: boolean;
  /** Credentials for the signature (static or a provider). @default the default credential chain (env, SSO, profile, IMDS…) */
  readonly credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  /** How long to wait for the answer. @default 60 s (the predict Lambda's timeout is 30 s) */
  readonly timeoutMs?: number;
}

/** The body of a 2xx (the predict Lambda's `PredictResponseBody`). */
interface PredictAnswer {
  readonly requestId?: string;
  readonly modelVersion?: number;
  readonly predictions: number[];
  readonly probabilities?: number[][];
  readonly warnings?: string[];
}

/** The body of a 4xx/5xx: the predict Lambda's error body, or the Function URL's own (`{"Message": …}`). */
interface ErrorAnswer {
  readonly requestId?: string;
  readonly error?: string;
  readonly message?: string;
  readonly Message?: string;
  readonly problems?: ReadonlyArray<{ instance: number; field: string; expected: string; received: string }>;
}

const HOW_TO_GIVE = "give the request as an argument ('{\"distance\": 950, …}' or '{\"instances\": [...]}'), with --file request.json, or - to read stdin";

/**
 * The request body from the JSON argument, `--file`, or stdin (`-`), checked to be JSON.
 * @throws UsageError naming the source and, for bad JSON, the position
 */
export function readRequestBody(json: string | undefined, file: string | undefined, readStdin: () => Buffer = () => readFileSync(0)): RequestBody {
  if (json !== undefined && file !== undefined) throw new UsageError(`give the request either as the JSON argument or with --file, not both`);
  let body: RequestBody;
  if (file !== undefined) {
    try {
      body = { bytes: readFileSync(file), source: file };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file} (${(error as Error).message})`, { cause: error });
    }
  } else if (json === '-') {
    body = { bytes: readStdin(), source: 'stdin' };
  } else if (json !== undefined) {
    body = { bytes: Buffer.from(json, 'utf8'), source: 'the JSON argument' };
  } else {
    throw new UsageError(`no request: ${HOW_TO_GIVE}`);
  }
  checkJson(body);
  return body;
}

/** Refuse a body that is not UTF-8 JSON before sending it, saying where it breaks. */
function checkJson({ bytes, source }: RequestBody): void {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new UsageError(`${source} is not UTF-8 text`, { cause: error });
  }
  if (text.trim() === '') throw new UsageError(`${source} is empty: ${HOW_TO_GIVE}`);
  try {
    JSON.parse(text);
  } catch (error) {
    // V8 names the position for some errors only ("Unexpected token 'S', "…" is not valid JSON" has none): find it.
    const position = jsonErrorPosition(text);
    const message = (error as Error).message;
    const reason = /Unexpected end/.test(message) ? 'the JSON ends too early' : message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
    const before = text.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    const lineText = text.split('\n')[line - 1] ?? '';
    // The line around the position, with a caret under it (at most 60 characters before it).
    const from = Math.max(0, column - 1 - 60);
    const excerpt = `${from > 0 ? '…' : ''}${lineText.slice(from, from + 100)}`;
    const caret = ' '.repeat(column - 1 - from + (from > 0 ? 1 : 0));
    throw new UsageError(`${source} is not valid JSON at position ${position} (line ${line}, column ${column}): ${reason}\n  ${excerpt}\n  ${caret}^`, { cause: error });
  }
}

/**
 * The position (UTF-16 index) of the first syntax error of a text `JSON.parse` refused: a strict
 * RFC 8259 scan. At the end of the text (after trailing space) when the JSON stops early.
 */
export function jsonErrorPosition(text: string): number {
  let i = 0;
  class Stop {
    constructor(readonly at: number) {}
  }
  const fail = (at = i): never => {
    throw new Stop(Math.min(at, text.trimEnd().length));
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string): void => {
    for (const ch of word) if (text[i++] !== ch) fail(i - 1);
  };
  const string = (): void => {
    i++;
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail();
      if (ch === '"') break;
      if (ch! < ' ') fail();
      if (ch === '\\') {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail(i + k);
          i += 4;
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail();
      }
      i++;
    }
    i++;
  };
  const isDigit = (at: number): boolean => text[at] !== undefined && text[at]! >= '0' && text[at]! <= '9';
  const digits = (): void => {
    if (!isDigit(i)) fail();
    while (isDigit(i)) i++;
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    }
    if (ch === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail();
  };
  try {
    value();
    space();
    if (i < text.length) fail();
  } catch (stop) {
    if (stop instanceof Stop) return stop.at;
    throw stop;
  }
  return text.trimEnd().length;
}

/** The region an environment is deployed in (as `findEnvironment` resolves it). */
function deployedRegion(config: PlatformConfig): string {
  return config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/**
 * The environment's predict endpoint: the local platform's (`--local`) or the serving stack's output.
 * @throws LocalPlatformNotRunningError / EnvironmentNotFoundError / UsageError (exit 2) when there is none
 */
export async function resolvePredictEndpoint(config: PlatformConfig, options: TargetOptions, cfn?: CloudFormationClient): Promise<PredictEndpoint> {
  if (options.local) {
    const dir = options.dir ?? defaultLocalDir(config);
    const endpoints = readEndpoints(config, dir);
    if (!endpoints.predictUrl) {
      const why = endpoints.functionUrls
        ? `the environment's templates have no predict Function URL (no serving stack ${config.name}-${config.environment}-serving at this level)`
        : `it was started by an mlops that did not record its Function URLs: restart \`mlops local up --env ${config.environment}\``;
      throw new UsageError(`the local platform for ${config.environment} (process ${endpoints.pid}) serves no predict endpoint: ${why}`);
    }
    return { url: endpoints.predictUrl, region: endpoints.region, signed: false, where: 'the local platform' };
  }
  const region = deployedRegion(config);
  const stackName = `${config.name}-${config.environment}-serving`;
  const client = cfn ?? new CloudFormationClient({ region });
  let url: string | undefined;
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    url = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === SERVING_STACK_OUTPUTS.predictUrl)?.OutputValue;
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message)) {
      throw new EnvironmentNotFoundError('no AWS credentials found: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY', { cause: error });
    }
    if (/does not exist/.test(message)) {
      throw new EnvironmentNotFoundError(
        `stack ${stackName} is not deployed in ${region}, so ${config.environment} has no predict endpoint: deploy it with \`npx cdk deploy --all -c env=${config.environment}\` (the serving stack exists at levels with a deployment mode)`,
        { cause: error },
      );
    }
    throw new EnvironmentNotFoundError(`cannot read stack ${stackName} in ${region} (${name || 'error'}: ${message})`, { cause: error });
  } finally {
    if (!cfn) client.destroy();
  }
  if (!url) throw new EnvironmentNotFoundError(`stack ${stackName} has no output ${SERVING_STACK_OUTPUTS.predictUrl}: redeploy with this version (npx cdk deploy --all -c env=${config.environment})`);
  return { url, region, signed: true, where: `${stackName} (${region})` };
}

/** Hex SHA-256 of the body (the `x-amz-content-sha256` header: the signature covers the exact bytes). */
function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The headers of the POST: JSON content type, and on AWS a SigV4 signature for service `lambda` in the
 * endpoint's region over host, date, content type and the body's hash.
 */
export async function requestHeaders(endpoint: PredictEndpoint, body: Buffer, credentials?: PredictOptions['credentials']): Promise<Record<string, string>> {
  const url = new URL(endpoint.url);
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/json', 'x-amz-content-sha256': sha256Hex(body) };
  if (!endpoint.signed) return headers;
  const signer = new SignatureV4({ service: 'lambda', region: endpoint.region, credentials: credentials ?? defaultProvider(), sha256: Hash.bind(null, 'sha256') });
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
  });
  try {
    return (await signer.sign(request)).headers;
  } catch (error) {
    if (error instanceof Error && (error.name === 'CredentialsProviderError' || /Could not load credentials/.test(error.message))) {
      throw new EnvironmentNotFoundError('no AWS credentials to sign the request: set AWS_PROFILE, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY', { cause: error });
    }
    throw error;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isAnswer(value: unknown): value is PredictAnswer {
  return typeof value === 'object' && value !== null && Array.isArray((value as PredictAnswer).predictions);
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/** The answer for people: the model version, then one line per record. */
function printAnswer(answer: PredictAnswer, output: Output): void {
  const n = answer.predictions.length;
  const version = answer.modelVersion !== undefined ? `model v${answer.modelVersion}` : 'the model';
  output.out(`${colour.bold(version)}: ${n} prediction${n === 1 ? '' : 's'}${answer.requestId ? colour.dim(` (request ${answer.requestId})`) : ''}`);
  answer.predictions.forEach((p, i) => {
    const probability = answer.probabilities?.[i]?.[1];
    output.out(`  [${i}] ${formatValue(p)}${probability !== undefined ? `  p(1) = ${formatValue(probability)}` : ''}`);
  });
  for (const w of answer.warnings ?? []) output.err(colour.yellow(`warning: ${w}`));
}

/** What the endpoint said when it refused or failed, naming the fields when it listed problems. */
function printRefusal(endpoint: PredictEndpoint, status: number, statusText: string, text: string, output: Output): void {
  const parsed = parseJson(text);
  const body: ErrorAnswer = typeof parsed === 'object' && parsed !== null ? (parsed as ErrorAnswer) : {};
  const message = body.message ?? body.Message ?? (text.trim() || statusText);
  const verb = status >= 500 ? 'failed' : 'refused the request';
  const kind = body.error ? ` ${body.error}` : '';
  const problems = body.problems ?? [];
  if (problems.length > 1) {
    output.err(`mlops: the predict endpoint ${verb} (${status}${kind}): ${problems.length} problems`);
    for (const p of problems) output.err(`  instance ${p.instance}, field '${p.field}': expected ${p.expected}, got ${p.received}`);
  } else {
    output.err(`mlops: the predict endpoint ${verb} (${status}${kind}): ${message}`);
  }
  // A Function URL with AWS_IAM auth answers 403 itself, before the function runs.
  if (status === 403 && endpoint.signed) {
    output.err(`  the URL's auth is AWS_IAM: the caller needs lambda:InvokeFunctionUrl on the predict function, and the request is signed for ${endpoint.region}`);
  }
  if (body.requestId) output.err(colour.dim(`  request ${body.requestId}`));
}

/** `mlops predict JSON`: POST the body to the endpoint; exit 0 answered, 1 refused or failed. */
export async function predictCommand(endpoint: PredictEndpoint, body: RequestBody, options: PredictOptions, output: Output): Promise<number> {
  const headers = await requestHeaders(endpoint, body.bytes, options.credentials);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let response: Response;
  let text: string;
  try {
    response = await fetch(endpoint.url, { method: 'POST', headers, body: body.bytes, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    // Duck-typed: undici's errors need not be this realm's `Error`.
    const e = error as { name?: string; message?: string; cause?: { message?: string } };
    const timedOut = e.name === 'TimeoutError';
    const cause = e.cause?.message ?? e.message ?? String(error);
    output.err(`mlops: ${timedOut ? `no answer from the predict endpoint of ${endpoint.where} within ${timeoutMs / 1000} s` : `cannot reach the predict endpoint of ${endpoint.where} at ${endpoint.url} (${cause})`}`);
    return EXIT.failed;
  }
  const ok = response.status >= 200 && response.status < 300;
  if (options.json) output.out(text);
  if (!ok) {
    printRefusal(endpoint, response.status, response.statusText, text, output);
    return EXIT.failed;
  }
  if (!options.json) {
    const answer = parseJson(text);
    if (isAnswer(answer)) printAnswer(answer, output);
    else output.out(text);
  }
  return EXIT.ok;
}

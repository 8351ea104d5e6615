/**
 * `mlops predict` through the whole program (`runCli`), against the real predict handler (its registry on
 * s3rver, a champion trained on flights rows) over real HTTP:
 *
 * - `--local --dir D`: the handler behind the local platform's Function URL server (`FunctionUrlServer`),
 *   found through an `endpoints.json` written as `mlops local up` writes it — stands in for a running
 *   `mlops local up`, minus the CDK synth and the pipeline.
 * - AWS: the URL from the serving stack's `PredictUrl` output (a mocked CloudFormation `DescribeStacks`:
 *   stands in for the deployed stack), and a local HTTP server standing in for the Function URL with
 *   `AWS_IAM` auth: it recomputes the SigV4 signature from the same static credentials (as Lambda's front
 *   end checks it) and answers 403 `{"Message":"Forbidden"}` when it does not match, else passes the
 *   request to the real handler as the Function URL does.
 * - usage errors exit 2 (nothing sent), the endpoint's refusals exit 1 with its field-naming message.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { mockClient } from 'aws-sdk-client-mock';
import { readRequestBody } from '../../cli/commands/predict';
import { ENDPOINTS_FILE, type LocalEndpoints } from '../../cli/local-endpoints';
import { runCli } from '../../cli/program';
import { FunctionUrlServer, functionUrlEvent, writeFunctionUrlResponse, type UrlHandler } from '../../local/function-url-server';
import { closeServer, listenLocally } from '../../local/local-http';
import { captureOutput } from '../helpers/output';
import { startPredictBehindUrl, type PredictBehindUrl, type PredictContainer } from '../helpers/predict-endpoint';
import type { LocalS3 } from '../helpers/s3rver';
import type { TrainedFixture } from '../unit/serving/fixtures';

const BUCKET = 'cli-predict';
/** The static credentials the AWS tests sign with (what the default chain finds in the environment). */
const TEST_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };
const REGION = 'eu-west-1';

const cfn = mockClient(CloudFormationClient);
let s3: LocalS3;
let regression: TrainedFixture;
let container: PredictContainer;
let predict: PredictBehindUrl;
let work: string;
let dir: string;
const savedEnv = { ...process.env };

async function mlops(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = captureOutput();
  const code = await runCli(['node', 'mlops', 'predict', ...args], output);
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

const record = (i = 0): Record<string, unknown> => {
  const { delay: _target, ...features } = regression.rows[i]!;
  return features;
};

/** `<dir>/endpoints.json` as `mlops local up` writes it (this process stands in for the platform's). */
function writeLocalEndpoints(folder: string, urls: Pick<LocalEndpoints, 'functionUrls' | 'predictUrl'>): void {
  mkdirSync(folder, { recursive: true });
  const endpoints: LocalEndpoints = {
    name: 'flights',
    environment: 'dev',
    region: 'us-east-1',
    pid: process.pid,
    startedAt: new Date().toISOString(),
    s3: { endpoint: s3.endpoint, buckets: { data: 'flights-dev-data-databucket', artifacts: BUCKET } },
    stepFunctions: { endpoint: 'http://127.0.0.1:1', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Training' },
    ...urls,
  };
  writeFileSync(join(folder, ENDPOINTS_FILE), JSON.stringify(endpoints, null, 2));
}

/** How the CLI prints a prediction (six significant digits). */
const shown = (p: number): string => String(Number(p.toPrecision(6)));

beforeAll(async () => {
  predict = await startPredictBehindUrl(BUCKET, { maxBatch: 5, environment: { CHAMPION_TTL_SECONDS: '3600' } });
  ({ s3, fixture: regression, container } = predict);
  const url = predict.url;
  // Warm the container: it loads the model now, with s3rver's credentials (the SDK keeps them), so the AWS
  // tests can put other credentials in the environment for the CLI's default chain.
  const warm = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record(0)) });
  if (warm.status !== 200) throw new Error(`the warm-up prediction answered ${warm.status}: ${await warm.text()}`);
  work = mkdtempSync(join(tmpdir(), 'mlops-cli-predict-'));
  dir = join(work, 'dev');
  writeLocalEndpoints(dir, { functionUrls: { PredictFunctionFunctionUrl1234: url }, predictUrl: url });
});

afterAll(async () => {
  await predict?.stop();
  rmSync(work, { recursive: true, force: true });
  process.env = savedEnv;
});

describe('mlops predict --local', () => {
  test('a record: the prediction and the model version; --json prints the body as the endpoint sent it', async () => {
    // Prepare
    const body = JSON.stringify(record(0));

    // Act
    const json = await mlops(body, '--env', 'dev', '--local', '--dir', dir, '--json');
    const text = await mlops(body, '--env', 'dev', '--dir', dir);

    // Assess
    expect([json.code, text.code]).toEqual([0, 0]);
    const answer = JSON.parse(json.stdout) as { requestId: string; modelVersion: number; predictions: number[] };
    expect(answer).toEqual({ requestId: expect.any(String), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), modelVersion: 1, predictions: [expect.any(Number)] });
    expect(text.stdout.split('\n')).toEqual([expect.stringMatching(/^model v1: 1 prediction \(request [0-9a-f-]{36}\)$/), `  [0] ${shown(answer.predictions[0]!)}`]);
  });

  test('a batch from --file: one line per record, in order', async () => {
    // Prepare
    const file = join(work, 'batch.json');
    const records = [0, 1, 2].map(record);
    writeFileSync(file, JSON.stringify({ instances: records }, null, 2));
    const alone: number[] = [];
    for (const r of records) alone.push((JSON.parse((await mlops(JSON.stringify(r), '--env', 'dev', '--dir', dir, '--json')).stdout) as { predictions: number[] }).predictions[0]!);

    // Act
    const { code, stdout } = await mlops('--file', file, '--env', 'dev', '--dir', dir);

    // Assess
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([expect.stringMatching(/^model v1: 3 predictions /), ...alone.map((p, i) => `  [${i}] ${shown(p)}`)]);
  });

  test('an unknown category is answered (exit 0)', async () => {
    // Act
    const { code, stdout } = await mlops(JSON.stringify({ ...record(0), origin: 'ZZZ' }), '--env', 'dev', '--dir', dir);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^model v1: 1 prediction/);
  });

  test("the endpoint's 400: exit 1 with its message naming the field and the expectation; --json still prints the body", async () => {
    // Act
    const text = await mlops(JSON.stringify({ ...record(0), distance: 'NaN' }), '--env', 'dev', '--dir', dir);
    const json = await mlops(JSON.stringify({ ...record(0), distance: 'NaN' }), '--env', 'dev', '--dir', dir, '--json');

    // Assess
    expect([text.code, json.code]).toEqual([1, 1]);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^mlops: the predict endpoint refused the request \(400 BadRequest\): invalid record: instance 0, field 'distance': expected a whole JSON number, got the string "NaN"/);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: 'BadRequest', problems: [{ instance: 0, field: 'distance', expected: 'a whole JSON number' }] });
  });

  test('several problems: one line each, naming instance and field', async () => {
    // Act
    const { code, stderr } = await mlops(JSON.stringify({ instances: [record(0), { ...record(1), distance: true, origin: 7 }] }), '--env', 'dev', '--dir', dir);

    // Assess
    expect(code).toBe(1);
    expect(stderr.split('\n').slice(0, 3)).toEqual([
      'mlops: the predict endpoint refused the request (400 BadRequest): 2 problems',
      "  instance 1, field 'origin': expected a JSON string (category), got the number 7",
      "  instance 1, field 'distance': expected a whole JSON number, got the boolean true",
    ]);
  });

  test('an oversized body (413 from the endpoint) is exit 1, not a usage error', async () => {
    // Act
    const { code, stderr } = await mlops(JSON.stringify({ ...record(0), pad: 'x'.repeat(300 * 1024) }), '--env', 'dev', '--dir', dir);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toMatch(/\(413 PayloadTooLarge\): the body is \d+ bytes; at most 262144 \(256 KiB\)/);
  });

  test('an endpoint that does not answer (the platform died without removing its file): exit 1 naming the URL', async () => {
    // Prepare: a URL on a port that was just free.
    const gone = new FunctionUrlServer(container.handler as UrlHandler);
    const url = await gone.listen();
    await gone.close();
    const folder = join(work, 'gone');
    writeLocalEndpoints(folder, { functionUrls: { PredictFunctionFunctionUrl1234: url }, predictUrl: url });

    // Act
    const { code, stderr } = await mlops(JSON.stringify(record(0)), '--env', 'dev', '--dir', folder);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^mlops: cannot reach the predict endpoint of the local platform at ${url.replace(/[.]/g, '\\.')} \\(.*ECONNREFUSED`));
  });
});

/** What the Function URL's IAM check saw of one request. */
interface SignedRequest {
  readonly authorization: string;
  readonly scope: string;
  readonly signedHeaders: string[];
  readonly contentSha256: string;
  readonly bodySha256: string;
  readonly body: string;
  readonly verified: boolean;
}

/**
 * Stands in for the Function URL with `AWS_IAM` auth: recomputes the request's SigV4 signature (service
 * `lambda`, `region`) from `credentials` over the headers it names, and answers as the real URL does —
 * 403 `{"Message":"Forbidden"}` when it does not match; otherwise the handler's answer.
 */
async function iamFunctionUrl(handler: UrlHandler, credentials: typeof TEST_CREDENTIALS, region: string): Promise<{ url: string; server: Server; seen: SignedRequest[] }> {
  const seen: SignedRequest[] = [];
  const signer = new SignatureV4({ service: 'lambda', region, credentials, sha256: Hash.bind(null, 'sha256') });
  const verify = async (req: IncomingMessage, body: Buffer): Promise<SignedRequest> => {
    const authorization = req.headers.authorization ?? '';
    const parsed = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^,]+), SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(authorization);
    const signedHeaders = parsed?.[2]?.split(';') ?? [];
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) headers[name] = String(req.headers[name] ?? '');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const expected = await signer.sign(
      new HttpRequest({ method: req.method ?? 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body }),
      { signingDate },
    );
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    const contentSha256 = String(req.headers['x-amz-content-sha256'] ?? '');
    return {
      authorization,
      scope: parsed?.[1] ?? '',
      signedHeaders,
      contentSha256,
      bodySha256,
      body: body.toString('utf8'),
      verified: parsed !== null && !Number.isNaN(signingDate.getTime()) && expected.headers.authorization === authorization && contentSha256 === bodySha256,
    };
  };
  const { server, url } = await listenLocally(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const check = await verify(req, body);
    seen.push(check);
    if (!check.verified) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Message: 'Forbidden' }));
      return;
    }
    writeFunctionUrlResponse(res, await handler(functionUrlEvent(req, body, req.headers.host ?? '127.0.0.1')));
  });
  return { url: `${url}/`, server, seen };
}

describe('mlops predict on AWS (SigV4)', () => {
  let endpoint: Awaited<ReturnType<typeof iamFunctionUrl>>;

  /** The serving stack's outputs, as DescribeStacks answers for a deployed stack. */
  const servingStack = (outputs: Record<string, string>) => ({
    Stacks: [{ StackName: 'flights-dev-serving', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE' as const, Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
  });

  beforeAll(async () => {
    endpoint = await iamFunctionUrl(container.handler as UrlHandler, TEST_CREDENTIALS, REGION);
  });
  afterAll(async () => {
    await closeServer(endpoint.server);
  });
  beforeEach(() => {
    // The CLI's default credential chain finds these first (environment variables); dev names no region.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: TEST_CREDENTIALS.sessionToken, AWS_REGION: REGION });
    endpoint.seen.length = 0;
    cfn.reset();
    cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-serving' }).resolves(servingStack({ PredictUrl: endpoint.url }));
  });
  afterEach(() => {
    Object.assign(process.env, s3.env);
    delete process.env.AWS_SESSION_TOKEN;
  });

  test('the URL from the serving stack output; the request is SigV4-signed for lambda in the region, over the exact body bytes', async () => {
    // Prepare: formatting of the argument kept as typed (the signature covers these bytes).
    const body = JSON.stringify(record(0), null, 1);

    // Act
    const { code, stdout } = await mlops(body, '--env', 'dev');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^model v1: 1 prediction \(request [0-9a-f-]{36}\)\n {2}\[0\] -?\d/);
    expect(cfn.commandCalls(DescribeStacksCommand, { StackName: 'flights-dev-serving' })).toHaveLength(1);
    expect(endpoint.seen).toHaveLength(1);
    const [signed] = endpoint.seen;
    expect(signed).toMatchObject({ verified: true, body, contentSha256: createHash('sha256').update(body).digest('hex') });
    expect(signed!.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/\\d{8}/${REGION}/lambda/aws4_request, `));
    expect(signed!.scope).toBe(`${REGION}/lambda/aws4_request`);
    expect(signed!.signedHeaders).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token']));
  });

  test('signed with other credentials: the URL answers 403, exit 1 with what the caller needs', async () => {
    // Prepare
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret-of-this-key';

    // Act
    const { code, stderr } = await mlops(JSON.stringify(record(0)), '--env', 'dev');

    // Assess
    expect(code).toBe(1);
    expect(endpoint.seen.map((s) => s.verified)).toEqual([false]);
    expect(stderr).toBe(
      `mlops: the predict endpoint refused the request (403): Forbidden\n  the URL's auth is AWS_IAM: the caller needs lambda:InvokeFunctionUrl on the predict function, and the request is signed for ${REGION}`,
    );
  });

  test("the endpoint's 400 through the signed path: exit 1 naming the field", async () => {
    // Act
    const { code, stderr } = await mlops(JSON.stringify({ ...record(0), origin: null }), '--env', 'dev');

    // Assess
    expect(code).toBe(1);
    expect(endpoint.seen.map((s) => s.verified)).toEqual([true]);
    expect(stderr).toMatch(/^mlops: the predict endpoint refused the request \(400 BadRequest\): invalid record: instance 0, field 'origin': expected a JSON string \(category\) \(the column is not nullable\), got null/);
  });

  test('no serving stack deployed: exit 2 saying how to deploy, nothing sent', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-serving' }).rejects(Object.assign(new Error('Stack with id flights-dev-serving does not exist'), { name: 'ValidationError' }));

    // Act
    const { code, stderr } = await mlops(JSON.stringify(record(0)), '--env', 'dev');

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/^mlops: stack flights-dev-serving is not deployed in eu-west-1, so dev has no predict endpoint: deploy it with `npx cdk deploy --all -c env=dev`/);
    expect(endpoint.seen).toEqual([]);
  });

  test('a serving stack without the PredictUrl output: exit 2', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand, { StackName: 'flights-dev-serving' }).resolves(servingStack({}));

    // Act
    const { code, stderr } = await mlops(JSON.stringify(record(0)), '--env', 'dev');

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/stack flights-dev-serving has no output PredictUrl: redeploy/);
  });
});

describe('usage errors: exit 2, nothing sent', () => {
  test.each([
    ['JSON cut short', ['{"distance":'], /^mlops: the JSON argument is not valid JSON at position 12 \(line 1, column 13\): the JSON ends too early\n {2}\{"distance":\n {14}\^$/],
    ['a property name missing after a comma', ['{"distance": 950,}'], /^mlops: the JSON argument is not valid JSON at position 17 \(line 1, column 18\): Expected double-quoted property name\n/],
    ['a missing comma', ['{"distance": 950 "origin": "SFO"}'], /^mlops: the JSON argument is not valid JSON at position 17 \(line 1, column 18\): Expected ',' or '}' after property value\n/],
    ['single quotes', ["{'distance': 950}"], /^mlops: the JSON argument is not valid JSON at position 1 \(line 1, column 2\)/],
    ['an empty argument', [''], /^mlops: the JSON argument is empty: give the request as an argument/],
    ['no request at all', [], /^mlops: no request: give the request as an argument .*, with --file request\.json, or - to read stdin$/],
    ['both an argument and --file', ['{}', '--file', 'request.json'], /^mlops: give the request either as the JSON argument or with --file, not both$/],
    ['a file that is not there', ['--file', '/nonexistent/request.json'], /^mlops: no such file: \/nonexistent\/request\.json$/],
  ])('%s', async (_name, args, message) => {
    // Act
    const { code, stdout, stderr } = await mlops(...args, '--env', 'dev', '--dir', dir);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  test('bad JSON in a file names the line and column', () => {
    // Prepare
    const file = join(work, 'bad.json');
    writeFileSync(file, '{\n  "distance": 950,\n  "origin": SFO\n}\n');

    // Act + Assess
    expect(() => readRequestBody(undefined, file)).toThrow(/^.*bad\.json is not valid JSON at position 33 \(line 3, column 13\): Unexpected token 'S'\n {4}"origin": SFO\n {14}\^$/);
  });

  test('- reads the request from stdin, bytes as given', () => {
    // Act
    const body = readRequestBody('-', undefined, () => Buffer.from('{"instances": [ ]}\n'));

    // Assess
    expect(body).toEqual({ bytes: Buffer.from('{"instances": [ ]}\n'), source: 'stdin' });
  });

  test('--local with no platform running: exit 2 saying how to start it', async () => {
    // Act
    const { code, stderr } = await mlops(JSON.stringify(record(0)), '--env', 'dev', '--dir', join(work, 'nothing-here'));

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/^mlops: the local platform for dev is not running: start it with `mlops local up --env dev`/);
  });

  test('a running local platform without a predict URL: exit 2 saying why', async () => {
    // Prepare
    const none = join(work, 'no-serving');
    writeLocalEndpoints(none, { functionUrls: {} });
    const older = join(work, 'older');
    writeLocalEndpoints(older, {});

    // Act
    const noServing = await mlops(JSON.stringify(record(0)), '--env', 'dev', '--dir', none);
    const olderPlatform = await mlops(JSON.stringify(record(0)), '--env', 'dev', '--dir', older);

    // Assess
    expect([noServing.code, olderPlatform.code]).toEqual([2, 2]);
    expect(noServing.stderr).toMatch(/serves no predict endpoint: the environment's templates have no predict Function URL \(no serving stack flights-dev-serving/);
    expect(olderPlatform.stderr).toMatch(/serves no predict endpoint: it was started by an mlops that did not record its Function URLs: restart/);
  });
});

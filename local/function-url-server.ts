/**
 * A Lambda Function URL served on 127.0.0.1: each HTTP request becomes the event Lambda sends a function
 * behind a URL (payload format 2.0), and the handler's answer becomes the HTTP response the way Lambda
 * maps it — a `{statusCode, headers, body, isBase64Encoded, cookies}` object as given; any other value as
 * a 200 JSON body; a thrown error as 502 "Internal Server Error". `AWS_IAM` auth is not enforced locally
 * (no SigV4 check), as IAM is not enforced anywhere on the local platform.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpService } from './local-http';
import { LOCAL_ACCOUNT } from './identity';

/** A Lambda handler as the local platform calls it. */
export type UrlHandler = (event: unknown) => Promise<unknown>;

/** Content types whose bodies Lambda passes as text; any other body is base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

/**
 * A path that `new URL` leaves as it is: `/`, or `/`-separated segments of letters, digits, `_`, `~`
 * and `-` (no dot segments to resolve, nothing to percent-encode), without a query or fragment.
 */
const PLAIN_PATH = /^\/(?:[A-Za-z0-9_~-]+(?:\/[A-Za-z0-9_~-]+)*\/?)?$/;

/** Host names already seen to make a valid base URL (a few per server: bounded all the same). */
const validHosts = new Set<string>();

/** `{pathname, search, query}` of a request target, as `new URL(target, http://<domainName>)` reads them. */
function requestTarget(target: string, domainName: string): { pathname: string; search: string; searchParams: Iterable<[string, string]> } {
  // Most requests are to a plain path: parsing them as a URL is a measurable share of a small request.
  if (PLAIN_PATH.test(target) && validHosts.has(domainName)) return { pathname: target, search: '', searchParams: [] };
  const url = new URL(target, `http://${domainName}`);
  if (validHosts.size >= 64) validHosts.clear();
  validHosts.add(domainName);
  return url;
}

/** `Date#toUTCString` has whole seconds: the string of the current second is made once. */
let utcSecond = Number.NaN;
let utcString = '';
function utcStringOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== utcSecond) {
    utcSecond = second;
    utcString = new Date(ms).toUTCString();
  }
  return utcString;
}

/** The Function URL event (payload format 2.0) for one HTTP request. */
export function functionUrlEvent(req: IncomingMessage, body: Buffer, domainName: string): Record<string, unknown> {
  const url = requestTarget(req.url ?? '/', domainName);
  const headers: Record<string, string> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  let queries = 0;
  for (const [k, v] of url.searchParams) {
    query[k] = k in query ? `${query[k]},${v}` : v;
    queries++;
  }
  const contentType = headers['content-type'] ?? '';
  const text = body.length === 0 || TEXT_TYPES.test(contentType);
  const nowMs = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(queries > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: utcStringOf(nowMs),
      timeEpoch: nowMs,
    },
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** Write a handler's result as Lambda maps it to the Function URL's HTTP response. */
export function writeFunctionUrlResponse(res: ServerResponse, result: unknown): void {
  const structured = result !== null && typeof result === 'object' && 'statusCode' in result;
  if (!structured) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof result === 'string' ? result : JSON.stringify(result ?? null));
    return;
  }
  const r = result as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean; cookies?: string[] };
  res.writeHead(r.statusCode, r.cookies?.length ? { ...(r.headers ?? {}), 'set-cookie': r.cookies } : (r.headers ?? {}));
  res.end(r.body === undefined ? undefined : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body);
}

/** One Function URL on 127.0.0.1. */
export class FunctionUrlServer {
  private readonly http = new LocalHttpService((req, res) => this.handle(req, res));

  /**
   * @param onError told of each error the handler throws (the client gets Lambda's 502)
   */
  constructor(
    private readonly handler: UrlHandler,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  /** Listen on 127.0.0.1 (port 0: any free port); returns the URL. */
  async listen(port = 0): Promise<string> {
    return `${await this.http.listen(port)}/`;
  }


  /** Stop listening. */
  close(): Promise<void> {
    return this.http.close();
  }

  /** Read the body, then answer; rejects when the request fails (a client that goes away mid-body). */
  private handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Listeners rather than `for await`: the async iterator is a measurable share of a small request.
    return new Promise<void>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.once('error', reject);
      req.once('end', () => void this.respond(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).then(resolve, reject));
    });
  }

  private async respond(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const event = functionUrlEvent(req, body, req.headers.host ?? '127.0.0.1');
    try {
      writeFunctionUrlResponse(res, await this.handler(event));
    } catch (error) {
      this.onError(error as Error);
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Message: 'Internal Server Error' }));
    }
  }
}

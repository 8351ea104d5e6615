/**
 * A Function URL on 127.0.0.1, called over real HTTP: the handler gets Lambda's payload format 2.0
 * event (method, path, query, lower-case headers, text or base64 body, a request id), and its answer is
 * mapped as Lambda maps it (structured response as given, anything else 200 JSON, a throw 502).
 */
import { FunctionUrlServer } from '../../../local/function-url-server';

/** The event fields these tests read. */
interface UrlEvent {
  readonly rawPath: string;
  readonly requestContext: { readonly requestId: string };
}

describe('FunctionUrlServer', () => {
  const seen: UrlEvent[] = [];
  const errors: Error[] = [];
  let server: FunctionUrlServer;
  let url: string;

  beforeAll(async () => {
    server = new FunctionUrlServer(async (event) => {
      const e = event as UrlEvent;
      seen.push(e);
      if (e.rawPath === '/throw') throw Object.assign(new Error('boom'), { name: 'Crash' });
      if (e.rawPath === '/plain') return { ok: true };
      if (e.rawPath === '/binary') return { statusCode: 201, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2]).toString('base64'), isBase64Encoded: true };
      return { statusCode: 400, headers: { 'content-type': 'application/json', 'x-request-id': e.requestContext.requestId }, body: JSON.stringify({ message: 'bad' }) };
    }, (error) => errors.push(error));
    url = await server.listen();
  });

  afterAll(() => server.close());

  test('the event has the request as Lambda gives it; a structured answer is the response', async () => {
    const res = await fetch(`${url}predict?a=1&a=2&b=x`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Custom': 'v' }, body: '{"distance":950}' });

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'bad' });
    const event = seen.at(-1)!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/predict',
      rawQueryString: 'a=1&a=2&b=x',
      queryStringParameters: { a: '1,2', b: 'x' },
      headers: { 'content-type': 'application/json', 'x-custom': 'v' },
      body: '{"distance":950}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/predict' } },
    });
    expect(res.headers.get('x-request-id')).toBe(event.requestContext.requestId);
  });

  test('a binary body arrives base64-encoded; a base64 answer is sent as bytes', async () => {
    const res = await fetch(`${url}binary`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([255, 254]) });

    expect(res.status).toBe(201);
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 1, 2]);
    expect(seen.at(-1)).toMatchObject({ body: Buffer.from([255, 254]).toString('base64'), isBase64Encoded: true });
  });

  test('an unstructured answer is 200 JSON; a thrown error is 502 and reported', async () => {
    const plain = await fetch(`${url}plain`);
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ ok: true });
    expect(seen.at(-1)).not.toHaveProperty('body');

    const thrown = await fetch(`${url}throw`, { method: 'POST' });
    expect(thrown.status).toBe(502);
    expect(await thrown.json()).toEqual({ Message: 'Internal Server Error' });
    expect(errors.map((e) => e.name)).toEqual(['Crash']);
  });
});

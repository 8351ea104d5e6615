/**
 * Child process of the serving benchmark: an S3 endpoint for the predict handler in which captures cost
 * S3 nothing. PUTs under `/<bucket>/capture/` are read to the end and answered 200 with an ETag, as S3
 * answers a PutObject, and dropped; every other request (the registry reads) is passed on to s3rver.
 *
 * Why: in AWS a capture costs the function its PutObject — the SDK's serialization and SigV4 signing,
 * an HTTP round trip it awaits — while storing the object is S3's work, on S3's machines. s3rver does
 * that work here, on the same 2 vCPUs as the server under test (about 80% of a core at 2,000 req/s):
 * this endpoint keeps the function's side of a capture and removes S3's.
 *
 * Usage: node capture-sink.js S3RVER_ENDPOINT BUCKET — sends `{ endpoint }` over IPC once listening.
 */
import { createServer, request } from 'node:http';

const [upstream, bucket] = process.argv.slice(2);
if (!upstream || !bucket) throw new Error('usage: capture-sink S3RVER_ENDPOINT BUCKET');
const target = new URL(upstream);
const capturePrefix = `/${bucket}/capture/`;
let sequence = 0;

const server = createServer((req, res) => {
  if (req.method === 'PUT' && req.url?.startsWith(capturePrefix)) {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { etag: `"${(++sequence).toString(16).padStart(32, '0')}"`, 'content-length': '0' });
      res.end();
    });
    return;
  }
  const proxied = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
    upstreamRes.pipe(res);
  });
  proxied.on('error', (error) => {
    res.writeHead(502);
    res.end(error.message);
  });
  req.pipe(proxied);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.send?.({ endpoint: `http://127.0.0.1:${address.port}` });
});
process.on('disconnect', () => server.close(() => process.exit(0)));

/**
 * Child process of the serving benchmark: the ceiling — a bare Node `http` server that reads the request
 * body and answers a constant JSON of the same shape and size as a prediction. Sends `{ url }` to the
 * parent over IPC once listening.
 */
import { createServer } from 'node:http';

const BODY = JSON.stringify({ requestId: '0b0e2f4c-8a43-4f65-9d1c-2a7f1d1c9e55', modelVersion: 1, predictions: [-1.9412875938415527] });

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(BODY);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.send?.({ url: `http://127.0.0.1:${address.port}/` });
});
process.on('disconnect', () => server.close(() => process.exit(0)));

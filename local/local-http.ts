/** The HTTP servers of the local platform (Step Functions endpoint, Function URLs): on 127.0.0.1 only. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Start a server on 127.0.0.1 (port 0: any free port); resolves with it and its `http://127.0.0.1:<port>`. */
export async function listenLocally(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Close a server and its open connections. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** One HTTP service of the local platform: listens on 127.0.0.1 with a request handler, closes on demand. */
export class LocalHttpService {
  private server?: Server;

  constructor(private readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {}

  /** Listen on 127.0.0.1 (port 0: any free port); returns `http://127.0.0.1:<port>`. */
  async listen(port = 0): Promise<string> {
    const { server, url } = await listenLocally(this.handle, port);
    this.server = server;
    return url;
  }

  /** Stop listening (and drop open connections); a no-op when not listening. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await closeServer(server);
  }
}

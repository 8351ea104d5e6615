/**
 * Child process of the serving benchmark: the predict Lambda's handler (lambda/handlers/predict.ts, its
 * environment set by run.ts exactly as the serving construct sets it, S3 pointed at the benchmark's
 * s3rver) behind `FunctionUrlServer`, as the local platform serves a Function URL. Bundled by run.ts
 * with esbuild, like a deployed function. Sends `{ url }` to the parent over IPC once listening.
 *
 * The handler prints its EMF metrics and logs on stdout, as in Lambda (where the runtime ships stdout to
 * CloudWatch Logs); run.ts sends this process's stdout to /dev/null.
 */
import { FunctionUrlServer, type UrlHandler } from '../../local/function-url-server';
import { handler } from '../../lambda/handlers/predict';

async function main(): Promise<void> {
  const server = new FunctionUrlServer(handler as UrlHandler, (error) => process.stderr.write(`handler threw: ${error.message}\n`));
  const url = await server.listen();
  process.send?.({ url });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

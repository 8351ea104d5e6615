/**
 * Child process of the serving benchmark: s3rver (the local platform's S3) holding the artifact bucket —
 * the registry the predict handler reads once, and where its sampled captures are written. In its own
 * process so that its CPU, which in AWS is S3's and not the function's, is measured apart. Sends
 * `{ endpoint }` to the parent over IPC once listening.
 *
 * Usage: node s3-server.js DIRECTORY BUCKET
 */
import S3rver from 's3rver';

async function main(): Promise<void> {
  const [directory, bucket] = process.argv.slice(2);
  if (!directory || !bucket) throw new Error('usage: s3-server DIRECTORY BUCKET');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  process.send?.({ endpoint: `http://127.0.0.1:${port}` });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

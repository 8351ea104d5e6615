/**
 * The part of s3rver 3.7's API the tests use (the package ships no type declarations).
 * See node_modules/s3rver/lib/s3rver.js.
 */
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';
  import type { EventEmitter } from 'node:events';

  /** Options of the s3rver constructor (the subset used here). */
  interface S3rverOptions {
    /** Host to bind; default `localhost`. */
    address?: string;
    /** Port; 0 picks a free one. Default 4568. */
    port?: number;
    /** Suppress the per-request log. */
    silent?: boolean;
    /** Folder holding buckets and objects on disk. */
    directory?: string;
    /** Empty the store when the server closes. */
    resetOnClose?: boolean;
    /** Subdomain-style bucket addressing; the SDK client here uses path style. */
    vhostBuckets?: boolean;
    /** Buckets created before the server starts listening. */
    configureBuckets?: ReadonlyArray<{ name: string; configs?: ReadonlyArray<string | Buffer> }>;
  }

  /** A fake S3 server (a Koa application). Emits `event` per object created, in S3 notification shape. */
  class S3rver extends EventEmitter {
    constructor(options?: S3rverOptions);
    /** Create the configured buckets, then listen; resolves with the bound address. */
    run(): Promise<AddressInfo>;
    /** Stop listening; resolves when every connection has ended. */
    close(): Promise<void>;
    /** The underlying HTTP server, once running. */
    httpServer?: Server;
  }

  export = S3rver;
}

/**
 * `<dir>/endpoints.json`: how other `mlops` processes find a running local platform. `mlops local up`
 * writes it once the platform is up and removes it when it stops; `--local` reads it and checks that
 * the process that wrote it is still alive (a platform killed hard leaves a stale file behind).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { PlatformConfig } from '../config/schema';
import { UsageError } from './errors';

/** The file's name inside the platform's data folder. */
export const ENDPOINTS_FILE = 'endpoints.json';

const endpointsSchema = z.object({
  name: z.string(),
  environment: z.string(),
  region: z.string(),
  pid: z.number().int().positive(),
  startedAt: z.string(),
  s3: z.object({ endpoint: z.url(), buckets: z.object({ data: z.string(), artifacts: z.string() }) }),
  stepFunctions: z.object({ endpoint: z.url(), stateMachineArn: z.string(), deployStateMachineArn: z.string().optional() }),
  /** Every Function URL of the templates served locally: logical id → `http://127.0.0.1:<port>/`. */
  functionUrls: z.record(z.string(), z.url()).optional(),
  /** The serving stack's predict Function URL (one of {@link functionUrls}); absent when the environment has no endpoint. */
  predictUrl: z.url().optional(),
});

/** What a running local platform tells other processes. */
export type LocalEndpoints = z.infer<typeof endpointsSchema>;

/** The platform is not running (or its folder holds no readable endpoints file): exit 2, nothing ran. */
export class LocalPlatformNotRunningError extends UsageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalPlatformNotRunningError';
  }
}

/** The default data folder of an environment's local platform: `.local/<env>`. */
export function defaultLocalDir(config: PlatformConfig): string {
  return join('.local', config.environment);
}

/** Path of the endpoints file in a data folder. */
export function endpointsPath(dir: string): string {
  return join(dir, ENDPOINTS_FILE);
}

/** Write the endpoints file (`local up`, once the platform is up). */
export function writeEndpoints(dir: string, endpoints: LocalEndpoints): void {
  writeFileSync(endpointsPath(dir), `${JSON.stringify(endpoints, null, 2)}\n`);
}

/** Remove the endpoints file (`local up`, when the platform stops). */
export function removeEndpoints(dir: string): void {
  rmSync(endpointsPath(dir), { force: true });
}

/** Whether process `pid` exists (signal 0 checks without signalling; EPERM means it exists under another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The endpoints file of `dir` if a live process wrote it, else undefined. */
export function runningEndpoints(dir: string): LocalEndpoints | undefined {
  const path = endpointsPath(dir);
  if (!existsSync(path)) return undefined;
  const parsed = endpointsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) return undefined;
  return isProcessAlive(parsed.data.pid) ? parsed.data : undefined;
}

/**
 * The endpoints of the environment's running local platform, from `<dir>/endpoints.json`.
 * @throws LocalPlatformNotRunningError when no live platform of this environment wrote it
 */
export function readEndpoints(config: PlatformConfig, dir: string): LocalEndpoints {
  const start = `start it with \`mlops local up --env ${config.environment}\``;
  const path = endpointsPath(dir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new LocalPlatformNotRunningError(
      missing ? `the local platform for ${config.environment} is not running: ${start} (no ${path})` : `cannot read ${path} (${(error as Error).message}): ${start}`,
      { cause: error },
    );
  }
  const parsed = endpointsSchema.safeParse(raw);
  if (!parsed.success) throw new LocalPlatformNotRunningError(`${path} is not an endpoints file of \`mlops local up\` (${parsed.error.issues[0]?.message ?? 'invalid'}): ${start}`);
  const endpoints = parsed.data;
  if (!isProcessAlive(endpoints.pid)) {
    throw new LocalPlatformNotRunningError(`the local platform for ${config.environment} is not running: ${start} (${path} was left by process ${endpoints.pid}, which has ended)`);
  }
  if (endpoints.name !== config.name || endpoints.environment !== config.environment) {
    throw new LocalPlatformNotRunningError(
      `${path} belongs to the local platform of ${endpoints.name}-${endpoints.environment}, not ${config.name}-${config.environment}: give that environment, or ${start} --dir <another folder>`,
    );
  }
  return endpoints;
}

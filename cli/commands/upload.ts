/**
 * `mlops upload FILE [--key incoming/…] [--env NAME | --config FILE] [--local] [--json]`: upload a file to
 * the environment's data bucket under `incoming/` (multipart above 5 MiB, progress bar on a TTY). Where
 * an upload starts the pipeline (the `s3Trigger` capability, level 2+), say so and name the run it
 * starts: the trigger's deterministic execution name for that object version.
 * Exit 0 uploaded · 1 the upload failed · 2 usage (no such file, a key outside `incoming/`).
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../config/schema';
import { DATA_PREFIX } from '../../lambda/core/layout';
import { capabilitiesFor } from '../../lib/maturity';
import type { DeployedEnvironment } from '../aws/environment';
import { uploadFile } from '../aws/upload-file';
import { EXIT, UsageError } from '../errors';
import { colour, formatBytes, type Output } from '../output';
import type { ProgressStream } from '../progress';
import { runIdFor } from './run';

/** Options of `mlops upload`. */
export interface UploadCommandOptions {
  /** The object key; must be under `incoming/`. @default `incoming/<file name>` */
  readonly key?: string;
  readonly json?: boolean;
  /** Where the progress bar draws (only on a TTY). @default process.stderr */
  readonly progress?: ProgressStream;
  /** Part size of the multipart upload, in bytes. @default 5 MiB */
  readonly partSize?: number;
  /** The options that select this environment, for the commands the output suggests. @default `--env <env>` */
  readonly flags?: string;
}

/** What `mlops upload --json` prints. */
export interface UploadSummary {
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
  readonly versionId?: string;
  /** Whether the upload starts a pipeline run (the environment's upload trigger is on and the key starts runs). */
  readonly startsRun: boolean;
  /** The run it starts. */
  readonly runId?: string;
  /** Why it starts none, when the trigger is on but the key starts no run (a part file, a hidden file). */
  readonly reason?: string;
}

/** The object key for `file`: `--key` checked to be a file under `incoming/`, else `incoming/<file name>`. */
export function uploadKey(file: string, key?: string): string {
  if (key === undefined) return `${DATA_PREFIX.incoming}${basename(file)}`;
  if (!key.startsWith(DATA_PREFIX.incoming)) throw new UsageError(`--key ${key}: uploads go under ${DATA_PREFIX.incoming} (e.g. --key ${DATA_PREFIX.incoming}${basename(file)})`);
  if (key.endsWith('/') || key === DATA_PREFIX.incoming) throw new UsageError(`--key ${key}: name an object, not a folder (e.g. --key ${key.replace(/\/*$/, '/')}${basename(file)})`);
  return key;
}

/**
 * Check the arguments of an upload: the file exists, the key is a file under `incoming/`.
 * @returns the object key
 * @throws UsageError naming what is wrong
 */
export function checkUpload(file: string, key?: string): string {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  if (!statSync(file).isFile()) throw new UsageError(`not a file: ${file}`);
  return uploadKey(file, key);
}

/** Upload one file; returns the exit code. */
export async function uploadCommand(file: string, config: PlatformConfig, env: DeployedEnvironment, s3: S3Client, options: UploadCommandOptions, output: Output): Promise<number> {
  const key = checkUpload(file, options.key);
  const uri = `s3://${env.dataBucket}/${key}`;
  let uploaded;
  try {
    uploaded = await uploadFile(s3, file, env.dataBucket, key, { ...(options.progress ? { progress: options.progress } : {}), ...(options.partSize ? { partSize: options.partSize } : {}) });
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    output.err(`mlops: upload of ${file} to ${uri} failed (${name}: ${error instanceof Error ? error.message : String(error)})`);
    return EXIT.failed;
  }
  const triggered = capabilitiesFor(config.maturityLevel, config.overrides).s3Trigger;
  const run = runIdFor(env.dataBucket, key, uploaded.versionId);
  const summary: UploadSummary = {
    uri,
    bucket: env.dataBucket,
    key,
    bytes: uploaded.bytes,
    ...(uploaded.versionId ? { versionId: uploaded.versionId } : {}),
    startsRun: triggered && 'runId' in run,
    ...(triggered ? ('runId' in run ? { runId: run.runId } : { reason: run.reason }) : {}),
  };
  if (options.json) {
    output.out(JSON.stringify(summary, null, 2));
    return EXIT.ok;
  }
  output.out(`uploaded ${uri} (${formatBytes(uploaded.bytes)}${uploaded.versionId ? `, version ${uploaded.versionId}` : ''})`);
  const envFlag = options.flags ?? `--env ${config.environment}`;
  if (!triggered) {
    output.out(`  ${config.environment} (level ${config.maturityLevel}) does not start runs on upload: start one with mlops run ${uri} ${envFlag}`);
  } else if ('runId' in run) {
    output.out(`  this upload starts run ${colour.bold(run.runId)}: follow it with mlops runs show ${run.runId} ${envFlag}`);
  } else {
    output.out(`  ${colour.yellow('starts no run')}: ${run.reason}`);
  }
  return EXIT.ok;
}

/**
 * `mlops run (FILE | s3://bucket/incoming/… | s3://bucket/incoming/folder/) [--env NAME] [--local] [--wait] [--json]`:
 * start a training run on AWS or the local platform. A local file is uploaded to `incoming/` first. A folder (an S3 URI ending
 * in `/`) is a part-file dataset: it must hold a `_manifest.json` or a `_SUCCESS` marker, which the run
 * is then keyed on. The execution name is the same deterministic name the upload trigger uses, so at
 * level 2+ `run` and the trigger never start the same object (or marker) version twice.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { HeadObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { PlatformConfig } from '../../config/schema';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { approvalKey, type ApprovalRecord } from '../../lambda/core/deploy/deployment';
import { DATA_PREFIX } from '../../lambda/core/layout';
import { runRecordKey, type RunRecord } from '../../lambda/core/runs/run-record';
import { executionName } from '../../lambda/core/runs/execution-name';
import { PART_MARKERS, classifyIncomingKey, partsExecutionName, type PartMarker } from '../../lambda/core/validation/dataset-parts';
import { EXIT, UsageError } from '../errors';
import { colour, formatBytes, type Output } from '../output';
import type { DeployedEnvironment } from '../aws/environment';
import { uploadFile } from '../aws/upload-file';

/** Options of `mlops run`. */
export interface RunCommandOptions {
  readonly wait?: boolean;
  readonly json?: boolean;
  /** Seconds between status polls while waiting. @default 5 */
  readonly pollSeconds?: number;
  /** Told the run id (the execution name) once the run is started or joined. */
  readonly onRun?: (runId: string) => void;
  /** The options that select this environment, for the commands the output suggests. @default `--env <env>` */
  readonly flags?: string;
}

/** The AWS clients `mlops run` uses (tests pass their own). */
export interface RunClients {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
}

/** Parse `s3://bucket/key`, or undefined when the argument is not an S3 URI. */
export function parseS3Uri(arg: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(arg);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

/**
 * The run id (execution name) an object of the data bucket starts — the name the upload trigger and
 * `mlops run` both give it — or undefined with the reason when the object starts no run (a part file,
 * a hidden file, a key outside `incoming/`).
 */
export function runIdFor(bucket: string, key: string, versionId?: string): { runId: string } | { reason: string } {
  const kind = classifyIncomingKey(key);
  if (kind.kind === 'ignored') return { reason: kind.reason.replace(/^ignored: /, '') };
  return { runId: kind.kind === 'parts' ? partsExecutionName(bucket, key, versionId) : executionName(bucket, key, versionId) };
}

/** Where the run's data is. */
interface Located {
  readonly key: string;
  readonly versionId?: string;
  /** A part-file dataset: its folder and the marker `key` names. */
  readonly parts?: { readonly prefix: string; readonly marker: PartMarker };
}

/** The version of an object, or undefined when it does not exist. */
async function headIfExists(s3: S3Client, bucket: string, key: string): Promise<{ versionId?: string } | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.VersionId ? { versionId: head.VersionId } : {};
  } catch (error) {
    if (error instanceof S3ServiceException && (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404)) return undefined;
    throw error;
  }
}

/** A part folder's marker: its manifest if it has one (it names the parts exactly), else its `_SUCCESS`. */
async function locateFolder(target: string, bucket: string, prefix: string, s3: S3Client): Promise<Located> {
  for (const marker of [...PART_MARKERS].reverse()) {
    const head = await headIfExists(s3, bucket, `${prefix}${marker}`);
    if (head) return { key: `${prefix}${marker}`, ...head, parts: { prefix, marker } };
  }
  throw new UsageError(
    `${target} has neither a _manifest.json nor a _SUCCESS marker: a folder runs as a part-file dataset once one of them is written after the parts (see README, "Part-file datasets")`,
  );
}

/** Where the run's data is, uploading a local file first. */
async function locate(target: string, env: DeployedEnvironment, clients: RunClients, output: Output): Promise<Located> {
  const uri = parseS3Uri(target);
  if (uri) {
    if (uri.bucket !== env.dataBucket) throw new UsageError(`${target} is not in this environment's data bucket (${env.dataBucket})`);
    if (!uri.key.startsWith(DATA_PREFIX.incoming)) throw new UsageError(`${target}: runs start from objects under ${DATA_PREFIX.incoming}`);
    if (uri.key.endsWith('/')) {
      if (uri.key === DATA_PREFIX.incoming) throw new UsageError(`${target}: name a file or a part folder under ${DATA_PREFIX.incoming}`);
      return locateFolder(target, uri.bucket, uri.key, clients.s3);
    }
    const kind = classifyIncomingKey(uri.key);
    if (kind.kind === 'ignored') throw new UsageError(`${target}: ${kind.reason.replace(/^ignored: /, '')}; run its folder instead (s3://${uri.bucket}/${uri.key.slice(0, uri.key.lastIndexOf('/') + 1)})`);
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: uri.bucket, Key: uri.key }));
    return { key: uri.key, ...(head.VersionId ? { versionId: head.VersionId } : {}), ...(kind.kind === 'parts' ? { parts: { prefix: kind.prefix, marker: kind.marker } } : {}) };
  }
  if (!existsSync(target) || !statSync(target).isFile()) throw new UsageError(`no such file: ${target} (or give s3://${env.dataBucket}/${DATA_PREFIX.incoming}…)`);
  const key = `${DATA_PREFIX.incoming}${basename(target)}`;
  const uploaded = await uploadFile(clients.s3, target, env.dataBucket, key);
  output.err(`uploaded s3://${env.dataBucket}/${key} (${formatBytes(uploaded.bytes)})`);
  return { key, ...(uploaded.versionId ? { versionId: uploaded.versionId } : {}) };
}

/** Start (or join) the run for a file or object; with `wait`, follow it to its end. Returns the exit code. */
export async function runCommand(
  target: string,
  config: PlatformConfig,
  env: DeployedEnvironment,
  clients: RunClients,
  options: RunCommandOptions,
  output: Output,
): Promise<number> {
  const { key, versionId, parts } = await locate(target, env, clients, output);
  const id = runIdFor(env.dataBucket, key, versionId);
  // locate() only returns keys that start runs.
  if (!('runId' in id)) throw new UsageError(`s3://${env.dataBucket}/${key}: ${id.reason}`);
  const name = id.runId;
  const input = { runId: name, bucket: env.dataBucket, key, ...(versionId ? { versionId } : {}), trigger: 'manual', ...(parts ? { parts } : {}) };
  const executionArn = `${env.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  let started = true;
  try {
    await clients.sfn.send(new StartExecutionCommand({ stateMachineArn: env.stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    started = false;
  }
  options.onRun?.(name);
  const summary = { runId: name, executionArn, started, environment: config.environment };
  if (!options.wait) {
    if (options.json) output.out(JSON.stringify(summary, null, 2));
    else output.out(`${started ? 'started' : 'already running or done (started by the upload trigger or an earlier run)'}: ${name}\n  follow it: mlops runs show ${name} ${options.flags ?? `--env ${config.environment}`}`);
    return EXIT.ok;
  }
  const poll = (options.pollSeconds ?? 5) * 1000;
  for (;;) {
    const status = (await clients.sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'RUNNING';
    const waiting = status === 'RUNNING' ? await awaitingApproval(clients.s3, env.artifactBucket, config.name, name) : undefined;
    if (waiting) {
      // Level 2: the run is done with its work and waits for a person; following it further would wait for them.
      if (options.json) output.out(JSON.stringify({ ...summary, status: 'WAITING_FOR_APPROVAL', version: waiting.version, expiresAt: waiting.expiresAt }, null, 2));
      else output.out(`${colour.yellow('WAITING FOR APPROVAL')}: ${name} registered v${waiting.version}; it deploys when approved (until ${waiting.expiresAt}):\n  mlops models approve ${waiting.version} ${options.flags ?? `--env ${config.environment}`}   (or: mlops models reject ${waiting.version} --reason …)`);
      return EXIT.ok;
    }
    if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE') {
      if (options.json) output.out(JSON.stringify({ ...summary, status }, null, 2));
      else output.out(`${status === 'SUCCEEDED' ? colour.green(status) : colour.red(status)}: ${name}`);
      return status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
    }
    await new Promise((resolve) => setTimeout(resolve, poll));
  }
}

/**
 * The registered version a run waits on for approval (level 2), or undefined: the run record says the
 * run registered a version, and that version's approval request (filed by the run) is pending.
 */
export async function awaitingApproval(s3: S3Client, artifactBucket: string, modelName: string, runId: string): Promise<{ version: number; expiresAt: string } | undefined> {
  const store = s3RegistryStore(s3, artifactBucket);
  try {
    const version = (await store.get<RunRecord>(runRecordKey(runId)))?.outcome?.version;
    if (typeof version !== 'number') return undefined;
    const approval = await store.get<ApprovalRecord>(approvalKey(modelName, version));
    return approval?.status === 'pending' && approval.runId === runId ? { version, expiresAt: approval.expiresAt } : undefined;
  } catch {
    // A document being rewritten can read as a partial object on the local S3 (s3rver does not replace
    // objects atomically): the execution's status stays the answer, and the next poll looks again.
    return undefined;
  }
}

/**
 * Validate a large local CSV file on every core: split it after the header into byte ranges that start
 * at line starts, validate each range in a worker thread, and merge the parts' states in file order —
 * the same merge that makes profiles of a dataset's part files add up. If a split point turns out to lie
 * inside a quoted field (a part ends in an open quote), the file is validated again in one pass, so the
 * answer never depends on the split.
 */
import { buildSync } from 'esbuild';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DatasetConfig } from '../../config/schema';
import { CsvParser } from '../../lambda/core/validation/csv-parser';
import { DatasetValidator, type ValidationOutcome } from '../../lambda/core/validation/dataset-validator';
import { localFileSource } from '../../lambda/core/validation/local-source';
import { validatePart, type PartResult, type PartTask } from './validate-part';
import { sniff } from '../../lambda/core/validation/sniff';
import { resolveFormat, validateDataset } from '../../lambda/core/validation/validate-dataset';

/** Files smaller than this are validated in one thread: starting workers would cost more than it saves. */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

/** Options of {@link validateFileParallel}. */
export interface ParallelOptions {
  /** Worker threads; default: the machine's available parallelism. 1 means one pass in this thread. */
  readonly workers?: number;
  /** A prebuilt worker script (bundled JavaScript); default: built from the sources on first use. */
  readonly workerScript?: string;
  /** Files below this size take one pass. @default PARALLEL_MIN_BYTES */
  readonly minBytes?: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const n = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, n);
}

/** Where the header ends and what it holds, or undefined when the file needs the one-pass path. */
function readHeader(fd: number, delimiter: string): { end: number; header: string[] } | undefined {
  const head = readAt(fd, 0, 1 << 20);
  if (sniff(head)) return undefined;
  const newline = head.indexOf(0x0a);
  if (newline < 0) return undefined;
  const line = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, newline));
  // Quoted headers (possibly spanning lines) and one-column headers (maybe a wrong delimiter) take the
  // one-pass path, which reports them precisely.
  if (line.includes('"')) return undefined;
  let header: string[] = [];
  const parser = new CsvParser(delimiter, (record) => (header = record.toArray()));
  parser.push(line);
  parser.end();
  if (header.length < 2) return undefined;
  return { end: newline + 1, header };
}

/**
 * The first part's share relative to each worker's: this thread starts on it at once while workers
 * spend their first tens of milliseconds starting up, so it gets a little more.
 */
const MAIN_PART_WEIGHT = 1.1;

/** Split [from, size) into `parts` ranges that each start just after a newline. */
function splitAtLines(fd: number, from: number, size: number, parts: number): number[] | undefined {
  const bounds = [from];
  const total = MAIN_PART_WEIGHT + (parts - 1);
  for (let k = 1; k < parts; k++) {
    const guess = from + Math.floor(((size - from) * (MAIN_PART_WEIGHT + (k - 1))) / total);
    const window = readAt(fd, guess, 1 << 16);
    const newline = window.indexOf(0x0a);
    if (newline < 0) return undefined;
    const boundary = guess + newline + 1;
    if (boundary <= bounds[bounds.length - 1]! || boundary >= size) return undefined;
    bounds.push(boundary);
  }
  bounds.push(size);
  return bounds;
}

/**
 * The worker script as one plain-JavaScript bundle, built with esbuild on first use and cached beside
 * the dependencies: a worker starting from it is ready in tens of milliseconds, where compiling the
 * TypeScript sources in every worker would cost hundreds. esbuild's metafile names every source the
 * bundle was built from; the cache is rebuilt when any of them is newer than the bundle.
 */
function workerBundle(): string {
  const root = join(__dirname, '..', '..');
  const cacheDir = join(root, 'node_modules', '.cache', 'mlops');
  const out = join(cacheDir, 'validate-worker.js');
  const inputsFile = `${out}.inputs.json`;
  if (existsSync(out) && existsSync(inputsFile)) {
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8')) as string[];
    const built = statSync(out).mtimeMs;
    if (inputs.every((f) => existsSync(f) && statSync(f).mtimeMs <= built)) return out;
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const result = buildSync({ entryPoints: [WORKER_ENTRY], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: tmp, logLevel: 'silent', metafile: true, absWorkingDir: root });
  writeFileSync(inputsFile, JSON.stringify(Object.keys(result.metafile.inputs).map((f) => join(root, f))));
  renameSync(tmp, out);
  return out;
}

/** The worker's entry point (TypeScript), for callers that bundle it themselves. */
export const WORKER_ENTRY = join(__dirname, 'validate-worker-main.ts');

/** A started worker thread that waits for its part. */
interface PartWorker {
  run(task: PartTask): Promise<PartResult>;
  stop(): void;
}

/** Start a worker now (its start-up overlaps with planning); give it a part later. */
function startWorker(script: string): PartWorker {
  const worker = new Worker(script);
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  failed.catch(() => undefined);
  return {
    run: (task) =>
      Promise.race([
        failed,
        new Promise<PartResult>((resolve, reject) => {
          worker.once('message', (message: { ok: true; result: PartResult } | { ok: false; error: string }) => {
            void worker.terminate();
            if (message.ok) resolve(message.result);
            else reject(new Error(`validation worker failed: ${message.error}`));
          });
          worker.postMessage(task);
        }),
      ]),
    stop: () => void worker.terminate(),
  };
}

/**
 * Validate a local file using worker threads for large CSV files; every other case (small files,
 * JSON Lines, Parquet, files whose header or content needs the careful path) runs one pass.
 */
export async function validateFileParallel(path: string, dataset: DatasetConfig, options: ParallelOptions = {}): Promise<ValidationOutcome> {
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const size = statSync(path).size;
  const onePass = (): Promise<ValidationOutcome> => validateDataset(localFileSource(path), dataset);
  if (workers < 2 || size < (options.minBytes ?? PARALLEL_MIN_BYTES) || resolveFormat(path, dataset.format) !== 'csv' || size > dataset.maxFileMb * 1048576) {
    return onePass();
  }
  const script = options.workerScript ?? workerBundle();
  const pool = Array.from({ length: workers - 1 }, () => startWorker(script));
  const fd = openSync(path, 'r');
  let plan: { header: string[]; bounds: number[] } | undefined;
  try {
    const head = readHeader(fd, dataset.delimiter);
    const bounds = head ? splitAtLines(fd, head.end, size, workers) : undefined;
    plan = head && bounds ? { header: head.header, bounds } : undefined;
  } finally {
    closeSync(fd);
  }
  if (!plan) {
    for (const worker of pool) worker.stop();
    return onePass();
  }
  const merged = new DatasetValidator(dataset, { name: path, format: 'csv' });
  merged.addBytes(plan.bounds[0]!);
  merged.setColumns(plan.header);
  const tasks: PartTask[] = plan.bounds.slice(0, -1).map((start, k) => ({ path, start, end: plan.bounds[k + 1]!, header: plan.header, dataset }));
  // This thread validates the first part while the workers take the others.
  const results = await Promise.all([validatePart(tasks[0]!), ...tasks.slice(1).map((task, k) => pool[k]!.run(task))]);
  // A part that ends inside a quote means its split point was inside a quoted field: start over in one pass.
  if (results.slice(0, -1).some((r) => r.endedInQuote)) return onePass();
  for (const result of results) merged.mergeState(result.state);
  return merged.finish();
}

/**
 * Serving benchmark: the predict Lambda (lambda/handlers/predict.ts) served by `FunctionUrlServer` as the
 * local platform serves it, against a bare Node `http` server answering a constant JSON (the ceiling) and
 * FastAPI + uvicorn + scikit-learn serving the equivalent model (bench/serve/baseline_fastapi.py), under
 * autocannon, on this machine, in one run. Prints a markdown table with requests/s, p50, p99, server CPU
 * and the ratios the targets are stated in; paste it into the README. Not part of `npm test`.
 *
 * Every server runs in its own child process, started fresh for each case of each run, and autocannon
 * in another: they compete for the machine's cores as they would. Each case: start, check the answer,
 * warm up (`--warmup` s, not measured), measure (`--duration` s), stop. The cases are interleaved run by
 * run so a busy moment of a shared machine does not land on one of them only; the table shows medians.
 *
 * The model: our GBDT with the dev config (100 iterations, learning rate 0.1, 31 leaves; features origin
 * and destination native top-64, distance, date → day of week, hour, month) trained on the 1.48M
 * flights of Jan–Mar 2001 (bench/serve/model.ts), registered as champion in s3rver. scikit-learn's
 * HistGradientBoostingRegressor gets the same rows, features and hyperparameters.
 *
 * Capture: ON at the dev config's 10%, through the handler's real PutObject (SDK client, SigV4 signing,
 * an awaited HTTP round trip). The headline row of ours sends captures to a no-op S3 endpoint
 * (bench/serve/capture-sink.ts: answers capture PUTs 200 and drops them, passes registry reads to
 * s3rver), because that keeps all of the function's cost of a capture and none of S3's — which in AWS
 * runs on S3's machines, but s3rver would run on the same 2 vCPUs. Two more rows of ours show captures
 * stored by s3rver (the local platform as it is) and capture off (CAPTURE_PERCENT=0).
 *
 * Usage: npm run bench:serve [-- --duration 10 --connections 50 --runs 3 --warmup 3 --fastapi-workers 1,2]
 * Needs Debian's packages (visible to /usr/bin/python3 only):
 *   apt-get install -y python3-fastapi python3-uvicorn python3-sklearn python3-pandas python3-uvloop python3-httptools
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { createS3Client } from '../../lambda/aws/clients';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { registerVersion, setStage } from '../../lambda/core/registry/registry';
import { predict } from '../../lambda/core/serving/predict';
import { predictEnvironment } from '../../lambda/env/predict-env';
import { TRAIN_CSV } from '../train/data';
import { SERVE_DATA, ensureServeModel } from './model';

/** The request body: one flights record of Apr 2001 (the held-out quarter), as a client sends it. */
export const RECORD = { date: '2001-04-01T06:58:00', distance: 337, origin: 'SFO', destination: 'LAX' } as const;

const BUCKET = 'bench-artifacts';
const PYTHON = '/usr/bin/python3';
const TICKS_PER_SECOND = 100;

interface Options {
  readonly duration: number;
  readonly connections: number;
  readonly runs: number;
  readonly warmup: number;
  readonly fastapiWorkers: readonly number[];
}

/** One measured case of one run. */
interface Measure {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Server process (and its workers) CPU, in % of one core, over the measured window. */
  readonly serverCpu: number;
  /** autocannon's CPU, % of one core. */
  readonly clientCpu: number;
  /** s3rver's CPU (ours only), % of one core. */
  readonly s3Cpu?: number;
  readonly prediction?: number;
}

interface Started {
  readonly url: string;
  readonly pid: number;
  readonly stop: () => Promise<void>;
}

interface Case {
  readonly name: string;
  readonly start: () => Promise<Started>;
  /** Read the prediction out of a 200 body (none for the bare server). */
  readonly prediction?: (body: unknown) => number;
}

function options(): Options {
  const arg = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(name);
    return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
  };
  const positive = (name: string, fallback: string): number => {
    const v = Number(arg(name, fallback));
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${arg(name, fallback)}`);
    return v;
  };
  return {
    duration: positive('--duration', '10'),
    connections: positive('--connections', '50'),
    runs: positive('--runs', '3'),
    warmup: positive('--warmup', '3'),
    fastapiWorkers: arg('--fastapi-workers', '1,2')
      .split(',')
      .filter(Boolean)
      .map((s) => positive('--fastapi-workers', s)),
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** CPU ticks (user + system) of a process and all its descendants, from /proc. */
function treeTicks(pid: number): number {
  let ticks = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) ticks += treeTicks(Number(child));
    }
  } catch {
    // The process ended between two reads: its ticks are gone with it.
  }
  return ticks;
}

/** CPU ticks of this process's children that have ended (where a finished autocannon's CPU lands). */
function reapedChildrenTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

/** Fork a bundled child that sends `{ url }` (or `{ endpoint }`) over IPC once listening. */
function forkListening(bundle: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; message: Record<string, string> }> {
  const child = fork(bundle, args, { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, message: message as Record<string, string> }));
    child.once('exit', (code) => reject(new Error(`${bundle} exited (${code}) before listening`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function post(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(RECORD) });
  return { status: res.status, body: await res.json() };
}

/** Wait until a server that gives no signal (uvicorn) answers. */
async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server at ${url} exited (${child.exitCode})`);
    try {
      await post(url);
      return;
    } catch (error) {
      if (Date.now() > until) throw new Error(`the server at ${url} did not answer within ${timeoutMs} ms`, { cause: error });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

interface Cannon {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

/** One autocannon run in its own process (`--json`). */
function autocannon(url: string, seconds: number, connections: number): Promise<Cannon> {
  const bin = join(__dirname, '..', '..', 'node_modules', 'autocannon', 'autocannon.js');
  const args = [bin, '--json', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', JSON.stringify(RECORD), url];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon failed (${code}): ${err}`));
      const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number; timeouts: number };
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts });
    });
  });
}

async function measure(c: Case, opts: Options, s3Pid?: number): Promise<Measure> {
  const server = await c.start();
  try {
    const check = await post(server.url);
    if (check.status !== 200) throw new Error(`${c.name}: status ${check.status}: ${JSON.stringify(check.body)}`);
    await autocannon(server.url, opts.warmup, opts.connections);
    const t0 = performance.now();
    const server0 = treeTicks(server.pid);
    const s30 = s3Pid === undefined ? 0 : treeTicks(s3Pid);
    const client0 = reapedChildrenTicks();
    const r = await autocannon(server.url, opts.duration, opts.connections);
    const wall = (performance.now() - t0) / 1000;
    const pct = (ticks: number): number => (100 * ticks) / TICKS_PER_SECOND / wall;
    return {
      ...r,
      serverCpu: pct(treeTicks(server.pid) - server0),
      clientCpu: pct(reapedChildrenTicks() - client0),
      ...(s3Pid !== undefined ? { s3Cpu: pct(treeTicks(s3Pid) - s30) } : {}),
      ...(c.prediction ? { prediction: c.prediction(check.body) } : {}),
    };
  } finally {
    await server.stop();
  }
}

function bundle(entry: string, out: string, external: string[] = []): string {
  const outfile = join(SERVE_DATA, out);
  buildSync({ entryPoints: [join(__dirname, entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'silent', external });
  return outfile;
}

async function main(): Promise<void> {
  const opts = options();
  const log = (s: string): void => void process.stderr.write(s);
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn, sklearn, pandas']).status !== 0) {
    throw new Error('the FastAPI baseline needs Debian packages: apt-get install -y python3-fastapi python3-uvicorn python3-sklearn python3-pandas');
  }
  const trained = await ensureServeModel(log);
  const pickle = join(SERVE_DATA, 'hgb-dev.pkl');
  const pyScript = join(__dirname, 'baseline_fastapi.py');
  if (!existsSync(pickle)) {
    const fit = spawnSync(PYTHON, [pyScript, 'train', TRAIN_CSV, trained.codesPath, pickle], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (fit.status !== 0) throw new Error(`scikit-learn training failed (${fit.status})`);
    log(`trained scikit-learn's HistGradientBoostingRegressor: ${fit.stdout.trim()}\n`);
  }
  const sklearnVersion = spawnSync(PYTHON, ['-c', 'import sklearn, fastapi, uvicorn; print(sklearn.__version__, fastapi.__version__, uvicorn.__version__)'], { encoding: 'utf8' }).stdout.trim().split(' ');

  // Bundled like a deployed function: plain JavaScript, nothing compiled while serving.
  const oursBundle = bundle('server-ours.ts', 'server-ours.js');
  const bareBundle = bundle('server-bare.ts', 'server-bare.js');
  const s3Bundle = bundle('s3-server.ts', 's3-server.js', ['s3rver']);
  const sinkBundle = bundle('capture-sink.ts', 'capture-sink.js');

  const s3Dir = join(SERVE_DATA, 's3');
  rmSync(s3Dir, { recursive: true, force: true });
  const s3 = await forkListening(s3Bundle, [s3Dir, BUCKET], process.env);
  const s3Endpoint = s3.message.endpoint!;
  const sink = await forkListening(sinkBundle, [s3Endpoint, BUCKET], process.env);
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = createS3Client({ endpoint: s3Endpoint, region: 'us-east-1', credentials });
  const registry = s3RegistryStore(client, BUCKET);
  const version = await registerVersion(registry, trained.config.name, { model: trained.model, transformSpec: trained.spec, metrics: {}, importance: [], profile: {} }, { runId: 'bench-serve', algorithm: 'gbdt' });
  await setStage(registry, trained.config.name, version, 'champion', { by: 'bench', reason: 'serving benchmark' });
  // The answer the core gives for the record, called directly: the server must say the same.
  const direct = predict(trained.model, trained.spec, [RECORD], version).predictions[0]!;

  const lambdaEnv = (capturePercent: number, endpoint = sink.message.endpoint!): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    ...Object.fromEntries(Object.entries(predictEnvironment(trained.config, BUCKET)).map(([k, v]) => [k, String(v)])),
    CAPTURE_PERCENT: String(capturePercent),
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_ENV: 'production',
  });
  const node = (bundlePath: string, env: NodeJS.ProcessEnv) => async (): Promise<Started> => {
    const { child, message } = await forkListening(bundlePath, [], env);
    return { url: message.url!, pid: child.pid!, stop: () => stopChild(child) };
  };
  const fastapi = (workers: number) => async (): Promise<Started> => {
    const port = await freePort();
    // One OpenMP thread: scikit-learn's predict otherwise starts a thread team per call and spins a
    // second core for a single row (181% CPU for one worker, and fewer requests/s).
    const child = spawn(PYTHON, [pyScript, 'serve', pickle, String(port), String(workers)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const url = `http://127.0.0.1:${port}/`;
    await waitUntilAnswering(url, child);
    return { url, pid: child.pid!, stop: () => stopChild(child) };
  };
  const ours = (body: unknown): number => (body as { predictions: number[] }).predictions[0]!;
  const configured = trained.config.serving.capturePercent;
  const BARE = 'bare Node http, constant JSON (ceiling)';
  const OURS = `ours: predict Lambda via FunctionUrlServer, capture ${configured}% → no-op S3`;
  const OURS_S3RVER = `ours, capture ${configured}% → s3rver (stores them)`;
  const cases: Case[] = [
    { name: BARE, start: node(bareBundle, { PATH: process.env.PATH }) },
    { name: OURS, start: node(oursBundle, lambdaEnv(configured)), prediction: ours },
    { name: OURS_S3RVER, start: node(oursBundle, lambdaEnv(configured, s3Endpoint)), prediction: ours },
    { name: 'ours, capture off (CAPTURE_PERCENT=0)', start: node(oursBundle, lambdaEnv(0)), prediction: ours },
    ...opts.fastapiWorkers.map((w) => ({ name: `FastAPI + uvicorn (${w} worker${w > 1 ? 's' : ''}) + scikit-learn`, start: fastapi(w), prediction: ours })),
  ];

  const results = new Map<string, Measure[]>();
  try {
    for (let r = 0; r < opts.runs; r++) {
      for (const c of cases) {
        const m = await measure(c, opts, c.name === OURS_S3RVER ? s3.child.pid : c.name === OURS ? sink.child.pid : undefined);
        results.set(c.name, [...(results.get(c.name) ?? []), m]);
        log(
          `run ${r + 1}/${opts.runs} ${c.name}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, server CPU ${m.serverCpu.toFixed(0)}%, autocannon ${m.clientCpu.toFixed(0)}%` +
            `${m.s3Cpu !== undefined ? `, s3rver ${m.s3Cpu.toFixed(0)}%` : ''}${m.non2xx + m.errors > 0 ? `, ${m.non2xx} non-2xx, ${m.errors} errors` : ''}\n`,
        );
      }
    }
  } finally {
    await stopChild(sink.child);
    await stopChild(s3.child);
  }

  const med = (name: string, f: (m: Measure) => number): number => median(results.get(name)!.map(f));
  const bare = { rps: med(BARE, (m) => m.rps), p99: med(BARE, (m) => m.p99) };
  const oursRps = med(OURS, (m) => m.rps);
  const fastapiNames = cases.filter((c) => c.name.startsWith('FastAPI')).map((c) => c.name);
  const bestFastapi = Math.max(...fastapiNames.map((n) => med(n, (m) => m.rps)));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `Predict over HTTP, one flights record per request: autocannon, ${opts.connections} connections, ${opts.duration} s after a ${opts.warmup} s warm-up, median of ${opts.runs} runs; ` +
      `${availableParallelism()} vCPU (${cpu}), Node ${process.version}, scikit-learn ${sklearnVersion[0]}, FastAPI ${sklearnVersion[1]}, uvicorn ${sklearnVersion[2]}; load before: ${loadavg()[0]!.toFixed(2)}`,
    '',
    '| server | req/s | p50 ms | p99 ms | server CPU | req/s vs bare | p99 vs bare | req/s vs FastAPI (1 worker) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const fastapi1 = fastapiNames[0] ? med(fastapiNames[0], (m) => m.rps) : Number.NaN;
  for (const c of cases) {
    const rps = med(c.name, (m) => m.rps);
    const p99 = med(c.name, (m) => m.p99);
    lines.push(
      `| ${c.name} | ${Math.round(rps).toLocaleString('en-US')} | ${med(c.name, (m) => m.p50).toFixed(1)} | ${p99.toFixed(1)} | ${med(c.name, (m) => m.serverCpu).toFixed(0)}% | ` +
        `${((100 * rps) / bare.rps).toFixed(0)}% | ${(p99 / bare.p99).toFixed(2)}× | ${(rps / fastapi1).toFixed(1)}× |`,
    );
  }
  const sinkCpu = med(OURS, (m) => m.s3Cpu ?? 0);
  const s3Cpu = med(OURS_S3RVER, (m) => m.s3Cpu ?? 0);
  const oursP99 = med(OURS, (m) => m.p99);
  const oursPred = results.get(OURS)![0]!.prediction!;
  lines.push(
    '',
    `Targets (ours with capture on): req/s ≥ 60% of bare: ${((100 * oursRps) / bare.rps).toFixed(0)}% ${oursRps >= 0.6 * bare.rps ? 'MET' : 'MISSED'}; ` +
      `p99 ≤ 2× bare's: ${(oursP99 / bare.p99).toFixed(2)}× ${oursP99 <= 2 * bare.p99 ? 'MET' : 'MISSED'}; ` +
      `≥ 10× FastAPI: ${(oursRps / fastapi1).toFixed(1)}× vs 1 worker ${oursRps >= 10 * fastapi1 ? 'MET' : 'MISSED'}, ${(oursRps / bestFastapi).toFixed(1)}× vs its best ${oursRps >= 10 * bestFastapi ? 'MET' : 'MISSED'}.`,
    `S3's side of the captures, in its own process: the no-op endpoint ${sinkCpu.toFixed(0)}% of a core, s3rver ${s3Cpu.toFixed(0)}%. autocannon: ${med(OURS, (m) => m.clientCpu).toFixed(0)}% (ours) to ${med(BARE, (m) => m.clientCpu).toFixed(0)}% (bare).`,
    `Prediction for ${JSON.stringify(RECORD)}: core called directly ${direct.toFixed(4)}, our server ${oursPred.toFixed(4)} (${oursPred === direct ? 'identical' : 'DIFFERENT'}), ` +
      fastapiNames.map((n) => `${n.replace(/ \+ scikit-learn$/, '')} ${results.get(n)![0]!.prediction!.toFixed(4)}`).join(', ') +
      ` (another GBDT implementation on the same rows and features: close, not equal).`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

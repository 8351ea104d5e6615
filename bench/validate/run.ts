/**
 * Validation benchmark: the validation core (one thread, and all cores) against pandas `read_csv` plus
 * the same checks and profile (bench/validate/baseline_pandas.py), on the same 3M-row flights CSV, in
 * one run. Prints a markdown table with rows/s, the ratio to pandas, and peak RSS; paste it into the
 * README. Not part of `npm test`: timings never gate tests.
 *
 * Usage: npm run bench:validate [-- --runs 5]
 * Needs Debian's pandas: apt-get install -y python3-pandas (visible to /usr/bin/python3 only).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { WORKER_ENTRY } from '../../cli/parallel/validate-parallel';
import { loadConfig } from '../../config/load';
import { writeFlightsCsv } from '../../scripts/flights-data';

const DATA = join(__dirname, '..', '.data');
const CSV = join(DATA, 'flights-3m.csv');

interface RunResult {
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSec: number;
  readonly peakRssMB: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function runJson(cmd: string, args: string[]): RunResult {
  const out = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${out.status}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as RunResult;
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  mkdirSync(DATA, { recursive: true });
  if (!existsSync(CSV)) await writeFlightsCsv(CSV);
  if (!existsSync('/usr/bin/python3') || spawnSync('/usr/bin/python3', ['-c', 'import pandas']).status !== 0) {
    throw new Error('pandas baseline needs Debian pandas: apt-get install -y python3-pandas');
  }
  // Bundle the runner and the worker like a deployed function: plain JavaScript, no compile at start.
  const runner = join(DATA, 'core-runner.js');
  const worker = join(DATA, 'validate-worker.js');
  buildSync({ entryPoints: [join(__dirname, 'core-runner.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: runner, logLevel: 'silent', external: ['esbuild'] });
  buildSync({ entryPoints: [WORKER_ENTRY], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: worker, logLevel: 'silent' });
  const config = join(DATA, 'bench-config.json');
  const dev = loadConfig({ env: 'dev' });
  writeFileSync(config, JSON.stringify({ ...dev, $schema: undefined }));
  const cores = availableParallelism();

  // "cold": a fresh process per file (what `mlops validate FILE` does); "warm": the second file in the
  // same process (a reused Lambda container; JIT already done for Node, nothing changes for pandas).
  const pandasScript = join(__dirname, 'baseline_pandas.py');
  const cases: Array<{ name: string; run: () => RunResult }> = [];
  for (const [mode, repeat] of [
    ['cold', '1'],
    ['warm', '2'],
  ] as const) {
    cases.push(
      { name: `pandas read_csv + checks + profile (${mode})`, run: () => runJson('/usr/bin/python3', [pandasScript, CSV, '--repeat', repeat]) },
      { name: `mlops validate core, 1 thread (${mode})`, run: () => runJson(process.execPath, [runner, CSV, '1', worker, config, repeat]) },
      { name: `mlops validate core, ${cores} threads (${mode})`, run: () => runJson(process.execPath, [runner, CSV, String(cores), worker, config, repeat]) },
    );
  }
  const results = new Map<string, RunResult[]>();
  // Interleave the cases so a busy moment on the machine does not land on one of them only.
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      const result = c.run();
      results.set(c.name, [...(results.get(c.name) ?? []), result]);
      process.stderr.write(`run ${r + 1}/${runs} ${c.name}: ${result.rowsPerSec.toLocaleString('en-US')} rows/s, ${result.peakRssMB} MB\n`);
    }
  }
  const pandasRate = (mode: string): number => median(results.get(`pandas read_csv + checks + profile (${mode})`)!.map((r) => r.rowsPerSec));
  const lines = [
    `Validation of ${results.get(cases[0]!.name)![0]!.rows.toLocaleString('en-US')} rows (flights-3m.csv, ${runs} runs, median; ${cores} cores, Node ${process.version})`,
    '',
    '| tool (mode) | rows/s | vs pandas (same mode) | seconds | peak RSS MB |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const c of cases) {
    const rs = results.get(c.name)!;
    const rate = median(rs.map((r) => r.rowsPerSec));
    const pandas = pandasRate(c.name.endsWith('(warm)') ? 'warm' : 'cold');
    lines.push(
      `| ${c.name} | ${rate.toLocaleString('en-US')} | ${(rate / pandas).toFixed(2)}× | ${median(rs.map((r) => r.seconds)).toFixed(2)} | ${median(rs.map((r) => r.peakRssMB)).toFixed(0)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

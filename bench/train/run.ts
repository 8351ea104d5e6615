/**
 * Training benchmark: our in-Lambda GBDT and ridge (and, with --logistic, logistic regression) against
 * scikit-learn's HistGradientBoostingRegressor / HistGradientBoostingClassifier and Ridge
 * (bench/train/baseline_sklearn.py) on flights-3m: train = Jan–Mar 2001, test = Apr–Jun 2001, the same
 * rows and the same features on both sides. Each run starts one fresh process per side (ours first in
 * odd runs, scikit-learn first in even ones), so the sides interleave; the table shows medians of fit
 * time, predict time and test RMSE / AUC, with ratios. Paste it into the README. Not part of `npm test`.
 *
 * Usage: npx tsx bench/train/run.ts [--runs 3] [--threads 2 | --threads 1,2] [--logistic]
 *   --threads: thread counts (default: all cores): OMP_NUM_THREADS for scikit-learn, and the GBDT
 *   `threads` of ours; each row of the table compares the two sides at the same thread count.
 * Needs Debian's scikit-learn: apt-get install -y python3-sklearn python3-pandas (/usr/bin/python3 only).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { loadConfig } from '../../config/load';
import { DATA, TEST_CSV, TRAIN_CSV, ensureTrainTestCsv } from './data';

interface CaseResult {
  readonly fitSeconds: number;
  readonly fitCpuSeconds: number;
  readonly predictSeconds: number;
  readonly metric: 'rmse' | 'auc';
  readonly value: number;
}

interface RunResult {
  readonly rows: number;
  readonly testRows: number;
  readonly meanRmse?: number;
  readonly sklearn?: string;
  readonly cases: Record<string, CaseResult>;
}

const CASE_LABEL: Record<string, string> = {
  'gbdt-reg': 'GBDT, delay (regression)',
  'gbdt-bin': 'GBDT, late = delay > 15 (binary)',
  'ridge-reg': 'ridge (λ = 1), delay',
  'logistic-bin': 'logistic (λ = 1), late',
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): RunResult {
  const out = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, env, stdio: ['ignore', 'pipe', 'inherit'] });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${out.status})`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as RunResult;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs') ?? 3);
  const cores = availableParallelism();
  const threads = (arg('--threads') ?? String(cores)).split(',').map(Number);
  const timed = ['gbdt-reg', 'gbdt-bin', 'ridge-reg', ...(process.argv.includes('--logistic') ? ['logistic-bin'] : [])];
  const once = ['gbdt-reg-nohour']; // deterministic: its RMSE is measured in the first run only
  if (spawnSync('/usr/bin/python3', ['-c', 'import sklearn, pandas, scipy']).status !== 0) {
    throw new Error('the baseline needs Debian scikit-learn: apt-get install -y python3-sklearn python3-pandas');
  }
  await ensureTrainTestCsv((s) => process.stderr.write(s));

  // The bundle cannot find config/: pass it the loaded dev (regression) and staging (late = delay > 15) configs.
  const configs = join(DATA, 'train-bench-configs.json');
  writeFileSync(configs, JSON.stringify({ dev: loadConfig({ env: 'dev' }), staging: loadConfig({ env: 'staging' }) }));
  const runner = join(DATA, 'train-runner.js');
  buildSync({ entryPoints: [join(__dirname, 'core-runner.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: runner, logLevel: 'silent' });
  // One category → code mapping, fitted on the train rows by our transform spec, used by both sides.
  const codes = join(DATA, 'train-bench-codes.json');
  runJson(process.execPath, [runner, configs, TRAIN_CSV, TEST_CSV, '', '--codes', codes]);

  // What was measured: the commit, and whether the model code differed from it (benchmarks run on the working tree).
  const git = (args: string[]): string => spawnSync('git', args, { cwd: join(__dirname, '..', '..'), encoding: 'utf8' }).stdout?.trim() ?? '';
  const dirty = git(['status', '--porcelain', '--', 'lambda/core']).split('\n').filter(Boolean).length;
  const code = `commit ${git(['rev-parse', '--short', 'HEAD']) || 'unknown'}${dirty ? ` + ${dirty} uncommitted file(s) under lambda/core` : ''}`;

  const sides: Array<{ key: string; run: (cases: string[]) => RunResult }> = [
    ...threads.map((t) => ({
      key: `ours-${t}`,
      run: (cases: string[]) => runJson(process.execPath, [runner, configs, TRAIN_CSV, TEST_CSV, cases.join(','), '--threads', String(t)]),
    })),
    ...threads.map((t) => ({
      key: `sklearn-${t}`,
      run: (cases: string[]) =>
        runJson('/usr/bin/python3', [join(__dirname, 'baseline_sklearn.py'), TRAIN_CSV, TEST_CSV, codes, cases.join(',')], {
          ...process.env,
          OMP_NUM_THREADS: String(t),
          OPENBLAS_NUM_THREADS: String(t),
        }),
    })),
  ];
  const results = new Map<string, RunResult[]>();
  const load: number[] = [];
  const started = Date.now();
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      process.stderr.write(`run ${r + 1}/${runs} ${side.key}\n`);
      const before = loadavg()[0]!;
      results.set(side.key, [...(results.get(side.key) ?? []), side.run(r === 0 ? [...timed, ...once] : timed)]);
      load.push(before, loadavg()[0]!);
    }
  }

  const ours = results.get(`ours-${threads[0]}`)!;
  const sklearnVersion = results.get(`sklearn-${threads[0]}`)![0]!.sklearn ?? '?';
  const med = (key: string, c: string, field: keyof Omit<CaseResult, 'metric'>): number => median(results.get(key)!.map((x) => x.cases[c]![field]));
  const f2 = (x: number): string => x.toFixed(2);
  const lines = [
    `Training on flights-3m: ${ours[0]!.rows.toLocaleString('en-US')} train rows (Jan–Mar 2001), ${ours[0]!.testRows.toLocaleString('en-US')} test rows (Apr–Jun 2001); ` +
      `features distance, origin, destination (native categorical, the same codes both sides), day of week, hour of departure. ` +
      `Median of ${runs} interleaved runs; ${cores} cores, Node ${process.version}, ours with GBDT threads and scikit-learn ${sklearnVersion} with OMP_NUM_THREADS = ${threads.join(' and ')}; ${code}.`,
    '',
    '| model, target | threads | test metric: ours | scikit-learn | ours − sklearn | fit s: ours | scikit-learn | ours / sklearn | predict s: ours | scikit-learn | ours / sklearn |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const targets: string[] = [];
  for (const c of timed) {
    for (const t of threads) {
      const sk = `sklearn-${t}`;
      const us = `ours-${t}`;
      const metric = ours[0]!.cases[c]!.metric;
      const [a, b] = [med(us, c, 'value'), med(sk, c, 'value')];
      const [fa, fb] = [med(us, c, 'fitSeconds'), med(sk, c, 'fitSeconds')];
      const [pa, pb] = [med(us, c, 'predictSeconds'), med(sk, c, 'predictSeconds')];
      const diff = metric === 'rmse' ? `${(a - b >= 0 ? '+' : '') + (a - b).toFixed(3)} (${(((a - b) / b) * 100).toFixed(2)}%)` : (a - b >= 0 ? '+' : '') + (a - b).toFixed(5);
      const fmt = (x: number): string => (metric === 'rmse' ? x.toFixed(3) : x.toFixed(4));
      lines.push(`| ${CASE_LABEL[c]} | ${t} | ${metric.toUpperCase()} ${fmt(a)} | ${fmt(b)} | ${diff} | ${f2(fa)} | ${f2(fb)} | ${(fa / fb).toFixed(2)}× | ${f2(pa)} | ${f2(pb)} | ${(pa / pb).toFixed(2)}× |`);
    }
    if (c.startsWith('gbdt')) {
      // Each side at its fastest thread setting of this run (neither metric depends on threads).
      const fastest = (side: string): number => threads.reduce((x, t) => (med(`${side}-${t}`, c, 'fitSeconds') < med(`${side}-${x}`, c, 'fitSeconds') ? t : x));
      const best = fastest('sklearn');
      const oursBest = fastest('ours');
      const metric = ours[0]!.cases[c]!.metric;
      const [a, b] = [med(`ours-${oursBest}`, c, 'value'), med(`sklearn-${best}`, c, 'value')];
      const [fa, fb] = [med(`ours-${oursBest}`, c, 'fitSeconds'), med(`sklearn-${best}`, c, 'fitSeconds')];
      const quality = metric === 'rmse' ? a <= b * 1.01 : a >= b - 0.01;
      const quote = metric === 'rmse' ? `RMSE within 1% (${(((a - b) / b) * 100).toFixed(2)}%)` : `AUC within 0.01 (${(a - b).toFixed(5)})`;
      targets.push(
        `- ${CASE_LABEL[c]}: ${quote} — ${quality ? 'met' : 'NOT met'}; fit no slower than scikit-learn's fastest here (${best} thread${best > 1 ? 's' : ''}, ${f2(fb)} s vs ours ${f2(fa)} s with ${oursBest} thread${oursBest > 1 ? 's' : ''}) — ${fa <= fb ? 'met' : `NOT met (${(fa / fb).toFixed(2)}×)`}`,
      );
    }
  }
  // Other work on the machine slows the wall clock of a multi-threaded fit most: show CPU time too.
  lines.push(
    '',
    'Fit CPU seconds (process CPU time over all threads; median) — less sensitive to other load on the machine than wall time:',
    '',
    `| model, target | ${threads.map((t) => `ours, ${t} thread${t > 1 ? 's' : ''}`).join(' | ')} | ${threads.map((t) => `scikit-learn, ${t} thread${t > 1 ? 's' : ''}`).join(' | ')} |`,
    `|---|${threads.map(() => '---:').join('|')}|${threads.map(() => '---:').join('|')}|`,
    ...timed.map((c) => `| ${CASE_LABEL[c]} | ${threads.map((t) => f2(med(`ours-${t}`, c, 'fitCpuSeconds'))).join(' | ')} | ${threads.map((t) => f2(med(`sklearn-${t}`, c, 'fitCpuSeconds'))).join(' | ')} |`),
  );
  const noHour = (key: string): number => results.get(key)![0]!.cases['gbdt-reg-nohour']!.value;
  lines.push(
    '',
    `Without the hour (GBDT, delay, first run): ours RMSE ${noHour(`ours-${threads[0]}`).toFixed(3)}, ` +
      threads.map((t) => `scikit-learn (${t} thread${t > 1 ? 's' : ''}) ${noHour(`sklearn-${t}`).toFixed(3)}`).join(', ') +
      `; predicting the train mean: ${ours[0]!.meanRmse!.toFixed(3)}.`,
    '',
    'Targets (issue 3: RMSE within 1%, AUC within 0.01, fit time no slower than scikit-learn):',
    ...targets,
    '',
    'Note: the timestamp is the actual departure time, so the hour partly leaks the delay (a late departure shifts the hour). ' +
      `Without the hour both GBDTs are within ${(Math.max(...[noHour(`ours-${threads[0]}`), ...threads.map((t) => noHour(`sklearn-${t}`))].map((v) => (ours[0]!.meanRmse! - v) / ours[0]!.meanRmse!)) * 100).toFixed(2)}% of predicting the mean: the hour carries almost all of the signal.`,
    'Inputs: both GBDTs get distance (raw), day of week (0 = Sunday) and hour as numbers, origin and destination as native categorical codes ' +
      '(code 0 = other/unseen, 1… = the train categories by frequency). Ridge: ours gets the same matrix and standardises (train mean, population std) ' +
      'and one-hot encodes (code 0 dropped) inside trainLinear; scikit-learn Ridge(alpha=1) gets that same design as a sparse matrix, built inside its timed fit.',
    `Fit and predict exclude reading the CSVs; 1-minute load average around the runs (other processes count): median ${median(load).toFixed(2)}, min ${Math.min(...load).toFixed(2)}, max ${Math.max(...load).toFixed(2)} on ${cores} cores; whole benchmark ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

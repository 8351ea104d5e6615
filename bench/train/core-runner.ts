/**
 * One benchmark run of our in-Lambda learners (bundled by run.ts with esbuild, so no compile time lands
 * in the timings). Loads the train and test CSVs with `readTable`, builds the features with a transform
 * spec fitted on the train rows, then for each requested case trains, predicts the test rows and scores
 * them. Prints one JSON line: {rows, testRows, loadSeconds, meanRmse (the train mean as the prediction), cases: {name: {fitSeconds, fitCpuSeconds (process CPU time, all threads), predictSeconds,
 * metric, value}}}.
 *
 * Usage: node core-runner.js CONFIGS.json TRAIN.csv TEST.csv CASES [--threads N] [--codes OUT.json]
 *   --threads: threads of our GBDT fits (default: trainModel's, the machine's available parallelism)
 *   CASES: comma-separated of gbdt-reg, gbdt-reg-nohour, gbdt-bin, gbdt-bin-nohour, ridge-reg, logistic-bin
 *   --codes: only write the fitted category → code mapping of origin and destination (code 0 = other)
 *            for the scikit-learn side, and exit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { FeaturesConfig, PlatformConfig } from '../../config/schema';
import type { FeatureMatrix } from '../../lambda/core/features/matrix';
import { readTable } from '../../lambda/core/features/table';
import { applyTransformSpec, fitTransformSpec, targetSpecOf, targetValues } from '../../lambda/core/features/transform-spec';
import { auc } from '../../lambda/core/metrics/binary';
import { rmse } from '../../lambda/core/metrics/regression';
import { predictModel, trainModel } from '../../lambda/core/models/train-model';
import { localFileSource } from '../../lambda/core/validation/local-source';

/** The benchmark's features: identical to what baseline_sklearn.py builds. */
export const BENCH_FEATURES: FeaturesConfig = {
  distance: 'passthrough',
  origin: { transform: 'native', topK: 254 },
  destination: { transform: 'native', topK: 254 },
  date: ['dayOfWeek', 'hour'],
};

/** GBDT parameters of the comparison (scikit-learn's HistGradientBoosting defaults, early stopping off). */
function gbdtModel(dev: PlatformConfig): PlatformConfig['model'] {
  return {
    ...dev.model,
    algorithm: 'gbdt',
    params: { iterations: 100, learningRate: 0.1, maxLeaves: 31, minSamplesLeaf: 20, l2: 0, maxBins: 255, validationFraction: 0.1, seed: 42 },
  };
}

/** Ridge / logistic penalty λ (scikit-learn: Ridge(alpha=λ), LogisticRegression(C=1/λ)). */
export const LINEAR_L2 = 1;

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

function dropFeature(m: FeatureMatrix, name: string): FeatureMatrix {
  return { rows: m.rows, features: m.features.filter((f) => f.name !== name) };
}

async function main(): Promise<void> {
  const [configsPath, trainPath, testPath, casesArg] = process.argv.slice(2);
  if (!configsPath || !trainPath || !testPath) throw new Error('usage: core-runner CONFIGS.json TRAIN.csv TEST.csv CASES [--codes OUT.json]');
  const codesAt = process.argv.indexOf('--codes');
  const threadsAt = process.argv.indexOf('--threads');
  const threads = threadsAt > 0 ? Number(process.argv[threadsAt + 1]) : undefined;
  // The bundle cannot find config/: run.ts passes the loaded dev and staging configs.
  const { dev, staging } = JSON.parse(readFileSync(configsPath, 'utf8')) as { dev: PlatformConfig; staging: PlatformConfig };
  const GBDT_PARAMS = gbdtModel(dev);
  const dataset = dev.dataset;

  const t0 = process.hrtime.bigint();
  const train = await readTable(localFileSource(trainPath), dataset);
  const allTrain = Int32Array.from({ length: train.rows }, (_, i) => i);
  const spec = fitTransformSpec(train, allTrain, dataset, BENCH_FEATURES);
  if (codesAt > 0) {
    const codes: Record<string, string[]> = {};
    for (const f of spec.features) if (f.transform === 'native') codes[f.column] = ['__other__', ...f.categories];
    writeFileSync(process.argv[codesAt + 1]!, JSON.stringify(codes));
    process.stdout.write(`${JSON.stringify({ rows: train.rows, codes: Object.fromEntries(Object.entries(codes).map(([k, v]) => [k, v.length])) })}\n`);
    return;
  }
  const test = await readTable(localFileSource(testPath), dataset);
  const xTrain = applyTransformSpec(spec, train);
  const xTest = applyTransformSpec(spec, test);
  const regTarget = { target: targetSpecOf(dev.dataset) };
  const binTarget = { target: targetSpecOf(staging.dataset) };
  if (binTarget.target.kind !== 'label') throw new Error('staging config must derive the binary label');
  const y = { reg: [targetValues(regTarget, train), targetValues(regTarget, test)], bin: [targetValues(binTarget, train), targetValues(binTarget, test)] } as const;
  const loadSeconds = seconds(t0);
  // The naive baseline: predict the train mean of delay for every test row.
  const trainMean = y.reg[0].reduce((a, b) => a + b, 0) / y.reg[0].length;
  const meanRmse = rmse(y.reg[1], new Float64Array(y.reg[1].length).fill(trainMean));

  const cases: Record<string, { fitSeconds: number; fitCpuSeconds: number; predictSeconds: number; metric: string; value: number }> = {};
  for (const name of (casesArg ?? '').split(',').filter(Boolean)) {
    const task = name.endsWith('-reg') || name.endsWith('-reg-nohour') ? 'regression' : 'binary';
    const noHour = name.endsWith('-nohour');
    const model: PlatformConfig['model'] = name.startsWith('gbdt')
      ? GBDT_PARAMS
      : { ...GBDT_PARAMS, algorithm: 'linear', params: { ...GBDT_PARAMS.params, l2: LINEAR_L2 } };
    const xa = noHour ? dropFeature(xTrain, 'date.hour') : xTrain;
    const xb = noHour ? dropFeature(xTest, 'date.hour') : xTest;
    const [ya, yb] = task === 'regression' ? y.reg : y.bin;
    const tFit = process.hrtime.bigint();
    const cpuFit = process.cpuUsage();
    const trained = trainModel({ x: xa, y: ya }, model, task, threads === undefined ? {} : { threads });
    const fitSeconds = seconds(tFit);
    const cpu = process.cpuUsage(cpuFit);
    const fitCpuSeconds = (cpu.user + cpu.system) / 1e6;
    const tPredict = process.hrtime.bigint();
    const pred = predictModel(trained, xb);
    const predictSeconds = seconds(tPredict);
    cases[name] = task === 'regression'
      ? { fitSeconds, fitCpuSeconds, predictSeconds, metric: 'rmse', value: rmse(yb, pred) }
      : { fitSeconds, fitCpuSeconds, predictSeconds, metric: 'auc', value: auc(yb, pred) };
    process.stderr.write(`  ours ${name}: fit ${fitSeconds.toFixed(2)} s, ${cases[name]!.metric} ${cases[name]!.value.toFixed(4)}\n`);
  }
  process.stdout.write(`${JSON.stringify({ rows: train.rows, testRows: test.rows, loadSeconds, meanRmse, cases })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

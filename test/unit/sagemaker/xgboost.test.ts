/**
 * The SageMaker engine's pure contract: hyperparameters, the CSV channels XGBoost reads (target first, no
 * header), job names SageMaker accepts, reading a batch transform's output, and the scoring file's row
 * order — proven by scoring it with an in-process model and getting exactly the in-Lambda evaluation.
 */
import { loadConfig } from '../../../config/load';
import type { PlatformConfig } from '../../../config/schema';
import { decodeDataset } from '../../../lambda/core/features/dataset-codec';
import type { FeatureMatrix } from '../../../lambda/core/features/matrix';
import { predictModel, type TrainedModel } from '../../../lambda/core/models/train-model';
import { memoryRegistryStore } from '../../../lambda/core/registry/registry';
import { PERMUTATION, scoringMatrices, writeSageMakerInputs } from '../../../lambda/core/sagemaker/sagemaker-inputs';
import {
  TransformOutputError,
  parsePredictions,
  sagemakerJobNames,
  toXgboostCsv,
  xgboostColumns,
  xgboostHyperparameters,
} from '../../../lambda/core/sagemaker/xgboost';
import { memoryArtifactStore } from '../../../lambda/core/stages/artifact-store';
import { runEvaluateStage, type Evaluation } from '../../../lambda/core/stages/evaluate-stage';
import { runFeaturesStage } from '../../../lambda/core/stages/features-stage';
import { runTrainStage } from '../../../lambda/core/stages/train-stage';
import { memorySource } from '../../../lambda/core/validation/local-source';
import { flightsCsv, flights } from '../../helpers/flights';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const matrix: FeatureMatrix = {
  rows: 3,
  features: [
    { kind: 'numeric', name: 'distance', values: Float64Array.from([0.1, Number.NaN, -2.5e-7]) },
    { kind: 'categorical', name: 'origin', codes: Int32Array.from([0, 2, 1]), cardinality: 3 },
  ],
};

describe('XGBoost hyperparameters', () => {
  const params = loadConfig({ env: 'dev' }).model.params;

  test('regression: squared error, RMSE, leaf-wise growth with our leaves, bins and L2', () => {
    expect(xgboostHyperparameters({ ...params, l2: 2, maxLeaves: 15 }, 'regression')).toEqual({
      objective: 'reg:squarederror',
      eval_metric: 'rmse',
      num_round: '100',
      eta: '0.1',
      tree_method: 'hist',
      grow_policy: 'lossguide',
      max_leaves: '15',
      max_depth: '0',
      min_child_weight: '20',
      lambda: '2',
      max_bin: '255',
      seed: '42',
    });
  });

  test('binary: logistic objective and AUC; early stopping only when configured', () => {
    const hp = xgboostHyperparameters({ ...params, earlyStoppingRounds: 10, maxDepth: 8 }, 'binary');
    expect(hp).toMatchObject({ objective: 'binary:logistic', eval_metric: 'auc', early_stopping_rounds: '10', max_depth: '8' });
    expect(xgboostHyperparameters(params, 'binary')).not.toHaveProperty('early_stopping_rounds');
  });
});

describe('XGBoost CSV', () => {
  test('target first, no header, categorical one-hot, missing as an empty field, numbers exact', () => {
    expect(text(toXgboostCsv(matrix, Float64Array.from([5, 6, 7])))).toBe('5,0.1,1,0,0\n6,,0,0,1\n7,-2.5e-7,0,1,0\n');
    expect(text(toXgboostCsv(matrix))).toBe('0.1,1,0,0\n,0,0,1\n-2.5e-7,0,1,0\n');
    expect(xgboostColumns(matrix)).toEqual(['distance', 'origin=0', 'origin=1', 'origin=2']);
  });

  test('a target of the wrong length is refused', () => {
    expect(() => toXgboostCsv(matrix, Float64Array.from([1]))).toThrow('target has 1 values for 3 rows');
  });

  test('more rows than one write chunk come out whole and in order', () => {
    const n = 10_000;
    const big: FeatureMatrix = { rows: n, features: [{ kind: 'numeric', name: 'i', values: Float64Array.from({ length: n }, (_, i) => i) }] };
    const lines = text(toXgboostCsv(big)).trimEnd().split('\n');
    expect(lines).toHaveLength(n);
    expect(lines[4095]).toBe('4095');
    expect(lines[4096]).toBe('4096');
    expect(lines[n - 1]).toBe(String(n - 1));
  });
});

describe('batch transform output', () => {
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

  test('one number per line, with or without brackets or a trailing comma', () => {
    expect(Array.from(parsePredictions(bytes('0.25\n[0.5]\n0.75,\n'), 3, 'score.csv.out'))).toEqual([0.25, 0.5, 0.75]);
  });

  test('a row count other than the scored rows, or a line that is not a number, is an error naming it', () => {
    expect(() => parsePredictions(bytes('1\n2\n'), 3, 'score.csv.out')).toThrow(new TransformOutputError('score.csv.out has 2 predictions for 3 scored rows'));
    expect(() => parsePredictions(bytes('1\nnope\n3\n'), 3, 'score.csv.out')).toThrow('score.csv.out line 2 is not a number: "nope"');
  });
});

describe('SageMaker job names', () => {
  const at = new Date('2026-11-27T13:45:06.789Z');

  test('valid SageMaker names (≤ 63 of [A-Za-z0-9-]), stable for one run and moment, new for another run', () => {
    const names = sagemakerJobNames('flights', 'run-flights-abc', at);
    for (const name of Object.values(names)) expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect(names.training).toMatch(/^flights-20261127134506-[0-9a-f]{8}$/);
    expect(names.championScoring).toBe(`${names.training}-champ`);
    expect(sagemakerJobNames('flights', 'run-flights-abc', at)).toEqual(names);
    expect(sagemakerJobNames('flights', 'run-flights-abd', at).training).not.toBe(names.training);
    expect(sagemakerJobNames('flights', 'run-flights-abc', new Date(at.getTime() + 1000)).training).not.toBe(names.training);
  });

  test('a long model name with odd characters is cut to fit', () => {
    const names = sagemakerJobNames(`${'very_long.model name '.repeat(5)}-`, 'r', at);
    for (const name of Object.values(names)) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    }
  });
});

describe('the scoring file stands in for in-process prediction', () => {
  const base = loadConfig({ env: 'dev' });
  const cfg: PlatformConfig = {
    ...base,
    dataset: { ...base.dataset, rowCount: { min: 100 } },
    model: { ...base.model, algorithm: 'gbdt', params: { ...base.model.params, iterations: 10, maxLeaves: 8, minSamplesLeaf: 5 } },
    features: { origin: { transform: 'native', topK: 20 }, destination: { transform: 'native', topK: 20 }, distance: 'standardize', date: ['hour', 'dayOfWeek'] },
  };
  const csv = flightsCsv(flights(3000));

  test('a model scoring the file row by row yields exactly the in-Lambda evaluation (metrics, permutation importance)', async () => {
    const store = memoryArtifactStore();
    const registry = memoryRegistryStore();
    const source = () => memorySource('incoming/flights.csv', csv, 64 * 1024);
    const features = await runFeaturesStage({ runId: 'r1', source: source(), config: cfg, store });
    const trained = await runTrainStage({ runId: 'r1', trainKey: features.trainKey, model: cfg.model, task: 'regression', store });
    const common = { modelName: cfg.name, trainKey: features.trainKey, testKey: features.testKey, splitKey: features.splitKey, config: cfg, store, registry };
    const inLambda = await runEvaluateStage({ ...common, runId: 'lambda', candidate: { modelKey: trained.modelKey }, source: source() });

    const train = decodeDataset(await store.getBytes(features.trainKey));
    const test = decodeDataset(await store.getBytes(features.testKey));
    const plan = await writeSageMakerInputs({ runId: 'sm', modelName: cfg.name, bucket: 'artifacts', train, test, params: cfg.model.params, store, at: new Date(0) });
    expect(plan.layout).toEqual({ testRows: test.x.rows, sampleRows: Math.min(PERMUTATION.rows, test.x.rows), permutedCopies: test.x.features.length * PERMUTATION.repeats });
    expect(plan.trainUri).toBe('s3://artifacts/runs/sm/features/sagemaker/train/');
    expect(plan.validationUri).toBeUndefined();
    expect(plan.predictionsKey).toBe('runs/sm/evaluate/sagemaker/score/score.csv.out');

    // The training channel: one line per training row, target first.
    const trainLines = text(await store.getBytes('runs/sm/features/sagemaker/train/train.csv')).trimEnd().split('\n');
    expect(trainLines).toHaveLength(train.x.rows);
    expect(Number(trainLines[0]!.split(',')[0])).toBe(train.y[0]);
    expect(trainLines[0]!.split(',')).toHaveLength(1 + plan.columns.length);

    // Stand-in for the batch transform: the same model predicts each row of the scoring file, in order.
    const model = await store.getJson<TrainedModel>(trained.modelKey);
    const scoreLines = text(await store.getBytes('runs/sm/features/sagemaker/score/score.csv')).trimEnd().split('\n');
    const { matrices } = scoringMatrices(test.x);
    expect(scoreLines).toHaveLength(matrices.reduce((n, m) => n + m.rows, 0));
    const out = matrices.flatMap((m) => Array.from(predictModel(model, m), (p) => String(p)));
    await store.putBytes(plan.predictionsKey, new TextEncoder().encode(`${out.join('\n')}\n`));

    const viaSageMaker = await runEvaluateStage({ ...common, runId: 'sm', candidate: { sagemaker: plan }, source: source() });
    expect(viaSageMaker.value).toBe(inLambda.value);
    const a = await store.getJson<Evaluation>(inLambda.evaluationKey);
    const b = await store.getJson<Evaluation>(viaSageMaker.evaluationKey);
    expect(b.metrics).toEqual(a.metrics);
    expect(b.baseline).toEqual(a.baseline);
    expect(b.importance.permutation).toEqual(a.importance.permutation);
    expect(b.importance.model).toEqual([]);
    expect(b.notes?.[0]).toMatch(/permutation importance/);
  });

  test('early stopping adds a validation channel carved from the training rows; a truncated transform output fails clearly', async () => {
    const store = memoryArtifactStore();
    const source = () => memorySource('incoming/flights.csv', csv, 64 * 1024);
    const features = await runFeaturesStage({ runId: 'r2', source: source(), config: cfg, store });
    const train = decodeDataset(await store.getBytes(features.trainKey));
    const test = decodeDataset(await store.getBytes(features.testKey));
    const params = { ...cfg.model.params, earlyStoppingRounds: 5, validationFraction: 0.2 };
    const plan = await writeSageMakerInputs({ runId: 'r2', modelName: cfg.name, bucket: 'b', train, test, params, store, at: new Date(0) });
    expect(plan.validationUri).toBe('s3://b/runs/r2/features/sagemaker/validation/');
    const fit = text(await store.getBytes('runs/r2/features/sagemaker/train/train.csv')).trimEnd().split('\n').length;
    const validation = text(await store.getBytes('runs/r2/features/sagemaker/validation/validation.csv')).trimEnd().split('\n').length;
    expect(fit + validation).toBe(train.x.rows);
    expect(validation / train.x.rows).toBeGreaterThan(0.15);
    expect(validation / train.x.rows).toBeLessThan(0.25);

    await store.putBytes(plan.predictionsKey, new TextEncoder().encode('1\n2\n'));
    await expect(
      runEvaluateStage({ runId: 'r2', modelName: cfg.name, candidate: { sagemaker: plan }, trainKey: features.trainKey, testKey: features.testKey, splitKey: features.splitKey, source: source(), config: cfg, store, registry: memoryRegistryStore() }),
    ).rejects.toThrow(/score\.csv\.out has 2 predictions for \d+ scored rows/);
  });
});

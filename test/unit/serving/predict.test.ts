/**
 * Scoring raw records: the predict path builds exactly the training path's feature vector and
 * prediction for the same row, binary models answer classes with [p0, p1], and registry artifacts the
 * Lambda engine cannot score are refused by name.
 */
import { OTHER_CATEGORY } from '../../../lambda/core/features/transform-spec';
import { predictModel } from '../../../lambda/core/models/train-model';
import { BadRequestError, InvalidModelError, UnsupportedModelError } from '../../../lambda/core/serving/errors';
import { featureMatrix, predict, servableModel } from '../../../lambda/core/serving/predict';
import type { XgboostModelDescriptor } from '../../../lambda/core/sagemaker/xgboost';
import { matrixRow, trainFixture } from './fixtures';

describe('parity with the training path', () => {
  test.each(['gbdt', 'linear'] as const)('%s: one raw record gives exactly the training batch row and prediction', async (algorithm) => {
    // Prepare
    const run = await trainFixture({ algorithm });
    const trainingScores = predictModel(run.model, run.matrix);
    const picks = [0, 1, 17, 999, run.rows.length - 1];

    for (const i of picks) {
      // Act
      const vector = matrixRow(featureMatrix(run.spec, [run.rows[i]!]), 0);
      const result = predict(run.model, run.spec, [run.rows[i]!], 3);

      // Assess
      expect(vector).toEqual(matrixRow(run.matrix, i));
      expect(result.predictions).toEqual([trainingScores[i]]);
      expect(result.modelVersion).toBe(3);
      expect(result.probabilities).toBeUndefined();
    }
  });

  test('a batch predicts each record as it would alone', async () => {
    // Prepare
    const run = await trainFixture();
    const records = run.rows.slice(100, 150);

    // Act
    const batch = predict(run.model, run.spec, records, 1);

    // Assess
    expect(batch.predictions).toHaveLength(50);
    records.forEach((r, i) => expect(predict(run.model, run.spec, [r], 1).predictions[0]).toBe(batch.predictions[i]));
  });

  test('an unseen category takes the "other" code (0) and the "other" one-hot column, as in training', async () => {
    // Prepare
    const run = await trainFixture();
    const record = { ...run.rows[0]!, origin: 'ZZZ', destination: 'QQQ' };

    // Act
    const row = matrixRow(featureMatrix(run.spec, [record]), 0);
    const result = predict(run.model, run.spec, [record], 1);

    // Assess
    expect(row.origin).toBe(0);
    expect(row[`destination=${OTHER_CATEGORY}`]).toBe(1);
    expect(Number.isFinite(result.predictions[0])).toBe(true);
  });

  test('a datetime is read as the training reader reads it: "2001/01/14 21:55" and "2001-01-14T21:55:00Z" are the same instant', async () => {
    // Prepare
    const run = await trainFixture();
    const slash = { ...run.rows[0]!, date: '2001/01/14 21:55' };
    const iso = { ...run.rows[0]!, date: '2001-01-14T21:55:00Z' };

    // Act
    const [a, b] = [featureMatrix(run.spec, [slash]), featureMatrix(run.spec, [iso])].map((m) => matrixRow(m, 0));

    // Assess
    expect(a).toEqual(b);
    expect(a!['date.hour.sin']).toBeCloseTo(Math.sin((2 * Math.PI * 21) / 24), 12);
  });
});

describe('binary models', () => {
  test('predictions are classes at p ≥ 0.5 and probabilities [p0, p1] sum to 1', async () => {
    // Prepare
    const run = await trainFixture({ task: 'binary' });
    const records = run.rows.slice(0, 200);
    const p1 = predictModel(run.model, run.matrix).slice(0, 200);

    // Act
    const result = predict(run.model, run.spec, records, 2);

    // Assess
    expect(result.probabilities).toHaveLength(200);
    result.probabilities!.forEach(([p0, p], i) => {
      expect(p).toBe(p1[i]);
      expect(p0! + p!).toBeCloseTo(1, 12);
      expect(result.predictions[i]).toBe(p! >= 0.5 ? 1 : 0);
    });
    expect(new Set(result.predictions).size).toBeGreaterThan(0);
  });
});

describe('outputs and artifacts the engine refuses', () => {
  test('a non-finite model output is a BadRequestError naming the instance', async () => {
    // Prepare
    const run = await trainFixture({ algorithm: 'linear' });
    if (run.model.algorithm !== 'linear') throw new Error('a linear fixture');
    // A steep coefficient, so a huge (but finite, valid JSON) distance overflows the linear sum.
    const steep = { ...run.model, model: { ...run.model.model, features: run.model.model.features.map((t) => (t.name === 'distance' && t.kind === 'numeric' ? { ...t, coefficient: 1e300 } : t)) } };
    const records = [run.rows[0]!, { ...run.rows[1]!, distance: 1e308 }];

    // Act
    const act = () => predict(steep, run.spec, records, 1);

    // Assess
    expect(act).toThrow(BadRequestError);
    expect(act).toThrow(/instance 1: the model's output is not a finite number/);
  });

  test('a SageMaker XGBoost model is an UnsupportedModelError naming serving.engine', async () => {
    // Prepare
    const run = await trainFixture();
    const descriptor: XgboostModelDescriptor = {
      algorithm: 'xgboost',
      engine: 'sagemaker',
      artifactUri: 's3://a/model.tar.gz',
      sagemakerModelName: 'flights-run-7',
      trainingJobName: 'job',
      hyperparameters: {},
      columns: [],
    };

    // Act
    const act = () => servableModel(descriptor, run.spec, 7);

    // Assess
    expect(act).toThrow(UnsupportedModelError);
    expect(act).toThrow(/version 7 is a SageMaker XGBoost model \(flights-run-7\); serving\.engine 'lambda'.*'sagemaker-serverless' or 'sagemaker-realtime'/);
  });

  test.each([
    ['a model without an algorithm', { weights: [] }, 'spec', /model\.json is not a linear, GBDT or XGBoost model/],
    ['a spec of another format', 'model', { format: 'other/9' }, /transform-spec\.json is not a 'mlops-transform\/1' spec \(format "other\/9"\)/],
  ])('%s is an InvalidModelError', async (_name, model, spec, message) => {
    // Prepare
    const run = await trainFixture();

    // Act
    const act = () => servableModel(model === 'model' ? run.model : model, spec === 'spec' ? run.spec : spec, 4);

    // Assess
    expect(act).toThrow(InvalidModelError);
    expect(act).toThrow(message);
  });
});

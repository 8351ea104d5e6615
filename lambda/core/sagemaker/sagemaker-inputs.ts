/**
 * What the features stage writes for the SageMaker engine, beside its own matrices: the training (and,
 * with early stopping, validation) channel as XGBoost CSV, and one scoring file for a batch transform
 * holding every row the evaluate stage needs a prediction for — the holdout, then the permutation
 * importance sample and its permuted copies in the order `permutationImportance` asks for them. A
 * champion trained by SageMaker gets its own scoring file (the holdout through its own transform spec).
 */
import type { PlatformConfig } from '../../../config/schema';
import { permutationSample, permutedMatrices } from '../evaluate/permutation-importance';
import { seededRandom, takeRows, type Dataset, type FeatureMatrix } from '../features/matrix';
import { runKey } from '../layout';
import type { ArtifactStore } from '../stages/artifact-store';
import { sagemakerJobNames, toXgboostCsv, xgboostColumns } from './xgboost';

/** How the evaluate stage measures permutation importance (shared with the in-Lambda engine). */
export const PERMUTATION = { rows: 20_000, repeats: 2, seed: 42 } as const;

/** The rows of a scoring file, in order. */
export interface ScoringLayout {
  /** The holdout, in split order. */
  readonly testRows: number;
  /** The permutation sample (reference predictions). */
  readonly sampleRows: number;
  /** Permuted copies of the sample that follow (features × repeats), each `sampleRows` long. */
  readonly permutedCopies: number;
}

/** The SageMaker part of the features stage's result: everything the state machine's SageMaker tasks name. */
export interface SageMakerPlan {
  readonly trainingJobName: string;
  readonly modelName: string;
  readonly scoringJobName: string;
  /** S3 prefixes (`s3://…/`) of the channels and outputs. */
  readonly trainUri: string;
  readonly validationUri?: string;
  readonly scoreUri: string;
  readonly trainingOutputUri: string;
  readonly scoringOutputUri: string;
  /** Key of the scoring output the transform job writes (`<scoring file>.out`). */
  readonly predictionsKey: string;
  readonly layout: ScoringLayout;
  /** The CSV columns after the target. */
  readonly columns: readonly string[];
  /** Present when the champion is a SageMaker model: score the holdout with it too. */
  readonly champion?: {
    readonly version: number;
    readonly modelName: string;
    readonly scoringJobName: string;
    readonly scoreUri: string;
    readonly scoringOutputUri: string;
    readonly predictionsKey: string;
    readonly rows: number;
  };
}

/** Rows of the training split held out as XGBoost's validation channel (early stopping only). */
function validationRows(rows: number, fraction: number, seed: number): { fit: Int32Array; validation: Int32Array } {
  const random = seededRandom(seed);
  const isValidation = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) isValidation[i] = random() < fraction ? 1 : 0;
  const fit: number[] = [];
  const validation: number[] = [];
  for (let i = 0; i < rows; i++) (isValidation[i] ? validation : fit).push(i);
  return { fit: Int32Array.from(fit), validation: Int32Array.from(validation) };
}

/** The scoring file's rows: holdout, permutation sample, permuted copies. Returns the matrices in order. */
export function scoringMatrices(test: FeatureMatrix): { matrices: FeatureMatrix[]; layout: ScoringLayout } {
  const sample = takeRows(test, permutationSample(test.rows, PERMUTATION.rows));
  const permuted = [...permutedMatrices(sample, PERMUTATION)].map((p) => p.matrix);
  return { matrices: [test, sample, ...permuted], layout: { testRows: test.rows, sampleRows: sample.rows, permutedCopies: permuted.length } };
}

/** Write the SageMaker engine's channels and scoring files; returns the plan the state machine follows. */
export async function writeSageMakerInputs(input: {
  readonly runId: string;
  readonly modelName: string;
  readonly bucket: string;
  readonly train: Dataset;
  readonly test: Dataset;
  readonly params: PlatformConfig['model']['params'];
  readonly store: ArtifactStore;
  /** The champion's holdout matrix (its own transform spec), when the champion is a SageMaker model. */
  readonly champion?: { readonly version: number; readonly modelName: string; readonly matrix: FeatureMatrix };
  readonly at?: Date;
}): Promise<SageMakerPlan> {
  const { runId, store, bucket, params } = input;
  const names = sagemakerJobNames(input.modelName, runId, input.at ?? new Date());
  const key = (stage: string, file: string): string => runKey(runId, stage, file);
  const uri = (k: string): string => `s3://${bucket}/${k}`;
  const folder = (k: string): string => uri(k.slice(0, k.lastIndexOf('/') + 1));

  const trainKey = key('features', 'sagemaker/train/train.csv');
  let validationKey: string | undefined;
  if (params.earlyStoppingRounds !== undefined) {
    const { fit, validation } = validationRows(input.train.x.rows, params.validationFraction, params.seed);
    const take = (rows: Int32Array): Float64Array => Float64Array.from(rows, (i) => input.train.y[i]!);
    await store.putBytes(trainKey, toXgboostCsv(takeRows(input.train.x, fit), take(fit)));
    validationKey = key('features', 'sagemaker/validation/validation.csv');
    await store.putBytes(validationKey, toXgboostCsv(takeRows(input.train.x, validation), take(validation)));
  } else {
    await store.putBytes(trainKey, toXgboostCsv(input.train.x, input.train.y));
  }

  const { matrices, layout } = scoringMatrices(input.test.x);
  const scoreKey = key('features', 'sagemaker/score/score.csv');
  await store.putBytes(scoreKey, concat(matrices.map((m) => toXgboostCsv(m))));
  const scoringOutputKey = key('evaluate', 'sagemaker/score/');

  let champion: SageMakerPlan['champion'];
  if (input.champion) {
    const championKey = key('features', 'sagemaker/champion-score/score.csv');
    await store.putBytes(championKey, toXgboostCsv(input.champion.matrix));
    const outputKey = key('evaluate', 'sagemaker/champion/');
    champion = {
      version: input.champion.version,
      modelName: input.champion.modelName,
      scoringJobName: names.championScoring,
      scoreUri: folder(championKey),
      scoringOutputUri: uri(outputKey),
      predictionsKey: `${outputKey}score.csv.out`,
      rows: input.champion.matrix.rows,
    };
  }

  return {
    trainingJobName: names.training,
    modelName: names.model,
    scoringJobName: names.scoring,
    trainUri: folder(trainKey),
    ...(validationKey ? { validationUri: folder(validationKey) } : {}),
    scoreUri: folder(scoreKey),
    trainingOutputUri: uri(key('train', 'sagemaker/')),
    scoringOutputUri: uri(scoringOutputKey),
    predictionsKey: `${scoringOutputKey}score.csv.out`,
    layout,
    columns: xgboostColumns(input.train.x),
    ...(champion ? { champion } : {}),
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

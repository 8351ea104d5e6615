/**
 * The SageMaker engine's parts of the pipeline state: the features stage's plan (`$.features.sagemaker`,
 * which the state machine's SageMaker tasks read) and the training job's summary (`$.train`, selected from
 * DescribeTrainingJob by the state machine).
 */
import { z } from 'zod';

const s3Uri = z.string().regex(/^s3:\/\/[^/]+\/.*$/, 'an s3:// URI');

/** The features stage's plan for the SageMaker tasks ({@link SageMakerPlan}). */
export const sagemakerPlanSchema = z.object({
  trainingJobName: z.string(),
  modelName: z.string(),
  scoringJobName: z.string(),
  trainUri: s3Uri,
  validationUri: s3Uri.optional(),
  scoreUri: s3Uri,
  trainingOutputUri: s3Uri,
  scoringOutputUri: s3Uri,
  predictionsKey: z.string(),
  layout: z.object({ testRows: z.number().int(), sampleRows: z.number().int(), permutedCopies: z.number().int() }),
  columns: z.array(z.string()),
  champion: z
    .object({
      version: z.number().int(),
      modelName: z.string(),
      scoringJobName: z.string(),
      scoreUri: s3Uri,
      scoringOutputUri: s3Uri,
      predictionsKey: z.string(),
      rows: z.number().int(),
    })
    .optional(),
});

/** What the state machine keeps of a finished training job (its `ResultSelector`). */
export const sagemakerTrainResultSchema = z.object({
  algorithm: z.literal('xgboost'),
  modelArtifactUri: s3Uri,
  trainingJobName: z.string(),
  trainingJobArn: z.string(),
  trainingSeconds: z.number(),
});

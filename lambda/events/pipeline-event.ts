/**
 * The state of a training-pipeline execution as the stage handlers receive it: the run and the object
 * that started it, plus each finished stage's result under its name. One schema per part, so each
 * handler parses exactly what it reads (and names what is missing).
 */
import { z } from 'zod';
import { DATA_PREFIX } from '../core/layout';
import { PART_MARKERS } from '../core/validation/dataset-parts';
import { sagemakerPlanSchema, sagemakerTrainResultSchema } from './sagemaker-plan';

/**
 * A part-file dataset: the folder under `incoming/` and the marker that completed it. The run's `key`
 * (and `versionId`) is then the marker object's: `<prefix><marker>`.
 */
export const datasetPartsSchema = z.object({
  prefix: z
    .string()
    .refine(
      (p) => [DATA_PREFIX.incoming, DATA_PREFIX.retrain].some((root) => p.startsWith(root) && p.length > root.length) && p.endsWith('/'),
      `a folder under ${DATA_PREFIX.incoming} (an upload) or ${DATA_PREFIX.retrain} (a retrain's assembled dataset), ending in "/"`,
    ),
  marker: z.enum(PART_MARKERS),
});

/** The run and its data object (the state machine's input). */
export const runInputSchema = z.object({
  // Not `.` or `..`: as a key segment those resolve out of `runs/<runId>/` in stores that normalise paths.
  runId: z.string().regex(/^(?!\.\.?$)[A-Za-z0-9._-]{1,80}$/, 'letters, digits, dot, dash or underscore (1–80), not "." or ".."'),
  bucket: z.string().min(3),
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  trigger: z.enum(['upload', 'manual', 'drift']).default('manual'),
  /** Present when the data is a part-file dataset (absent: `key` is the one data file). */
  parts: datasetPartsSchema.optional(),
});

/** The pipeline's input as the stages read it. */
export type RunInput = z.infer<typeof runInputSchema>;

/** The validate stage's result, as the later stages read it. */
export const validateResultSchema = z.object({
  verdict: z.enum(['valid', 'invalid']),
  reportKey: z.string(),
  profileKey: z.string().optional(),
  validatedKey: z.string().optional(),
  rowCount: z.number(),
});

/** The features stage's result. */
export const featuresResultSchema = z.object({
  specKey: z.string(),
  /** Absent in runs recorded before drift baselines existed. */
  driftBaselineKey: z.string().optional(),
  trainKey: z.string(),
  testKey: z.string(),
  splitKey: z.string(),
  rows: z.object({ train: z.number(), test: z.number(), dropped: z.number() }),
  cutoff: z.string().optional(),
  sha256: z.string(),
  sagemaker: sagemakerPlanSchema.optional(),
});

/** The train stage's result: the train Lambda's (engine `lambda`), or the SageMaker training job's summary. */
export const trainResultSchema = z.union([z.object({ modelKey: z.string(), algorithm: z.string(), fitMs: z.number() }), sagemakerTrainResultSchema]);

/** The evaluate stage's result. */
export const evaluateResultSchema = z.object({ evaluationKey: z.string(), decision: z.enum(['deploy', 'reject']), metric: z.string(), value: z.number() });

/** A pipeline event that does not have the parts a stage needs. */
export class InvalidPipelineEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidPipelineEventError';
  }
}

/** Parse an event with a schema; the error names every missing or wrong field. */
export function parsePipelineEvent<T extends z.ZodType>(schema: T, event: unknown, stage: string): z.infer<T> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new InvalidPipelineEventError(`${stage} event is invalid: ${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** The model a run trained, as the evaluate and register stages take it. */
export type TrainedCandidate = { readonly modelKey: string } | { readonly sagemaker: z.infer<typeof sagemakerPlanSchema>; readonly artifactUri: string };

/**
 * The candidate from the state: the train Lambda's model, or the SageMaker job's artifact with the
 * features stage's plan (which must then be there: the SageMaker tasks ran from it).
 */
export function trainedCandidate(
  train: { readonly modelKey: string } | z.infer<typeof sagemakerTrainResultSchema>,
  features: { readonly sagemaker?: z.infer<typeof sagemakerPlanSchema> | undefined },
  stage: string,
): TrainedCandidate {
  if ('modelKey' in train) return { modelKey: train.modelKey };
  if (!features.sagemaker) {
    throw new InvalidPipelineEventError(`${stage} event is invalid: features.sagemaker: required when train is a SageMaker training job (${train.trainingJobName})`);
  }
  return { sagemaker: features.sagemaker, artifactUri: train.modelArtifactUri };
}

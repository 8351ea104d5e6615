/**
 * The register stage: file the candidate as a new immutable registry version — model, transform spec,
 * metrics, importance, the training profile (the drift baseline) — with a manifest of its lineage, and
 * promote it to champion when the environment deploys automatically.
 */
import type { DriftBaseline } from '../drift/drift-baseline';
import type { TransformSpec } from '../features/transform-spec';
import { buildModelCard, MODEL_CARD_FILE } from '../governance/model-card';
import { DRIFT_BASELINE_FILE } from '../monitoring/drift-reference';
import { createHash } from 'node:crypto';
import type { StageConfig } from '../../../config/schema';
import type { TrainedModel } from '../models/train-model';
import { registerVersion, setStage, type RegistryStore } from '../registry/registry';
import type { SageMakerPlan } from '../sagemaker/sagemaker-inputs';
import { xgboostHyperparameters, type XgboostModelDescriptor } from '../sagemaker/xgboost';
import type { ArtifactStore } from './artifact-store';
import type { Evaluation } from './evaluate-stage';

/** What the register stage hands on. */
export interface RegisterStageResult {
  readonly modelName: string;
  readonly version: number;
  readonly stage: 'candidate' | 'champion';
}

/** Where the data came from, for lineage. */
export interface DataLineage {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly sha256: string;
  /** Absent when the environment has no validation gate (level 0). */
  readonly validationReportKey?: string;
  readonly rows: { readonly train: number; readonly test: number; readonly dropped: number };
  readonly cutoff?: string;
}

/** A stable hash of the config (keys sorted), so two runs with the same config share it. */
export function configHash(config: unknown): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(config))).digest('hex');
}

/** Run the register stage. */
export async function runRegisterStage(input: {
  readonly runId: string;
  readonly config: StageConfig;
  /** The model: trained in the Lambda (its JSON), or trained by SageMaker (its artifact in the artifact bucket). */
  readonly candidate: { readonly modelKey: string } | { readonly sagemaker: SageMakerPlan; readonly artifactUri: string };
  readonly specKey: string;
  /** The features stage's drift baseline, registered as `drift-baseline.json`. */
  readonly driftBaselineKey?: string;
  readonly evaluationKey: string;
  /** The validate stage's profile; absent without a validation gate (the version then has none). */
  readonly profileKey?: string;
  readonly data: DataLineage;
  /**
   * Promote to champion at once (in-process pipelines without a deploy step); the deployed platform leaves
   * the version a candidate and promotes it through the deploy state machine.
   * @default false
   */
  readonly promote?: boolean;
  readonly codeVersion: string;
  /**
   * Governance: write the version's model card (`model-card.json`).
   * @default false
   */
  readonly modelCard?: boolean;
  readonly store: ArtifactStore;
  readonly registry: RegistryStore;
}): Promise<RegisterStageResult> {
  const { store, config } = input;
  const { candidate } = input;
  const evaluation = await store.getJson<Evaluation>(input.evaluationKey);
  const modelName = config.name;
  let model: TrainedModel | XgboostModelDescriptor;
  let binaries: Record<string, string> = {};
  if ('modelKey' in candidate) {
    model = await store.getJson<TrainedModel>(candidate.modelKey);
  } else {
    // The registry keeps its own copy of the artifact; the descriptor names it once the version is known.
    const { sagemaker, artifactUri } = candidate;
    const artifactKey = artifactUri.replace(/^s3:\/\/[^/]+\//, '');
    binaries = { 'model.tar.gz': artifactKey };
    model = {
      algorithm: 'xgboost',
      engine: 'sagemaker',
      artifactUri,
      sagemakerModelName: sagemaker.modelName,
      trainingJobName: sagemaker.trainingJobName,
      hyperparameters: xgboostHyperparameters(config.model.params, config.dataset.task),
      columns: sagemaker.columns,
    };
  }
  const transformSpec = await store.getJson<TransformSpec>(input.specKey);
  const driftBaseline = input.driftBaselineKey ? await store.getJson<DriftBaseline>(input.driftBaselineKey) : undefined;
  const card = (version: number, registeredAt: string): Record<string, unknown> => ({
    [MODEL_CARD_FILE]: buildModelCard({
      name: modelName,
      version,
      algorithm: model.algorithm,
      task: config.dataset.task,
      target: config.dataset.label?.name ?? config.dataset.target,
      registeredAt,
      runId: input.runId,
      codeVersion: input.codeVersion,
      governance: config.governance,
      data: input.data,
      evaluation,
      spec: transformSpec,
      ...(driftBaseline ? { driftBaseline } : {}),
    }),
  });
  const version = await registerVersion(
    input.registry,
    modelName,
    {
      model,
      transformSpec,
      metrics: { holdout: evaluation.metrics, baseline: evaluation.baseline, champion: evaluation.champion ?? null, gate: evaluation.gate },
      importance: evaluation.importance,
      profile: input.profileKey ? await store.getJson(input.profileKey) : null,
      binaries: { ...binaries, ...(input.driftBaselineKey ? { [DRIFT_BASELINE_FILE]: input.driftBaselineKey } : {}) },
      ...(input.modelCard ? { derived: card } : {}),
    },
    {
      runId: input.runId,
      environment: config.environment,
      algorithm: model.algorithm,
      ...(model.algorithm === 'xgboost' ? { trainingJobName: model.trainingJobName, sagemakerModelName: model.sagemakerModelName } : {}),
      task: config.dataset.task,
      data: input.data,
      params: config.model.params,
      configHash: configHash(config),
      codeVersion: input.codeVersion,
      gate: { metric: evaluation.gate.metric, value: evaluation.gate.candidate, decision: evaluation.gate.decision },
    },
  );
  if (input.promote) {
    await setStage(input.registry, modelName, version, 'champion', { by: `run ${input.runId}`, reason: evaluation.gate.reasons.join('; ') });
    return { modelName, version, stage: 'champion' };
  }
  return { modelName, version, stage: 'candidate' };
}

/**
 * The features stage: load the validated data, derive the target, split, fit the transform spec on the
 * training split only, and write the spec, both matrices and the split to `runs/<runId>/features/`.
 * Also fingerprints the data (sha256 of the bytes read; of the parts' bytes in order for a part-file
 * dataset, see {@link datasetSha256}) for the registry's lineage.
 */
import { createHash } from 'node:crypto';
import type { PlatformConfig } from '../../../config/schema';
import { encodeDataset } from '../features/dataset-codec';
import { splitRows } from '../features/split';
import { readTable } from '../features/table';
import { applyTransformSpec, fitTransformSpec, targetSpecOf, targetValues, type TransformSpec } from '../features/transform-spec';
import { runKey } from '../layout';
import { resolveFormat, type DatasetSource } from '../validation/validate-dataset';
import type { FeatureMatrix } from '../features/matrix';
import { getChampion, versionKey, type RegistryStore } from '../registry/registry';
import { writeSageMakerInputs, type SageMakerPlan } from '../sagemaker/sagemaker-inputs';
import { DRIFT_BASELINE_FILE, trainingDriftBaseline } from '../monitoring/drift-reference';
import type { ArtifactStore } from './artifact-store';

/** What the features stage hands to the next stages. */
export interface FeaturesStageResult {
  readonly specKey: string;
  /** The drift baseline of the training split (registered with the version; the drift check's reference). */
  readonly driftBaselineKey: string;
  readonly trainKey: string;
  readonly testKey: string;
  readonly splitKey: string;
  readonly rows: { readonly train: number; readonly test: number; readonly dropped: number };
  readonly cutoff?: string;
  readonly outputs: readonly string[];
  readonly sha256: string;
  /** Engine `sagemaker`: the channels, scoring files and job names the state machine's SageMaker tasks use. */
  readonly sagemaker?: SageMakerPlan;
}

/** The training split is too small to learn from. */
export class InsufficientDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientDataError';
  }
}

/** Rows each split needs at least. */
export const MIN_SPLIT_ROWS = 10;

/**
 * Wrap sources so every byte streamed through them feeds one hash. The sources are read one after the
 * other in order, so the digest is the sha256 of their bytes concatenated in that order.
 */
function hashing(sources: readonly DatasetSource[]): { sources: DatasetSource[]; digest: () => string } {
  const hash = createHash('sha256');
  return {
    sources: sources.map((source) => ({
      ...source,
      stream: async function* () {
        for await (const chunk of source.stream()) {
          hash.update(chunk);
          yield chunk;
        }
      },
    })),
    digest: () => hash.digest('hex'),
  };
}

/**
 * The data's fingerprint for lineage: sha256 over the bytes of the sources in order — for one file its
 * sha256, for a part-file dataset the sha256 of its parts' bytes concatenated in part order (what
 * `cat part-* | sha256sum` prints for a `_SUCCESS` folder). Streamed, never held whole.
 */
export async function datasetSha256(sources: DatasetSource | readonly DatasetSource[]): Promise<string> {
  const hash = createHash('sha256');
  for (const source of Array.isArray(sources) ? sources : [sources as DatasetSource]) for await (const chunk of source.stream()) hash.update(chunk);
  return hash.digest('hex');
}

/** Run the features stage. */
export async function runFeaturesStage(input: {
  readonly runId: string;
  /** The data: one file, or the parts of a part-file dataset in order. */
  readonly source: DatasetSource | readonly DatasetSource[];
  readonly config: Pick<PlatformConfig, 'dataset' | 'features'>;
  readonly store: ArtifactStore;
  /**
   * Engine `sagemaker`: also write XGBoost's CSV channels and the scoring files (see
   * `writeSageMakerInputs`); `bucket` is the artifact bucket the store writes to (for `s3://` URIs),
   * `registry` finds a SageMaker champion to score on the same holdout.
   */
  readonly sagemaker?: { readonly bucket: string; readonly modelName: string; readonly params: PlatformConfig['model']['params']; readonly registry: RegistryStore; readonly at?: Date };
}): Promise<FeaturesStageResult> {
  const { runId, config, store } = input;
  const sources: readonly DatasetSource[] = Array.isArray(input.source) ? input.source : [input.source as DatasetSource];
  const hashed = hashing(sources);
  const table = await readTable(hashed.sources, config.dataset);
  // Parquet is read by ranges, not streamed: hash it in a separate streaming pass.
  const sha256 = sources.some((s) => resolveFormat(s.name, config.dataset.format) === 'parquet') ? await datasetSha256(sources) : hashed.digest();
  const y = targetValues({ target: targetSpecOf(config.dataset) }, table);
  const split = splitRows(table, y, config.dataset.split);
  if (split.train.length < MIN_SPLIT_ROWS || split.test.length < MIN_SPLIT_ROWS) {
    throw new InsufficientDataError(
      `the split leaves ${split.train.length} training and ${split.test.length} test rows (each needs ≥ ${MIN_SPLIT_ROWS}); check dataset.split${split.cutoff ? ` (cutoff ${split.cutoff})` : ''} and the data's time range`,
    );
  }
  const spec = fitTransformSpec(table, split.train, config.dataset, config.features);
  const take = (rows: Int32Array): Float64Array => Float64Array.from(rows, (i) => y[i]!);
  const key = (file: string): string => runKey(runId, 'features', file);
  await store.putJson(key('transform-spec.json'), spec);
  await store.putJson(key(DRIFT_BASELINE_FILE), trainingDriftBaseline(table, split.train, spec));
  const train = { x: applyTransformSpec(spec, table, split.train), y: take(split.train) };
  const test = { x: applyTransformSpec(spec, table, split.test), y: take(split.test) };
  await store.putBytes(key('train.bin'), encodeDataset(train));
  await store.putBytes(key('test.bin'), encodeDataset(test));
  await store.putBytes(key('split.bin'), new Uint8Array(Int32Array.from([split.train.length, ...split.train, ...split.test]).buffer));
  let sagemaker: SageMakerPlan | undefined;
  if (input.sagemaker) {
    const { registry, modelName } = input.sagemaker;
    // A champion SageMaker trained is scored by its own model, on the holdout through its own spec.
    let champion: { version: number; modelName: string; matrix: FeatureMatrix } | undefined;
    const pointer = await getChampion(registry, modelName);
    if (pointer) {
      const model = await registry.get<{ algorithm: string; sagemakerModelName?: string }>(versionKey(modelName, pointer.version, 'model.json'));
      const championSpec = await registry.get<TransformSpec>(versionKey(modelName, pointer.version, 'transform-spec.json'));
      if (model?.algorithm === 'xgboost' && model.sagemakerModelName && championSpec) {
        champion = { version: pointer.version, modelName: model.sagemakerModelName, matrix: applyTransformSpec(championSpec, table, split.test) };
      }
    }
    sagemaker = await writeSageMakerInputs({ runId, ...input.sagemaker, train, test, store, ...(champion ? { champion } : {}) });
  }
  return {
    specKey: key('transform-spec.json'),
    driftBaselineKey: key(DRIFT_BASELINE_FILE),
    trainKey: key('train.bin'),
    testKey: key('test.bin'),
    splitKey: key('split.bin'),
    rows: { train: split.train.length, test: split.test.length, dropped: split.dropped },
    ...(split.cutoff ? { cutoff: split.cutoff } : {}),
    outputs: spec.outputs,
    sha256,
    ...(sagemaker ? { sagemaker } : {}),
  };
}

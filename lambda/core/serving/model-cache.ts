/**
 * The model a predict container serves, loaded from the registry once and kept.
 *
 * - Pinned (`MODEL_VERSION` set at deploy): that version is loaded on first use and served for the life
 *   of the container; it never changes (a new deploy sets a new version, and new containers).
 * - Champion (no pin): the champion pointer (`registry/<name>/champion.json`) is read on first use and
 *   re-read at most every `championTtlMs` after that; only when it names another version are that
 *   version's artifacts loaded. A promotion therefore reaches every warm container within the TTL, for
 *   one small GET per container per TTL. While no model is loaded (no champion yet), every request looks
 *   again, so the first promotion is served at once.
 * - A failed re-read keeps the loaded model serving (reported through `onRefreshError`): a registry
 *   hiccup must not turn a healthy endpoint into errors.
 */
import { getChampion, versionKey, type RegistryStore } from '../registry/registry';
import type { DatasetConfig } from '../../../config/schema';
import type { TransformSpec } from '../features/transform-spec';
import type { TrainedModel } from '../models/train-model';
import type { XgboostModelDescriptor } from '../sagemaker/xgboost';
import { NoModelError } from './errors';
import { servableModel, type ScoringEngine } from './predict';
import { requestContract, type RequestContract } from './request';

/** A loaded, servable model version with the contract its requests must meet. */
export interface ServingModel {
  readonly version: number;
  /** A model the predict Lambda scores, or (SageMaker engines) the descriptor of the one its endpoint scores. */
  readonly model: TrainedModel | XgboostModelDescriptor;
  readonly spec: TransformSpec;
  readonly contract: RequestContract;
}

/** How the cache finds its model. */
export interface ModelCacheOptions {
  /** The registry name (the config's `name`). */
  readonly name: string;
  /** The dataset declaration (nullability and the unknown-field policy of the request contract). */
  readonly dataset: Pick<DatasetConfig, 'columns' | 'unknownColumns'>;
  /** Which models can be served: `sagemaker` for the SageMaker serving engines. @default 'lambda' */
  readonly engine?: ScoringEngine;
  /** Serve this version only. @default - the champion */
  readonly pinnedVersion?: number;
  /** Longest time between two reads of the champion pointer. @default 60 000 ms */
  readonly championTtlMs?: number;
  /** Called when a re-read of the champion fails while a model is loaded (it keeps serving). */
  readonly onRefreshError?: (error: unknown) => void;
}

/** Default longest time between two reads of the champion pointer. */
export const DEFAULT_CHAMPION_TTL_MS = 60_000;

/** Loads a model version from the registry once and serves it; see the module comment for the rules. */
export class ModelCache {
  private loaded: ServingModel | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<ServingModel> | undefined;

  constructor(
    private readonly registry: RegistryStore,
    private readonly options: ModelCacheOptions,
  ) {}

  /**
   * The model to answer with at `nowMs`.
   * @throws NoModelError when there is no champion yet, or the pinned version is not registered
   * @throws UnsupportedModelError when the version is a model of the other engine
   * @throws InvalidModelError when its artifacts are not a model and spec this code reads
   */
  async get(nowMs: number = Date.now()): Promise<ServingModel> {
    const ttl = this.options.championTtlMs ?? DEFAULT_CHAMPION_TTL_MS;
    if (this.loaded && (this.options.pinnedVersion !== undefined || nowMs - this.checkedAt < ttl)) return this.loaded;
    // Concurrent requests (the local server) share one registry round trip.
    this.inFlight ??= this.refresh(nowMs).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async refresh(nowMs: number): Promise<ServingModel> {
    const { name, pinnedVersion } = this.options;
    if (pinnedVersion !== undefined) {
      this.loaded = await this.load(pinnedVersion, `the pinned version (MODEL_VERSION=${pinnedVersion})`);
      return this.loaded;
    }
    let version: number;
    try {
      const champion = await getChampion(this.registry, name);
      if (!champion) throw new NoModelError(`no model to serve yet: '${name}' has no champion in the registry (a run must pass the gate and be deployed or approved first)`);
      version = champion.version;
    } catch (error) {
      if (!this.loaded || error instanceof NoModelError) throw error;
      this.options.onRefreshError?.(error);
      this.checkedAt = nowMs;
      return this.loaded;
    }
    this.checkedAt = nowMs;
    if (this.loaded?.version !== version) this.loaded = await this.load(version, 'the champion');
    return this.loaded;
  }

  private async load(version: number, what: string): Promise<ServingModel> {
    const { name } = this.options;
    const [model, spec] = await Promise.all([
      this.registry.get<unknown>(versionKey(name, version, 'model.json')),
      this.registry.get<unknown>(versionKey(name, version, 'transform-spec.json')),
    ]);
    if (model === undefined || spec === undefined) {
      throw new NoModelError(`${what}, version ${version} of '${name}', is not in the registry (no ${model === undefined ? 'model.json' : 'transform-spec.json'} under ${versionKey(name, version, '')})`);
    }
    const servable = servableModel(model, spec, version, this.options.engine ?? 'lambda');
    return { version, ...servable, contract: requestContract(servable.spec, this.options.dataset) };
  }
}

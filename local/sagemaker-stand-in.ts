/**
 * A local stand-in for the SageMaker calls the platform makes: the training pipeline's
 * (`createTrainingJob.sync`, `createModel`, `createTransformJob.sync`) and the deploy state machine's
 * endpoint calls (`createEndpointConfig`, `createEndpoint`, `describeEndpoint`, `deleteEndpoint`,
 * `deleteEndpointConfig`), plus the SageMaker Runtime's `InvokeEndpoint` served over HTTP for the front
 * Lambda (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`), for running the synthesized state machines without AWS.
 *
 * It is NOT XGBoost: it checks each request the way SageMaker would (names, image, channels, content
 * types, that every S3 location exists and holds CSV), then trains our own GBDT on the training channel
 * with the hyperparameters mapped back (`num_round` → iterations, `eta`, `max_leaves`, `min_child_weight`
 * → minimum leaf rows, `lambda`, `max_bin`, `seed`, the objective → task) and scores transform inputs
 * with it. Artifacts land where SageMaker puts them (`<output>/<job>/output/model.tar.gz`,
 * `<output>/<input file>.out`), and the answers have the Describe* fields the state machine selects —
 * so what is proven locally is the wiring: names, locations, formats and the order of rows.
 * The "model.tar.gz" it writes is our model JSON, gzipped (not a tar archive): only this stand-in reads it.
 *
 * Endpoints check their configs as SageMaker does (a serverless variant takes no instances and no data
 * capture; a real-time one needs instance type and count), become InService at the first DescribeEndpoint
 * after `creatingDescribes` looks, answer `text/csv` with one prediction per row (comma-separated, as the
 * built-in container does), refuse a row of the wrong width as XGBoost would (ModelError), and write
 * SageMaker's data-capture JSON Lines for the sampled share when the config asks for it. With a state file,
 * models, endpoint configs and endpoints outlive the process (a local platform started again still serves).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FeatureMatrix } from '../lambda/core/features/matrix';
import { predictModel, trainModel, type TrainedModel } from '../lambda/core/models/train-model';
import { XGBOOST_VERSION } from '../lambda/core/sagemaker/xgboost';
import { LocalHttpService } from './local-http';

/** A request SageMaker would refuse (the message says which field and why). */
export class SageMakerRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SageMaker.ValidationException';
  }
}

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const ARN = (kind: string, name: string): string => `arn:aws:sagemaker:us-east-1:123456789012:${kind}/${name.toLowerCase()}`;

type Json = Record<string, unknown>;

function field<T>(request: Json, path: string): T {
  let value: unknown = request;
  for (const part of path.split('.')) value = value && typeof value === 'object' ? (value as Json)[part] : undefined;
  if (value === undefined || value === null || value === '') throw new SageMakerRequestError(`${path} is required`);
  return value as T;
}

function checkName(request: Json, path: string): string {
  const name = field<string>(request, path);
  if (!NAME.test(name)) throw new SageMakerRequestError(`${path} '${name}' must be 1–63 of [a-zA-Z0-9-], starting and ending alphanumeric`);
  return name;
}

function checkImage(image: string, path: string): void {
  if (!image.endsWith(`/sagemaker-xgboost:${XGBOOST_VERSION}`)) throw new SageMakerRequestError(`${path} '${image}' is not the built-in XGBoost ${XGBOOST_VERSION} image`);
}

function parseS3Uri(uri: string, path: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  if (!match) throw new SageMakerRequestError(`${path} '${uri}' is not an s3:// URI`);
  return { bucket: match[1]!, key: match[2]! };
}

/** One CSV file of numbers (empty = missing) as rows. */
function parseCsv(text: string, where: string): number[][] {
  const rows: number[][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    rows.push(
      line.split(',').map((cell, j) => {
        if (cell === '') return Number.NaN;
        const v = Number(cell);
        if (!Number.isFinite(v)) throw new SageMakerRequestError(`${where} line ${i + 1} column ${j + 1} is not a number: '${cell}' (XGBoost CSV takes numbers only, no header)`);
        return v;
      }),
    );
  }
  return rows;
}

function matrixOf(rows: number[][], from: number): FeatureMatrix {
  const width = (rows[0]?.length ?? from) - from;
  return {
    rows: rows.length,
    features: Array.from({ length: width }, (_, j) => ({ kind: 'numeric' as const, name: `f${j}`, values: Float64Array.from(rows, (r) => r[from + j] ?? Number.NaN) })),
  };
}

/** What happened, for the test log and for assertions. */
export interface StandInCall {
  readonly api: 'CreateTrainingJob' | 'CreateModel' | 'CreateTransformJob' | 'CreateEndpointConfig' | 'CreateEndpoint' | 'DeleteEndpoint' | 'DeleteEndpointConfig' | 'InvokeEndpoint';
  readonly name: string;
  readonly request: Json;
}

/** An endpoint config as the stand-in keeps it. */
interface EndpointConfigRecord {
  readonly modelName: string;
  readonly serverless: boolean;
  readonly capture?: { readonly percent: number; readonly destination: string };
}

/** An endpoint as the stand-in keeps it. */
interface EndpointRecord {
  configName: string;
  status: 'Creating' | 'InService';
  /** DescribeEndpoint calls left before it is InService. */
  creatingDescribes: number;
  readonly createdAt: number;
}

/** What the stand-in remembers between processes (its state file). */
interface StandInState {
  readonly models: Record<string, string>;
  readonly jobs: string[];
  readonly endpointConfigs: Record<string, EndpointConfigRecord>;
  readonly endpoints: Record<string, EndpointRecord>;
}

/** Options of {@link SageMakerStandIn}. */
export interface SageMakerStandInOptions {
  /** A JSON file keeping models, jobs, endpoint configs and endpoints across processes. @default - memory only */
  readonly stateFile?: string;
  /** DescribeEndpoint calls that still answer Creating after CreateEndpoint. @default 1 */
  readonly creatingDescribes?: number;
}

/** The stand-in, bound to an S3 endpoint (s3rver locally). Keeps created models across executions. */
export class SageMakerStandIn {
  readonly calls: StandInCall[] = [];
  private readonly models = new Map<string, string>();
  private readonly jobs = new Set<string>();
  private readonly endpointConfigs = new Map<string, EndpointConfigRecord>();
  private readonly endpoints = new Map<string, EndpointRecord>();
  private readonly loadedModels = new Map<string, Promise<TrainedModel>>();
  private readonly runtime = new LocalHttpService((req, res) => this.serveRuntime(req, res));

  constructor(
    private readonly s3: S3Client,
    private readonly options: SageMakerStandInOptions = {},
  ) {
    if (options.stateFile && existsSync(options.stateFile)) {
      const state = JSON.parse(readFileSync(options.stateFile, 'utf8')) as StandInState;
      for (const [k, v] of Object.entries(state.models)) this.models.set(k, v);
      for (const j of state.jobs) this.jobs.add(j);
      for (const [k, v] of Object.entries(state.endpointConfigs)) this.endpointConfigs.set(k, v);
      for (const [k, v] of Object.entries(state.endpoints)) this.endpoints.set(k, v);
    }
  }

  private save(): void {
    if (!this.options.stateFile) return;
    const state: StandInState = {
      models: Object.fromEntries(this.models),
      jobs: [...this.jobs],
      endpointConfigs: Object.fromEntries(this.endpointConfigs),
      endpoints: Object.fromEntries(this.endpoints),
    };
    writeFileSync(this.options.stateFile, JSON.stringify(state, null, 2));
  }

  /** Task handlers by state name, for `overrides.taskResourceLocalHandlers` or a local pipeline's stand-ins. */
  handlers(names: { training: string; model: string; scoring: readonly string[] }): Record<string, (request: unknown) => Promise<unknown>> {
    const out: Record<string, (request: unknown) => Promise<unknown>> = {
      [names.training]: (r) => this.createTrainingJob(r as Json),
      [names.model]: (r) => this.createModel(r as Json),
    };
    for (const scoring of names.scoring) out[scoring] = (r) => this.createTransformJob(r as Json);
    return out;
  }

  private async list(uri: string, path: string): Promise<Array<{ bucket: string; key: string }>> {
    const { bucket, key } = parseS3Uri(uri, path);
    const out = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
    const objects = (out.Contents ?? []).filter((o) => o.Key && !o.Key.endsWith('/')).map((o) => ({ bucket, key: o.Key! }));
    if (objects.length === 0) throw new SageMakerRequestError(`${path} '${uri}' matches no object`);
    return objects.sort((a, b) => a.key.localeCompare(b.key));
  }

  private async read(ref: { bucket: string; key: string }): Promise<Uint8Array> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    return out.Body!.transformToByteArray();
  }

  /** `createTrainingJob.sync`: answers like DescribeTrainingJob once the job completed. */
  async createTrainingJob(request: Json): Promise<Json> {
    const name = checkName(request, 'TrainingJobName');
    if (this.jobs.has(`training/${name}`)) throw new SageMakerRequestError(`Training job names must be unique within an AWS account and region, and a training job with this name already exists (${name})`);
    field<string>(request, 'RoleArn');
    checkImage(field<string>(request, 'AlgorithmSpecification.TrainingImage'), 'AlgorithmSpecification.TrainingImage');
    const channels = field<Json[]>(request, 'InputDataConfig');
    const train = channels.find((c) => c.ChannelName === 'train');
    if (!train) throw new SageMakerRequestError("InputDataConfig needs a 'train' channel");
    for (const c of channels) {
      if (c.ContentType !== 'text/csv') throw new SageMakerRequestError(`channel ${String(c.ChannelName)}: ContentType must be text/csv for CSV input (got ${String(c.ContentType)})`);
      await this.list(field<string>(c, 'DataSource.S3DataSource.S3Uri'), `InputDataConfig[${String(c.ChannelName)}].DataSource.S3DataSource.S3Uri`);
    }
    const hp = field<Record<string, unknown>>(request, 'HyperParameters');
    for (const [k, v] of Object.entries(hp)) if (typeof v !== 'string') throw new SageMakerRequestError(`HyperParameters.${k} must be a string (got ${typeof v})`);
    const h = hp as Record<string, string>;
    const output = field<string>(request, 'OutputDataConfig.S3OutputPath');
    field<string>(request, 'ResourceConfig.InstanceType');
    this.calls.push({ api: 'CreateTrainingJob', name, request });

    const rows: number[][] = [];
    for (const ref of await this.list(field<string>(train, 'DataSource.S3DataSource.S3Uri'), 'train channel')) {
      rows.push(...parseCsv(new TextDecoder().decode(await this.read(ref)), `s3://${ref.bucket}/${ref.key}`));
    }
    const task = h.objective === 'binary:logistic' ? 'binary' : 'regression';
    const started = Date.now();
    const model = trainModel(
      { x: matrixOf(rows, 1), y: Float64Array.from(rows, (r) => r[0]!) },
      {
        engine: 'lambda',
        algorithm: 'gbdt',
        memoryMb: 3008,
        timeoutMinutes: 15,
        params: {
          validationFraction: 0.1,
          iterations: Number(h.num_round ?? 100),
          learningRate: Number(h.eta ?? 0.3),
          maxLeaves: Math.max(2, Number(h.max_leaves ?? 31) || 31),
          minSamplesLeaf: Math.max(1, Number(h.min_child_weight ?? 1)),
          l2: Number(h.lambda ?? 1),
          maxBins: Math.min(255, Number(h.max_bin ?? 255)),
          seed: Number(h.seed ?? 0),
        },
      },
      task,
    );
    const { bucket, key } = parseS3Uri(output.endsWith('/') ? output : `${output}/`, 'OutputDataConfig.S3OutputPath');
    const artifactKey = `${key}${name}/output/model.tar.gz`;
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: artifactKey, Body: gzipSync(JSON.stringify(model)) }));
    this.jobs.add(`training/${name}`);
    this.save();
    const seconds = Math.max(1, Math.round((Date.now() - started) / 1000));
    return {
      TrainingJobName: name,
      TrainingJobArn: ARN('training-job', name),
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      ModelArtifacts: { S3ModelArtifacts: `s3://${bucket}/${artifactKey}` },
      HyperParameters: h,
      TrainingTimeInSeconds: seconds,
      BillableTimeInSeconds: seconds,
    };
  }

  /** `createModel`: remembers the model's artifact for later transforms. */
  async createModel(request: Json): Promise<Json> {
    const name = checkName(request, 'ModelName');
    if (this.models.has(name)) throw new SageMakerRequestError(`Cannot create already existing model "${name}"`);
    field<string>(request, 'ExecutionRoleArn');
    checkImage(field<string>(request, 'PrimaryContainer.Image'), 'PrimaryContainer.Image');
    const artifact = field<string>(request, 'PrimaryContainer.ModelDataUrl');
    await this.list(artifact, 'PrimaryContainer.ModelDataUrl');
    this.calls.push({ api: 'CreateModel', name, request });
    this.models.set(name, artifact);
    this.save();
    return { ModelArn: ARN('model', name) };
  }

  /** `createTransformJob.sync`: one prediction per input line, into `<output>/<file>.out`. */
  async createTransformJob(request: Json): Promise<Json> {
    const name = checkName(request, 'TransformJobName');
    if (this.jobs.has(`transform/${name}`)) throw new SageMakerRequestError(`Transform job names must be unique within an AWS account and region (${name} exists)`);
    const modelName = field<string>(request, 'ModelName');
    const artifact = this.models.get(modelName);
    if (!artifact) throw new SageMakerRequestError(`Could not find model "${modelName}"`);
    if (field<string>(request, 'TransformInput.ContentType') !== 'text/csv') throw new SageMakerRequestError('TransformInput.ContentType must be text/csv');
    if (field<string>(request, 'TransformInput.SplitType') !== 'Line') throw new SageMakerRequestError('TransformInput.SplitType must be Line for one record per line');
    const inputs = await this.list(field<string>(request, 'TransformInput.DataSource.S3DataSource.S3Uri'), 'TransformInput.DataSource.S3DataSource.S3Uri');
    const output = field<string>(request, 'TransformOutput.S3OutputPath');
    if (field<string>(request, 'TransformOutput.AssembleWith') !== 'Line') throw new SageMakerRequestError('TransformOutput.AssembleWith must be Line to get one prediction per line');
    field<string>(request, 'TransformResources.InstanceType');
    this.calls.push({ api: 'CreateTransformJob', name, request });

    const model = await this.loadModel(modelName);
    const out = parseS3Uri(output.endsWith('/') ? output : `${output}/`, 'TransformOutput.S3OutputPath');
    for (const ref of inputs) {
      const rows = parseCsv(new TextDecoder().decode(await this.read(ref)), `s3://${ref.bucket}/${ref.key}`);
      const predictions = predictModel(model, matrixOf(rows, 0));
      const file = ref.key.slice(ref.key.lastIndexOf('/') + 1);
      await this.s3.send(new PutObjectCommand({ Bucket: out.bucket, Key: `${out.key}${file}.out`, Body: `${Array.from(predictions, String).join('\n')}\n` }));
    }
    this.jobs.add(`transform/${name}`);
    this.save();
    return { TransformJobName: name, TransformJobArn: ARN('transform-job', name), TransformJobStatus: 'Completed', ModelName: modelName };
  }

  /** The trained model behind a SageMaker Model (read from its artifact once). */
  private loadModel(modelName: string): Promise<TrainedModel> {
    const artifact = this.models.get(modelName);
    if (!artifact) return Promise.reject(new SageMakerRequestError(`Could not find model "${modelName}"`));
    let loading = this.loadedModels.get(modelName);
    if (!loading) {
      loading = (async () => {
        const [artifactRef] = await this.list(artifact, 'ModelDataUrl');
        return JSON.parse(gunzipSync(await this.read(artifactRef!)).toString('utf8')) as TrainedModel;
      })();
      loading.catch(() => this.loadedModels.delete(modelName));
      this.loadedModels.set(modelName, loading);
    }
    return loading;
  }

  // ---- endpoints (the deploy state machine's aws-sdk:sagemaker tasks) ---------------------------------

  /** Handlers of the `aws-sdk:sagemaker:<action>` integrations, by action; undefined for others. */
  sdkTask(action: string): ((request: Json) => Promise<Json>) | undefined {
    const tasks: Record<string, (request: Json) => Promise<Json>> = {
      createEndpointConfig: (r) => this.createEndpointConfig(r),
      createEndpoint: (r) => this.createEndpoint(r),
      describeEndpoint: (r) => this.describeEndpoint(r),
      deleteEndpoint: (r) => this.deleteEndpoint(r),
      deleteEndpointConfig: (r) => this.deleteEndpointConfig(r),
    };
    return tasks[action];
  }

  /** The endpoints that exist, by name, with their config's model (for assertions and the log). */
  endpointList(): Array<{ name: string; status: string; configName: string; modelName: string }> {
    return [...this.endpoints].map(([name, e]) => ({ name, status: e.status, configName: e.configName, modelName: this.endpointConfigs.get(e.configName)?.modelName ?? '?' }));
  }

  async createEndpointConfig(request: Json): Promise<Json> {
    const name = checkName(request, 'EndpointConfigName');
    if (this.endpointConfigs.has(name)) throw new SageMakerRequestError(`Cannot create already existing endpoint configuration "${name}".`);
    const variants = field<Json[]>(request, 'ProductionVariants');
    if (!Array.isArray(variants) || variants.length !== 1) throw new SageMakerRequestError('ProductionVariants: the platform creates exactly one variant per endpoint config');
    const variant = variants[0]!;
    checkName(variant, 'VariantName');
    const modelName = field<string>(variant, 'ModelName');
    if (!this.models.has(modelName)) throw new SageMakerRequestError(`Could not find model "${modelName}".`);
    const serverless = variant.ServerlessConfig !== undefined;
    if (serverless) {
      const memory = field<number>(variant, 'ServerlessConfig.MemorySizeInMB');
      if (![1024, 2048, 3072, 4096, 5120, 6144].includes(memory)) throw new SageMakerRequestError(`ServerlessConfig.MemorySizeInMB ${memory} is not one of 1024, 2048, …, 6144`);
      const concurrency = field<number>(variant, 'ServerlessConfig.MaxConcurrency');
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200) throw new SageMakerRequestError(`ServerlessConfig.MaxConcurrency ${concurrency} is not 1–200`);
      if (variant.InstanceType !== undefined || variant.InitialInstanceCount !== undefined) throw new SageMakerRequestError('a serverless variant takes no InstanceType or InitialInstanceCount');
      if (request.DataCaptureConfig !== undefined) throw new SageMakerRequestError('DataCaptureConfig is not supported for serverless endpoints');
    } else {
      if (!/^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(field<string>(variant, 'InstanceType'))) throw new SageMakerRequestError(`InstanceType '${String(variant.InstanceType)}' is not an ml.* instance type`);
      const count = field<number>(variant, 'InitialInstanceCount');
      if (!Number.isInteger(count) || count < 1) throw new SageMakerRequestError(`InitialInstanceCount ${count} must be a positive integer`);
    }
    let capture: EndpointConfigRecord['capture'];
    if (request.DataCaptureConfig !== undefined) {
      const percent = field<number>(request, 'DataCaptureConfig.InitialSamplingPercentage');
      if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new SageMakerRequestError(`DataCaptureConfig.InitialSamplingPercentage ${percent} must be an integer 0–100`);
      const destination = field<string>(request, 'DataCaptureConfig.DestinationS3Uri');
      parseS3Uri(destination, 'DataCaptureConfig.DestinationS3Uri');
      const modes = field<Json[]>(request, 'DataCaptureConfig.CaptureOptions').map((o) => o.CaptureMode);
      if (modes.length === 0 || modes.some((m) => m !== 'Input' && m !== 'Output')) throw new SageMakerRequestError('DataCaptureConfig.CaptureOptions must list CaptureMode Input and/or Output');
      if ((request.DataCaptureConfig as Json).EnableCapture === true) capture = { percent, destination };
    }
    this.calls.push({ api: 'CreateEndpointConfig', name, request });
    this.endpointConfigs.set(name, { modelName, serverless, ...(capture ? { capture } : {}) });
    this.save();
    return { EndpointConfigArn: ARN('endpoint-config', name) };
  }

  async createEndpoint(request: Json): Promise<Json> {
    const name = checkName(request, 'EndpointName');
    const configName = field<string>(request, 'EndpointConfigName');
    if (this.endpoints.has(name)) throw new SageMakerRequestError(`Cannot create already existing endpoint "${ARN('endpoint', name)}".`);
    if (!this.endpointConfigs.has(configName)) throw new SageMakerRequestError(`Could not find endpoint configuration "${configName}".`);
    this.calls.push({ api: 'CreateEndpoint', name, request });
    const creatingDescribes = this.options.creatingDescribes ?? 1;
    this.endpoints.set(name, { configName, status: creatingDescribes > 0 ? 'Creating' : 'InService', creatingDescribes, createdAt: Date.now() });
    this.save();
    return { EndpointArn: ARN('endpoint', name) };
  }

  async describeEndpoint(request: Json): Promise<Json> {
    const name = field<string>(request, 'EndpointName');
    const endpoint = this.endpoints.get(name);
    if (!endpoint) throw new SageMakerRequestError(`Could not find endpoint "${ARN('endpoint', name)}".`);
    if (endpoint.status === 'Creating') {
      if (endpoint.creatingDescribes > 0) endpoint.creatingDescribes--;
      else endpoint.status = 'InService';
      this.save();
    }
    const config = this.endpointConfigs.get(endpoint.configName);
    return {
      EndpointName: name,
      EndpointArn: ARN('endpoint', name),
      EndpointConfigName: endpoint.configName,
      EndpointStatus: endpoint.status,
      CreationTime: new Date(endpoint.createdAt).toISOString(),
      ProductionVariants: endpoint.status === 'InService' ? [{ VariantName: 'AllTraffic', CurrentWeight: 1, DesiredWeight: 1 }] : [],
      ...(config?.capture ? { DataCaptureConfig: { EnableCapture: true, CaptureStatus: 'Started', CurrentSamplingPercentage: config.capture.percent, DestinationS3Uri: config.capture.destination } } : {}),
    };
  }

  async deleteEndpoint(request: Json): Promise<Json> {
    const name = field<string>(request, 'EndpointName');
    if (!this.endpoints.delete(name)) throw new SageMakerRequestError(`Could not find endpoint "${ARN('endpoint', name)}".`);
    this.calls.push({ api: 'DeleteEndpoint', name, request });
    this.save();
    return {};
  }

  async deleteEndpointConfig(request: Json): Promise<Json> {
    const name = field<string>(request, 'EndpointConfigName');
    if (!this.endpointConfigs.delete(name)) throw new SageMakerRequestError(`Could not find endpoint configuration "${name}".`);
    this.calls.push({ api: 'DeleteEndpointConfig', name, request });
    this.save();
    return {};
  }

  // ---- the runtime (InvokeEndpoint over HTTP, as the SageMaker Runtime API) ------------------------

  /** Serve `POST /endpoints/<name>/invocations` on 127.0.0.1; returns the URL for `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`. */
  listen(port = 0): Promise<string> {
    return this.runtime.listen(port);
  }

  /** Stop serving the runtime. */
  close(): Promise<void> {
    return this.runtime.close();
  }

  /**
   * `InvokeEndpoint`: one prediction per CSV row of `body`, comma-separated.
   * @throws SageMakerRequestError ValidationError for an unknown or not yet InService endpoint; ModelError for rows the model cannot read
   */
  async invokeEndpoint(name: string, body: string, contentType: string | undefined): Promise<string> {
    const endpoint = this.endpoints.get(name);
    if (!endpoint || endpoint.status !== 'InService') throw Object.assign(new SageMakerRequestError(`Endpoint ${name} of account 123456789012 not found.`), { name: 'ValidationError', status: 400 });
    const config = this.endpointConfigs.get(endpoint.configName)!;
    if (contentType?.split(';')[0]?.trim() !== 'text/csv') throw Object.assign(new SageMakerRequestError(`Content type ${String(contentType)} is not supported by this algorithm (text/csv)`), { name: 'ModelError', status: 424 });
    const model = await this.loadModel(config.modelName);
    let rows: number[][];
    try {
      rows = parseCsv(body, 'request body');
    } catch (error) {
      throw Object.assign(new SageMakerRequestError(`Loading csv data failed: ${(error as Error).message}`), { name: 'ModelError', status: 424 });
    }
    const width = model.model.features.length;
    const bad = rows.findIndex((r) => r.length !== width);
    if (bad >= 0) throw Object.assign(new SageMakerRequestError(`Feature shape mismatch, expected: ${width}, got ${rows[bad]!.length} (row ${bad + 1})`), { name: 'ModelError', status: 424 });
    const answer = Array.from(predictModel(model, matrixOf(rows, 0)), String).join(',');
    this.calls.push({ api: 'InvokeEndpoint', name, request: { rows: rows.length } });
    if (config.capture && Math.random() * 100 < config.capture.percent) await this.writeCapture(name, config.capture.destination, body, answer);
    return answer;
  }

  /** SageMaker's data-capture record of one invocation, at `<destination>/<endpoint>/AllTraffic/yyyy/mm/dd/hh/<id>.jsonl`. */
  private async writeCapture(endpoint: string, destination: string, input: string, output: string): Promise<void> {
    const now = new Date();
    const { bucket, key } = parseS3Uri(destination.endsWith('/') ? destination : `${destination}/`, 'DestinationS3Uri');
    const hour = now.toISOString().slice(0, 13).replace(/[-T]/g, '/');
    const id = randomUUID();
    const record = {
      captureData: {
        endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: input, encoding: 'CSV' },
        endpointOutput: { observedContentType: 'text/csv', mode: 'OUTPUT', data: output, encoding: 'CSV' },
      },
      eventMetadata: { eventId: id, inferenceTime: now.toISOString() },
      eventVersion: '0',
    };
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${key}${endpoint}/AllTraffic/${hour}/${id}.jsonl`, Body: `${JSON.stringify(record)}\n` }));
  }

  private async serveRuntime(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(req.url ?? '');
    const fail = (status: number, type: string, message: string): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
      res.end(JSON.stringify({ message, Message: message }));
    };
    if (req.method !== 'POST' || !match) return fail(404, 'UnknownOperationException', `${req.method} ${req.url} is not a SageMaker Runtime operation`);
    try {
      const answer = await this.invokeEndpoint(decodeURIComponent(match[1]!), Buffer.concat(chunks).toString('utf8'), req.headers['content-type']);
      res.writeHead(200, { 'content-type': 'text/csv', 'x-amzn-invoked-production-variant': 'AllTraffic' });
      res.end(answer);
    } catch (error) {
      const e = error as { name?: string; message?: string; status?: number };
      fail(e.status ?? 400, e.name === 'SageMaker.ValidationException' ? 'ValidationError' : (e.name ?? 'InternalFailure'), e.message ?? String(error));
    }
  }
}

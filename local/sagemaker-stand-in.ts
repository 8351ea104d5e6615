/**
 * A local stand-in for the three SageMaker calls the training pipeline makes (`createTrainingJob.sync`,
 * `createModel`, `createTransformJob.sync`), for running the synthesized state machine without AWS.
 *
 * It is NOT XGBoost: it checks each request the way SageMaker would (names, image, channels, content
 * types, that every S3 location exists and holds CSV), then trains our own GBDT on the training channel
 * with the hyperparameters mapped back (`num_round` → iterations, `eta`, `max_leaves`, `min_child_weight`
 * → minimum leaf rows, `lambda`, `max_bin`, `seed`, the objective → task) and scores transform inputs
 * with it. Artifacts land where SageMaker puts them (`<output>/<job>/output/model.tar.gz`,
 * `<output>/<input file>.out`), and the answers have the Describe* fields the state machine selects —
 * so what is proven locally is the wiring: names, locations, formats and the order of rows.
 * The "model.tar.gz" it writes is our model JSON, gzipped (not a tar archive): only this stand-in reads it.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FeatureMatrix } from '../lambda/core/features/matrix';
import { predictModel, trainModel, type TrainedModel } from '../lambda/core/models/train-model';
import { XGBOOST_VERSION } from '../lambda/core/sagemaker/xgboost';

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
  readonly api: 'CreateTrainingJob' | 'CreateModel' | 'CreateTransformJob';
  readonly name: string;
  readonly request: Json;
}

/** The stand-in, bound to an S3 endpoint (s3rver locally). Keeps created models across executions. */
export class SageMakerStandIn {
  readonly calls: StandInCall[] = [];
  private readonly models = new Map<string, string>();
  private readonly jobs = new Set<string>();

  constructor(private readonly s3: S3Client) {}

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

    const [artifactRef] = await this.list(artifact, 'ModelDataUrl');
    const model = JSON.parse(gunzipSync(await this.read(artifactRef!)).toString('utf8')) as TrainedModel;
    const out = parseS3Uri(output.endsWith('/') ? output : `${output}/`, 'TransformOutput.S3OutputPath');
    for (const ref of inputs) {
      const rows = parseCsv(new TextDecoder().decode(await this.read(ref)), `s3://${ref.bucket}/${ref.key}`);
      const predictions = predictModel(model, matrixOf(rows, 0));
      const file = ref.key.slice(ref.key.lastIndexOf('/') + 1);
      await this.s3.send(new PutObjectCommand({ Bucket: out.bucket, Key: `${out.key}${file}.out`, Body: `${Array.from(predictions, String).join('\n')}\n` }));
    }
    this.jobs.add(`transform/${name}`);
    return { TransformJobName: name, TransformJobArn: ARN('transform-job', name), TransformJobStatus: 'Completed', ModelName: modelName };
  }
}

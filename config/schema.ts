/**
 * The one zod schema of the platform's per-environment configuration (`config/<env>.json`).
 *
 * Every section is designed here, including those later stages fill in, so the shape is decided once.
 * `config/schema.json` is generated from this file (`npm run schema`) for editors; a test fails when it
 * is out of date. Cross-field rules (target among the columns, features naming real columns, transforms
 * that fit the column type, engine combinations, contradictory overrides) live in {@link platformConfigSchema}'s
 * refinement, so every problem is reported in one pass.
 */
import { z } from 'zod';
import { CAPABILITY_NAMES, MATURITY_LEVELS, checkCapabilities, type CapabilityOverrides, type MaturityLevel } from '../lib/maturity';
import { parseDateTimeString } from '../lambda/core/validation/values';

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'a lowercase name of 2–32 characters: letters, digits and dashes, starting with a letter');

const columnName = z.string().min(1).max(128);

/**
 * ISO 8601 date or date-time, as accepted in datetime bounds and split cutoffs. It must also be a real
 * instant as the validator reads it (no 2001-02-30, no hour 25): a bound the validator cannot parse
 * would otherwise be dropped silently.
 */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const isoDateTime = z
  .string()
  .regex(ISO_DATE_TIME, 'an ISO 8601 date or date-time, e.g. 2001-01-01 or 2001-01-01T00:00:00Z')
  // Only for text of the right shape: a wrong shape is already one problem, not two.
  .refine((s) => !ISO_DATE_TIME.test(s) || parseDateTimeString(s) !== undefined, 'a real calendar date and time of day (e.g. not February 30, not hour 24)');

/** Fraction of values that must pass a check (Great Expectations' `mostly`). */
const mostly = z.number().gt(0).lte(1).describe('fraction of non-null values that must pass this column\'s checks (Great Expectations `mostly`)');

const columnBase = {
  nullable: z.boolean().default(false).describe('whether empty / null values are allowed'),
  required: z.boolean().default(true).describe('whether the column must be present in every file'),
  mostly: mostly.optional(),
  description: z.string().optional(),
};

const numberColumn = z.strictObject({
  type: z.literal('number'),
  ...columnBase,
  min: z.number().optional(),
  max: z.number().optional(),
});
const integerColumn = z.strictObject({
  type: z.literal('integer'),
  ...columnBase,
  min: z.number().int().optional(),
  max: z.number().int().optional(),
});
const categoryColumn = z.strictObject({
  type: z.literal('category'),
  ...columnBase,
  allowed: z.array(z.string()).min(1).optional().describe('the complete set of allowed values'),
  regex: z.string().optional().describe('a JavaScript regular expression every value must match'),
});
const stringColumn = z.strictObject({
  type: z.literal('string'),
  ...columnBase,
  regex: z.string().optional(),
  minLength: z.number().int().nonnegative().optional(),
  maxLength: z.number().int().positive().optional(),
});
const booleanColumn = z.strictObject({
  type: z.literal('boolean'),
  ...columnBase,
});
const datetimeColumn = z.strictObject({
  type: z.literal('datetime'),
  ...columnBase,
  min: isoDateTime.optional().describe('earliest allowed instant (inclusive)'),
  max: isoDateTime.optional().describe('latest allowed instant (inclusive)'),
});

/** One declared column of the dataset. */
export const columnSchema = z.discriminatedUnion('type', [
  numberColumn,
  integerColumn,
  categoryColumn,
  stringColumn,
  booleanColumn,
  datetimeColumn,
]);

/** The value types a column may declare. */
export type ColumnType = z.infer<typeof columnSchema>['type'];

const splitSchema = z.discriminatedUnion('by', [
  z.strictObject({
    by: z.literal('random'),
    testFraction: z.number().gt(0).lt(1).default(0.2),
    seed: z.number().int().default(42),
  }),
  z.strictObject({
    by: z.literal('time'),
    column: columnName.describe('a datetime column'),
    cutoff: isoDateTime.optional().describe('rows at or after this instant are the test split; default: the last testFraction of the time range'),
    testFraction: z.number().gt(0).lt(1).default(0.2),
  }),
]);

const labelSchema = z.strictObject({
  name: columnName.describe('name of the derived binary target'),
  from: columnName.describe('numeric column the label is derived from'),
  op: z.enum(['>', '>=', '<', '<=']),
  threshold: z.number(),
});

/** The dataset section: columns, target, task, split, file rules. */
export const datasetSchema = z.strictObject({
  format: z.enum(['auto', 'csv', 'jsonl', 'parquet']).default('auto').describe('file format; auto decides by extension'),
  delimiter: z.string().length(1).default(',').describe('CSV field delimiter'),
  columns: z.record(columnName, columnSchema).refine((c) => Object.keys(c).length > 0, 'at least one column'),
  target: columnName.describe('the column to predict (or the derived label\'s name)'),
  label: labelSchema.optional().describe('derive a binary target from a numeric column, e.g. late = delay > 15'),
  task: z.enum(['regression', 'binary']),
  split: splitSchema.default({ by: 'random', testFraction: 0.2, seed: 42 }),
  unknownColumns: z.enum(['fail', 'warn', 'ignore']).default('fail').describe('what a column not declared here does to validation'),
  rowCount: z
    .strictObject({ min: z.number().int().nonnegative().optional(), max: z.number().int().positive().optional() })
    .default({ min: 1 }),
  maxFileMb: z.number().int().positive().max(5120).default(2048).describe('largest single file accepted (Parquet is read whole: see README)'),
});

const datetimePart = z.enum(['dayOfWeek', 'month', 'hour', 'dayOfYear', 'dayOfMonth', 'minuteOfDay']);
const featureTransform = z.enum(['onehot', 'native', 'standardize', 'minmax', 'log1p', 'passthrough']);

/** How one column becomes model input. */
export const featureSchema = z.union([
  featureTransform,
  z.array(datetimePart).min(1),
  z.strictObject({ transform: z.literal('onehot'), topK: z.number().int().min(1).max(1000).default(20) }),
  z.strictObject({ transform: z.literal('native'), topK: z.number().int().min(1).max(254).default(64) }),
  z.strictObject({ transform: z.literal('datetime'), parts: z.array(datetimePart).min(1), cyclic: z.boolean().default(false) }),
]);

const modelParams = z.strictObject({
  iterations: z.number().int().min(1).max(10000).default(100),
  learningRate: z.number().gt(0).lte(1).default(0.1),
  maxLeaves: z.number().int().min(2).max(1024).default(31),
  maxDepth: z.number().int().min(1).max(32).optional(),
  minSamplesLeaf: z.number().int().min(1).default(20),
  l2: z.number().nonnegative().default(0),
  maxBins: z.number().int().min(2).max(255).default(255),
  earlyStoppingRounds: z.number().int().min(1).optional(),
  validationFraction: z.number().gt(0).lt(1).default(0.1),
  seed: z.number().int().default(42),
});

const modelSchema = z.strictObject({
  engine: z.enum(['lambda', 'sagemaker']).default('lambda'),
  algorithm: z.enum(['linear', 'gbdt', 'xgboost']).default('gbdt'),
  params: modelParams.default(modelParams.parse({})),
  memoryMb: z.number().int().min(128).max(10240).default(3008),
  timeoutMinutes: z.number().int().min(1).max(15).default(15),
  sagemaker: z
    .strictObject({
      instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'a SageMaker instance type such as ml.m5.xlarge').default('ml.m5.xlarge'),
      instanceCount: z.number().int().min(1).max(100).default(1),
      volumeGb: z.number().int().min(1).max(16384).default(30),
      maxRuntimeMinutes: z.number().int().min(1).max(7200).default(60),
    })
    .optional(),
});

const gateSchema = z.strictObject({
  metric: z.enum(['rmse', 'mae', 'r2', 'mape', 'auc', 'logloss', 'accuracy', 'f1']),
  minImprovement: z.number().nonnegative().default(0).describe('relative improvement over the champion needed to pass'),
  mustBeatBaseline: z.boolean().default(true).describe('the model must beat a naive baseline (mean / prior)'),
  bound: z.number().optional().describe('an absolute value the metric must reach: at most this for error metrics (rmse, mae, mape, logloss), at least this for scores'),
});

const servingSchema = z.strictObject({
  engine: z.enum(['lambda', 'sagemaker-serverless', 'sagemaker-realtime']).default('lambda'),
  memoryMb: z.number().int().min(128).max(10240).default(1024),
  maxBatch: z.number().int().min(1).max(10000).default(100),
  capturePercent: z.number().min(0).max(100).default(10),
  sagemaker: z
    .strictObject({
      instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'a SageMaker instance type such as ml.m5.large').default('ml.m5.large').describe('sagemaker-realtime: instance type of each version\'s endpoint'),
      initialInstanceCount: z.number().int().min(1).max(100).default(1).describe('sagemaker-realtime: instances per endpoint'),
      serverlessMemoryMb: z.union([z.literal(1024), z.literal(2048), z.literal(3072), z.literal(4096), z.literal(5120), z.literal(6144)]).default(2048).describe('sagemaker-serverless: memory of the endpoint'),
      maxConcurrency: z.number().int().min(1).max(200).default(5).describe('sagemaker-serverless: concurrent invocations of the endpoint'),
    })
    .default({ instanceType: 'ml.m5.large', initialInstanceCount: 1, serverlessMemoryMb: 2048, maxConcurrency: 5 }),
  deployment: z
    .strictObject({
      canaryPercent: z.number().int().min(1).max(99).default(10),
      canaryMinutes: z.number().int().min(1).max(2880).default(10),
      abTest: z
        .strictObject({
          challengerPercent: z.number().int().min(1).max(50).default(10),
          windowHours: z.number().int().min(1).max(720).default(24),
          margin: z.number().nonnegative().default(0.01),
        })
        .optional(),
      approvalTimeoutHours: z.number().int().min(1).max(8760).default(168).describe('level 2: how long a registered version waits for `mlops models approve` before the run ends ApprovalExpired'),
      rollbackAlarms: z
        .strictObject({
          errorRatePercent: z.number().gt(0).max(100).default(1).describe('roll back when more than this share of requests to the new version fail (per minute)'),
          p99LatencyMs: z.number().int().min(1).max(900000).default(1000).describe('roll back when the p99 latency of the new version exceeds this (per minute)'),
        })
        .default({ errorRatePercent: 1, p99LatencyMs: 1000 }),
    })
    .default({ canaryPercent: 10, canaryMinutes: 10, approvalTimeoutHours: 168, rollbackAlarms: { errorRatePercent: 1, p99LatencyMs: 1000 } }),
});

const scheduleExpression = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(\S+( \S+){5}\))$/, 'an EventBridge schedule: rate(1 hour) or cron(0 * * * ? *)');

const monitoringSchema = z.strictObject({
  schedule: scheduleExpression.default('rate(1 hour)'),
  windowHours: z.number().int().min(1).max(720).default(24),
  minRows: z.number().int().min(1).max(10_000_000).default(500).describe('captured rows a drift verdict needs; fewer, and the next check reads a longer window (up to windowHours)'),
  columnDriftThreshold: z.number().positive().default(0.1),
  datasetDriftShare: z.number().gt(0).lte(1).default(0.5),
  psiBins: z.number().int().min(2).max(100).default(10),
  qualityThreshold: z.number().optional().describe('alarm when live quality (gate metric) is worse than this'),
  minLabelledRows: z.number().int().min(1).max(10_000_000).default(200).describe('labelled captured rows a live-quality verdict needs; fewer, and the labels stay pending for the next check'),
  retrain: z
    .strictObject({
      cooldownHours: z.number().int().min(0).max(720).default(24),
      maxPerWeek: z.number().int().min(1).max(100).default(3),
      includeCapturedData: z.boolean().default(true),
    })
    .default({ cooldownHours: 24, maxPerWeek: 3, includeCapturedData: true }),
});

const alertsSchema = z.strictObject({
  emails: z.array(z.email()).default([]),
});

const storageSchema = z.strictObject({
  noncurrentVersionDays: z.number().int().min(1).max(3650).default(30).describe('days a replaced object version is kept'),
  accessLogDays: z.number().int().min(1).max(3650).default(90),
  logRetentionDays: z
    .union([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].map((d) => z.literal(d)))
    .default(30)
    .describe('CloudWatch Logs retention in days (one of the values CloudWatch accepts)'),
});

/** The issuer of GitHub Actions' OIDC tokens; IAM names the provider for it after its host. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** An IAM OIDC provider ARN for GitHub Actions (captures the account id). */
export const GITHUB_OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):oidc-provider\/token\.actions\.githubusercontent\.com$/;

const cicdSchema = z
  .strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name of a GitHub repository')
      .describe('the GitHub repository (owner/name) whose workflow deploys this environment'),
    branch: z
      .string()
      .min(1)
      .default('main')
      .describe(
        'the branch whose pushes deploy; the deploy job runs in a GitHub environment, whose OIDC subject names no branch, so restrict that environment\'s deployment branches to this one',
      ),
    githubEnvironment: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,255}$/, 'a GitHub environment name: letters, digits, dots, dashes and underscores')
      .optional()
      .describe('the GitHub environment the deploy job runs in (its `environment:`); the role trusts only this subject. Default: the environment name'),
    oidcProvider: z
      .string()
      .regex(
        /^(create|existing|arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com)$/,
        "'create', 'existing', or the ARN of a GitHub OIDC provider (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com)",
      )
      .default('create')
      .describe(
        "IAM allows one GitHub OIDC provider per account: 'create' makes it in this environment's cicd stack; 'existing' uses the one at the standard ARN of the deploy account (another env or tool created it); or give its ARN",
      ),
  })
  .describe('the GitHub Actions deploy role of this environment (capability cicd); without this section no cicd stack is built');

const governanceSchema = z.strictObject({
  intendedUse: z.string().min(1).default('Not stated.'),
  owner: z.string().optional(),
});

/** The shape of one environment's config file, before cross-field checks. */
const platformConfigObject = z.strictObject({
  $schema: z.string().optional(),
  name: identifier.describe('platform name: prefixes stacks, metric namespace MLOps/<name>'),
  environment: identifier.describe('environment name; must match the file name'),
  maturityLevel: z
    .number()
    .int()
    .refine((n) => (MATURITY_LEVELS as readonly number[]).includes(n), 'an integer from 0 to 4')
    .transform((n) => n as MaturityLevel),
  account: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id').optional(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1').optional(),
  disposable: z.boolean().default(false).describe('true: buckets and keys are destroyed with the stack (dev only)'),
  tags: z.record(z.string(), z.string()).default({}),
  overrides: z.partialRecord(z.enum(CAPABILITY_NAMES), z.boolean()).default({}).describe('switch single capabilities on/off against the level'),
  storage: storageSchema.default(storageSchema.parse({})),
  dataset: datasetSchema,
  features: z.record(columnName, featureSchema).default({}),
  model: modelSchema.default(modelSchema.parse({})),
  gate: gateSchema,
  serving: servingSchema.default(servingSchema.parse({})),
  monitoring: monitoringSchema.default(monitoringSchema.parse({})),
  alerts: alertsSchema.default({ emails: [] }),
  cicd: cicdSchema.optional(),
  governance: governanceSchema.default({ intendedUse: 'Not stated.' }),
});

/** One environment's validated configuration, defaults applied. */
export type PlatformConfig = z.infer<typeof platformConfigObject>;

/** The sections of a config that parsed on their own, for cross-field checks when others did not. */
type Sections = Partial<PlatformConfig>;

/** Reports one cross-field problem: path, value received, what was expected. */
type IssueSink = (path: (string | number)[], input: unknown, message: string) => void;

const REGRESSION_METRICS = new Set(['rmse', 'mae', 'r2', 'mape']);
const NUMERIC_TYPES = new Set(['number', 'integer']);
const CATEGORICAL_TYPES = new Set(['category', 'string', 'boolean']);

/** Which column types each feature transform accepts. */
function transformName(feature: z.infer<typeof featureSchema>): string {
  if (typeof feature === 'string') return feature;
  if (Array.isArray(feature)) return 'datetime';
  return feature.transform;
}

function acceptedTypes(transform: string): Set<string> {
  if (transform === 'datetime') return new Set(['datetime']);
  if (transform === 'onehot' || transform === 'native') return CATEGORICAL_TYPES;
  if (transform === 'passthrough') return new Set([...NUMERIC_TYPES, 'boolean']);
  return NUMERIC_TYPES;
}

/**
 * Cross-field rules. Each group runs when the sections it reads parsed, so one broken section does not
 * hide the problems of the others.
 */
function checkCrossFields(config: Sections, issue: IssueSink): void {
  if (config.dataset) checkDataset(config.dataset, issue);
  if (config.dataset && config.features) checkFeatures(config.dataset, config.features, issue);
  if (config.model && config.serving) checkEngines(config.model, config.serving, issue);
  if (config.dataset && config.gate) checkGateMetric(config.dataset, config.gate, issue);
  if (config.cicd) checkCicd(config.cicd, config.account, issue);
  if (config.maturityLevel !== undefined && config.overrides) {
    const overrides: CapabilityOverrides = config.overrides;
    for (const problem of checkCapabilities(config.maturityLevel, overrides)) {
      issue(['overrides', problem.capability], overrides[problem.capability] ?? '(not set)', problem.message);
    }
  }
}

/**
 * A provider ARN must be in the account the stack deploys to (when the config names it): IAM trusts only
 * providers of its own account. Whether the section is used at all is the `cicd` capability's business:
 * with the capability off it is ignored (like other sections of capabilities that are off), and with the
 * capability on but no section there is simply no cicd stack.
 */
function checkCicd(cicd: CicdConfig, account: string | undefined, issue: IssueSink): void {
  const providerAccount = GITHUB_OIDC_PROVIDER_ARN.exec(cicd.oidcProvider)?.[1];
  if (account !== undefined && providerAccount !== undefined && providerAccount !== account) {
    issue(
      ['cicd', 'oidcProvider'],
      cicd.oidcProvider,
      `a provider in this environment's account ${account} (arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}), or 'existing'`,
    );
  }
}

function checkDataset(dataset: PlatformConfig['dataset'], issue: IssueSink): void {
  const columns = dataset.columns;
  const names = Object.keys(columns);

  // Target: a declared column, or the name of the derived label.
  if (dataset.label) {
    if (dataset.target !== dataset.label.name) {
      issue(['dataset', 'target'], dataset.target, `the derived label's name '${dataset.label.name}' (dataset.label.name)`);
    }
    if (columns[dataset.label.name]) {
      issue(['dataset', 'label', 'name'], dataset.label.name, 'a name that is not already a column');
    }
    const from = columns[dataset.label.from];
    if (!from) issue(['dataset', 'label', 'from'], dataset.label.from, `one of the columns: ${names.join(', ')}`);
    else if (!NUMERIC_TYPES.has(from.type)) issue(['dataset', 'label', 'from'], dataset.label.from, `a number or integer column (it is ${from.type})`);
    if (dataset.task !== 'binary') issue(['dataset', 'task'], dataset.task, "'binary' (a derived label is a binary target)");
  } else {
    const target = columns[dataset.target];
    if (!target) {
      issue(['dataset', 'target'], dataset.target, `one of the columns: ${names.join(', ')}`);
    } else {
      if (dataset.task === 'regression' && !NUMERIC_TYPES.has(target.type)) {
        issue(['dataset', 'target'], dataset.target, `a number or integer column for a regression task (it is ${target.type})`);
      }
      if (dataset.task === 'binary' && target.type !== 'boolean' && target.type !== 'integer' && target.type !== 'category') {
        issue(['dataset', 'target'], dataset.target, `a boolean, 0/1 integer or two-value category column for a binary task (it is ${target.type})`);
      }
      if (target.nullable) issue(['dataset', 'columns', dataset.target, 'nullable'], true, 'false: the target may not be null');
    }
  }

  // Column constraints that contradict themselves.
  for (const [name, col] of Object.entries(columns)) {
    if ((col.type === 'number' || col.type === 'integer') && col.min !== undefined && col.max !== undefined && col.min > col.max) {
      issue(['dataset', 'columns', name, 'min'], col.min, `a minimum not above max (${col.max})`);
    }
    if (col.type === 'datetime' && col.min !== undefined && col.max !== undefined && parseDateTimeString(col.min)! > parseDateTimeString(col.max)!) {
      issue(['dataset', 'columns', name, 'min'], col.min, `an instant not after max (${col.max})`);
    }
    if (col.type === 'string' && col.minLength !== undefined && col.maxLength !== undefined && col.minLength > col.maxLength) {
      issue(['dataset', 'columns', name, 'minLength'], col.minLength, `a length not above maxLength (${col.maxLength})`);
    }
    if ((col.type === 'category' || col.type === 'string') && col.regex !== undefined) {
      try {
        new RegExp(col.regex);
      } catch (error) {
        issue(['dataset', 'columns', name, 'regex'], col.regex, `a valid regular expression (${(error as Error).message})`);
      }
    }
  }
  const rows = dataset.rowCount;
  if (rows.min !== undefined && rows.max !== undefined && rows.min > rows.max) {
    issue(['dataset', 'rowCount', 'min'], rows.min, `a minimum not above max (${rows.max})`);
  }

  // Split column.
  if (dataset.split.by === 'time') {
    const col = columns[dataset.split.column];
    if (!col) issue(['dataset', 'split', 'column'], dataset.split.column, `one of the columns: ${names.join(', ')}`);
    else if (col.type !== 'datetime') issue(['dataset', 'split', 'column'], dataset.split.column, `a datetime column (it is ${col.type})`);
  }

}

function checkFeatures(dataset: PlatformConfig['dataset'], features: PlatformConfig['features'], issue: IssueSink): void {
  const columns = dataset.columns;
  const names = Object.keys(columns);
  for (const [name, feature] of Object.entries(features)) {
    const col = columns[name];
    if (!col) {
      issue(['features', name], feature, `a feature keyed by one of the columns: ${names.join(', ')}`);
      continue;
    }
    if (name === dataset.target || name === dataset.label?.from) {
      issue(['features', name], feature, 'no feature on the target (or the column the label derives from): it would leak the answer');
      continue;
    }
    const transform = transformName(feature);
    if (!acceptedTypes(transform).has(col.type)) {
      issue(['features', name], feature, `a transform for ${article(col.type)} ${col.type} column (${transform} takes ${[...acceptedTypes(transform)].join(' or ')})`);
    }
  }
  if (Object.keys(features).length === 0) issue(['features'], features, 'at least one feature');
}

function checkEngines(model: PlatformConfig['model'], serving: PlatformConfig['serving'], issue: IssueSink): void {
  if (model.engine === 'sagemaker' && model.algorithm !== 'xgboost') {
    issue(['model', 'algorithm'], model.algorithm, "'xgboost' (the SageMaker engine runs the built-in XGBoost algorithm)");
  }
  if (model.engine === 'lambda' && model.algorithm === 'xgboost') {
    issue(['model', 'algorithm'], model.algorithm, "'linear' or 'gbdt' for engine 'lambda' (or set model.engine to 'sagemaker')");
  }
  if (serving.engine !== 'lambda' && model.engine !== 'sagemaker') {
    issue(['serving', 'engine'], serving.engine, "'lambda' for models trained by engine 'lambda' (SageMaker endpoints serve the XGBoost artifacts of model.engine 'sagemaker')");
  }
  if (serving.engine === 'lambda' && model.engine === 'sagemaker') {
    issue(['serving', 'engine'], serving.engine, "'sagemaker-serverless' or 'sagemaker-realtime' for models trained by model.engine 'sagemaker' (the predict Lambda scores only the linear and GBDT models of engine 'lambda')");
  }
  if (serving.engine !== 'lambda' && serving.deployment.abTest) {
    issue(['serving', 'deployment', 'abTest'], serving.deployment.abTest, "no abTest with a SageMaker serving engine (A/B tests run on serving.engine 'lambda'; SageMaker engines deploy with a canary at level 3+)");
  }
}

function checkGateMetric(dataset: PlatformConfig['dataset'], gate: PlatformConfig['gate'], issue: IssueSink): void {
  const isRegression = dataset.task === 'regression';
  if (isRegression !== REGRESSION_METRICS.has(gate.metric)) {
    issue(['gate', 'metric'], gate.metric, isRegression ? 'a regression metric: rmse, mae, r2 or mape' : 'a binary metric: auc, logloss, accuracy or f1');
  }
}

/**
 * The part of the config the pipeline's stage Lambdas receive (as JSON in `PLATFORM_CONFIG`): what they
 * compute with, nothing about deployment.
 */
export const stageConfigSchema = platformConfigObject.pick({ name: true, environment: true, dataset: true, features: true, model: true, gate: true, governance: true });

/** The stage Lambdas' view of the config. */
export type StageConfig = z.infer<typeof stageConfigSchema>;

/** A problem found by {@link validateConfig}: a zod issue, or a cross-field rule's finding. */
export type ConfigIssue = z.core.$ZodIssue;

/** The outcome of {@link validateConfig}: the config when valid, and every issue found. */
export interface ConfigValidation {
  /** The config with defaults applied; absent when any issue was found. */
  readonly config?: PlatformConfig;
  /** Every issue, structural and cross-field. */
  readonly issues: readonly ConfigIssue[];
}

/**
 * Validate one environment's config completely: structure, then every cross-field rule whose sections
 * parsed. The one entry point for synth, the CLI and the local platform.
 */
export function validateConfig(raw: unknown): ConfigValidation {
  const whole = platformConfigObject.safeParse(raw, { reportInput: true });
  const issues: ConfigIssue[] = whole.success ? [] : [...whole.error.issues];
  let sections: Sections;
  if (whole.success) {
    sections = whole.data;
  } else {
    // Parse each section alone so a broken one does not stop the cross-field checks of the rest.
    const record = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    const partial: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(platformConfigObject.shape)) {
      const parsed = (schema as z.ZodType).safeParse(record[key]);
      if (parsed.success) partial[key] = parsed.data;
    }
    sections = partial as Sections;
  }
  checkCrossFields(sections, (path, input, message) => {
    issues.push({ code: 'custom', path, input, message } as ConfigIssue);
  });
  return issues.length === 0 && whole.success ? { config: whole.data, issues } : { issues };
}
/** The dataset section. */
export type DatasetConfig = PlatformConfig['dataset'];
/** One column declaration. */
export type ColumnConfig = z.infer<typeof columnSchema>;
/** The features section. */
export type FeaturesConfig = PlatformConfig['features'];
/** The storage section. */
export type StorageConfig = PlatformConfig['storage'];
/** The cicd section (when present). */
export type CicdConfig = NonNullable<PlatformConfig['cicd']>;

/** The JSON Schema editors use to complete and check config files (input shape: defaults are optional). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(platformConfigObject, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

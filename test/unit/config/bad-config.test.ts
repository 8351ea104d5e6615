/**
 * Every bad config fails with every problem listed as field path, value received and what was expected.
 * Each case starts from a valid env file (config/dev.json or staging.json) and breaks one thing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DIR, ConfigError, parseConfig, type ConfigProblem } from '../../../config/load';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test mutations of raw JSON

/** A fresh copy of a committed env file, as parsed JSON. */
function envFile(env: 'dev' | 'staging' | 'prod'): Json {
  return JSON.parse(readFileSync(join(CONFIG_DIR, `${env}.json`), 'utf8')) as Json;
}

/** The problems `parseConfig` throws for `raw` (fails the test if it does not throw a ConfigError). */
function problemsOf(raw: unknown, source = 'test.json'): readonly ConfigProblem[] {
  try {
    parseConfig(raw, source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config was accepted');
}

/** A string to equal, or a pattern to match. */
function textLike(value: string | RegExp): unknown {
  return typeof value === 'string' ? value : expect.stringMatching(value);
}

interface BadCase {
  readonly name: string;
  readonly base?: 'dev' | 'staging';
  readonly breakIt: (config: Json) => void;
  readonly problems: ReadonlyArray<{ path: string; received: string | RegExp; expected: string | RegExp }>;
}

const CASES: readonly BadCase[] = [
  {
    name: 'wrong type',
    breakIt: (c) => (c.maturityLevel = 'two'),
    problems: [{ path: 'maturityLevel', received: '"two"', expected: 'number' }],
  },
  {
    name: 'level out of range',
    breakIt: (c) => (c.maturityLevel = 7),
    problems: [{ path: 'maturityLevel', received: '7', expected: 'an integer from 0 to 4' }],
  },
  {
    name: 'level not an integer',
    breakIt: (c) => (c.maturityLevel = 2.5),
    problems: [{ path: 'maturityLevel', received: '2.5', expected: 'int' }],
  },
  {
    name: 'unknown top-level key',
    breakIt: (c) => (c.colour = 'red'),
    problems: [{ path: 'colour', received: '"red"', expected: /^no such field/ }],
  },
  {
    name: 'unknown nested key (typo in a column constraint)',
    breakIt: (c) => (c.dataset.columns.delay.maximum = 3),
    problems: [{ path: 'dataset.columns.delay.maximum', received: '3', expected: /^no such field/ }],
  },
  {
    name: 'missing target',
    breakIt: (c) => delete c.dataset.target,
    problems: [{ path: 'dataset.target', received: '(missing)', expected: 'string (the field is required)' }],
  },
  {
    name: 'target not among the columns',
    breakIt: (c) => (c.dataset.target = 'arrival'),
    problems: [{ path: 'dataset.target', received: '"arrival"', expected: 'one of the columns: date, delay, distance, origin, destination' }],
  },
  {
    name: 'regression target that is not numeric',
    breakIt: (c) => (c.dataset.target = 'origin'),
    problems: [
      { path: 'dataset.target', received: '"origin"', expected: 'a number or integer column for a regression task (it is category)' },
      { path: 'features.origin', received: /"transform":"native"/, expected: /it would leak the answer/ },
    ],
  },
  {
    name: 'nullable target',
    breakIt: (c) => (c.dataset.columns.delay.nullable = true),
    problems: [{ path: 'dataset.columns.delay.nullable', received: 'true', expected: 'false: the target may not be null' }],
  },
  {
    name: 'a feature naming no column',
    breakIt: (c) => (c.features.carrier = 'onehot'),
    problems: [{ path: 'features.carrier', received: '"onehot"', expected: 'a feature keyed by one of the columns: date, delay, distance, origin, destination' }],
  },
  {
    name: 'a feature on the target',
    breakIt: (c) => (c.features.delay = 'standardize'),
    problems: [{ path: 'features.delay', received: '"standardize"', expected: /no feature on the target .*leak the answer/ }],
  },
  {
    name: 'a transform that does not fit the column type',
    breakIt: (c) => (c.features.origin = 'standardize'),
    problems: [{ path: 'features.origin', received: '"standardize"', expected: 'a transform for a category column (standardize takes number or integer)' }],
  },
  {
    name: 'an unknown transform',
    breakIt: (c) => (c.features.origin = 'frobnicate'),
    problems: [{ path: 'features.origin', received: '"frobnicate"', expected: 'one of "onehot", "native", "standardize", "minmax", "log1p", "passthrough" or an array or an object' }],
  },
  {
    name: 'an unknown datetime part',
    breakIt: (c) => (c.features.date = ['weekday']),
    problems: [{ path: 'features.date.0', received: '"weekday"', expected: /^one of "dayOfWeek", "month", "hour"/ }],
  },
  {
    name: 'contradictory overrides (two deployment modes)',
    breakIt: (c) => (c.overrides = { autoDeploy: true }),
    problems: [{ path: 'overrides.autoDeploy', received: 'true', expected: "only one deployment mode may be on, but 'approvalDeploy' and 'autoDeploy' are (switch the other off)" }],
  },
  {
    name: 'a locked capability switched off',
    breakIt: (c) => (c.overrides = { secureStorage: false }),
    problems: [{ path: 'overrides.secureStorage', received: 'false', expected: "'secureStorage' is a foundation of every environment and cannot be switched off" }],
  },
  {
    name: 'a capability on without what it requires',
    breakIt: (c) => (c.overrides = { abTesting: true }),
    problems: [{ path: 'overrides.abTesting', received: 'true', expected: "'abTesting' needs 'autoDeploy', which is off at level 2 with these overrides" }],
  },
  {
    name: 'an unknown capability',
    breakIt: (c) => (c.overrides = { teleport: true }),
    problems: [{ path: 'overrides.teleport', received: 'true', expected: /^no such field/ }],
  },
  {
    name: 'an unknown column type',
    breakIt: (c) => (c.dataset.columns.delay.type = 'float'),
    problems: [{ path: 'dataset.columns.delay.type', received: '"float"', expected: "one of 'number', 'integer', 'category', 'string', 'boolean', 'datetime'" }],
  },
  {
    name: 'min above max',
    breakIt: (c) => (c.dataset.columns.delay.min = 5000),
    problems: [{ path: 'dataset.columns.delay.min', received: '5000', expected: 'a minimum not above max (2000)' }],
  },
  {
    name: 'a datetime min after max',
    breakIt: (c) => (c.dataset.columns.date.min = '2002-01-01'),
    problems: [{ path: 'dataset.columns.date.min', received: '"2002-01-01"', expected: 'an instant not after max (2001-12-31T23:59:59)' }],
  },
  {
    name: 'a datetime bound that is not ISO 8601',
    breakIt: (c) => (c.dataset.columns.date.min = '01/01/2001'),
    problems: [{ path: 'dataset.columns.date.min', received: '"01/01/2001"', expected: /^an ISO 8601 date or date-time/ }],
  },
  {
    name: 'a datetime bound that is not a calendar date',
    breakIt: (c) => (c.dataset.columns.date.max = '2001-02-30'),
    problems: [{ path: 'dataset.columns.date.max', received: '"2001-02-30"', expected: /^a real calendar date and time of day/ }],
  },
  {
    name: 'an invalid regular expression',
    breakIt: (c) => (c.dataset.columns.origin.regex = '[A-Z'),
    problems: [{ path: 'dataset.columns.origin.regex', received: '"[A-Z"', expected: /^a valid regular expression \(Invalid regular expression: \/\[A-Z\/: Unterminated character class\)/ }],
  },
  {
    name: 'mostly above 1',
    breakIt: (c) => (c.dataset.columns.delay.mostly = 1.5),
    problems: [{ path: 'dataset.columns.delay.mostly', received: '1.5', expected: '<=1' }],
  },
  {
    name: 'a two-character delimiter',
    breakIt: (c) => (c.dataset.delimiter = ';;'),
    problems: [{ path: 'dataset.delimiter', received: '";;"', expected: /exactly 1 character/ }],
  },
  {
    name: 'row count min above max',
    breakIt: (c) => (c.dataset.rowCount = { min: 10, max: 5 }),
    problems: [{ path: 'dataset.rowCount.min', received: '10', expected: 'a minimum not above max (5)' }],
  },
  {
    name: 'a time split on a column that is not a datetime',
    breakIt: (c) => (c.dataset.split.column = 'delay'),
    problems: [{ path: 'dataset.split.column', received: '"delay"', expected: 'a datetime column (it is integer)' }],
  },
  {
    name: 'a gate metric that does not fit the task',
    breakIt: (c) => (c.gate.metric = 'auc'),
    problems: [{ path: 'gate.metric', received: '"auc"', expected: 'a regression metric: rmse, mae, r2 or mape' }],
  },
  {
    name: 'xgboost on the lambda engine',
    breakIt: (c) => (c.model.algorithm = 'xgboost'),
    problems: [{ path: 'model.algorithm', received: '"xgboost"', expected: "'linear' or 'gbdt' for engine 'lambda' (or set model.engine to 'sagemaker')" }],
  },
  {
    name: 'a SageMaker endpoint for a lambda-trained model',
    breakIt: (c) => (c.serving.engine = 'sagemaker-serverless'),
    problems: [{ path: 'serving.engine', received: '"sagemaker-serverless"', expected: /^'lambda' for models trained by engine 'lambda'/ }],
  },
  {
    name: 'a log retention CloudWatch does not accept',
    breakIt: (c) => (c.storage.logRetentionDays = 10),
    problems: [{ path: 'storage.logRetentionDays', received: '10', expected: /^one of 1, 3, 5, 7, 14, 30, .*, 3653$/ }],
  },
  {
    name: 'a bad schedule expression',
    breakIt: (c) => (c.monitoring.schedule = 'every hour'),
    problems: [{ path: 'monitoring.schedule', received: '"every hour"', expected: 'an EventBridge schedule: rate(1 hour) or cron(0 * * * ? *)' }],
  },
  {
    name: 'a bad alert email',
    breakIt: (c) => (c.alerts = { emails: ['nope'] }),
    problems: [{ path: 'alerts.emails.0', received: '"nope"', expected: 'an email address' }],
  },
  {
    name: 'a bad account, region and name',
    breakIt: (c) => Object.assign(c, { account: '123', region: 'mars', name: 'Flights!' }),
    problems: [
      { path: 'name', received: '"Flights!"', expected: /^a lowercase name of 2–32 characters/ },
      { path: 'account', received: '"123"', expected: 'a 12-digit AWS account id' },
      { path: 'region', received: '"mars"', expected: 'an AWS region such as eu-west-1' },
    ],
  },
  {
    name: 'a derived label from a non-numeric column, on a regression task',
    base: 'staging',
    breakIt: (c) => Object.assign(c.dataset, { label: { name: 'late', from: 'origin', op: '>', threshold: 15 }, task: 'regression' }),
    problems: [
      { path: 'dataset.label.from', received: '"origin"', expected: 'a number or integer column (it is category)' },
      { path: 'dataset.task', received: '"regression"', expected: "'binary' (a derived label is a binary target)" },
      { path: 'features.origin', received: /"transform":"native"/, expected: /it would leak the answer/ },
      { path: 'gate.metric', received: '"auc"', expected: 'a regression metric: rmse, mae, r2 or mape' },
    ],
  },
  {
    name: 'a section of the wrong type',
    breakIt: (c) => (c.gate = 'rmse'),
    problems: [{ path: 'gate', received: '"rmse"', expected: 'object' }],
  },
];

describe('bad configs', () => {
  test(`at least 15 distinct cases are covered (${CASES.length})`, () => {
    // Assess
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, bad) => {
    // Prepare
    const config = envFile(bad.base ?? 'dev');
    bad.breakIt(config);
    // Act
    const problems = problemsOf(config);
    // Assess
    expect(problems).toMatchObject(bad.problems.map((p) => ({ path: p.path, received: textLike(p.received), expected: textLike(p.expected) })));
  });

  test('many problems in different sections are all listed at once', () => {
    // Prepare
    const config = envFile('dev');
    config.maturityLevel = 9;
    config.colour = 1;
    config.dataset.target = 'nope';
    config.features.carrier = 'onehot';
    config.alerts = { emails: ['x'] };
    config.model.algorithm = 'xgboost';
    config.storage.logRetentionDays = 10;
    config.overrides = { governance: false, secureStorage: false };
    // Act
    const problems = problemsOf(config);
    // Assess
    expect([...problems].sort((a, b) => a.path.localeCompare(b.path))).toMatchObject([
      { path: 'alerts.emails.0', received: '"x"', expected: 'an email address' },
      { path: 'colour', received: '1', expected: expect.stringMatching(/^no such field/) },
      { path: 'dataset.target', received: '"nope"', expected: 'one of the columns: date, delay, distance, origin, destination' },
      { path: 'features.carrier', received: '"onehot"', expected: expect.stringMatching(/^a feature keyed by one of the columns/) },
      { path: 'maturityLevel', received: '9', expected: 'an integer from 0 to 4' },
      { path: 'model.algorithm', received: '"xgboost"', expected: expect.stringMatching(/^'linear' or 'gbdt'/) },
      { path: 'storage.logRetentionDays', received: '10', expected: expect.stringMatching(/^one of 1, 3, 5/) },
    ]);
    expect(problems).toHaveLength(7);
  });

  test('the error message lists every problem on its own line', () => {
    // Prepare
    const config = envFile('dev');
    config.maturityLevel = 9;
    config.dataset.target = 'nope';
    // Act
    let message = '';
    try {
      parseConfig(config, 'config/dev.json');
    } catch (error) {
      message = (error as Error).message;
    }
    // Assess
    expect(message).toBe(
      'invalid config in config/dev.json (2 problems):\n' +
        '  - maturityLevel: received 9 — expected an integer from 0 to 4\n' +
        '  - dataset.target: received "nope" — expected one of the columns: date, delay, distance, origin, destination',
    );
  });

  test('something that is not an object at all', () => {
    // Act / Assess
    expect(problemsOf(null)).toEqual([{ path: '(root)', received: 'null', expected: 'object' }]);
    expect(problemsOf([])).toMatchObject([{ path: '(root)', received: '[]', expected: 'object' }]);
  });

  test('a valid config passes and is typed with defaults', () => {
    // Act
    const config = parseConfig(envFile('prod'), 'prod.json');
    // Assess
    expect(config.maturityLevel).toBe(4);
    expect(config.monitoring.retrain).toEqual({ cooldownHours: 24, maxPerWeek: 3, includeCapturedData: true });
  });
});

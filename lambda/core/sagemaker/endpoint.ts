/**
 * Serving a SageMaker XGBoost model (serving engines `sagemaker-serverless` and `sagemaker-realtime`), as
 * pure functions: the names of a version's endpoint and endpoint config, the CSV body the front Lambda
 * sends to `InvokeEndpoint`, and reading the answer back.
 *
 * **One endpoint per model version.** The front Lambda applies the version's transform spec before it calls
 * the endpoint, so the request and the model must come from the same version. Traffic shifting inside one
 * SageMaker endpoint (blue/green `DeploymentConfig`) cannot promise that: the front cannot know which fleet
 * will answer, and two versions' specs differ (one-hot columns, fitted means), so a request transformed for
 * one would be scored by the other — silently wrong predictions. Each version therefore gets its own
 * endpoint `<stem>-v<version>`, each front Lambda version (pinned, or following the champion) calls the
 * endpoint of its model, and canary shifting happens on the front Lambda's alias with CodeDeploy, under the
 * same alarms as engine `lambda`. The previous version's endpoint is retired once no front serves it.
 */
import { createHash } from 'node:crypto';
import type { FeatureMatrix } from '../features/matrix';
import { xgboostColumns, toXgboostCsv, type XgboostModelDescriptor } from './xgboost';

/** Longest stem: room for `-v<version>` and, on endpoint configs, `-<12-digit stamp>`, within 63 characters. */
const STEM_LIMIT = 40;

/**
 * The common start of every endpoint and endpoint-config name of an environment: `<name>-<env>`, or when
 * that is longer than 40 characters its first 33 and a 6-character hash (stable, so IAM can grant on
 * `<stem>-*`).
 */
export function endpointStem(name: string, environment: string): string {
  const full = `${name}-${environment}`;
  if (full.length <= STEM_LIMIT) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6);
  return `${full.slice(0, STEM_LIMIT - 7).replace(/-+$/, '')}-${hash}`;
}

/** The endpoint serving model version `version`: `<stem>-v<version>`. */
export function endpointName(name: string, environment: string, version: number): string {
  if (!Number.isInteger(version) || version < 1) throw new RangeError(`a model version is a positive integer, got ${version}`);
  return `${endpointStem(name, environment)}-v${version}`;
}

/**
 * The endpoint config of one deployment of a version: the endpoint's name and the deployment's time
 * (UTC, to the second), so a redeployment after a retirement never collides with an old config.
 */
export function endpointConfigName(name: string, environment: string, version: number, at: Date): string {
  const stamp = at.toISOString().replace(/[-:TZ.]/g, '').slice(2, 14);
  return `${endpointName(name, environment, version)}-${stamp}`;
}

/** The feature matrix does not have the columns the model was trained on (a damaged or mismatched version). */
export class EndpointInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointInputError';
  }
}

/**
 * The `text/csv` body for `InvokeEndpoint`: the matrix's rows as the model's training CSV had them (no
 * target, categorical features one-hot). The columns must be exactly the model's, in order.
 * @throws EndpointInputError when they are not
 */
export function endpointInput(model: Pick<XgboostModelDescriptor, 'columns'>, matrix: FeatureMatrix): Uint8Array {
  const columns = xgboostColumns(matrix);
  if (columns.length !== model.columns.length || columns.some((c, i) => c !== model.columns[i])) {
    const at = columns.findIndex((c, i) => c !== model.columns[i]);
    throw new EndpointInputError(
      `the transform spec gives ${columns.length} CSV columns, the model was trained on ${model.columns.length}; first difference at column ${at + 1}: ${JSON.stringify(columns[at])} vs ${JSON.stringify(model.columns[at])}`,
    );
  }
  return toXgboostCsv(matrix);
}

/** The endpoint's answer is not one prediction per row. */
export class EndpointOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointOutputError';
  }
}

/**
 * Read the built-in XGBoost container's `text/csv` answer: one number per row, separated by newlines or
 * commas (the container writes either, by version), exactly `rows` of them, all finite.
 */
export function parseEndpointOutput(body: string, rows: number): Float64Array {
  const cells = body
    .trim()
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (cells.length !== rows) throw new EndpointOutputError(`the endpoint answered ${cells.length} predictions for ${rows} rows`);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const value = Number(cells[i]!.replace(/^\[|\]$/g, ''));
    if (!Number.isFinite(value)) throw new EndpointOutputError(`the endpoint's prediction ${i + 1} is not a number: ${JSON.stringify(cells[i]!.slice(0, 40))}`);
    out[i] = value;
  }
  return out;
}

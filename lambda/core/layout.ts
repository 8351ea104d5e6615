/**
 * The fixed S3 prefix layout of the platform's two buckets. Infrastructure (IAM grants, rules) and
 * handlers (object keys) both take their prefixes from here, so they cannot disagree.
 */

/** Prefixes of the data bucket. */
export const DATA_PREFIX = {
  /** Uploads land here; at level 2+ an object created here starts the pipeline. Never modified. */
  incoming: 'incoming/',
  /** Copies of files that passed validation, keyed by run. */
  validated: 'validated/',
  /** Copies of files that failed validation, with their report beside them. */
  quarantine: 'quarantine/',
  /** True outcomes of answered requests (JSON Lines `{requestId, at, label|labels}`), for live quality. */
  labels: 'labels/',
  /** Training sets the retrain trigger assembles (level 4): newest validated data plus labelled captures, a part folder. */
  retrain: 'retrain/',
} as const;

/** Prefixes of the artifact bucket. */
export const ARTIFACT_PREFIX = {
  /** One folder per pipeline run: reports, profiles, the run record. */
  runs: 'runs/',
  /** Immutable model versions: `registry/<name>/<version>/`. */
  registry: 'registry/',
  /** Sampled live requests and responses for drift monitoring. */
  capture: 'capture/',
  /** SageMaker real-time endpoints' data capture (the model's CSV input and output, SageMaker's format). */
  endpointCapture: 'endpoint-capture/',
  /** Drift reports and continuous-training decisions: `monitoring/<name>/…`. */
  monitoring: 'monitoring/',
  /** Append-only audit trail (JSON Lines). */
  audit: 'audit/',
} as const;

/** Key of a run's stage report: `runs/<runId>/<stage>/<file>`. */
export function runKey(runId: string, stage: string, file: string): string {
  return `${ARTIFACT_PREFIX.runs}${runId}/${stage}/${file}`;
}

/** Key under `quarantine/` for a rejected object, keeping its path below `incoming/`. */
export function quarantineKey(incomingKey: string, runId: string): string {
  const relative = incomingKey.startsWith(DATA_PREFIX.incoming) ? incomingKey.slice(DATA_PREFIX.incoming.length) : incomingKey;
  return `${DATA_PREFIX.quarantine}${runId}/${relative}`;
}

/** Key under `validated/` for an accepted object. */
export function validatedKey(incomingKey: string, runId: string): string {
  const relative = incomingKey.startsWith(DATA_PREFIX.incoming) ? incomingKey.slice(DATA_PREFIX.incoming.length) : incomingKey;
  return `${DATA_PREFIX.validated}${runId}/${relative}`;
}

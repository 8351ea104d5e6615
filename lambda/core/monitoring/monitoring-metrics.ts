/**
 * The names of the monitoring metrics, shared by what emits them (the drift Lambda, as EMF under
 * namespace `MLOps/<name>`, service `drift`) and what watches them (the alarms and the dashboard of
 * `lib/stacks/monitoring-stack.ts`). One place, so an alarm cannot watch a metric nobody emits.
 *
 * Per feature column (dimensions `environment`, `column`, `service`):
 * - `ColumnDrifted`: 1 when the column's drift test says drift (its method and threshold are fixed by the
 *   baseline and the config), else 0 — the per-column alarms watch its maximum;
 * - `DriftScore`: the method's statistic (a p-value for KS, chi-square and z-tests; a distance for
 *   Wasserstein and Jensen–Shannon), for the dashboard;
 * - `PSI`: the population stability index on the baseline's quantile bins, comparable across columns.
 *
 * Per environment (dimensions `environment`, `service`):
 * - `DatasetDriftShare`: the share of columns that drifted — its alarm's threshold is
 *   `monitoring.datasetDriftShare`;
 * - `DriftRows`: the captured rows the check compared;
 * - `LiveQuality`: the gate metric on captured requests whose labels arrived (RMSE, AUC, …);
 * - `LabelledRows`: the labelled captured rows it was measured on.
 */

/** The Powertools service name the drift Lambda emits under (a dimension of its metrics). */
export const DRIFT_SERVICE = 'drift';

/** Metric names of the drift check. */
export const MONITORING_METRICS = {
  columnDrifted: 'ColumnDrifted',
  driftScore: 'DriftScore',
  psi: 'PSI',
  datasetDriftShare: 'DatasetDriftShare',
  driftRows: 'DriftRows',
  liveQuality: 'LiveQuality',
  labelledRows: 'LabelledRows',
} as const;

/** Metric names the pipeline's stages emit (service = stage `pipeline`), for the dashboard. */
export const PIPELINE_METRICS = {
  runsSucceeded: 'RunsSucceeded',
  runsFailed: 'RunsFailed',
  validationFailures: 'ValidationFailures',
  gateRejections: 'GateRejections',
} as const;

/** Metric names the predict Lambda emits (service `predict`), for the dashboard and the endpoint alarms. */
export const PREDICT_METRICS = {
  latency: 'Latency',
  predictions: 'Predictions',
  serverErrors: 'ServerErrors',
  errors: 'Errors',
} as const;

/**
 * The model card of a registered version (governance, level 4): what the model is for, what it learnt
 * from, how well it does against the naive baseline and the champion it was judged against, which
 * features matter, how its inputs are watched for drift, and what it cannot do. Built from the run's own
 * documents at registration (`model-card.json` beside the version); `renderModelCardHtml` gives the
 * self-contained page people read (`mlops models card VERSION --out card.html`).
 */
import type { DriftBaseline } from '../drift/drift-baseline';
import type { TransformSpec } from '../features/transform-spec';

/** The registry file of a version's model card. */
export const MODEL_CARD_FILE = 'model-card.json';

/** The model card document. */
export interface ModelCard {
  readonly format: 'mlops-model-card/1';
  readonly model: { readonly name: string; readonly version: number; readonly algorithm: string; readonly task: string; readonly target: string; readonly registeredAt: string; readonly runId: string; readonly codeVersion: string };
  readonly intendedUse: string;
  readonly owner?: string;
  readonly trainingData: {
    readonly source: string;
    readonly sha256: string;
    readonly rows: { readonly train: number; readonly test: number; readonly dropped: number };
    readonly cutoff?: string;
    readonly validationReportKey?: string;
  };
  readonly evaluation: {
    readonly metric: string;
    readonly value: number;
    readonly baseline: number;
    readonly champion?: { readonly version: number; readonly value: number };
    readonly decision: string;
    readonly reasons: readonly string[];
    readonly holdout: Readonly<Record<string, number>>;
  };
  /** Most important features first (permutation importance on the holdout, else the model's own). */
  readonly importance: ReadonlyArray<{ readonly feature: string; readonly importance: number }>;
  /** The input columns and how each is transformed. */
  readonly inputs: ReadonlyArray<{ readonly column: string; readonly type: string; readonly transform: string }>;
  /** How live inputs are checked for drift (the baseline's test per column). */
  readonly monitoring: ReadonlyArray<{ readonly column: string; readonly method: string; readonly threshold: number }>;
  readonly limitations: readonly string[];
}

/** What a card is built from: the documents the register stage holds. */
export interface ModelCardInput {
  readonly name: string;
  readonly version: number;
  readonly algorithm: string;
  readonly task: string;
  readonly target: string;
  readonly registeredAt: string;
  readonly runId: string;
  readonly codeVersion: string;
  readonly governance: { readonly intendedUse: string; readonly owner?: string };
  readonly data: { readonly bucket: string; readonly key: string; readonly versionId?: string; readonly sha256: string; readonly rows: { train: number; test: number; dropped: number }; readonly cutoff?: string; readonly validationReportKey?: string };
  readonly evaluation: {
    readonly metrics: Readonly<Record<string, number>>;
    readonly gate: { readonly decision: string; readonly metric: string; readonly reasons: readonly string[]; readonly candidate: number; readonly baseline: number; readonly champion?: { readonly version: number; readonly value: number } };
    readonly importance: { readonly model: ReadonlyArray<{ feature: string; importance: number }>; readonly permutation: ReadonlyArray<{ feature: string; importance: number }> };
  };
  readonly spec: Pick<TransformSpec, 'features' | 'columnTypes'>;
  readonly driftBaseline?: DriftBaseline;
}

/** Build the card of a version. */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const { gate } = input.evaluation;
  const ranked = (input.evaluation.importance.permutation.length > 0 ? input.evaluation.importance.permutation : input.evaluation.importance.model)
    .filter((f) => Number.isFinite(f.importance))
    .slice()
    .sort((a, b) => b.importance - a.importance)
    .slice(0, 15);
  const inputs = input.spec.features.map((f) => ({ column: f.column, type: input.spec.columnTypes[f.column] ?? 'unknown', transform: f.transform }));
  const monitoring = Object.entries(input.driftBaseline?.columns ?? {}).map(([column, c]) => ({ column, method: c.method, threshold: c.threshold }));
  const limitations: string[] = [];
  if (input.data.cutoff) limitations.push(`Trained on data up to ${input.data.cutoff}; later behaviour is extrapolated.`);
  limitations.push(`Trained on ${input.data.rows.train.toLocaleString('en-US')} rows; judged on ${input.data.rows.test.toLocaleString('en-US')} held-out rows.`);
  if (input.spec.features.some((f) => f.transform === 'onehot' || f.transform === 'native')) {
    limitations.push('Categories not kept at training (unseen or rare) are scored as one "other" category.');
  }
  const datetimes = inputs.filter((i) => i.type === 'datetime').map((i) => i.column);
  if (datetimes.length > 0) limitations.push(`Datetime inputs (${datetimes.join(', ')}) are used through their parts and are not watched for drift.`);
  if (gate.decision !== 'deploy') limitations.push(`The gate rejected this version: ${gate.reasons.join('; ')}.`);
  return {
    format: 'mlops-model-card/1',
    model: { name: input.name, version: input.version, algorithm: input.algorithm, task: input.task, target: input.target, registeredAt: input.registeredAt, runId: input.runId, codeVersion: input.codeVersion },
    intendedUse: input.governance.intendedUse,
    ...(input.governance.owner ? { owner: input.governance.owner } : {}),
    trainingData: {
      source: `s3://${input.data.bucket}/${input.data.key}${input.data.versionId ? ` (version ${input.data.versionId})` : ''}`,
      sha256: input.data.sha256,
      rows: input.data.rows,
      ...(input.data.cutoff ? { cutoff: input.data.cutoff } : {}),
      ...(input.data.validationReportKey ? { validationReportKey: input.data.validationReportKey } : {}),
    },
    evaluation: {
      metric: gate.metric,
      value: gate.candidate,
      baseline: gate.baseline,
      ...(gate.champion ? { champion: gate.champion } : {}),
      decision: gate.decision,
      reasons: gate.reasons,
      holdout: input.evaluation.metrics,
    },
    importance: ranked,
    inputs,
    monitoring,
    limitations,
  };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
const num = (x: number): string => (Number.isInteger(x) ? x.toLocaleString('en-US') : x.toPrecision(4));

/** The card as one self-contained HTML page (no scripts, no external resources; every value escaped). */
export function renderModelCardHtml(card: ModelCard): string {
  const { model, evaluation } = card;
  const rows = (cells: ReadonlyArray<readonly unknown[]>): string => cells.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  const maxImportance = Math.max(1e-12, ...card.importance.map((f) => f.importance));
  const bars = card.importance
    .map((f) => `<tr><td>${esc(f.feature)}</td><td><div class="bar" style="width:${Math.max(0, (f.importance / maxImportance) * 100).toFixed(1)}%"></div></td><td>${esc(num(f.importance))}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Model card: ${esc(model.name)} v${esc(model.version)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border-bottom:1px solid #d0d7de;padding:.25rem .75rem;text-align:left}.bar{background:#2f6fdb;height:.8rem}.verdict-deploy{color:#1a7f37}.verdict-reject{color:#cf222e}</style>
</head><body>
<h1>Model card: ${esc(model.name)} v${esc(model.version)}</h1>
<p>${esc(model.algorithm)} · ${esc(model.task)} on <code>${esc(model.target)}</code> · registered ${esc(model.registeredAt)} by run <code>${esc(model.runId)}</code> · code ${esc(model.codeVersion)}</p>
<h2>Intended use</h2><p>${esc(card.intendedUse)}</p>${card.owner ? `<p>Owner: ${esc(card.owner)}</p>` : ''}
<h2>Training data</h2><table>${rows([
    ['source', card.trainingData.source],
    ['sha256', card.trainingData.sha256],
    ['rows (train / test / dropped)', `${num(card.trainingData.rows.train)} / ${num(card.trainingData.rows.test)} / ${num(card.trainingData.rows.dropped)}`],
    ...(card.trainingData.cutoff ? [['split cutoff', card.trainingData.cutoff]] : []),
    ...(card.trainingData.validationReportKey ? [['validation report', card.trainingData.validationReportKey]] : []),
  ])}</table>
<h2>Evaluation</h2><p class="verdict-${esc(evaluation.decision)}">Gate: <strong>${esc(evaluation.decision)}</strong> on ${esc(evaluation.metric)}</p>
<table><tr><th></th><th>${esc(evaluation.metric)}</th></tr>${rows([
    ['this version', num(evaluation.value)],
    ['naive baseline', num(evaluation.baseline)],
    ...(evaluation.champion ? [[`champion v${evaluation.champion.version}`, num(evaluation.champion.value)]] : []),
  ])}</table><ul>${evaluation.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>
<table><tr><th>holdout metric</th><th>value</th></tr>${rows(Object.entries(evaluation.holdout).map(([k, v]) => [k, num(v)]))}</table>
<h2>Feature importance</h2><table><tr><th>feature</th><th></th><th>importance</th></tr>${bars}</table>
<h2>Inputs</h2><table><tr><th>column</th><th>type</th><th>transform</th></tr>${rows(card.inputs.map((i) => [i.column, i.type, i.transform]))}</table>
<h2>Drift monitoring</h2><table><tr><th>column</th><th>test</th><th>threshold</th></tr>${rows(card.monitoring.map((m) => [m.column, m.method, m.threshold]))}</table>
<h2>Limitations</h2><ul>${card.limitations.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>
</body></html>
`;
}

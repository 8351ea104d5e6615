/**
 * The model card: built from the run's documents (use, data lineage, gate against baseline and champion,
 * importance ranked, inputs, drift tests, limitations derived from the data) and rendered as one escaped,
 * self-contained HTML page.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelCardCommand } from '../../../cli/commands/models';
import { buildModelCard, renderModelCardHtml, type ModelCardInput } from '../../../lambda/core/governance/model-card';
import { memoryRegistryStore, registerVersion } from '../../../lambda/core/registry/registry';
import { captureOutput } from '../../helpers/output';

const INPUT: ModelCardInput = {
  name: 'flights',
  version: 3,
  algorithm: 'gbdt',
  task: 'regression',
  target: 'delay',
  registeredAt: '2026-11-27T20:00:00.000Z',
  runId: 'run-flights-abc',
  codeVersion: '0.6.0',
  governance: { intendedUse: 'Predict departure delay <minutes> for ops planning; not for passenger-facing promises.', owner: 'ml-platform@example.com' },
  data: { bucket: 'flights-prod-data', key: 'incoming/2001-q1.csv', versionId: 'v7', sha256: 'ab12', rows: { train: 1_180_000, test: 300_000, dropped: 12 }, cutoff: '2001-03-07T00:00:00.000Z', validationReportKey: 'runs/run-flights-abc/validate/report.json' },
  evaluation: {
    metrics: { rmse: 30.65, mae: 17.2 },
    gate: { decision: 'deploy', metric: 'rmse', reasons: ['rmse 30.65 beats the naive baseline 33.1', 'rmse 30.65 beats champion v2 (31.0) by 1.1%'], candidate: 30.65, baseline: 33.1, champion: { version: 2, value: 31.0 } },
    importance: {
      model: [{ feature: 'distance', importance: 10 }],
      permutation: [
        { feature: 'origin', importance: 0.5 },
        { feature: 'date.hour', importance: 2.5 },
        { feature: 'distance', importance: 1.0 },
      ],
    },
  },
  spec: {
    columnTypes: { date: 'datetime', distance: 'number', origin: 'category' },
    features: [
      { transform: 'datetime', column: 'date', parts: ['hour'], cyclic: false },
      { transform: 'standardize', column: 'distance', mean: 900, std: 600 },
      { transform: 'native', column: 'origin', categories: ['SFO', 'LAX'] },
    ],
  },
  driftBaseline: { version: 1, columns: { distance: { method: 'wasserstein', threshold: 0.1 } as never, origin: { method: 'jensenshannon', threshold: 0.1 } as never } },
};

test('the card: lineage, gate against baseline and champion, permutation importance ranked, inputs, drift tests, limitations', () => {
  const card = buildModelCard(INPUT);
  expect(card.model).toEqual({ name: 'flights', version: 3, algorithm: 'gbdt', task: 'regression', target: 'delay', registeredAt: '2026-11-27T20:00:00.000Z', runId: 'run-flights-abc', codeVersion: '0.6.0' });
  expect(card.trainingData.source).toBe('s3://flights-prod-data/incoming/2001-q1.csv (version v7)');
  expect(card.evaluation).toMatchObject({ metric: 'rmse', value: 30.65, baseline: 33.1, champion: { version: 2, value: 31.0 }, decision: 'deploy' });
  expect(card.importance.map((f) => f.feature)).toEqual(['date.hour', 'distance', 'origin']);
  expect(card.inputs).toEqual([
    { column: 'date', type: 'datetime', transform: 'datetime' },
    { column: 'distance', type: 'number', transform: 'standardize' },
    { column: 'origin', type: 'category', transform: 'native' },
  ]);
  expect(card.monitoring).toEqual([
    { column: 'distance', method: 'wasserstein', threshold: 0.1 },
    { column: 'origin', method: 'jensenshannon', threshold: 0.1 },
  ]);
  expect(card.limitations).toEqual([
    'Trained on data up to 2001-03-07T00:00:00.000Z; later behaviour is extrapolated.',
    'Trained on 1,180,000 rows; judged on 300,000 held-out rows.',
    'Categories not kept at training (unseen or rare) are scored as one "other" category.',
    'Datetime inputs (date) are used through their parts and are not watched for drift.',
  ]);
});

test('a rejected version says so among its limitations; without permutation importance the model’s own is used', () => {
  const card = buildModelCard({
    ...INPUT,
    evaluation: { ...INPUT.evaluation, gate: { ...INPUT.evaluation.gate, decision: 'reject', reasons: ['rmse 34 does not beat the naive baseline 33.1'] }, importance: { model: [{ feature: 'distance', importance: 10 }], permutation: [] } },
  });
  expect(card.limitations.at(-1)).toBe('The gate rejected this version: rmse 34 does not beat the naive baseline 33.1.');
  expect(card.importance).toEqual([{ feature: 'distance', importance: 10 }]);
});

test('the HTML page has every section, escapes every value, and loads nothing', () => {
  const html = renderModelCardHtml(buildModelCard(INPUT));
  for (const heading of ['Intended use', 'Training data', 'Evaluation', 'Feature importance', 'Inputs', 'Drift monitoring', 'Limitations']) expect(html).toContain(`<h2>${heading}</h2>`);
  expect(html).toContain('Predict departure delay &lt;minutes&gt; for ops planning');
  expect(html).toContain('champion v2');
  expect(html).not.toMatch(/<script|<link|src=/);
});

describe('mlops models card', () => {
  const setup = async (withCard: boolean) => {
    const store = memoryRegistryStore();
    await registerVersion(store, 'flights', { model: {}, transformSpec: {}, metrics: {}, importance: [], profile: null, ...(withCard ? { derived: (version: number) => ({ 'model-card.json': buildModelCard({ ...INPUT, version }) }) } : {}) }, { runId: 'run-1' });
    return { store, name: 'flights', location: 's3://artifacts/registry/flights/' };
  };

  test('--out writes the HTML page; the summary names use, data, gate and limitations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-card-'));
    try {
      const output = captureOutput();
      expect(await modelCardCommand(await setup(true), 1, { out: join(dir, 'card.html') }, output)).toBe(0);
      expect(readFileSync(join(dir, 'card.html'), 'utf8')).toContain('<h1>Model card: flights v1</h1>');
      const summary = captureOutput();
      expect(await modelCardCommand(await setup(true), 1, {}, summary)).toBe(0);
      expect(summary.stdout.join('\n')).toMatch(/intended use: Predict departure delay[\s\S]*gate: +deploy — rmse 30\.650 vs baseline 33\.100[\s\S]*limitation: +Trained on data up to/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a version without a card (registered below level 4) or an unknown version: exit 1 saying why', async () => {
    const output = captureOutput();
    expect(await modelCardCommand(await setup(false), 1, {}, output)).toBe(1);
    expect(output.stderr.join('\n')).toMatch(/flights v1 has no model card \(cards are written at registration when the environment governs its models/);
    expect(await modelCardCommand(await setup(false), 9, {}, captureOutput())).toBe(1);
  });
});

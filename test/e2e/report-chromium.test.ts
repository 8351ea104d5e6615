/**
 * The decisive test of the HTML run report: reports built from the documents of real pipeline runs on
 * 20,000 real flights rows (the stages chained in process, each recorded in the run record as its
 * handler records it; with fewer rows this linear model rarely beats the naive baseline, so the first
 * run would not register) are opened in headless Debian Chromium. They must render with no console error, no page error
 * and no request beyond the file itself, and their charts must exist with one bar per data point.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../../config/load';
import type { PlatformConfig } from '../../config/schema';
import { memoryRegistryStore, type RegistryStore } from '../../lambda/core/registry/registry';
import { readRunDocuments } from '../../lambda/core/report/run-documents';
import { renderRunReport } from '../../lambda/core/report/run-report';
import { newRunRecord, runFinished, runRecordKey, stageStarted, stageSucceeded, type RunRecord, type StageName } from '../../lambda/core/runs/run-record';
import { memoryArtifactStore, type ArtifactStore } from '../../lambda/core/stages/artifact-store';
import { runEvaluateStage } from '../../lambda/core/stages/evaluate-stage';
import { runFeaturesStage } from '../../lambda/core/stages/features-stage';
import { runRegisterStage } from '../../lambda/core/stages/register-stage';
import { runTrainStage } from '../../lambda/core/stages/train-stage';
import { memorySource } from '../../lambda/core/validation/local-source';
import { runValidationStage } from '../../lambda/core/validation/stage';
import { flights, flightsCsv } from '../helpers/flights';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const KEY = 'incoming/flights.csv';

const base = loadConfig({ env: 'dev' });
const cfg: PlatformConfig = {
  ...base,
  dataset: { ...base.dataset, rowCount: { min: 100 } },
  model: { ...base.model, algorithm: 'linear', params: { ...base.model.params, l2: 1 } },
  features: { origin: { transform: 'native', topK: 30 }, destination: { transform: 'native', topK: 30 }, distance: 'standardize', date: ['hour', 'dayOfWeek'] },
};

/**
 * Run the stages in process on `csv` as run `runId`, keeping the run record as the handlers do: each
 * stage's start and end, outputs, params and metrics, and the run's ending.
 */
async function recordedRun(runId: string, csv: string, store: ArtifactStore, registry: RegistryStore): Promise<RunRecord> {
  const source = () => memorySource(KEY, csv, 64 * 1024);
  let record = newRunRecord(runId, { kind: 'upload', bucket: 'flights-dev-data', key: KEY }, new Date().toISOString());
  const stage = async <T>(name: StageName, work: () => Promise<T>, result: (r: T) => Parameters<typeof stageSucceeded>[3]): Promise<T> => {
    record = stageStarted(record, name, new Date().toISOString());
    const out = await work();
    record = stageSucceeded(record, name, new Date().toISOString(), result(out));
    return out;
  };
  const finish = async (status: 'succeeded' | 'failed' | 'rejected', outcome: Record<string, unknown>): Promise<RunRecord> => {
    record = runFinished(record, status, new Date().toISOString(), outcome);
    await store.putJson(runRecordKey(runId), record);
    return record;
  };

  const validation = await stage(
    'validate',
    () => runValidationStage({ runId, source: source(), dataset: cfg.dataset, store: { putArtifactJson: (k, v) => store.putJson(k, v), putDataJson: async () => undefined, copySourceTo: async () => undefined } }),
    (r) => ({ outputs: { verdict: r.verdict, reportKey: r.reportKey, rowCount: r.rowCount }, metrics: { rowsValidated: r.rowCount } }),
  );
  if (validation.verdict !== 'valid') return finish('failed', { failedStage: 'validate', error: 'ValidationFailed', reportKey: validation.reportKey });
  const features = await stage('features', () => runFeaturesStage({ runId, source: source(), config: cfg, store }), (r) => ({ outputs: { ...r }, params: { split: cfg.dataset.split, features: cfg.features } }));
  const train = await stage(
    'train',
    () => runTrainStage({ runId, trainKey: features.trainKey, model: cfg.model, task: cfg.dataset.task, store }),
    (r) => ({ outputs: { modelKey: r.modelKey, fitMs: r.fitMs }, params: r.params }),
  );
  const evaluation = await stage(
    'evaluate',
    () =>
      runEvaluateStage({
        runId,
        modelName: cfg.name,
        candidate: { modelKey: train.modelKey },
        trainKey: features.trainKey,
        testKey: features.testKey,
        splitKey: features.splitKey,
        source: source(),
        config: cfg,
        store,
        registry,
      }),
    (r) => ({ outputs: { ...r }, metrics: { [r.metric]: r.value } }),
  );
  if (evaluation.decision === 'reject') return finish('rejected', { decision: 'reject', evaluationKey: evaluation.evaluationKey });
  const register = await stage(
    'register',
    () =>
      runRegisterStage({
        runId,
        config: cfg,
        candidate: { modelKey: train.modelKey },
        specKey: features.specKey,
        evaluationKey: evaluation.evaluationKey,
        profileKey: validation.profileKey!,
        data: { bucket: 'flights-dev-data', key: KEY, sha256: features.sha256, validationReportKey: validation.reportKey, rows: features.rows, ...(features.cutoff ? { cutoff: features.cutoff } : {}) },
        promote: true,
        codeVersion: 'test',
        store,
        registry,
      }),
    (r) => ({ outputs: { ...r } }),
  );
  return finish('succeeded', { decision: 'deploy', model: register.modelName, version: register.version, stage: register.stage });
}

/** What opening one report in Chromium saw. */
interface Opened {
  readonly title: string;
  readonly problems: string[];
  readonly requests: string[];
  count(selector: string): Promise<number>;
  text(selector: string): Promise<string>;
  widths(selector: string): Promise<number[]>;
}

let browser: Browser;
let dir: string;
const store = memoryArtifactStore();
const registry = memoryRegistryStore();
const pages: Array<{ close(): Promise<void> }> = [];

async function open(runId: string): Promise<Opened> {
  const html = renderRunReport({ ...(await readRunDocuments({ artifacts: store, registry }, runId)), generatedAt: new Date().toISOString() });
  const file = join(dir, `${runId}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage();
  pages.push(page);
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return {
    title: await page.title(),
    problems,
    requests,
    count: (selector) => page.locator(selector).count(),
    text: (selector) => page.locator(selector).innerText(),
    widths: (selector) => page.locator(selector).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width)),
  };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the report test needs Debian's Chromium — run \`apt-get install -y chromium\``);
  dir = mkdtempSync(join(tmpdir(), 'mlops-report-'));
  const csv = flightsCsv(flights(20_000));
  await recordedRun('run-1', csv, store, registry);
  await recordedRun('run-2', csv, store, registry);
  // A bad distance, and an origin that is markup: the report must show it as text, never run or load it.
  const lines = csv.split('\n');
  lines[7] = lines[7]!.replace(/,\d+,([A-Z]{3}),/, ',0,$1,');
  lines[9] = lines[9]!.replace(/,[A-Z]{3},([A-Z]{3})$/, ',<img src=x onerror=alert(1)>,$1');
  await recordedRun('run-bad', lines.join('\n'), store, registry);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  for (const page of pages) await page.close();
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the HTML run report in headless Chromium', () => {
  test('a registered run: renders clean, with timeline, metrics and both importance charts, and its lineage', async () => {
    // Act
    const page = await open('run-1');

    // Assess
    expect(page.problems).toEqual([]);
    expect(page.requests).toHaveLength(1);
    expect(page.title).toBe('Run run-1 — succeeded · mlops run report');
    expect(await page.count('#chart-timeline rect.bar')).toBe(5);
    // 4 regression metrics × (candidate, baseline); no champion yet.
    expect(await page.count('#chart-metrics rect.bar')).toBe(8);
    expect(await page.count('#metrics table tbody tr')).toBe(4);
    expect(await page.count('#chart-importance-model rect.bar')).toBe(5);
    expect(await page.count('#chart-importance-permutation rect.bar')).toBe(5);
    expect(Math.max(...(await page.widths('#chart-importance-permutation rect.bar')))).toBeGreaterThan(50);
    expect(await page.text('#lineage')).toMatch(/Registered as flights v1 at .*trained on s3:\/\/flights-dev-data\/incoming\/flights\.csv/);
    expect(await page.count('.missing')).toBe(0);
  });

  test('a run the gate rejected: metrics against the champion, and why there is no lineage', async () => {
    // Act
    const page = await open('run-2');

    // Assess
    expect(page.problems).toEqual([]);
    expect(page.requests).toHaveLength(1);
    expect(await page.count('#chart-metrics rect.bar')).toBe(12);
    expect(await page.count('#chart-metrics rect.bar.champion')).toBe(4);
    expect(await page.text('#metrics')).toMatch(/vs champion v1/);
    expect(await page.text('.missing')).toMatch(/Lineage — not reached: the evaluation gate rejected the candidate/);
    expect(await page.count('#chart-importance-model rect.bar')).toBe(5);
  });

  test('a run with invalid data: the reasons and samples shown as text, the rest explained, nothing loaded', async () => {
    // Act
    const page = await open('run-bad');

    // Assess
    expect(page.problems).toEqual([]);
    expect(page.requests).toHaveLength(1);
    expect(await page.count('#chart-timeline rect.bar.stage-succeeded')).toBe(1);
    expect(await page.count('#chart-metrics, #chart-importance-model')).toBe(0);
    expect(await page.text('#validation')).toContain('<img src=x onerror=alert(1)>');
    expect(await page.count('main img')).toBe(0);
    expect(await page.text('.missing')).toMatch(/Metrics and feature importance — not reached: the run failed in validate \(ValidationFailed\)/);
  });
});

/**
 * The demo's monitoring chapter (`npm run demo`, step 7): the `prod` environment (level 4) as synthesized,
 * on this machine — drift → alarm → retrain → new champion, on real flights.
 *
 * 1. Train v1 on real January–March flights (the upload rule starts the run; level 4 deploys through the
 *    canary).
 * 2. Serve real April flights, unchanged: the drift check compares them with v1's baseline; their true
 *    delays come back as labels and give v1's live AUC.
 * 3. Serve May–June flights with a shift the demo injects (and says so): a new client sends only
 *    long-haul flights, stamped in UTC instead of local time. The drift check sees the long-haul mix; the
 *    labels show the clock change costing v1 its accuracy, which raw-input drift alone cannot see.
 * 4. The alarms, evaluated on the drift check's own metrics, go to ALARM; the retrain trigger's guardrails
 *    let one retrain start, on the validated upload plus the labelled captures.
 * 5. The gate compares the retrained model with v1 on the same holdout; the better one deploys.
 *
 * What is real: the synthesized templates, every handler, the EMF metrics, the alarms' thresholds and
 * periods, the data. What the demo sets for time's sake is printed before it runs.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runShowCommand } from '../cli/commands/runs';
import { s3RunDocumentStores } from '../cli/commands/report';
import { colour, type Output } from '../cli/output';
import type { PlatformConfig } from '../config/schema';
import { renderModelCardHtml, type ModelCard } from '../lambda/core/governance/model-card';
import type { DriftReport } from '../lambda/core/monitoring/drift-check';
import type { QualityReport } from '../lambda/core/monitoring/live-quality';
import { readRunDocuments } from '../lambda/core/report/run-documents';
import { renderRunReport } from '../lambda/core/report/run-report';
import type { RetrainRecord } from '../lambda/core/retrain/retrain-decision';
import { executionName } from '../lambda/core/runs/execution-name';
import { LocalPlatform } from '../local/platform';
import type { LocalExecution } from '../local/stepfunctions-endpoint';
import { formatTimestamp, writeFlightsCsv, type FlightRow } from './flights-data';

/** One flight as the predict request sends it, with its true delay (the label that arrives later). */
interface Flight {
  readonly date: string;
  readonly distance: number;
  readonly origin: string;
  readonly destination: string;
  readonly delay: number;
}

/** Where the chapter writes and how it talks. */
export interface MonitoringDemoContext {
  readonly out: string;
  readonly root: string;
  readonly say: (text?: string) => void;
  readonly heading: (text: string) => void;
  readonly stdout: Output;
}

/** The demo's settings for time's sake, each said before it applies. */
export function demoMonitoringConfig(prod: PlatformConfig): { config: PlatformConfig; changes: string[] } {
  const config: PlatformConfig = {
    ...prod,
    serving: { ...prod.serving, capturePercent: 100, deployment: { ...prod.serving.deployment, canaryMinutes: 2 } },
    monitoring: { ...prod.monitoring, schedule: 'rate(1 day)', minRows: 5_000, minLabelledRows: 1_000 },
    alerts: { emails: [] },
  };
  return {
    config,
    changes: [
      `serving.capturePercent ${prod.serving.capturePercent} → 100 (every request captured, so every label finds its request)`,
      `monitoring.schedule ${prod.monitoring.schedule} → rate(1 day): the check runs when the demo moves the platform clock a day ahead (after the labels are in), and its alarms' period is that day`,
      `monitoring.minRows ${prod.monitoring.minRows} → 5000, minLabelledRows ${prod.monitoring.minLabelledRows} → 1000 (one verdict per act)`,
      `serving.deployment.canaryMinutes ${prod.serving.deployment.canaryMinutes} → 2; alerts.emails → none`,
    ],
  };
}

/** Real flights from the Parquet file, as requests with their delays. */
async function flightsOf(file: string, rows: number, filter: (row: FlightRow) => boolean): Promise<Flight[]> {
  await writeFlightsCsv(file, { rows, filter });
  const [, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [date, delay, distance, origin, destination] = line.split(',');
    return { date: date!, delay: Number(delay), distance: Number(distance), origin: origin!, destination: destination! };
  });
}

/** Wait for a condition, polling; a probe that fails (an object read while it is being written) is tried again. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  let lastError: unknown;
  for (let waited = 0; waited < timeoutMs; waited += 250) {
    try {
      const found = await probe();
      if (found !== undefined) return found;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/** Run the chapter. */
export async function runMonitoringDemo(prod: PlatformConfig, ctx: MonitoringDemoContext): Promise<void> {
  const { say, heading, stdout } = ctx;
  const { config, changes } = demoMonitoringConfig(prod);
  const name = config.name;
  heading(`7. Monitoring and continuous training: ${name}-${config.environment} (level ${config.maturityLevel}) as synthesized, on this machine`);
  say('for time\'s sake the demo sets:');
  for (const c of changes) say(`  - ${c}`);
  const dir = join(ctx.out, 'platform-prod');
  rmSync(dir, { recursive: true, force: true });
  let offset = 0;
  const platform = await LocalPlatform.start({ config, dir, clockSpeed: 300, now: () => Date.now() + offset, log: (line) => (/^alarm \S+-(dataset-drift|drift-\S+|live-quality):/.test(line) ? say(colour.dim(`[local] ${line}`)) : undefined) });
  const s3 = platform.s3;
  const artifacts = platform.buckets.artifacts;
  const json = async <T>(key: string, bucket = artifacts): Promise<T> => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()) as T;
  const keys = async (prefix: string, bucket = artifacts): Promise<string[]> => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
  const runs = (): LocalExecution[] => [...platform.stepFunctions.executions.values()].filter((e) => e.stateMachineArn === platform.stateMachineArn);
  const [url] = platform.functionUrls.values();

  /** Send flights to the predict URL in batches of 100; keep each answer's request id and time. */
  const serve = async (flights: readonly Flight[]): Promise<Array<{ requestId: string; at: string; delays: number[] }>> => {
    const answers: Array<{ requestId: string; at: string; delays: number[] }> = [];
    for (let i = 0; i < flights.length; i += 100) {
      const batch = flights.slice(i, i + 100);
      const response = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: batch.map(({ delay: _delay, ...request }) => request) }) });
      if (response.status !== 200) throw new Error(`predict answered ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as { requestId: string; at: string };
      answers.push({ requestId: body.requestId, at: body.at, delays: batch.map((f) => f.delay) });
    }
    return answers;
  };
  /** Upload the true delays as labels (what a client sends once flights have landed). */
  const label = async (key: string, answers: ReadonlyArray<{ requestId: string; at: string; delays: number[] }>): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: key, Body: answers.map((a) => JSON.stringify({ requestId: a.requestId, at: a.at, labels: a.delays })).join('\n') }));
    say(`uploaded s3://${platform.buckets.data}/${key}: ${answers.length} label lines {requestId, at, labels: [delay, …]} quoting each answer`);
  };
  /** Move the platform clock a day ahead: the scheduled drift check runs (drift, and live quality on the labels in). */
  const check = async (labelsKey: string, since: number): Promise<{ drift: DriftReport; quality: QualityReport }> => {
    say(colour.dim('the platform clock moves a day ahead: the scheduled drift check runs'));
    platform.advanceClock(24 * 60);
    return { drift: await driftAfter(since), quality: await qualityOf(labelsKey) };
  };
  const driftAfter = (since: number): Promise<DriftReport> =>
    until('a drift verdict', async () => {
      for (const key of (await keys(`monitoring/${name}/drift/reports/`)).reverse()) {
        const report = await json<DriftReport>(key);
        if (report.result && Date.parse(report.window.to) >= since) return report;
      }
      return undefined;
    });
  const qualityOf = (labelsKey: string): Promise<QualityReport> =>
    until('a live-quality verdict', async () => {
      for (const key of (await keys(`monitoring/${name}/quality/reports/`)).reverse()) {
        const report = await json<QualityReport>(key);
        if (report.result && report.labelObjects.includes(labelsKey)) return report;
      }
      return undefined;
    });
  const showDrift = (report: DriftReport): void => {
    const r = report.result!;
    say(`drift check of ${report.rows.toLocaleString('en-US')} captured rows vs v${report.modelVersion}'s training baseline (${report.window.from.slice(11, 19)}–${report.window.to.slice(11, 19)} UTC):`);
    for (const [column, c] of Object.entries(r.columns)) {
      say(`  ${column.padEnd(12)} ${c.method.padEnd(14)} score ${c.score.toFixed(3)} (drift ${c.method === 'ks' || c.method === 'chisquare' || c.method === 'z' ? '≤' : '≥'} ${c.threshold})  PSI ${c.psi.toFixed(3)}  ${c.drifted ? colour.red('DRIFTED') : colour.green('ok')}`);
    }
    say(`  dataset: ${r.driftedCount} of ${Object.keys(r.columns).length} columns drifted (share ${r.driftedShare.toFixed(2)}; dataset drift at ≥ ${r.datasetDriftShare}) → ${r.datasetDrift ? colour.red('DATASET DRIFT') : colour.green('no dataset drift')}`);
  };
  const showQuality = (report: QualityReport): void => {
    const r = report.result!;
    say(`live quality: ${r.metric.toUpperCase()} ${r.value.toFixed(4)} on ${r.rows.toLocaleString('en-US')} labelled captured flights (late = delay > 15 min)${report.notCaptured > 0 ? `; ${report.notCaptured} labels found no capture` : ''}`);
  };

  try {
    // 7.1 v1 from January–March.
    say();
    say(colour.bold('7.1 Train v1 on real January–March flights (30,000 rows)'));
    let q1 = 0;
    const upload = join(ctx.out, 'flights-2001q1-30k.csv');
    await writeFlightsCsv(upload, { rows: 30_000, filter: (row) => row.date !== null && row.date.getUTCMonth() < 3 && q1++ % 50 === 0 });
    const key = 'incoming/flights-2001q1-30k.csv';
    await s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: key, Body: readFileSync(upload) }));
    const first = await platform.waitForExecution(executionName(platform.buckets.data, key));
    await runShowCommand(s3, artifacts, first.name, {}, stdout);
    if (first.status !== 'SUCCEEDED') throw new Error(`the first run ended ${first.status}`);

    // 7.2 April, unchanged.
    say();
    say(colour.bold('7.2 Serve real April flights, unchanged (6,000 requests), then their true delays as labels'));
    let apr = 0;
    const april = await flightsOf(join(ctx.out, 'flights-2001-04.csv'), 6_000, (row) => row.date !== null && row.date.getUTCMonth() === 3 && apr++ % 70 === 0);
    const aprilAnswers = await serve(april);
    const aprilServed = Date.now();
    say(`served ${april.length.toLocaleString('en-US')} April flights through the predict Function URL (${aprilAnswers.length} requests of 100)`);
    await label('labels/2001-04.jsonl', aprilAnswers);
    const calm = await check('labels/2001-04.jsonl', aprilServed);
    showDrift(calm.drift);
    showQuality(calm.quality);
    offset += 24 * 3_600_000;
    platform.evaluateAlarms();
    say(`alarms after the period: ${['dataset-drift', 'drift-distance', 'drift-origin', 'drift-destination'].map((a) => `${a} ${platform.alarms!.state(`${name}-${config.environment}-${a}`).value}`).join(', ')}`);

    // 7.3 May–June, shifted by the demo.
    say();
    say(colour.bold('7.3 Serve May–June flights WITH A SHIFT THE DEMO INJECTS (20,000 requests), then their true delays'));
    say(colour.yellow('    injected: a new client sends only long-haul flights (≥ 1,000 miles) and stamps departures in UTC (local + 5 h);'));
    say(colour.yellow('    the real April–June data alone drifts less than Evidently\'s default thresholds'));
    let mj = 0;
    const mayJune = (await flightsOf(join(ctx.out, 'flights-2001-05-06-longhaul.csv'), 20_000, (row) => row.date !== null && (row.date.getUTCMonth() === 4 || row.date.getUTCMonth() === 5) && Number(row.distance ?? 0) >= 1000 && mj++ % 9 === 0)).map((f) => ({
      ...f,
      date: formatTimestamp(new Date(Date.parse(`${f.date}Z`) + 5 * 3_600_000)),
    }));
    const shiftedAnswers = await serve(mayJune);
    const shiftedServed = Date.now();
    say(`served ${mayJune.length.toLocaleString('en-US')} shifted flights`);
    await label('labels/2001-05-06.jsonl', shiftedAnswers);
    const shifted = await check('labels/2001-05-06.jsonl', shiftedServed);
    showDrift(shifted.drift);
    showQuality(shifted.quality);
    say(`  v1's live AUC fell from ${calm.quality.result!.value.toFixed(4)} to ${shifted.quality.result!.value.toFixed(4)}: the clock change costs accuracy that raw-input drift cannot show (datetimes are not drift-checked)`);

    // 7.4 The alarms and the retrain trigger.
    say();
    say(colour.bold('7.4 The period completes: the alarms evaluate the drift check\'s metrics; ALARM events reach the retrain trigger'));
    offset += 24 * 3_600_000;
    platform.evaluateAlarms();
    const started = await until('a retrain that started', async () => {
      for (const k of await keys(`monitoring/${name}/retrain/`)) {
        const record = await json<RetrainRecord>(k);
        if (record.decision === 'started') return record;
      }
      return undefined;
    });
    const decided = await Promise.all((await keys(`monitoring/${name}/retrain/`)).map((k) => json<RetrainRecord>(k)));
    for (const d of decided) say(`  retrain ${d.decision === 'started' ? colour.green(d.decision) : colour.dim(d.decision)} (${d.alarm}): ${d.decision === 'started' ? d.reason : `${d.rule}: ${d.reason}`}`);

    // 7.5 The retrain run and the gate.
    say();
    say(colour.bold(`7.5 The retrain run ${started.runId}: validation, training, the gate against v1 on the same holdout, deployment`));
    const retrain = await until('the retrain run', async () => runs().find((e) => e.name === started.runId));
    await retrain.done;
    await runShowCommand(s3, artifacts, retrain.name, {}, stdout);
    if (retrain.status !== 'SUCCEEDED') throw new Error(`the retrain run ended ${retrain.status} (${retrain.error ?? ''}: ${retrain.cause ?? ''})`);
    const champion = await json<{ version: number }>(`registry/${name}/champion.json`);
    say(champion.version > 1 ? colour.green(`v${champion.version} is the champion now: it serves the next request`) : colour.yellow(`v1 is still the champion: the gate kept it (see the reasons above)`));
    const lastThree = mayJune.slice(-3);
    const answer = (await (
      await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: lastThree.map(({ delay: _delay, ...request }) => request) }) })
    ).json()) as { modelVersion: number; probabilities?: number[][] };
    say(`predict now answers with v${answer.modelVersion}: p(late) ${(answer.probabilities ?? []).map((p) => p[1]!.toFixed(2)).join(', ')} for three June flights whose delays were ${lastThree.map((f) => `${f.delay} min`).join(', ')}`);

    // 7.6 Governance.
    say();
    say(colour.bold('7.6 The audit trail (level 4): every decision of the loop, who or what made it'));
    const audit = await Promise.all((await keys('audit/')).map((k) => json<{ at: string; kind: string; decision: string; by: string; reason: string }>(k)));
    for (const e of audit.sort((a, b) => a.at.localeCompare(b.at))) say(`  ${e.at.slice(11, 19)} ${e.kind.padEnd(11)} ${e.decision.padEnd(10)} by ${e.by.padEnd(22)} ${e.reason.length > 90 ? `${e.reason.slice(0, 89)}…` : e.reason}`);
    const card = await json<ModelCard>(`registry/${name}/${champion.version}/model-card.json`);
    const cardFile = join(ctx.out, `model-card-v${champion.version}.html`);
    writeFileSync(cardFile, renderModelCardHtml(card));
    const reportFile = join(ctx.out, `report-${retrain.name}.html`);
    writeFileSync(reportFile, renderRunReport({ ...(await readRunDocuments(s3RunDocumentStores(s3, artifacts), retrain.name)), generatedAt: new Date().toISOString() }));
    say(`model card: ${relative(ctx.root, cardFile)}; the retrain's report (with the drift that triggered it): ${relative(ctx.root, reportFile)}`);
  } finally {
    await platform.stop();
  }
}

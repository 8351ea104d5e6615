/**
 * Drift to alarm on the local platform, from the synthesized templates (level 3): a run deploys v1 with its
 * drift baseline; live requests are captured; the drift Lambda, on its schedule (the platform clock),
 * compares them with the baseline, writes its report and emits its metrics; the model-health alarms of the
 * monitoring stack, evaluated on those metrics, go to ALARM for a shifted stream and stay quiet for an
 * unshifted one.
 *
 * Real here: the ASL, the schedule rule, the drift and predict handlers, their EMF, the alarms' thresholds
 * and periods from the template, captures and reports on s3rver. Modelled: CloudWatch's alarm evaluation
 * (`local/alarms.ts`) and CodeDeploy (the canary that deploys v1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { DriftReport } from '../../lambda/core/monitoring/drift-check';
import type { QualityReport } from '../../lambda/core/monitoring/live-quality';
import { LocalPlatform } from '../../local/platform';
import { configAtLevel } from '../infra/helpers';
import { flights } from '../helpers/flights';
import { uploadAndRun } from '../helpers/local-runs';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-drift-alarm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function levelThree() {
  const base = configAtLevel(3);
  return configAtLevel(3, {
    dataset: { ...base.dataset, rowCount: { min: 100 } },
    gate: { ...base.gate, minImprovement: 0 },
    serving: { ...base.serving, capturePercent: 100, deployment: { ...base.serving.deployment, canaryMinutes: 1 } },
    // 0.2, not Evidently's 0.1: a thousand requests over ~100 airports put the Jensen–Shannon distance of an
    // unchanged stream near 0.1 by sampling noise alone (README, "Drift monitoring").
    monitoring: { ...base.monitoring, schedule: 'rate(5 minutes)', datasetDriftShare: 0.5, columnDriftThreshold: 0.2, minRows: 1000 },
  });
}

/** Send the records to the predict URL in batches of 20; the answers' request ids and times, with the batch's first record index. */
async function traffic(platform: LocalPlatform, records: ReadonlyArray<Record<string, unknown>>): Promise<Array<{ requestId: string; at: string; first: number; count: number }>> {
  const [url] = platform.functionUrls.values();
  const answers: Array<{ requestId: string; at: string; first: number; count: number }> = [];
  for (let i = 0; i < records.length; i += 20) {
    const batch = records.slice(i, i + 20);
    const response = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: batch }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { requestId: string; at: string };
    answers.push({ requestId: body.requestId, at: body.at, first: i, count: batch.length });
  }
  return answers;
}

/** The JSON documents under a prefix of the artifact bucket, oldest key first. */
async function documents<T>(platform: LocalPlatform, prefix: string): Promise<T[]> {
  const listed = await platform.s3.send(new ListObjectsV2Command({ Bucket: platform.buckets.artifacts, Prefix: prefix }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
  return Promise.all(keys.map(async (Key) => JSON.parse(await (await platform.s3.send(new GetObjectCommand({ Bucket: platform.buckets.artifacts, Key }))).Body!.transformToString()) as T));
}

/** The drift reports written so far, oldest first. */
async function reports(platform: LocalPlatform): Promise<DriftReport[]> {
  const listed = await platform.s3.send(new ListObjectsV2Command({ Bucket: platform.buckets.artifacts, Prefix: 'monitoring/flights/drift/reports/' }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
  return Promise.all(keys.map(async (Key) => JSON.parse(await (await platform.s3.send(new GetObjectCommand({ Bucket: platform.buckets.artifacts, Key }))).Body!.transformToString()) as DriftReport));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (let waited = 0; waited < timeoutMs; waited += 200) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const requests = (rows: ReturnType<typeof flights>) => rows.map((f) => ({ date: f.date.replaceAll('/', '-').replace(' ', 'T'), distance: f.distance, origin: f.origin, destination: f.destination }));

test('a shifted stream of live requests: the drift check says so and the dataset-drift alarm goes to ALARM; the unshifted stream before it did not', async () => {
  // Prepare: five platform minutes per real second, so the 5-minute drift schedule runs about every second;
  // the alarms' clock is ours, so a 5-minute period can be completed at will.
  let offset = 0;
  const lines: string[] = [];
  const platform = await LocalPlatform.start({ config: levelThree(), dir: join(dir, 'platform'), clockSpeed: 300, now: () => Date.now() + offset, log: (l) => lines.push(l) });
  try {
    const run = await uploadAndRun(platform, 'incoming/flights.csv', 3_000);
    expect(JSON.parse(run.output!)).toMatchObject({ register: { version: 1 }, deploy: { status: 'SUCCEEDED' } });

    // Act 1: 1,000 later flights, unshifted.
    await traffic(platform, requests(flights(8_000).slice(7_000)));
    const calm = await until('a drift report with a verdict', async () => (await reports(platform)).find((r) => r.result));

    // Assess 1: compared with v1's baseline, nothing drifted; the alarm stays out of ALARM.
    expect(calm).toMatchObject({ modelVersion: 1, environment: 'level3', result: { datasetDrift: false } });
    expect(calm.rows).toBeGreaterThanOrEqual(1000);
    offset += 5 * 60_000;
    platform.evaluateAlarms();
    expect(platform.alarms!.state('flights-level3-dataset-drift').value).not.toBe('ALARM');

    // Act 2: 1,000 more, shifted: distances tripled, every flight from an airport training never saw.
    const seen = (await reports(platform)).length;
    await traffic(platform, requests(flights(9_000).slice(8_000)).map((r) => ({ ...r, distance: r.distance * 3, origin: 'ZZZ' })));
    const shifted = await until('a drift report on the shifted traffic', async () => (await reports(platform)).slice(seen).find((r) => r.result?.datasetDrift));

    // Assess 2: both columns it can judge drifted; once the period is complete the alarm fires.
    expect(shifted.result!.columns.distance).toMatchObject({ method: 'wasserstein', drifted: true });
    expect(shifted.result!.columns.origin).toMatchObject({ method: 'jensenshannon', drifted: true });
    offset += 5 * 60_000;
    platform.evaluateAlarms();
    expect(platform.alarms!.state('flights-level3-dataset-drift').value).toBe('ALARM');
    expect(platform.alarms!.state('flights-level3-drift-origin').value).toBe('ALARM');
    expect(lines.join('\n')).toMatch(/alarm flights-level3-dataset-drift: \w+ → ALARM/);
  } finally {
    await platform.stop();
  }
});

test('level 4: labels of the shifted traffic give a live-quality verdict; the drift alarm starts a retrain (trigger drift) on the validated data plus the labelled captures, recorded; another ALARM within the cooldown is skipped and recorded why', async () => {
  let offset = 0;
  const base = levelThree();
  const config = configAtLevel(4, { dataset: base.dataset, gate: base.gate, serving: base.serving, monitoring: { ...base.monitoring, retrain: { cooldownHours: 24, maxPerWeek: 3, includeCapturedData: true } } });
  const lines: string[] = [];
  const platform = await LocalPlatform.start({ config, dir: join(dir, 'level4'), clockSpeed: 300, now: () => Date.now() + offset, log: (l) => lines.push(l) });
  const runs = () => [...platform.stepFunctions.executions.values()].filter((e) => e.stateMachineArn === platform.stateMachineArn);
  const decisions = async (): Promise<Array<{ decision: string; rule: string; reason: string; runId?: string; alarm: string }>> => {
    const listed = await platform.s3.send(new ListObjectsV2Command({ Bucket: platform.buckets.artifacts, Prefix: 'monitoring/flights/retrain/' }));
    return Promise.all(
      (listed.Contents ?? [])
        .map((o) => o.Key!)
        .sort()
        .map(async (Key) => JSON.parse(await (await platform.s3.send(new GetObjectCommand({ Bucket: platform.buckets.artifacts, Key }))).Body!.transformToString()) as { decision: string; rule: string; reason: string; runId?: string; alarm: string }),
    );
  };
  try {
    const first = await uploadAndRun(platform, 'incoming/flights.csv', 3_000);
    expect(JSON.parse(first.output!)).toMatchObject({ deploy: { status: 'SUCCEEDED' } });
    // Governance: v1 was registered with its model card.
    const card = JSON.parse(await (await platform.s3.send(new GetObjectCommand({ Bucket: platform.buckets.artifacts, Key: 'registry/flights/1/model-card.json' }))).Body!.transformToString()) as {
      model: { version: number };
      evaluation: { decision: string };
      monitoring: Array<{ column: string; method: string }>;
    };
    expect(card).toMatchObject({ model: { version: 1 }, evaluation: { decision: 'deploy' } });
    expect(card.monitoring.map((m) => m.column).sort()).toEqual(['destination', 'distance', 'origin']);

    // Act: shifted traffic (within the dataset's schema: a retrain validates what it trains on), its true
    // delays uploaded as labels quoting each answer's request id and time, the drift check, the period
    // completes, the alarms evaluate.
    const later = flights(9_000).slice(8_000);
    const answers = await traffic(platform, requests(later).map((r) => ({ ...r, distance: Math.round(r.distance * 1.5), origin: 'ZZZ' })));
    const labelLines = answers.map((a) => JSON.stringify({ requestId: a.requestId, at: a.at, labels: later.slice(a.first, a.first + a.count).map((f) => f.delay) }));
    await platform.s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: 'labels/2001-04.jsonl', Body: `${labelLines.join('\n')}\n{"requestId":"never-answered","label":3}\nnot a label\n` }));
    await until('a drift verdict', async () => (await reports(platform)).find((r) => r.result?.datasetDrift));
    const quality = await until('a live-quality verdict', async () => (await documents<QualityReport>(platform, 'monitoring/flights/quality/reports/')).find((r) => r.result));
    offset += 5 * 60_000;
    platform.evaluateAlarms();

    // Assess: every labelled record met its capture; the unknown request is counted, the bad line named.
    expect(quality).toMatchObject({ labelObjects: ['labels/2001-04.jsonl'], labelled: 1000, notCaptured: 1, problemCount: 1, result: { metric: 'rmse', rows: 1000, byVersion: { '1': { rows: 1000 } } } });
    expect(quality.problems[0]).toMatchObject({ key: 'labels/2001-04.jsonl', line: answers.length + 2, reason: expect.stringMatching(/^not JSON/) });
    expect(quality.result!.value).toBeGreaterThan(10);
    expect(platform.metrics.values({ namespace: 'MLOps/flights', metricName: 'LiveQuality', dimensions: { environment: 'level4', service: 'drift' } }, 0, Date.now() + offset + 60_000)).toEqual([quality.result!.value]);

    // Assess: the alarms' events reached the retrain trigger; one started a run with trigger drift on the
    // validated copy of the upload plus the 1,000 labelled captures, assembled as a part folder; the others
    // of the same episode (every drifted column's alarm fired at once, their triggers ran concurrently)
    // were skipped — one retrain, not four.
    const started = await until('a retrain decision that started a run', async () => (await decisions()).find((d) => d.decision === 'started'));
    expect(started.reason).toMatch(/went to ALARM; retraining on s3:\/\/flights-level4-data-\w+\/retrain\/run-flights-drift-[\w-]+\/[0-9a-f]{8}\/ \(s3:\/\/flights-level4-data-\w+\/validated\/run-flights-[\w-]+\/flights\.csv \+ 1000 labelled captured rows\)$/);
    const retrain = await until('the retrain run', async () => runs().find((e) => e.name === started.runId));
    await retrain.done;
    const input = JSON.parse(retrain.input) as { key: string; parts: { prefix: string } };
    expect(input).toMatchObject({ trigger: 'drift', key: `${input.parts.prefix}_manifest.json`, parts: { prefix: expect.stringMatching(new RegExp(`^retrain/${started.runId}/[0-9a-f]{8}/$`)), marker: '_manifest.json' } });
    // It ran the whole pipeline on 3,000 + 1,000 rows, the gate judging it against the champion it would replace.
    expect({ status: retrain.status, error: retrain.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(JSON.parse(retrain.output!)).toMatchObject({ evaluate: { decision: expect.stringMatching(/^(deploy|reject)$/) } });
    const [validation] = await documents<Record<string, unknown>>(platform, `runs/${started.runId}/validate/report.json`);
    expect(JSON.stringify(validation)).toMatch(/"rowCount":4000\b/);
    const captured = await platform.s3.send(new GetObjectCommand({ Bucket: platform.buckets.data, Key: `${input.parts.prefix}part-00001-captured.csv` }));
    const csv = (await captured.Body!.transformToString()).trim().split('\n');
    expect(csv[0]).toBe('date,delay,distance,origin,destination');
    expect(csv).toHaveLength(1001);
    const all = await until('every alarm decided', async () => {
      const d = await decisions();
      return d.length >= 2 ? d : undefined;
    });
    expect(all.filter((d) => d.decision === 'started')).toHaveLength(1);
    expect(all.filter((d) => d.decision === 'skipped').map((d) => d.rule)).toEqual(expect.arrayContaining([expect.stringMatching(/^(running|cooldown)$/)]));

    // Act: the dataset-drift alarm goes ALARM again later the same day (an event as CloudWatch sends it).
    const before = (await decisions()).length;
    platform.publish({ version: '0', id: 'again', 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', account: '000000000000', region: 'us-east-1', time: new Date().toISOString(), resources: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:flights-level4-dataset-drift'], detail: { alarmName: 'flights-level4-dataset-drift', state: { value: 'ALARM', reason: 'again' }, previousState: { value: 'OK', reason: '' } } });
    const again = await until('the second decision', async () => (await decisions()).slice(before).at(0));

    // Assess: skipped by the cooldown, saying when the next start is possible; no new run.
    expect(again).toMatchObject({ decision: 'skipped', rule: 'cooldown', alarm: 'flights-level4-dataset-drift', reason: expect.stringMatching(/within the 24 h cooldown \(next possible /) });
    expect(runs().filter((e) => JSON.parse(e.input).trigger === 'drift')).toHaveLength(1);

    // Governance (level 4): every decision of the loop is in the audit trail, one object per event.
    const listed = await platform.s3.send(new ListObjectsV2Command({ Bucket: platform.buckets.artifacts, Prefix: 'audit/' }));
    const events = await Promise.all(
      (listed.Contents ?? []).map(async (o) => JSON.parse(await (await platform.s3.send(new GetObjectCommand({ Bucket: platform.buckets.artifacts, Key: o.Key! }))).Body!.transformToString()) as { kind: string; decision: string; by: string }),
    );
    const kinds = new Set(events.map((e) => `${e.kind}:${e.decision}`));
    for (const expected of ['gate:deploy', 'deployment:deployed', 'drift:drift', 'quality:measured', 'retrain:started', 'retrain:skipped']) expect(kinds).toContain(expected);
    expect(events.find((e) => e.kind === 'retrain' && e.decision === 'skipped' && e.by === 'guardrail:cooldown')).toBeDefined();
  } finally {
    await platform.stop();
  }
});

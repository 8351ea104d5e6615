/**
 * `npm run demo`: the platform end to end on this machine, on the real flights data, no AWS account.
 *
 * 1. Synthesizes every environment in `config/` (the CloudFormation `cdk deploy` would use), with
 *    cdk-nag's AWS Solutions checks, and shows what each maturity level switches on.
 * 2. Validates the real 3M-row flights Parquet file with the validate stage's core.
 * 3. Starts the local platform for `dev` (level 2): its own synthesized buckets, rule, trigger and state
 *    machine, run here (S3 on s3rver, Step Functions in aws-local-stepfunctions).
 * 4. Uploads a real slice (100k rows, Jan–Mar 2001) and a damaged copy: the upload rule starts a run for
 *    each; one registers a model version, the other ends in ValidationFailed with the file quarantined.
 * 5. The good run registers a version and waits for approval (level 2): `mlops models approve` resumes
 *    it, and it runs the deploy state machine — the version becomes the champion the endpoint serves.
 * 6. Asks the deployed model for predictions on real April flights through the predict Function URL
 *    (the same request `mlops predict` sends), and writes each run's HTML report.
 * 7. Starts `prod` (level 4) locally: v1 serves April, then May–June traffic with a shift the demo
 *    injects; the drift check and the labels see it, the alarms fire, one retrain starts on the validated
 *    data plus the labelled captures, and the retrained model takes over through the gate
 *    (`scripts/demo-monitoring.ts`).
 */
import { App } from 'aws-cdk-lib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { modelStageCommand, s3ModelRegistry } from '../cli/commands/models';
import { predictCommand } from '../cli/commands/predict';
import { awaitingApproval } from '../cli/commands/run';
import { s3RunDocumentStores } from '../cli/commands/report';
import { runShowCommand } from '../cli/commands/runs';
import { renderReport } from '../cli/commands/validate';
import { colour, type Output } from '../cli/output';
import { loadConfig } from '../config/load';
import type { PlatformConfig } from '../config/schema';
import { CAPABILITY_NAMES } from '../lib/maturity';
import { buildApp, loadPlatformConfigs } from '../lib/platform';
import { DATA_PREFIX } from '../lambda/core/layout';
import { readRunDocuments } from '../lambda/core/report/run-documents';
import { renderRunReport } from '../lambda/core/report/run-report';
import { executionName } from '../lambda/core/runs/execution-name';
import { localFileSource } from '../lambda/core/validation/local-source';
import { validateDataset } from '../lambda/core/validation/validate-dataset';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/identity';
import { LocalPlatform } from '../local/platform';
import type { LocalExecution } from '../local/stepfunctions-endpoint';
import { runMonitoringDemo } from './demo-monitoring';
import { FLIGHTS_PARQUET, writeFlightsCsv } from './flights-data';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, '.local', 'demo');

function heading(text: string): void {
  process.stdout.write(`\n${colour.bold(`── ${text} `.padEnd(100, '─'))}\n`);
}

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** 1. Synthesize every environment and summarize the templates. */
function synthesizeAll(): PlatformConfig[] {
  heading('1. Synthesize every environment (cdk synth, with cdk-nag AwsSolutions)');
  const configs = loadPlatformConfigs({});
  const outdir = join(OUT, 'cdk.out');
  rmSync(outdir, { recursive: true, force: true });
  const started = Date.now();
  const app = new App({ outdir, context: JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context });
  const platforms = buildApp(app, configs);
  const assembly = app.synth();
  say(`synthesized ${assembly.stacks.length} stacks in ${((Date.now() - started) / 1000).toFixed(1)} s → ${relative(ROOT, outdir)}/ (cdk-nag: no unacknowledged findings, or synth would have failed)`);
  for (const platform of platforms) {
    const { config, capabilities } = platform;
    say();
    say(`${colour.bold(config.environment)}  level ${config.maturityLevel}  ${config.disposable ? '(disposable)' : '(retained)'}`);
    for (const stack of platform.stacks) {
      const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string }> };
      const counts = new Map<string, number>();
      for (const r of Object.values(template.Resources)) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
      const summary = [...counts].map(([type, n]) => `${n}× ${type.replace('AWS::', '')}`).join(', ');
      say(`  ${stack.stackName}: ${summary}`);
    }
    const on = CAPABILITY_NAMES.filter((c) => capabilities[c]);
    say(`  capabilities on: ${on.join(', ')}`);
  }
  say();
  say(`Deploy one with: npx cdk deploy --all -c env=dev`);
  return configs;
}

/** 2. Validate the real Parquet file. */
async function validateParquet(config: PlatformConfig): Promise<void> {
  heading('2. Validate the real flights data (3,000,000 rows, Parquet) against config/dev.json');
  const { report, profile } = await validateDataset(localFileSource(FLIGHTS_PARQUET, 'vega-datasets/flights-3m.parquet'), config.dataset);
  for (const line of renderReport(report)) say(line);
  const delay = report.results.find((r) => r.kwargs.column === 'delay' && r.expectationType === 'expect_column_values_to_be_between');
  if (delay?.result.unexpectedCount) {
    say(
      `  note: ${delay.result.unexpectedCount} delays fall outside [-120, 2000] (e.g. ${delay.result.partialUnexpectedList?.map((s) => s.value).join(', ')}); ` +
        `the config tolerates them with "mostly": ${String(delay.kwargs.mostly)}`,
    );
  }
  const d = profile.columns.delay?.numeric;
  const origins = profile.columns.origin?.categorical;
  if (d && origins) {
    say(`  profile: delay mean ${d.mean?.toFixed(2)} min, sd ${Math.sqrt(d.variance ?? 0).toFixed(2)}, p50 ${d.quantiles.p50?.toFixed(1)}, p99 ${d.quantiles.p99?.toFixed(1)}`);
    const top = Object.entries(origins.frequencies).slice(0, 5).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`);
    say(`           ${origins.distinct} origin airports; busiest: ${top.join(', ')}`);
  }
}

/** Damage a copy of a CSV the ways real exports go wrong. */
function damage(csv: string): string {
  const lines = csv.split('\n');
  lines[10] = '2001-02-30T08:15:00,12,950,SFO,LAX'; // no such date
  lines[20] = '2001-01-03T09:00:00,5000,950,SFO,LAX'; // delay beyond the declared max
  lines[30] = '2001-01-03T09:10:00,3,950,sfo,LAX'; // airport code not ^[A-Z]{3}$
  lines[40] = '2001-01-03T09:20:00,7,,SFO,LAX'; // distance missing
  lines[50] = '2001-01-03T09:30:00,7,950,SFO'; // a field short
  return lines.join('\n');
}

/** Wait until a run waits for approval (level 2); fails if it ends first. */
async function untilApprovalWait(platform: LocalPlatform, config: PlatformConfig, runId: string): Promise<{ version: number; expiresAt: string }> {
  for (;;) {
    const waiting = await awaitingApproval(platform.s3, platform.buckets.artifacts, config.name, runId);
    if (waiting) return waiting;
    const execution = [...platform.stepFunctions.executions.values()].find((e) => e.name === runId);
    if (execution && execution.status !== 'RUNNING') throw new Error(`run ${runId} ended ${execution.status} (${execution.error ?? ''}: ${execution.cause ?? ''}) instead of waiting for approval`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Command output to this process's stdout. */
const stdout: Output = { out: (line) => say(line), err: (line) => say(colour.dim(line)) };

/**
 * 3–5. The local platform: the dev environment's synthesized definitions on this machine. Uploads start
 * runs through the synthesized rule and trigger; the synthesized state machine runs the real handlers.
 */
async function runOnLocalPlatform(config: PlatformConfig): Promise<void> {
  heading(`3. Start the local platform: ${config.name}-${config.environment} (level ${config.maturityLevel}) as synthesized, on this machine`);
  const dir = join(OUT, 'platform');
  rmSync(dir, { recursive: true, force: true });
  const platform = await LocalPlatform.start({ config, dir, log: (line) => say(colour.dim(`[local] ${line}`)) });
  try {
    heading('4. Upload real flights (100k rows, Jan–Mar 2001) and a damaged copy: each upload starts a run');
    const good = join(OUT, 'flights-2001q1.csv');
    // Every 15th flight of January–March: 100k rows spread over the quarter (the file is in date order).
    let seen = 0;
    const written = await writeFlightsCsv(good, { rows: 100_000, filter: (row) => row.date !== null && row.date.getUTCMonth() < 3 && seen++ % 15 === 0 });
    const bad = join(OUT, 'flights-damaged.csv');
    writeFileSync(bad, damage(readFileSync(good, 'utf8')));
    const runs: string[] = [];
    for (const [file, rows] of [[good, written.rows], [bad, undefined]] as const) {
      const key = `${DATA_PREFIX.incoming}${basename(file)}`;
      await platform.s3.send(new PutObjectCommand({ Bucket: platform.buckets.data, Key: key, Body: readFileSync(file) }));
      say(`uploaded s3://${platform.buckets.data}/${key}${rows ? ` (${rows.toLocaleString('en-US')} rows)` : ''}`);
      runs.push(executionName(platform.buckets.data, key));
    }
    // The damaged file's run ends at validation; the good one registers a version and waits for approval.
    const [goodRun, badRun] = runs as [string, string];
    const waiting = await untilApprovalWait(platform, config, goodRun);
    say();
    say(`${colour.yellow('WAITING FOR APPROVAL')}: v${waiting.version} (the run waits on a task token until ${waiting.expiresAt})`);
    await runShowCommand(platform.s3, platform.buckets.artifacts, goodRun, {}, stdout);
    const damaged = await platform.waitForExecution(badRun);
    say();
    say(`${colour.red(damaged.status)} (${damaged.error ?? ''})`);
    await runShowCommand(platform.s3, platform.buckets.artifacts, badRun, {}, stdout);
    say('note: the dataset\'s date is the actual departure time, so the hour partly leaks the delay (a late departure shifts the hour)');

    heading(`5. Approve v${waiting.version} (level 2 waits for a person): the run resumes and deploys it`);
    const sfn = new SFNClient({ endpoint: platform.env.AWS_ENDPOINT_URL_SFN!, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      say(colour.dim(`$ mlops models approve ${waiting.version} --env ${config.environment} --local --reason "beats the naive baseline on the holdout"`));
      const registry = s3ModelRegistry(platform.s3, platform.buckets.artifacts, config.name);
      await modelStageCommand(registry, waiting.version, 'approve', { by: 'npm run demo', reason: 'beats the naive baseline on the holdout' }, stdout, sfn);
    } finally {
      sfn.destroy();
    }
    const execution = await platform.waitForExecution(goodRun);
    const deployed = [...platform.stepFunctions.executions.values()].find((e: LocalExecution) => e.stateMachineArn === platform.deployStateMachineArn);
    say(`${execution.status === 'SUCCEEDED' ? colour.green(execution.status) : colour.red(execution.status)}: ${goodRun} (deploy execution ${deployed?.name ?? '?'}: ${deployed?.status ?? 'none'})`);

    heading('6. Predict with the deployed model: real April 2001 flights (after the training quarter), through the Function URL');
    const april = join(OUT, 'flights-2001-04-sample.csv');
    let aprilSeen = 0;
    await writeFlightsCsv(april, { rows: 4, filter: (row) => row.date !== null && row.date.getUTCMonth() === 3 && aprilSeen++ % 20_011 === 0 });
    const [header, ...lines] = readFileSync(april, 'utf8').trim().split('\n');
    const columns = header!.split(',');
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i]!, v])));
    const instances = rows.map((r) => ({ date: r.date, distance: Number(r.distance), origin: r.origin, destination: r.destination }));
    const body = JSON.stringify({ instances });
    const [url] = platform.functionUrls.values();
    say(colour.dim(`$ mlops predict '${JSON.stringify(instances[0])}' --env ${config.environment} --local   (here: the ${instances.length} flights as one batch)`));
    await predictCommand({ url: url!, region: LOCAL_REGION, signed: false, where: `${config.environment} (local)` }, { bytes: Buffer.from(body), source: 'the demo' }, { json: false }, stdout);
    say(`  actual delays (minutes): ${rows.map((r, i) => `[${i}] ${r.delay}`).join('  ')}`);

    for (const runId of runs) {
      const file = join(OUT, `report-${runId}.html`);
      writeFileSync(file, renderRunReport({ ...(await readRunDocuments(s3RunDocumentStores(platform.s3, platform.buckets.artifacts), runId)), generatedAt: new Date().toISOString() }));
      say(`report: ${relative(ROOT, file)}`);
    }
    say();
    say(`the local buckets are folders: ${relative(ROOT, join(dir, 's3'))}/ (quarantine/ holds the damaged copy and its report; incoming/ is untouched)`);
    say(`handler logs (one JSON line each, as in CloudWatch Logs): ${relative(ROOT, platform.logFile)}`);
  } finally {
    await platform.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(OUT, { recursive: true });
  synthesizeAll();
  const dev = loadConfig({ env: 'dev' });
  await validateParquet(dev);
  await runOnLocalPlatform(dev);
  await runMonitoringDemo(loadConfig({ env: 'prod' }), { out: OUT, root: ROOT, say, heading, stdout });
  heading('Done');
  say(`in ${((Date.now() - started) / 1000).toFixed(1)} s. Everything is under ${relative(ROOT, OUT)}/.`);
  say('Next: open a report in a browser; run your own file with: node bin/mlops.js local run <file> --env dev');
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

/**
 * `npm run demo`: what the platform does today, on this machine, on the real flights data.
 *
 * 1. Synthesizes every environment in `config/` (the CloudFormation `cdk deploy` would use), with
 *    cdk-nag's AWS Solutions checks, and shows what each maturity level switches on.
 * 2. Validates the real 3M-row flights Parquet file with the validate stage's core.
 * 3. Runs the validate stage on a real CSV slice (100k rows, Jan–Mar 2001) and on a damaged copy of it,
 *    filing the outcome the way the pipeline does in S3 — here into a local folder: report and profile
 *    under `runs/`, the accepted copy under `validated/`, the rejected one under `quarantine/` with its
 *    report beside it, the original upload untouched.
 * 4. Runs the training stages on the validated slice in this process (the deployed state machine runs
 *    the same functions through their handlers): features, GBDT, evaluation gate, registry version.
 */
import { App } from 'aws-cdk-lib';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { renderReport } from '../cli/commands/validate';
import { colour } from '../cli/output';
import { loadConfig } from '../config/load';
import type { PlatformConfig } from '../config/schema';
import { CAPABILITY_NAMES } from '../lib/maturity';
import { buildApp, loadPlatformConfigs } from '../lib/platform';
import { DATA_PREFIX } from '../lambda/core/layout';
import { localFileSource } from '../lambda/core/validation/local-source';
import { runValidationStage, type StageStore } from '../lambda/core/validation/stage';
import { validateDataset } from '../lambda/core/validation/validate-dataset';
import type { RegistryStore } from '../lambda/core/registry/registry';
import { ArtifactNotFoundError, type ArtifactStore } from '../lambda/core/stages/artifact-store';
import { runEvaluateStage, type Evaluation } from '../lambda/core/stages/evaluate-stage';
import { runFeaturesStage } from '../lambda/core/stages/features-stage';
import { runRegisterStage } from '../lambda/core/stages/register-stage';
import { runTrainStage } from '../lambda/core/stages/train-stage';
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

/** A stage store over two local folders standing in for the data and artifact buckets. */
function folderStore(dataDir: string, artifactDir: string, sourcePath: string): StageStore {
  const write = (file: string, value: unknown): void => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  };
  return {
    putArtifactJson: async (key, value) => write(join(artifactDir, key), value),
    putDataJson: async (key, value) => write(join(dataDir, key), value),
    copySourceTo: async (key) => {
      mkdirSync(dirname(join(dataDir, key)), { recursive: true });
      copyFileSync(sourcePath, join(dataDir, key));
    },
  };
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

/** 3. Run the validate stage on a real slice and on a damaged copy. */
async function runStage(config: PlatformConfig): Promise<void> {
  heading('3. The validate stage on uploads: a real CSV slice and a damaged copy');
  const data = join(OUT, 'data-bucket');
  const artifacts = join(OUT, 'artifact-bucket');
  rmSync(data, { recursive: true, force: true });
  rmSync(artifacts, { recursive: true, force: true });
  const incoming = join(data, DATA_PREFIX.incoming);
  const good = join(incoming, 'flights-2001q1.csv');
  // Every 15th flight of January–March: 100k rows spread over the quarter (the file is in date order).
  let seen = 0;
  const written = await writeFlightsCsv(good, { rows: 100_000, filter: (row) => row.date !== null && row.date.getUTCMonth() < 3 && seen++ % 15 === 0 });
  const bad = join(incoming, 'flights-2001q1-damaged.csv');
  writeFileSync(bad, damage(readFileSync(good, 'utf8')));
  say(`uploaded ${relative(ROOT, good)} (${written.rows.toLocaleString('en-US')} rows) and a damaged copy`);

  for (const [runId, file] of [
    ['demo-run-1', good],
    ['demo-run-2', bad],
  ] as const) {
    const key = relative(data, file);
    const result = await runValidationStage({
      runId,
      source: { ...localFileSource(file, key) },
      dataset: config.dataset,
      store: folderStore(data, artifacts, file),
    });
    say();
    say(`${colour.bold(runId)}: ${key} → ${result.verdict === 'valid' ? colour.green('valid') : colour.red('invalid')} (${result.rowCount.toLocaleString('en-US')} rows)`);
    const report = JSON.parse(readFileSync(join(artifacts, result.reportKey), 'utf8'));
    for (const line of renderReport(report).slice(1)) say(line);
    if (result.quarantineKey) say(`  quarantined copy: ${relative(ROOT, join(data, result.quarantineKey))} (+ .report.json beside it)`);
    if (result.validatedKey) say(`  validated copy:   ${relative(ROOT, join(data, result.validatedKey))}`);
    say(`  report:           ${relative(ROOT, join(artifacts, result.reportKey))}`);
    if (result.profileKey) say(`  profile:          ${relative(ROOT, join(artifacts, result.profileKey))}`);
  }
  say();
  say(`originals untouched in ${relative(ROOT, incoming)}/: ${readdirSync(incoming).join(', ')}`);
}

/** An artifact store and a registry store over one folder standing in for the artifact bucket. */
function folderArtifacts(dir: string): ArtifactStore & RegistryStore {
  const path = (key: string): string => join(dir, key);
  const read = (key: string): Buffer => {
    if (!existsSync(path(key))) throw new ArtifactNotFoundError(key);
    return readFileSync(path(key));
  };
  const write = (key: string, bytes: string | Uint8Array): void => {
    mkdirSync(dirname(path(key)), { recursive: true });
    writeFileSync(path(key), bytes);
  };
  return {
    putJson: async (key, value) => write(key, `${JSON.stringify(value, null, 2)}\n`),
    getJson: async <T,>(key: string) => JSON.parse(read(key).toString('utf8')) as T,
    putBytes: async (key, bytes) => write(key, bytes),
    getBytes: async (key) => new Uint8Array(read(key)),
    copy: async (sourceKey, key) => write(key, read(sourceKey)),
    put: async (key, value) => write(key, `${JSON.stringify(value, null, 2)}\n`),
    get: async <T,>(key: string) => (existsSync(path(key)) ? (JSON.parse(readFileSync(path(key), 'utf8')) as T) : undefined),
    // One process, one writer: the exclusive-create flag is the folder's atomic create-only write.
    putIfAbsent: async (key, value) => {
      mkdirSync(dirname(path(key)), { recursive: true });
      try {
        writeFileSync(path(key), JSON.stringify(value), { flag: 'wx' });
        return true;
      } catch {
        return false;
      }
    },
    listFolders: async (prefix) => (existsSync(path(prefix)) ? readdirSync(path(prefix), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : []),
  };
}

/** 4. Train on the validated slice with the pipeline's stages, in this process. */
async function train(config: PlatformConfig): Promise<void> {
  heading('4. The training stages on the validated slice: features → train (GBDT) → evaluate → register');
  const data = join(OUT, 'data-bucket');
  const store = folderArtifacts(join(OUT, 'artifact-bucket'));
  const runId = 'demo-run-1';
  const source = localFileSource(join(data, 'validated', runId, 'flights-2001q1.csv'), 'validated/demo-run-1/flights-2001q1.csv');
  const cfg = { ...config, model: { ...config.model, params: { ...config.model.params, iterations: 50 } } };
  const features = await runFeaturesStage({ runId, source, config: cfg, store });
  say(`features: ${features.rows.train.toLocaleString('en-US')} training rows (Jan–Mar, before ${features.cutoff ?? '?'}), ${features.rows.test.toLocaleString('en-US')} test rows; inputs ${features.outputs.join(', ')}`);
  const trained = await runTrainStage({ runId, trainKey: features.trainKey, model: cfg.model, task: cfg.dataset.task, store });
  say(`train: ${trained.algorithm}, ${cfg.model.params.iterations} rounds in ${(trained.fitMs / 1000).toFixed(1)} s`);
  const evaluation = await runEvaluateStage({ runId, modelName: cfg.name, candidate: { modelKey: trained.modelKey }, trainKey: features.trainKey, testKey: features.testKey, splitKey: features.splitKey, source, config: cfg, store, registry: store });
  const report = await store.getJson<Evaluation>(evaluation.evaluationKey);
  say(`evaluate: RMSE ${report.metrics.rmse?.toFixed(2)} vs the mean's ${report.baseline.rmse?.toFixed(2)} → ${evaluation.decision}`);
  for (const reason of evaluation.reasons) say(`  gate: ${reason}`);
  const top = [...report.importance.permutation].sort((a, b) => b.importance - a.importance).slice(0, 3);
  say(`  permutation importance: ${top.map((t) => `${t.feature} ${t.importance.toFixed(2)}`).join(', ')}`);
  say('  note: the dataset\'s date is the actual departure time, so the hour partly leaks the delay (a late departure shifts the hour)');
  if (evaluation.decision === 'deploy') {
    const registered = await runRegisterStage({
      runId,
      config: cfg,
      candidate: { modelKey: trained.modelKey },
      specKey: features.specKey,
      evaluationKey: evaluation.evaluationKey,
      profileKey: `runs/${runId}/validate/profile.json`,
      data: { bucket: 'data-bucket', key: 'incoming/flights-2001q1.csv', sha256: features.sha256, validationReportKey: `runs/${runId}/validate/report.json`, rows: features.rows },
      promote: false,
      codeVersion: 'demo',
      store,
      registry: store,
    });
    say(`register: ${registered.modelName} v${registered.version} (${registered.stage}) → ${relative(ROOT, join(OUT, 'artifact-bucket', 'registry', registered.modelName, String(registered.version)))}/`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(OUT, { recursive: true });
  synthesizeAll();
  const dev = loadConfig({ env: 'dev' });
  await validateParquet(dev);
  await runStage(dev);
  await train(dev);
  heading('Done');
  say(`in ${((Date.now() - started) / 1000).toFixed(1)} s. Everything is under ${relative(ROOT, OUT)}/. Try: node bin/mlops.js validate <file> --env dev`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

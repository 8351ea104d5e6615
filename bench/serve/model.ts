/**
 * The serving benchmark's model: our GBDT trained the way the platform trains it (the dev config's
 * dataset, features and `model` section: 100 iterations, learning rate 0.1, 31 leaves) on the real
 * flights rows of Jan–Mar 2001 (bench/train/data.ts), written once under bench/.data/serve/ with the
 * transform spec and the category codes the scikit-learn side needs, and reused when present.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
import type { PlatformConfig } from '../../config/schema';
import { readTable } from '../../lambda/core/features/table';
import { applyTransformSpec, fitTransformSpec, targetValues, type TransformSpec } from '../../lambda/core/features/transform-spec';
import { trainModel, type TrainedModel } from '../../lambda/core/models/train-model';
import { localFileSource } from '../../lambda/core/validation/local-source';
import { DATA, TRAIN_CSV, ensureTrainTestCsv } from '../train/data';

/** Where the serving benchmark keeps its files. */
export const SERVE_DATA = join(DATA, 'serve');

/** The trained artifacts, as the registry stores them. */
export interface ServeModel {
  readonly config: PlatformConfig;
  readonly model: TrainedModel;
  readonly spec: TransformSpec;
  /** origin/destination → categories by code (code 0 = other), for the scikit-learn side. */
  readonly codesPath: string;
  readonly trainRows: number;
}

/** The model, trained on first use (about 10 s on 2 cores) and then read from disk. */
export async function ensureServeModel(log: (s: string) => void = () => {}): Promise<ServeModel> {
  const config = loadConfig({ env: 'dev' });
  mkdirSync(SERVE_DATA, { recursive: true });
  const file = join(SERVE_DATA, 'gbdt-dev.json');
  const codesPath = join(SERVE_DATA, 'codes.json');
  if (existsSync(file) && existsSync(codesPath)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { model: TrainedModel; spec: TransformSpec; trainRows: number };
    return { config, codesPath, ...saved };
  }
  await ensureTrainTestCsv(log);
  const t0 = performance.now();
  const table = await readTable(localFileSource(TRAIN_CSV), config.dataset);
  const all = Int32Array.from({ length: table.rows }, (_, i) => i);
  const spec = fitTransformSpec(table, all, config.dataset, config.features);
  const model = trainModel({ x: applyTransformSpec(spec, table), y: targetValues(spec, table) }, config.model, config.dataset.task);
  const codes: Record<string, string[]> = {};
  for (const f of spec.features) if (f.transform === 'native') codes[f.column] = ['__other__', ...f.categories];
  writeFileSync(file, JSON.stringify({ model, spec, trainRows: table.rows }));
  writeFileSync(codesPath, JSON.stringify(codes));
  log(`trained the dev GBDT on ${table.rows.toLocaleString('en-US')} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${file}\n`);
  return { config, model, spec, codesPath, trainRows: table.rows };
}

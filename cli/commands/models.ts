/**
 * `mlops models` (the registry's versions of the environment's model, newest first, champion marked),
 * `mlops models show VERSION` (its manifest and stage history), `mlops models approve VERSION` and
 * `mlops models reject VERSION --reason R` (stage changes recorded with who and why), read from and
 * written to the registry in the artifact bucket with the registry core.
 *
 * Exit 0 done · 1 the version does not exist · 2 usage (a malformed version, a stage change the
 * version's stage does not allow).
 */
import { userInfo } from 'node:os';
import { writeFileSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand, SFNServiceException, type SFNClient } from '@aws-sdk/client-sfn';
import { approvalKey, closeApproval, type ApprovalDecision, type ApprovalRecord } from '../../lambda/core/deploy/deployment';
import { getChampion, listVersions, modelPrefix, setStage, versionKey, type ModelStage, type RegistryStore, type StageRecord, type VersionManifest } from '../../lambda/core/registry/registry';
import { s3RegistryStore } from '../../lambda/aws/s3-registry-store';
import { MODEL_CARD_FILE, renderModelCardHtml, type ModelCard } from '../../lambda/core/governance/model-card';
import type { AuditRecorder } from '../../lambda/aws/audit-recorder';
import { EXIT, UsageError } from '../errors';
import { colour, type Output } from '../output';

/** One model's registry, and where it is (for messages). */
export interface ModelRegistry {
  readonly store: RegistryStore;
  /** The model's name (the config's `name`). */
  readonly name: string;
  /** `s3://<artifact bucket>/registry/<name>/`. */
  readonly location: string;
}

/** The registry of model `name` in an artifact bucket. */
export function s3ModelRegistry(client: S3Client, artifactBucket: string, name: string): ModelRegistry {
  return { store: s3RegistryStore(client, artifactBucket), name, location: `s3://${artifactBucket}/${modelPrefix(name)}` };
}

/** The facts the register stage writes into a manifest that the CLI shows. */
interface ManifestFacts extends VersionManifest {
  readonly algorithm?: string;
  readonly task?: string;
  readonly environment?: string;
  readonly gate?: { readonly metric: string; readonly value: number; readonly decision?: string };
  readonly data?: { readonly bucket: string; readonly key: string; readonly versionId?: string; readonly sha256?: string };
  readonly configHash?: string;
  readonly codeVersion?: string;
}

/** One row of `mlops models` (and one element of its `--json` array). */
export interface ModelVersionRow {
  readonly version: number;
  readonly stage: ModelStage;
  readonly champion: boolean;
  readonly registeredAt: string;
  readonly runId: string;
  readonly algorithm?: string;
  readonly gate?: { readonly metric: string; readonly value: number };
}

/** A version as the registry holds it: its manifest and its stage. */
interface VersionDetails {
  readonly manifest: ManifestFacts;
  readonly stage: StageRecord;
}

/** Parse `3` or `v3`. */
export function parseVersion(arg: string): number {
  const match = /^v?([1-9]\d*)$/i.exec(arg.trim());
  if (!match) throw new UsageError(`VERSION is a version number such as 3 or v3, got ${JSON.stringify(arg)}`);
  return Number(match[1]);
}

/** The caller, for the stage history: the OS user (or `$USER` where the OS has no entry for it). */
export function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** A version's manifest and stage; undefined when it is not registered (no manifest: never, or not yet, complete). */
async function readVersion(registry: ModelRegistry, version: number): Promise<VersionDetails | undefined> {
  const [manifest, stage] = await Promise.all([
    registry.store.get<ManifestFacts>(versionKey(registry.name, version, 'manifest.json')),
    registry.store.get<StageRecord>(versionKey(registry.name, version, 'stage.json')),
  ]);
  if (!manifest) return undefined;
  // A manifest is written before its first stage: a version caught in between is a candidate.
  return { manifest, stage: stage ?? { stage: 'candidate', history: [] } };
}

async function notFound(registry: ModelRegistry, version: number, output: Output): Promise<number> {
  const versions = await listVersions(registry.store, registry.name);
  const known = versions.length > 0 ? `it has ${versions.map((v) => `v${v}`).join(', ')}` : 'it has no versions yet';
  output.err(`mlops: version ${version} of model ${registry.name} not found in ${registry.location} (${known}; list them with: mlops models)`);
  return EXIT.failed;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(5);
}

function stageText(stage: ModelStage): string {
  return stage === 'champion' ? colour.green(stage) : stage === 'approved' ? colour.bold(stage) : stage === 'archived' ? colour.dim(stage) : colour.yellow(stage);
}

/** Every registered version of the model, newest first. */
export async function listModelVersions(registry: ModelRegistry): Promise<ModelVersionRow[]> {
  const [versions, champion] = await Promise.all([listVersions(registry.store, registry.name), getChampion(registry.store, registry.name)]);
  const rows: ModelVersionRow[] = [];
  for (const version of versions.reverse()) {
    const details = await readVersion(registry, version);
    // A claimed number without a manifest is a registration in progress (or one that failed): not a version yet.
    if (!details) continue;
    const { manifest, stage } = details;
    rows.push({
      version,
      stage: stage.stage,
      champion: champion?.version === version,
      registeredAt: manifest.registeredAt,
      runId: manifest.runId,
      ...(manifest.algorithm ? { algorithm: manifest.algorithm } : {}),
      ...(manifest.gate ? { gate: { metric: manifest.gate.metric, value: manifest.gate.value } } : {}),
    });
  }
  return rows;
}

/** `mlops models`: the registry table. */
export async function modelsCommand(registry: ModelRegistry, options: { json?: boolean }, output: Output): Promise<number> {
  const rows = await listModelVersions(registry);
  if (options.json) {
    output.out(JSON.stringify(rows, null, 2));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    output.out(`no versions of model ${registry.name} yet: a run whose candidate passes the gate registers one (mlops runs)`);
    return EXIT.ok;
  }
  output.out(['', 'VERSION', 'STAGE', 'REGISTERED', 'GATE', 'RUN', 'ALGORITHM'].join('\t'));
  for (const r of rows) {
    const gate = r.gate ? `${r.gate.metric} ${formatNumber(r.gate.value)}` : '';
    output.out([r.champion ? colour.green('*') : '', `v${r.version}`, stageText(r.stage), r.registeredAt, gate, r.runId, r.algorithm ?? ''].join('\t'));
  }
  if (rows.some((r) => r.champion)) output.out(colour.dim('* the champion (the version serving)'));
  return EXIT.ok;
}

/** `mlops models show VERSION`: the manifest and the stage history. */
export async function modelShowCommand(registry: ModelRegistry, version: number, options: { json?: boolean }, output: Output): Promise<number> {
  const details = await readVersion(registry, version);
  if (!details) return notFound(registry, version, output);
  const champion = (await getChampion(registry.store, registry.name))?.version === version;
  const { manifest, stage } = details;
  if (options.json) {
    output.out(JSON.stringify({ manifest, stage: stage.stage, champion, history: stage.history }, null, 2));
    return EXIT.ok;
  }
  output.out(`${colour.bold(`${registry.name} v${version}`)}  ${stageText(stage.stage)}${champion ? ' (the champion)' : ''}`);
  output.out(`  registered: ${manifest.registeredAt} by run ${manifest.runId}`);
  if (manifest.algorithm) output.out(`  model:      ${manifest.algorithm}${manifest.task ? ` (${manifest.task})` : ''}`);
  if (manifest.gate) output.out(`  gate:       ${manifest.gate.metric} ${formatNumber(manifest.gate.value)}${manifest.gate.decision ? ` → ${manifest.gate.decision}` : ''}`);
  if (manifest.data) output.out(`  data:       s3://${manifest.data.bucket}/${manifest.data.key}${manifest.data.versionId ? ` (version ${manifest.data.versionId})` : ''}${manifest.data.sha256 ? ` sha256 ${manifest.data.sha256.slice(0, 12)}…` : ''}`);
  if (manifest.configHash) output.out(`  config:     ${manifest.configHash.slice(0, 12)}…${manifest.codeVersion ? `  code ${manifest.codeVersion}` : ''}`);
  output.out(`  files:      ${manifest.files.join(', ')} in ${registry.location}${version}/`);
  output.out('  history:');
  for (const h of stage.history) output.out(`    ${h.at}  ${h.stage.padEnd(9)}  by ${h.by}${h.reason ? `: ${h.reason}` : ''}`);
  return EXIT.ok;
}

/** Resume the run waiting on an approval; false (after saying why) when it no longer waits. */
async function resumeRun(sfn: SFNClient, approval: ApprovalRecord, decision: ApprovalDecision, label: string, output: Output): Promise<boolean> {
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: approval.taskToken, output: JSON.stringify(decision) }));
    return true;
  } catch (error) {
    if (!(error instanceof SFNServiceException) || !['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(error.name)) throw error;
    output.err(
      `mlops: ${label} is ${decision.decision} (recorded), but run ${approval.runId} no longer waits for it (${error.name}: the approval window ended ${approval.expiresAt})` +
        (decision.decision === 'approved' ? `; deploy it by hand: mlops deploy ${label.replace(/^v(\d+).*$/, '$1')}` : ''),
    );
    return false;
  }
}

/** A stage change the CLI offers: the stage it moves to, and the stages it may move from. */
interface StageChange {
  readonly to: ModelStage;
  readonly from: readonly ModelStage[];
  readonly verb: string;
  /** Why the other stages cannot move (keyed by stage). */
  readonly refusal: Readonly<Partial<Record<ModelStage, string>>>;
}

/** What `approve` and `reject` may do (the one table of CLI stage changes). */
const STAGE_CHANGES: Readonly<Record<'approve' | 'reject', StageChange>> = {
  approve: {
    to: 'approved',
    from: ['candidate'],
    verb: 'approved',
    refusal: {
      champion: 'it already serves; approval is for candidates',
      archived: 'an archived version cannot come back; a new run registers a new candidate',
    },
  },
  reject: {
    to: 'archived',
    from: ['candidate', 'approved'],
    verb: 'rejected',
    refusal: { champion: 'it serves now; deploy another version first, which archives this one' },
  },
};

/** Options of `approve` and `reject`. */
export interface StageChangeOptions {
  /** Who decides. @default the OS user */
  readonly by?: string;
  readonly reason?: string;
  readonly json?: boolean;
}

/**
 * `mlops models approve VERSION` / `mlops models reject VERSION --reason R`: move a version to `approved` or
 * `archived`, recording who and why. A version already there is left as it is (exit 0).
 *
 * When a run waits for this decision (level 2: the version's approval request is pending), the decision
 * is recorded on the request and the run is resumed with it (`SendTaskSuccess` on its task token): an
 * approved version is then deployed by the run; a rejected one ends it. A run that stopped waiting (the
 * approval timed out) cannot be resumed: the decision is kept, exit 1 says how to deploy by hand.
 */
export async function modelStageCommand(
  registry: ModelRegistry,
  version: number,
  action: keyof typeof STAGE_CHANGES,
  options: StageChangeOptions,
  output: Output,
  sfn?: SFNClient,
  audit?: AuditRecorder,
): Promise<number> {
  const change = STAGE_CHANGES[action];
  const details = await readVersion(registry, version);
  if (!details) return notFound(registry, version, output);
  const current = details.stage.stage;
  const label = `v${version} of ${registry.name}`;
  let record: StageRecord = details.stage;
  const changed = current !== change.to;
  if (changed) {
    if (!change.from.includes(current)) {
      throw new UsageError(`cannot ${action} ${label}: it is ${current} (${change.refusal[current] ?? `only ${change.from.join(' or ')} versions can be ${change.verb}`})`);
    }
    const by = options.by ?? defaultActor();
    const reason = options.reason ?? `${change.verb} with mlops models ${action}`;
    const approval = await registry.store.get<ApprovalRecord>(approvalKey(registry.name, version));
    // Governance: the decision is in the audit trail before anything acts on it.
    await audit?.({
      kind: 'approval',
      decision: action === 'approve' ? 'approved' : 'rejected',
      subject: { model: registry.name, version, ...(approval?.runId ? { runId: approval.runId } : {}) },
      reason,
      evidence: { from: current, to: change.to, ...(approval?.status ? { approvalRequest: approval.status } : {}) },
      by,
    });
    if (approval?.status === 'pending' && sfn) {
      const decision: ApprovalDecision = { decision: action === 'approve' ? 'approved' : 'rejected', by, reason, at: new Date().toISOString() };
      // The stage first: the resumed run deploys at once, and its champion must come after `approved`.
      await closeApproval(registry.store, registry.name, version, decision);
      record = (await registry.store.get<StageRecord>(versionKey(registry.name, version, 'stage.json')))!;
      const resumed = await resumeRun(sfn, approval, decision, `v${version} of ${registry.name}`, output);
      if (!resumed) return EXIT.failed;
      if (!options.json) {
        output.out(`${label}: ${current} → ${stageText(record.stage)} by ${by}: ${reason}`);
        output.out(
          decision.decision === 'approved'
            ? `run ${approval.runId} resumes and deploys v${version} (follow it: mlops runs show ${approval.runId})`
            : `run ${approval.runId} resumes and ends ApprovalRejected`,
        );
        return EXIT.ok;
      }
    } else {
      record = await setStage(registry.store, registry.name, version, change.to, { by, reason });
    }
  }
  if (options.json) {
    output.out(JSON.stringify({ name: registry.name, version, stage: record.stage, changed, history: record.history }, null, 2));
    return EXIT.ok;
  }
  const last = record.history.at(-1);
  if (!changed) output.out(`${label} is already ${current}${last ? ` (by ${last.by} at ${last.at}: ${last.reason})` : ''}: nothing changed`);
  else output.out(`${label}: ${current} → ${stageText(record.stage)} by ${last?.by ?? '?'}${last?.reason ? `: ${last.reason}` : ''}`);
  return EXIT.ok;
}

/**
 * `mlops models card VERSION [--out F.html] [--json]`: the version's model card (written at registration
 * at the governance level), as HTML to a file, as JSON, or as a summary. Exit 1 when the version or its card
 * does not exist.
 */
export async function modelCardCommand(registry: ModelRegistry, version: number, options: { json?: boolean; out?: string }, output: Output): Promise<number> {
  const details = await readVersion(registry, version);
  if (!details) return notFound(registry, version, output);
  const card = await registry.store.get<ModelCard>(versionKey(registry.name, version, MODEL_CARD_FILE));
  if (!card) {
    output.err(`mlops: ${registry.name} v${version} has no model card (cards are written at registration when the environment governs its models: level 4, or overrides.governance)`);
    return EXIT.failed;
  }
  if (options.out) {
    writeFileSync(options.out, renderModelCardHtml(card));
    output.out(`model card of ${registry.name} v${version} → ${options.out}`);
  }
  if (options.json) output.out(JSON.stringify(card, null, 2));
  else if (!options.out) {
    output.out(`${colour.bold(`${card.model.name} v${card.model.version}`)}  ${card.model.algorithm} · ${card.model.task} on ${card.model.target}`);
    output.out(`  intended use: ${card.intendedUse}`);
    output.out(`  trained on:   ${card.trainingData.source} (${card.trainingData.rows.train.toLocaleString('en-US')} rows)`);
    output.out(`  gate:         ${card.evaluation.decision} — ${card.evaluation.metric} ${formatNumber(card.evaluation.value)} vs baseline ${formatNumber(card.evaluation.baseline)}`);
    output.out(`  top features: ${card.importance.slice(0, 5).map((f) => f.feature).join(', ')}`);
    for (const l of card.limitations) output.out(`  limitation:   ${l}`);
  }
  return EXIT.ok;
}

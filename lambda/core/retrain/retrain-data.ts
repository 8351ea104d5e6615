/**
 * What a retrain trains on (level 4, `monitoring.retrain.includeCapturedData`): the newest validated data —
 * every data file of the newest run's `validated/<runId>/` folder — plus the captured requests whose labels
 * arrived after that data was written (`monitoring/<name>/labelled/`), as one part-file dataset the
 * validate stage checks like any upload:
 *
 * `retrain/<runId>/<assembly>/part-00000-<name>` … (copies of the validated files), `part-<n>-captured.csv` (the labelled
 * captures, in the validated CSV's column order, the target column filled from the labels), and
 * `_manifest.json` last, naming the parts in order and where the labelled rows it did not take start. The
 * labelled rows a retrain takes are those not in the newest validated data: after that data was written for
 * an upload, after its manifest's `labelledAfter` for a retrain's dataset — so no row is lost between two
 * retrains or taken twice, and a retrain whose validation failed leaves its rows to the next.
 * Captured rows the dataset's schema would fail (a value out of range, a code the regex refuses) are left out
 * and counted, so one bad request cannot fail every retrain. Concurrent triggers of one episode claim the
 * run (`retrain/<runId>/_claim.json`, written only if absent) before assembling; each assembles in its own
 * folder all the same, so a store that ignores the condition (s3rver) cannot mix two assemblies.
 *
 * A part folder's parts must share one format and header, so the captured rows join only CSV data; for
 * other formats the retrain uses the validated data alone and says why. Plain cases need no folder: one
 * validated file and no labelled rows is retrained on in place.
 */
import type { DatasetConfig } from '../../../config/schema';
import { ARTIFACT_PREFIX, DATA_PREFIX } from '../layout';
import type { LabelledRow } from '../monitoring/live-quality';
import { cellViolation } from '../validation/cell-check';
import { CsvParser } from '../validation/csv-parser';
import { baseName, isDataFileName } from '../validation/dataset-parts';

/**
 * The folder one trigger assembles a retrain's dataset in: `retrain/<runId>/<assembly>/`. Each trigger of an
 * episode has its own assembly folder, so triggers that race (where the claim is not enforced) never write
 * into each other's dataset; the run starts on the folder of the trigger whose start succeeded.
 */
export function retrainFolder(runId: string, assembly: string): string {
  return `${DATA_PREFIX.retrain}${runId}/${assembly}/`;
}

/** The claim of a retrain run's assembly: `retrain/<runId>/_claim.json`, written only if absent. */
export function retrainClaimKey(runId: string): string {
  return `${DATA_PREFIX.retrain}${runId}/_claim.json`;
}

/** The run folder (`validated/<runId>/`) of a key under `validated/`, or undefined. */
export function validatedRunFolder(key: string): string | undefined {
  const rest = key.startsWith(DATA_PREFIX.validated) ? key.slice(DATA_PREFIX.validated.length) : undefined;
  const slash = rest?.indexOf('/') ?? -1;
  return rest !== undefined && slash > 0 ? `${DATA_PREFIX.validated}${rest.slice(0, slash)}/` : undefined;
}

/** Whether a key under a validated run folder is data: no segment below the folder is hidden or a marker. */
export function isValidatedDataKey(folder: string, key: string): boolean {
  return key.startsWith(folder) && key.length > folder.length && key.slice(folder.length).split('/').every(isDataFileName);
}

/** The manifest a retrain writes: the parts, and where the next retrain's labelled rows start. */
export interface RetrainManifest {
  readonly parts: readonly string[];
  /** The `startAfter` key of the labelled rows not in this dataset (the last one it took, or the moment it was assembled). */
  readonly labelledAfter: string;
}

/**
 * The retrain folder (`retrain/<runId>/<assembly>/`) a validated run's files came from, when that run validated a retrain's
 * assembled dataset (its copies sit under `validated/<run>/retrain/<id>/`); undefined for an upload.
 */
export function retrainFolderOf(validatedKeys: readonly string[]): string | undefined {
  for (const key of validatedKeys) {
    const folder = validatedRunFolder(key);
    const rest = folder ? key.slice(folder.length) : '';
    if (rest.startsWith(DATA_PREFIX.retrain)) return rest.slice(0, rest.lastIndexOf('/') + 1);
  }
  return undefined;
}

/** Labelled rows kept after this instant: the `startAfter` key for listing `monitoring/<name>/labelled/`. */
export function labelledAfterKey(name: string, after: Date): string {
  return `${ARTIFACT_PREFIX.monitoring}${name}/labelled/${after.toISOString().replace(/[:.]/g, '-')}`;
}

/** The column a label is the value of: the derived label's source column, else the target. */
export function labelColumn(dataset: Pick<DatasetConfig, 'label' | 'target'>): string {
  return dataset.label?.from ?? dataset.target;
}

/**
 * The labelled rows the dataset's schema admits, each cell checked as the validate stage checks a column
 * (the label as the label column's value); a row failing any check is left out, with the first reasons — so
 * one bad captured value cannot fail every retrain's validation.
 */
export function admitLabelledRows(rows: readonly LabelledRow[], dataset: Pick<DatasetConfig, 'columns' | 'label' | 'target'>): { kept: LabelledRow[]; leftOut: number; reasons: string[] } {
  const target = labelColumn(dataset);
  const kept: LabelledRow[] = [];
  const reasons: string[] = [];
  let leftOut = 0;
  for (const row of rows) {
    let why: string | undefined;
    for (const [column, spec] of Object.entries(dataset.columns)) {
      const problem = cellViolation(spec, column === target ? row.label : row.record[column]);
      if (problem) {
        why = `request ${row.requestId}: ${column} ${problem}`;
        break;
      }
    }
    if (why === undefined) kept.push(row);
    else {
      leftOut++;
      if (reasons.length < 3) reasons.push(why);
    }
  }
  return { kept, leftOut, reasons };
}

/** One CSV field: quoted when it holds the delimiter, a quote, or a line break (RFC 4180). */
function csvField(value: unknown, delimiter: string): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.includes(delimiter) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header of a CSV's first line (the validate stage's parser, `delimiter` between fields), or undefined when the text has no complete line. */
export function csvHeader(text: string, delimiter = ','): string[] | undefined {
  let header: string[] | undefined;
  const parser = new CsvParser(delimiter, (record) => {
    header ??= record.toArray();
  });
  // Only complete records: a first line cut off by the read's end is not a header.
  parser.push(text.startsWith('\uFEFF') ? text.slice(1) : text);
  return header;
}

/**
 * The labelled captured rows as CSV with the validated data's header: each column from the captured record,
 * the target column from the label. Rows are in capture-time order (a time split keeps the newest last).
 */
export function labelledCsv(rows: readonly LabelledRow[], header: readonly string[], targetColumn: string, delimiter = ','): string {
  const sorted = [...rows].sort((a, b) => a.at.localeCompare(b.at) || a.requestId.localeCompare(b.requestId));
  const lines = [header.map((h) => csvField(h, delimiter)).join(delimiter)];
  for (const r of sorted) lines.push(header.map((column) => csvField(column === targetColumn ? r.label : r.record[column], delimiter)).join(delimiter));
  return `${lines.join('\n')}\n`;
}

/** The parts of a retrain folder, in order: copies of the validated files, then the captured rows. */
export function retrainParts(folder: string, validatedKeys: readonly string[], withCaptured: boolean): { copies: Array<{ from: string; to: string }>; captured?: string; manifest: string; names: string[] } {
  const copies = validatedKeys.map((from, i) => ({ from, to: `${folder}part-${String(i).padStart(5, '0')}-${baseName(from)}` }));
  const captured = withCaptured ? `${folder}part-${String(validatedKeys.length).padStart(5, '0')}-captured.csv` : undefined;
  const names = [...copies.map((c) => c.to), ...(captured ? [captured] : [])].map((k) => k.slice(folder.length));
  return { copies, ...(captured ? { captured } : {}), manifest: `${folder}_manifest.json`, names };
}

/**
 * What a retrain trains on (level 4, `monitoring.retrain.includeCapturedData`): the newest validated data —
 * every data file of the newest run's `validated/<runId>/` folder — plus the captured requests whose labels
 * arrived after that data was written (`monitoring/<name>/labelled/`), as one part-file dataset the
 * validate stage checks like any upload:
 *
 * `retrain/<runId>/part-00000-<name>` … (copies of the validated files), `part-<n>-captured.csv` (the labelled
 * captures, in the validated CSV's column order, the target column filled from the labels), and
 * `_manifest.json` last, naming the parts in order.
 *
 * A part folder's parts must share one format and header, so the captured rows join only CSV data; for
 * other formats the retrain uses the validated data alone and says why. Plain cases need no folder: one
 * validated file and no labelled rows is retrained on in place.
 */
import { ARTIFACT_PREFIX, DATA_PREFIX } from '../layout';
import type { LabelledRow } from '../monitoring/live-quality';
import { baseName, isDataFileName } from '../validation/dataset-parts';

/** The folder a retrain's dataset is assembled in. */
export function retrainFolder(runId: string): string {
  return `${DATA_PREFIX.retrain}${runId}/`;
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

/** Labelled rows kept after this instant: the `startAfter` key for listing `monitoring/<name>/labelled/`. */
export function labelledAfterKey(name: string, after: Date): string {
  return `${ARTIFACT_PREFIX.monitoring}${name}/labelled/${after.toISOString().replace(/[:.]/g, '-')}`;
}

/** One CSV field: quoted when it holds a comma, quote, or line break (RFC 4180). */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header of a CSV's first line (RFC 4180 quoting), or undefined when the text has no complete line. */
export function csvHeader(text: string): string[] | undefined {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      fields.push(field);
      return fields;
    } else field += c;
  }
  return undefined;
}

/**
 * The labelled captured rows as CSV with the validated data's header: each column from the captured record,
 * the target column from the label. Rows are in capture-time order (a time split keeps the newest last).
 */
export function labelledCsv(rows: readonly LabelledRow[], header: readonly string[], targetColumn: string): string {
  const sorted = [...rows].sort((a, b) => a.at.localeCompare(b.at) || a.requestId.localeCompare(b.requestId));
  const lines = [header.map(csvField).join(',')];
  for (const r of sorted) lines.push(header.map((column) => csvField(column === targetColumn ? r.label : r.record[column])).join(','));
  return `${lines.join('\n')}\n`;
}

/** The parts of a retrain folder, in order: copies of the validated files, then the captured rows. */
export function retrainParts(runId: string, validatedKeys: readonly string[], withCaptured: boolean): { copies: Array<{ from: string; to: string }>; captured?: string; manifest: string; names: string[] } {
  const folder = retrainFolder(runId);
  const copies = validatedKeys.map((from, i) => ({ from, to: `${folder}part-${String(i).padStart(5, '0')}-${baseName(from)}` }));
  const captured = withCaptured ? `${folder}part-${String(validatedKeys.length).padStart(5, '0')}-captured.csv` : undefined;
  const names = [...copies.map((c) => c.to), ...(captured ? [captured] : [])].map((k) => k.slice(folder.length));
  return { copies, ...(captured ? { captured } : {}), manifest: `${folder}_manifest.json`, names };
}

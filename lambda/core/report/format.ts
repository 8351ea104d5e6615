/**
 * Text helpers of the HTML run report: escaping of every string that comes from data (feature names,
 * gate reasons, config keys and error causes are user data), and number, duration and size formats.
 */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape a value for HTML text and for a double- or single-quoted attribute. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * A number for people: integers with thousands separators, large values with few decimals, the rest
 * with 4 significant digits. Anything that is not a finite number says so (JSON turns NaN into null).
 */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number') return 'n/a';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  if (Math.abs(value) >= 100) return value.toFixed(2);
  return String(Number(value.toPrecision(4)));
}

/** Epoch milliseconds as a UTC instant to the minute ("2001-01-01 00:07"); anything else as {@link formatNumber}. */
export function formatInstant(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return formatNumber(value);
  const date = new Date(value);
  return Number.isFinite(date.getTime()) ? date.toISOString().slice(0, 16).replace('T', ' ') : formatNumber(value);
}

/** A signed percentage from a fraction (0.0123 → "+1.23%"). */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return formatNumber(fraction);
  return `${fraction >= 0 ? '+' : '−'}${Math.abs(fraction * 100).toFixed(2)}%`;
}

/** A duration in milliseconds: "850 ms", "2.5 s", "3 min 05 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'n/a';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** A byte count: "512 B", "1.5 KB", "2.0 MB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1073741824) return `${(bytes / 1048576).toFixed(1)} MB`;
  return `${(bytes / 1073741824).toFixed(2)} GB`;
}

/** A JSON value on one line, for tables of parameters and lineage (strings as they are). */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (value === undefined) return 'n/a';
  return JSON.stringify(value);
}

/**
 * An object flattened to dotted keys (`data.rows.train`), arrays of scalars kept whole, for key/value
 * tables of nested documents.
 */
export function flatten(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix, value]];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return prefix ? [[prefix, {}]] : [];
  return entries.flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
}

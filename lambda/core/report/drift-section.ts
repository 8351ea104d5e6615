/**
 * What the report's Drift section shows, computed from the drift documents without any markup: the name
 * and the rule of each column's drift method, and a column's reference distribution as the bars of a
 * small histogram — numerical columns re-binned to equal widths from what the baseline stores (its
 * points, or its bins with each bin's mass at its mean), categorical ones as their most frequent
 * categories; and, for a drift report, each column's reference and window shares on the baseline's cells
 * as paired bars. Documents are read as untrusted JSON: a field that is missing or of the wrong type gives
 * no histogram (no comparison), never an exception.
 */
import type { ColumnDrift } from '../drift/compute-drift';
import type { DriftColumnBaseline, DriftMethod } from '../drift/drift-baseline';
import { formatNumber } from './format';
import type { HistogramBin, PairedBar } from './svg-charts';

/** Bars of a numerical column's reference histogram (fewer when the column has fewer distinct values). */
export const MAX_HISTOGRAM_BINS = 20;

/** Categories drawn by name in a categorical column's reference histogram; the rest share one "other" bar. */
export const MAX_CATEGORY_BARS = 8;

/** Categories drawn by name when comparing reference and window; the rest share one pair of bars. */
export const MAX_COMPARED_CATEGORIES = 10;

const METHOD_NAMES: Readonly<Record<DriftMethod, string>> = {
  ks: 'KS (Kolmogorov–Smirnov p-value)',
  wasserstein: 'Wasserstein (distance / reference std)',
  chisquare: 'chi-square (p-value)',
  z: 'z (two-proportion p-value)',
  jensenshannon: 'Jensen–Shannon (distance)',
};

function isMethod(method: unknown): method is DriftMethod {
  return typeof method === 'string' && Object.hasOwn(METHOD_NAMES, method);
}

/** A drift method for people ("KS (Kolmogorov–Smirnov p-value)"); an unknown one as it is. */
export function driftMethodName(method: unknown): string {
  return isMethod(method) ? METHOD_NAMES[method] : String(method);
}

/** Whether a method's score is a p-value (drift when low) rather than a distance (drift when high). */
export function isPValueMethod(method: unknown): boolean {
  return method === 'ks' || method === 'chisquare' || method === 'z';
}

/**
 * When a column drifts, as the drift statistics decide it (`compute-drift.ts`): KS at p ≤ threshold,
 * chi-square and z at p < threshold, the distances at ≥ threshold.
 */
export function driftRule(method: unknown, threshold: unknown): string {
  const t = formatNumber(threshold);
  if (method === 'ks') return `p ≤ ${t}`;
  if (method === 'chisquare' || method === 'z') return `p < ${t}`;
  return `distance ≥ ${t}`;
}

/** The bars of a reference histogram, the text under its ends, and one sentence saying what it shows. */
export interface ReferenceHistogram {
  readonly bins: readonly HistogramBin[];
  readonly ends?: readonly [string, string];
  /** The count drawn at full height when it is not the largest (the "other" bar may be taller than any named category). */
  readonly fullHeight?: number;
  readonly summary: string;
}

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/** Where the reference mass sits: (position, count) pairs, from the points, or from the bins at each bin's mean. */
function masses(distribution: Readonly<Record<string, unknown>>): Array<readonly [number, number]> | undefined {
  if (distribution.type === 'points') {
    const values = numbers(distribution.values);
    const counts = numbers(distribution.counts);
    if (!values || !counts || values.length !== counts.length) return undefined;
    return values.map((v, i) => [v, counts[i]!] as const);
  }
  const edges = numbers(distribution.edges);
  const counts = numbers(distribution.counts);
  const offsets = numbers(distribution.offsets);
  if (!edges || !counts || !offsets || counts.length !== edges.length - 1 || offsets.length !== counts.length) return undefined;
  const out = counts.map((c, b) => [edges[b]! + (c > 0 ? offsets[b]! / c : 0), c] as const);
  const last = typeof distribution.lastEdgeCount === 'number' ? distribution.lastEdgeCount : 0;
  if (last > 0) out.push([edges[edges.length - 1]!, last]);
  return out;
}

function numericHistogram(mass: ReadonlyArray<readonly [number, number]>, rows: number): ReferenceHistogram | undefined {
  const weighted = mass.filter(([x, c]) => Number.isFinite(x) && c > 0);
  if (weighted.length === 0) return undefined;
  const lo = Math.min(...weighted.map(([x]) => x));
  const hi = Math.max(...weighted.map(([x]) => x));
  const k = hi > lo ? Math.min(MAX_HISTOGRAM_BINS, weighted.length) : 1;
  const width = (hi - lo) / k;
  const counts = new Array<number>(k).fill(0);
  for (const [x, c] of weighted) counts[width > 0 ? Math.min(k - 1, Math.floor((x - lo) / width)) : 0]! += c;
  const bins = counts.map((count, i) => {
    const from = lo + i * width;
    const to = i === k - 1 ? hi : lo + (i + 1) * width;
    return { label: i === k - 1 ? `${formatNumber(from)} to ${formatNumber(to)}` : `${formatNumber(from)} to under ${formatNumber(to)}`, count };
  });
  return {
    bins,
    ends: [formatNumber(lo), formatNumber(hi)],
    summary: `${formatNumber(rows)} reference values from ${formatNumber(lo)} to ${formatNumber(hi)} in ${k} equal-width bins.`,
  };
}

function categoryHistogram(names: readonly string[], counts: readonly number[], other: number, label: (name: string) => string, sort: boolean): ReferenceHistogram {
  const pairs = names.map((name, i) => [name, counts[i] ?? 0] as const);
  const ordered = sort ? [...pairs].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : pairs;
  const shown = ordered.slice(0, MAX_CATEGORY_BARS);
  const rest = ordered.slice(MAX_CATEGORY_BARS);
  const restCount = rest.reduce((s, [, c]) => s + c, 0) + other;
  const bins: HistogramBin[] = shown.map(([name, count]) => ({ label: label(name), count }));
  const total = pairs.reduce((s, [, c]) => s + c, 0) + other;
  const named = Math.max(0, ...shown.map(([, c]) => c));
  if (restCount > 0) bins.push({ label: `other (${rest.length > 0 ? `${rest.length} more categories` : 'beyond the baseline cap'})`, count: restCount, className: 'hist other' });
  const what = sort
    ? `the ${shown.length} most frequent of ${names.length} categories${restCount > 0 ? `, then the other ${formatNumber(Number(((100 * restCount) / total).toFixed(1)))}% of rows as one bar` : ''}`
    : `${names.length} distinct values`;
  return { bins, ...(restCount > named && named > 0 ? { fullHeight: named } : {}), summary: `Reference counts of ${what}.` };
}

/**
 * The reference distribution of a baseline column as histogram bars, from what the baseline stores;
 * undefined when the column holds no distribution it can draw.
 */
export function referenceHistogram(column: DriftColumnBaseline): ReferenceHistogram | undefined {
  const distribution = column.distribution as unknown as Readonly<Record<string, unknown>> | undefined;
  if (!distribution || typeof distribution !== 'object') return undefined;
  const rows = typeof column.count === 'number' ? column.count : Number.NaN;
  switch (distribution.type) {
    case 'points':
    case 'bins': {
      const mass = masses(distribution);
      return mass ? numericHistogram(mass, rows) : undefined;
    }
    case 'values': {
      const values = numbers(distribution.values);
      const counts = numbers(distribution.counts);
      if (!values || !counts) return undefined;
      return categoryHistogram(values.map(String), counts, 0, (v) => formatNumber(Number(v)), false);
    }
    case 'categories': {
      const categories = strings(distribution.categories);
      const counts = numbers(distribution.counts);
      if (!categories || !counts) return undefined;
      return categoryHistogram(categories, counts, typeof distribution.other === 'number' ? distribution.other : 0, (c) => c, true);
    }
    default:
      return undefined;
  }
}

/** A column's reference and window shares on the baseline's cells, as pairs of bars, and one sentence saying what they show. */
export interface DistributionComparison {
  readonly bars: readonly PairedBar[];
  /** The share drawn at full width when a catch-all pair is larger than every named one. */
  readonly fullScale?: number;
  readonly summary: string;
}

/** The cells of a drift report column, when they are there and of one length. */
function cellsOf(current: unknown): { labels: string[]; reference: number[]; current: number[]; layout: unknown; missing: unknown } | undefined {
  if (current === null || typeof current !== 'object') return undefined;
  const { cells, layout, missing } = current as Readonly<Record<string, unknown>>;
  if (cells === null || typeof cells !== 'object') return undefined;
  const c = cells as Readonly<Record<string, unknown>>;
  const labels = strings(c.labels);
  const reference = numbers(c.reference);
  const window = numbers(c.current);
  if (!labels || !reference || !window || labels.length === 0 || reference.length !== labels.length || window.length !== labels.length) return undefined;
  return { labels, reference, current: window, layout, missing };
}

/**
 * Reference against window shares per cell of a drift report's column (its `current` field): every PSI
 * bin of a numerical column in value order; a discrete column's {@link MAX_COMPARED_CATEGORIES} largest
 * cells (the larger of the two shares), the rest as one pair, then the "other" cell when either side has
 * any. Undefined for a report written before the field existed, or a damaged one.
 */
export function distributionComparison(column: ColumnDrift): DistributionComparison | undefined {
  const cells = cellsOf((column as unknown as Readonly<Record<string, unknown>>).current);
  if (!cells) return undefined;
  const pair = (i: number): PairedBar => ({ label: cells.labels[i]!, reference: cells.reference[i], current: cells.current[i] });
  const missing = typeof cells.missing === 'number' && cells.missing > 0 ? ` ${formatNumber(cells.missing)} missing window ${cells.missing === 1 ? 'value is' : 'values are'} not in the shares.` : '';
  const rows = formatNumber(column.currentCount);
  if (cells.layout === 'bins') {
    const bars = cells.labels.map((_, i) => pair(i));
    return { bars, summary: `Shares of the reference and of ${rows} window values in the ${bars.length} PSI bins fixed from reference quantiles.${missing}` };
  }
  // The last cell of a discrete column is the catch-all: never ranked with the named ones.
  const last = cells.labels.length - 1;
  const named = cells.labels.slice(0, last).map((_, i) => i);
  const ranked = [...named].sort((a, b) => Math.max(cells.reference[b]!, cells.current[b]!) - Math.max(cells.reference[a]!, cells.current[a]!) || a - b);
  const shown = named.length > MAX_COMPARED_CATEGORIES ? ranked.slice(0, MAX_COMPARED_CATEGORIES) : named;
  const rest = named.length > MAX_COMPARED_CATEGORIES ? ranked.slice(MAX_COMPARED_CATEGORIES) : [];
  const bars = shown.map(pair);
  const largest = (pairs: readonly PairedBar[]): number => Math.max(0, ...pairs.flatMap((p) => [p.reference, p.current]).filter((v): v is number => Number.isFinite(v)));
  const total = (side: number[], indices: readonly number[]): number => indices.reduce((s, i) => s + side[i]!, 0);
  if (rest.length > 0) bars.push({ label: `${rest.length} more categories`, reference: total(cells.reference, rest), current: total(cells.current, rest), className: 'other' });
  if (cells.reference[last]! > 0 || cells.current[last]! > 0) bars.push({ label: 'other (not a baseline category)', reference: cells.reference[last], current: cells.current[last], className: 'other' });
  const what = rest.length > 0 ? `the ${shown.length} largest of ${named.length} baseline categories, then the other ${rest.length} as one pair` : `${named.length} baseline ${named.length === 1 ? 'category' : 'categories'}`;
  // A catch-all pair larger than every named one is cut at the largest named share, so it does not flatten them.
  const namedTop = largest(bars.slice(0, shown.length));
  const cut = largest(bars) > namedTop && namedTop > 0;
  const scale = cut ? ` The axis ends at the largest named share (${formatNumber(Number((100 * namedTop).toFixed(1)))}%): larger pairs reach its end.` : '';
  return { bars, ...(cut ? { fullScale: namedTop } : {}), summary: `Shares of the reference and of ${rows} window values in ${what}.${missing}${scale}` };
}

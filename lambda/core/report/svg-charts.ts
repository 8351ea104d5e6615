/**
 * Inline SVG charts of the HTML run report, drawn in TypeScript so the report needs no script and no
 * network: horizontal bar charts (one scale, or one scale per group of bars), bars against a threshold
 * marker (with optional shaded bands), small histograms, paired bars (reference against current share),
 * and a stage timeline.
 * Every chart is `role="img"` with a `<title>` and `<desc>`, every bar carries its own `<title>`, and
 * every string from data is escaped. Bars are `rect.bar`; styling comes from the page's CSS classes.
 */
import { escapeHtml, formatDuration, formatNumber } from './format';

const WIDTH = 760;
const LABEL_WIDTH = 230;
const VALUE_WIDTH = 90;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 16;
const ROW_HEIGHT = 22;
const BAR_HEIGHT = 14;
const HEADING_HEIGHT = 24;
const MAX_LABEL = 34;
/** Threshold charts leave room after the value for its flag ("0.3064 significant"). */
const THRESHOLD_PLOT_WIDTH = PLOT_WIDTH - 80;

/** One bar: its label, value (a non-number draws no bar and says "n/a"), and a CSS class for its series. */
export interface BarDatum {
  readonly label: string;
  readonly value: unknown;
  readonly className?: string;
}

/** Bars drawn together, under an optional heading. */
export interface BarGroup {
  readonly heading?: string;
  readonly bars: readonly BarDatum[];
}

/** What a bar chart shows. */
export interface BarChartOptions {
  /** Element id (unique in the page); the title and description ids derive from it. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly groups: readonly BarGroup[];
  /** `shared`: one axis for every bar; `per-group`: each group scaled to itself (metrics of different units). */
  readonly scale: 'shared' | 'per-group';
}

/** One stage on the timeline, in milliseconds since the run started. */
export interface TimelineSpan {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly status: 'succeeded' | 'failed' | 'running';
}

function truncate(label: string): string {
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

function svgOpen(id: string, title: string, description: string, height: number, width = WIDTH, className = 'chart'): string {
  return (
    `<svg id="${escapeHtml(id)}" class="${className}" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `aria-labelledby="${escapeHtml(id)}-title ${escapeHtml(id)}-desc">` +
    `<title id="${escapeHtml(id)}-title">${escapeHtml(title)}</title><desc id="${escapeHtml(id)}-desc">${escapeHtml(description)}</desc>`
  );
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The [lo, hi] domain of some values, always including zero and never empty. */
function domainOf(values: readonly unknown[]): [number, number] {
  const numbers = values.filter(finite);
  const lo = Math.min(0, ...numbers);
  const hi = Math.max(0, ...numbers);
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

const fixed = (n: number): string => String(Math.round(n * 10) / 10);

/** A group's heading line, when it has one: appended to `parts`; returns the y below it. */
function pushGroupHeading(parts: string[], heading: string | undefined, y: number): number {
  if (heading === undefined) return y;
  parts.push(`<text class="group-heading" x="8" y="${y + HEADING_HEIGHT - 8}">${escapeHtml(heading)}</text>`);
  return y + HEADING_HEIGHT;
}

/** A horizontal bar chart; negative values extend left of the zero line. */
export function barChart(options: BarChartOptions): string {
  const shared = domainOf(options.groups.flatMap((g) => g.bars.map((b) => b.value)));
  const parts: string[] = [];
  let y = 6;
  for (const group of options.groups) {
    y = pushGroupHeading(parts, group.heading, y);
    const [lo, hi] = options.scale === 'shared' ? shared : domainOf(group.bars.map((b) => b.value));
    const x = (v: number): number => LABEL_WIDTH + ((v - lo) / (hi - lo)) * PLOT_WIDTH;
    const top = y;
    for (const bar of group.bars) {
      const label = escapeHtml(truncate(bar.label));
      const text = escapeHtml(formatNumber(bar.value));
      parts.push(`<text class="bar-label" x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${label}<title>${escapeHtml(bar.label)}</title></text>`);
      if (finite(bar.value)) {
        const left = Math.min(x(0), x(bar.value));
        const width = Math.abs(x(bar.value) - x(0));
        parts.push(
          `<rect class="bar${bar.className ? ` ${escapeHtml(bar.className)}` : ''}" x="${fixed(left)}" y="${y + 4}" width="${fixed(width)}" height="${BAR_HEIGHT}">` +
            `<title>${escapeHtml(bar.label)}: ${text}</title></rect>`,
        );
      }
      parts.push(`<text class="bar-value" x="${LABEL_WIDTH + PLOT_WIDTH + 8}" y="${y + 15}">${text}</text>`);
      y += ROW_HEIGHT;
    }
    parts.push(`<line class="axis" x1="${fixed(x(0))}" y1="${top + 2}" x2="${fixed(x(0))}" y2="${y + 2}"/>`);
  }
  const height = y + 8;
  return `${svgOpen(options.id, options.title, options.description, height)}${parts.join('')}</svg>`;
}

/** The stages of a run on one time axis, each bar coloured by its status. */
export function timelineChart(options: { readonly id: string; readonly title: string; readonly description: string; readonly spans: readonly TimelineSpan[] }): string {
  const total = Math.max(1, ...options.spans.map((s) => s.end));
  const x = (ms: number): number => LABEL_WIDTH + (Math.max(0, ms) / total) * PLOT_WIDTH;
  const parts: string[] = [];
  let y = 6;
  for (const span of options.spans) {
    const duration = formatDuration(span.end - span.start);
    parts.push(`<text class="bar-label" x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(span.label)}</text>`);
    parts.push(
      `<rect class="bar stage-${span.status}" x="${fixed(x(span.start))}" y="${y + 4}" width="${fixed(Math.max(2, x(span.end) - x(span.start)))}" height="${BAR_HEIGHT}">` +
        `<title>${escapeHtml(span.label)}: ${escapeHtml(span.status)}, ${escapeHtml(duration)}</title></rect>`,
    );
    parts.push(`<text class="bar-value" x="${LABEL_WIDTH + PLOT_WIDTH + 8}" y="${y + 15}">${escapeHtml(duration)}</text>`);
    y += ROW_HEIGHT;
  }
  // An axis under the bars: the run's start, quarters, and its end.
  parts.push(`<line class="axis" x1="${LABEL_WIDTH}" y1="${y + 4}" x2="${LABEL_WIDTH + PLOT_WIDTH}" y2="${y + 4}"/>`);
  for (const q of [0, 0.25, 0.5, 0.75, 1]) {
    const at = fixed(x(q * total));
    parts.push(`<line class="axis" x1="${at}" y1="${y + 4}" x2="${at}" y2="${y + 8}"/>`);
    parts.push(`<text class="tick" x="${at}" y="${y + 20}" text-anchor="middle">${escapeHtml(formatDuration(q * total))}</text>`);
  }
  const height = y + 28;
  return `${svgOpen(options.id, options.title, options.description, height)}${parts.join('')}</svg>`;
}

/** One bar of a {@link thresholdChart}. */
export interface ThresholdBar {
  readonly label: string;
  /** The value; a non-number draws no bar and says "n/a". */
  readonly value: unknown;
  /** Where this bar's threshold marker goes; none without. */
  readonly threshold?: number;
  /** CSS class of the bar (`drifted`, `psi-moderate`, …). */
  readonly className?: string;
  /** Words after the value, in the bar's title and beside it ("drifted"); the class alone would be colour only. */
  readonly flag?: string;
}

/** A shaded range behind the bars of a group, with a marker line where it starts. */
export interface ChartBand {
  readonly from: number;
  readonly to: number;
  /** CSS class of the shading (`band-stable`, …). */
  readonly className: string;
  readonly label: string;
}

/** Bars of a {@link thresholdChart} on one axis, under an optional heading. */
export interface ThresholdGroup {
  readonly heading?: string;
  readonly bars: readonly ThresholdBar[];
  /**
   * The axis range; values beyond it are drawn to its end (their text still says the value).
   * @default - from 0 to the largest value, threshold or band start (1 when all are 0)
   */
  readonly domain?: readonly [number, number];
  /**
   * Shaded ranges behind the bars.
   * @default - none
   */
  readonly bands?: readonly ChartBand[];
}

/** What a threshold chart shows. */
export interface ThresholdChartOptions {
  /** Element id (unique in the page); the title and description ids derive from it. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly groups: readonly ThresholdGroup[];
}

/**
 * Horizontal bars from zero, each with its own threshold marker (a dashed line); groups have their own
 * axis, so p-values and distances can share a chart without sharing a scale.
 */
export function thresholdChart(options: ThresholdChartOptions): string {
  const parts: string[] = [];
  let y = 6;
  for (const group of options.groups) {
    y = pushGroupHeading(parts, group.heading, y);
    const bands = group.bands ?? [];
    const hi = group.domain?.[1] ?? domainOf([...group.bars.flatMap((b) => [b.value, b.threshold]), ...bands.map((b) => b.from)])[1];
    const lo = group.domain?.[0] ?? 0;
    const span = hi > lo ? hi - lo : 1;
    const x = (v: number): number => LABEL_WIDTH + ((Math.min(hi, Math.max(lo, v)) - lo) / span) * THRESHOLD_PLOT_WIDTH;
    const top = y;
    const bottom = y + group.bars.length * ROW_HEIGHT + 2;
    for (const band of bands) {
      if (!(band.to > lo && band.from < hi)) continue;
      const left = x(band.from);
      parts.push(
        `<rect class="band ${escapeHtml(band.className)}" x="${fixed(left)}" y="${top + 2}" width="${fixed(x(band.to) - left)}" height="${bottom - top - 2}">` +
          `<title>${escapeHtml(band.label)}</title></rect>`,
      );
      if (band.from > lo) parts.push(`<line class="band-edge" x1="${fixed(left)}" y1="${top + 2}" x2="${fixed(left)}" y2="${bottom}"/>`);
    }
    for (const bar of group.bars) {
      const value = formatNumber(bar.value);
      const text = escapeHtml(bar.flag ? `${value} ${bar.flag}` : value);
      const threshold = bar.threshold !== undefined && Number.isFinite(bar.threshold) ? `, threshold ${escapeHtml(formatNumber(bar.threshold))}` : '';
      parts.push(`<text class="bar-label" x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(truncate(bar.label))}<title>${escapeHtml(bar.label)}</title></text>`);
      if (finite(bar.value)) {
        parts.push(
          `<rect class="bar${bar.className ? ` ${escapeHtml(bar.className)}` : ''}" x="${fixed(x(lo))}" y="${y + 4}" width="${fixed(Math.max(1, x(bar.value) - x(lo)))}" height="${BAR_HEIGHT}">` +
            `<title>${escapeHtml(bar.label)}: ${text}${threshold}</title></rect>`,
        );
      }
      if (bar.threshold !== undefined && Number.isFinite(bar.threshold)) {
        const at = fixed(x(bar.threshold));
        parts.push(`<line class="threshold" x1="${at}" y1="${y + 1}" x2="${at}" y2="${y + ROW_HEIGHT}"><title>${escapeHtml(bar.label)}: threshold ${escapeHtml(formatNumber(bar.threshold))}</title></line>`);
      }
      parts.push(`<text class="bar-value" x="${LABEL_WIDTH + THRESHOLD_PLOT_WIDTH + 8}" y="${y + 15}">${text}</text>`);
      y += ROW_HEIGHT;
    }
    parts.push(`<line class="axis" x1="${fixed(x(lo))}" y1="${top + 2}" x2="${fixed(x(lo))}" y2="${bottom}"/>`);
    // The axis's ends, so a reader can tell a scale of 0–1 from one of 0–5.
    parts.push(`<text class="tick" x="${fixed(x(lo))}" y="${bottom + 12}" text-anchor="middle">${escapeHtml(formatNumber(lo))}</text>`);
    parts.push(`<text class="tick" x="${fixed(x(hi))}" y="${bottom + 12}" text-anchor="middle">${escapeHtml(formatNumber(hi))}</text>`);
    y = bottom + 16;
  }
  return `${svgOpen(options.id, options.title, options.description, y + 4)}${parts.join('')}</svg>`;
}

/** One bar of a {@link histogramChart}: a range or a category and its count. */
export interface HistogramBin {
  readonly label: string;
  readonly count: number;
  /** CSS class of the bar; `hist` by default. */
  readonly className?: string;
}

/** What a histogram shows. */
export interface HistogramChartOptions {
  /** Element id (unique in the page); the title and description ids derive from it. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly bins: readonly HistogramBin[];
  /**
   * Text under the first and the last bar (the range of a numerical column).
   * @default - none
   */
  readonly ends?: readonly [string, string];
  /**
   * The count drawn at full height; larger counts are drawn at full height too (their title says the
   * count), so one catch-all bar does not flatten the others.
   * @default - the largest count
   */
  readonly fullHeight?: number;
}

const HIST_WIDTH = 200;
const HIST_PLOT = 44;

/** A small histogram, vertical bars scaled to the largest count; each bar's title says its label, count and share. */
export function histogramChart(options: HistogramChartOptions): string {
  const total = options.bins.reduce((s, b) => s + (finite(b.count) ? b.count : 0), 0);
  const most = options.fullHeight !== undefined && options.fullHeight > 0 ? options.fullHeight : Math.max(1, ...options.bins.map((b) => (finite(b.count) ? b.count : 0)));
  const step = (HIST_WIDTH - 4) / Math.max(1, options.bins.length);
  const parts: string[] = [];
  options.bins.forEach((bin, i) => {
    const count = finite(bin.count) ? bin.count : 0;
    const height = Math.max(count > 0 ? 1 : 0, Math.min(1, count / most) * HIST_PLOT);
    const share = total > 0 ? ` (${formatNumber(Number(((100 * count) / total).toFixed(1)))}%)` : '';
    parts.push(
      `<rect class="bar ${escapeHtml(bin.className ?? 'hist')}" x="${fixed(2 + i * step)}" y="${fixed(2 + HIST_PLOT - height)}" width="${fixed(Math.max(1, step - 1))}" height="${fixed(height)}">` +
        `<title>${escapeHtml(bin.label)}: ${escapeHtml(formatNumber(count))}${escapeHtml(share)}</title></rect>`,
    );
  });
  parts.push(`<line class="axis" x1="2" y1="${2 + HIST_PLOT}" x2="${HIST_WIDTH - 2}" y2="${2 + HIST_PLOT}"/>`);
  let height = HIST_PLOT + 6;
  if (options.ends) {
    parts.push(`<text class="tick" x="2" y="${HIST_PLOT + 16}">${escapeHtml(options.ends[0])}</text>`);
    parts.push(`<text class="tick" x="${HIST_WIDTH - 2}" y="${HIST_PLOT + 16}" text-anchor="end">${escapeHtml(options.ends[1])}</text>`);
    height += 14;
  }
  return `${svgOpen(options.id, options.title, options.description, height, HIST_WIDTH, 'chart spark')}${parts.join('')}</svg>`;
}

/** One row of a {@link pairedBarChart}: a cell and its reference and current shares (fractions of 1). */
export interface PairedBar {
  readonly label: string;
  /** The reference share; a non-number draws no bar and says "n/a". */
  readonly reference: unknown;
  /** The current share; a non-number draws no bar and says "n/a". */
  readonly current: unknown;
  /** Extra CSS class of the row's label (`other` for a catch-all row). */
  readonly className?: string;
}

/** What a paired bar chart shows. */
export interface PairedBarChartOptions {
  /** Element id (unique in the page); the title and description ids derive from it. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly bars: readonly PairedBar[];
  /**
   * Flag the current bars (CSS class `drifted` and the word in each title), for a column that drifted.
   * @default false
   */
  readonly drifted?: boolean;
  /**
   * The share drawn at full width; larger shares are drawn to the end too (their text says the share),
   * so one catch-all row does not flatten the others.
   * @default - the largest share
   */
  readonly fullScale?: number;
}

const PAIR_ROW_HEIGHT = 26;
const PAIR_BAR_HEIGHT = 9;

/** A share as a percentage ("12.3%"). */
function percent(value: unknown): string {
  return finite(value) ? `${formatNumber(Number((100 * value).toFixed(1)))}%` : 'n/a';
}

/**
 * Per row a reference bar over a current bar, both from zero on one axis (0 to the largest share), with
 * "reference → current" beside them; each bar's title says its label, side and share.
 */
export function pairedBarChart(options: PairedBarChartOptions): string {
  const hi = options.fullScale !== undefined && options.fullScale > 0 ? options.fullScale : domainOf(options.bars.flatMap((b) => [b.reference, b.current]))[1];
  const x = (v: number): number => LABEL_WIDTH + (Math.min(hi, Math.max(0, v)) / hi) * PLOT_WIDTH;
  const currentClass = options.drifted ? 'bar current drifted' : 'bar current';
  const parts: string[] = [];
  let y = 6;
  for (const bar of options.bars) {
    const label = escapeHtml(bar.label);
    parts.push(
      `<text class="bar-label${bar.className ? ` ${escapeHtml(bar.className)}` : ''}" x="${LABEL_WIDTH - 8}" y="${y + 17}" text-anchor="end">${escapeHtml(truncate(bar.label))}<title>${label}</title></text>`,
    );
    const sides: ReadonlyArray<readonly [string, unknown, string, number]> = [
      ['reference', bar.reference, 'bar reference', y + 3],
      [options.drifted ? 'current (drifted)' : 'current', bar.current, currentClass, y + 4 + PAIR_BAR_HEIGHT],
    ];
    for (const [side, value, className, top] of sides) {
      if (!finite(value)) continue;
      parts.push(
        `<rect class="${className}" x="${LABEL_WIDTH}" y="${top}" width="${fixed(Math.max(value > 0 ? 1 : 0, x(value) - LABEL_WIDTH))}" height="${PAIR_BAR_HEIGHT}">` +
          `<title>${label}: ${escapeHtml(side)} ${escapeHtml(percent(value))}</title></rect>`,
      );
    }
    parts.push(`<text class="bar-value" x="${LABEL_WIDTH + PLOT_WIDTH + 8}" y="${y + 17}">${escapeHtml(`${percent(bar.reference)} → ${percent(bar.current)}`)}</text>`);
    y += PAIR_ROW_HEIGHT;
  }
  parts.push(`<line class="axis" x1="${LABEL_WIDTH}" y1="${4}" x2="${LABEL_WIDTH}" y2="${y + 2}"/>`);
  // The axis's ends, so a reader can tell a scale of 0–10% from one of 0–80%.
  parts.push(`<text class="tick" x="${LABEL_WIDTH}" y="${y + 14}" text-anchor="middle">0%</text>`);
  parts.push(`<text class="tick" x="${fixed(LABEL_WIDTH + PLOT_WIDTH)}" y="${y + 14}" text-anchor="middle">${escapeHtml(percent(hi))}</text>`);
  return `${svgOpen(options.id, options.title, options.description, y + 20)}${parts.join('')}</svg>`;
}

/**
 * Inline SVG charts of the HTML run report, drawn in TypeScript so the report needs no script and no
 * network: horizontal bar charts (one scale, or one scale per group of bars) and a stage timeline.
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

function svgOpen(id: string, title: string, description: string, height: number): string {
  return (
    `<svg id="${escapeHtml(id)}" class="chart" role="img" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" ` +
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

/** A horizontal bar chart; negative values extend left of the zero line. */
export function barChart(options: BarChartOptions): string {
  const shared = domainOf(options.groups.flatMap((g) => g.bars.map((b) => b.value)));
  const parts: string[] = [];
  let y = 6;
  for (const group of options.groups) {
    if (group.heading !== undefined) {
      y += HEADING_HEIGHT;
      parts.push(`<text class="group-heading" x="8" y="${y - 8}">${escapeHtml(group.heading)}</text>`);
    }
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

/**
 * The report's Drift section, on documents the drift core made from real flights: the baseline's
 * columns with the method fixed for each and a reference histogram per column, and for a retrain the
 * drift report behind it — scores against thresholds with the drifted bars marked, PSI in its bands, the
 * dataset drift share — plus what the section says when a document is absent, and escaping.
 */
import { computeDrift, type ColumnDrift } from '../../../lambda/core/drift/compute-drift';
import type { DriftColumnBaseline } from '../../../lambda/core/drift/drift-baseline';
import { addValues, newWindowSketch } from '../../../lambda/core/drift/window-sketch';
import type { DriftReport } from '../../../lambda/core/monitoring/drift-check';
import { distributionComparison, driftMethodName, driftRule, MAX_CATEGORY_BARS, MAX_COMPARED_CATEGORIES, MAX_HISTOGRAM_BINS, referenceHistogram } from '../../../lambda/core/report/drift-section';
import { renderRunReport, type RunReportInput } from '../../../lambda/core/report/run-report';
import { stageStarted, stageSucceeded, type RunRecord } from '../../../lambda/core/runs/run-record';
import { at, crashedRun, registeredRun, runThrough } from '../../helpers/report-fixtures';
import { baselineOf, flightsBaseline, flightsDriftReport } from './drift-fixtures';

const GENERATED = '2026-11-27T12:00:00.000Z';
const REPORT_KEY = 'monitoring/flights/drift/reports/2026-11-27T09-00-00-000Z.json';

function render(input: Partial<RunReportInput> & { run: RunRecord }): string {
  return renderRunReport({ generatedAt: GENERATED, ...input });
}

/** A registered run that drift started. */
function driftRun(runId = 'run-flights-drift-202611271000-abc123'): RunRecord {
  return { ...registeredRun(runId), trigger: { kind: 'drift', bucket: 'flights-dev-data', key: 'validated/run-1/flights.csv' } };
}

/** The Drift section's markup. */
function driftSection(html: string): string {
  return /<section id="drift"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
}

const ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Text as a browser shows it. */
function decode(html: string): string {
  return html.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);
}

/** The section's text, charts and tags removed, entities decoded, spaces collapsed. */
function text(html: string): string {
  return decode(
    driftSection(html)
      .replace(/<svg[\s\S]*?<\/svg>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  );
}

/** A drift report column as written before the window distribution was kept. */
function withoutCurrent(column: ColumnDrift): ColumnDrift {
  const { current: _current, ...rest } = column;
  return rest;
}

function chart(html: string, id: string): string {
  return new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html)?.[0] ?? '';
}

/** The rows of the table with this caption, each as its cells' text. */
function tableRows(html: string, caption: string): string[][] {
  const table = new RegExp(`<table><caption>${caption}</caption>[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => decode(cell[1]!.replace(/<svg[\s\S]*?<\/svg>/g, '[chart]').replace(/<[^>]+>/g, '').trim())),
  );
}

describe('referenceHistogram', () => {
  test('a numerical column is re-binned to equal widths from its stored bins, keeping every reference row', () => {
    // Prepare
    const distance = flightsBaseline().columns.distance!;

    // Act
    const histogram = referenceHistogram(distance)!;

    // Assess
    expect(distance.distribution.type).toBe('bins');
    expect(histogram.bins).toHaveLength(MAX_HISTOGRAM_BINS);
    expect(histogram.bins.reduce((s, b) => s + b.count, 0)).toBe(distance.count);
    expect(histogram.ends).toEqual(['31', '4,130']);
    expect(histogram.bins[0]!.label).toBe('31 to under 235.95');
    expect(histogram.summary).toBe('4,000 reference values from 31 to 4,130 in 20 equal-width bins.');
  });

  test('a KS column is drawn from its stored points', () => {
    // Prepare
    const delay = flightsBaseline().columns.late_delay!;

    // Act
    const histogram = referenceHistogram(delay)!;

    // Assess
    expect(delay.distribution.type).toBe('points');
    expect(histogram.bins.reduce((s, b) => s + b.count, 0)).toBe(512);
    expect(histogram.bins[0]!.label.startsWith('31 to under')).toBe(true);
  });

  test('a categorical column shows its most frequent categories by count, then the rest as one "other" bar', () => {
    // Prepare
    const origin = flightsBaseline().columns.origin!;

    // Act
    const histogram = referenceHistogram(origin)!;

    // Assess
    expect(histogram.bins).toHaveLength(MAX_CATEGORY_BARS + 1);
    const counts = histogram.bins.slice(0, MAX_CATEGORY_BARS).map((b) => b.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(histogram.bins.at(-1)).toEqual({ label: 'other (169 more categories)', count: expect.any(Number), className: 'hist other' });
    expect(histogram.bins.reduce((s, b) => s + b.count, 0)).toBe(4000);
    // The catch-all bar is taller than any airport: the airports set the full height.
    expect(histogram.fullHeight).toBe(counts[0]);
  });

  test('a two-valued column shows both values and nothing else', () => {
    // Act
    const histogram = referenceHistogram(flightsBaseline().columns.late_haul!)!;

    // Assess
    expect(histogram.bins.map((b) => b.label).sort()).toEqual(['long', 'short']);
    expect(histogram.fullHeight).toBeUndefined();
  });

  test('a column without a distribution it can draw gives no histogram, not an exception', () => {
    // Prepare
    const column = flightsBaseline().columns.distance!;
    const broken = [
      { ...column, distribution: undefined },
      { ...column, distribution: { type: 'bins', edges: [1, 2], counts: 'many' } },
      { ...column, distribution: { type: 'unheard-of' } },
    ] as unknown as DriftColumnBaseline[];

    // Act
    const histograms = broken.map(referenceHistogram);

    // Assess
    expect(histograms).toEqual([undefined, undefined, undefined]);
  });
});

describe('distributionComparison', () => {
  test('a numerical column: every PSI bin in value order, reference and current shares side by side', () => {
    // Prepare
    const distance = flightsDriftReport().result!.columns.distance!;

    // Act
    const comparison = distributionComparison(distance)!;

    // Assess
    const cells = distance.current!.cells;
    expect(comparison.bars).toEqual(cells.labels.map((label, i) => ({ label, reference: cells.reference[i], current: cells.current[i] })));
    expect(comparison.fullScale).toBeUndefined();
    expect(comparison.summary).toBe('Shares of the reference and of 2,000 window values in the 10 PSI bins fixed from reference quantiles.');
  });

  test('a categorical column: its largest categories by name, the rest as one pair, then the values the baseline never saw', () => {
    // Prepare
    const origin = flightsDriftReport().result!.columns.origin!;

    // Act
    const comparison = distributionComparison(origin)!;

    // Assess
    const { labels, reference, current } = origin.current!.cells;
    expect(comparison.bars).toHaveLength(MAX_COMPARED_CATEGORIES + 2);
    const top = comparison.bars.slice(0, MAX_COMPARED_CATEGORIES).map((b) => Math.max(b.reference as number, b.current as number));
    expect(top).toEqual([...top].sort((a, b) => b - a));
    const smallestShown = top[top.length - 1]!;
    const hidden = labels.slice(0, -1).filter((l) => !comparison.bars.some((b) => b.label === l));
    expect(hidden.every((l) => Math.max(reference[labels.indexOf(l)]!, current[labels.indexOf(l)]!) <= smallestShown)).toBe(true);
    expect(comparison.bars.at(-2)).toEqual({ label: `${hidden.length} more categories`, reference: expect.any(Number), current: expect.any(Number), className: 'other' });
    expect(comparison.bars.at(-1)).toEqual({ label: 'other (not a baseline category)', reference: 0, current: current.at(-1), className: 'other' });
    const total = (side: 'reference' | 'current'): number => comparison.bars.reduce((s, b) => s + (b[side] as number), 0);
    expect(total('reference')).toBeCloseTo(1, 12);
    expect(total('current')).toBeCloseTo(1, 12);
    // The "more categories" pair is larger than any airport: the airports set the full width.
    expect(comparison.fullScale).toBe(top[0]);
  });

  test('a report without the field, or with cells of the wrong shape, gives no comparison, not an exception', () => {
    // Prepare
    const column = flightsDriftReport().result!.columns.late_haul!;
    const cells = column.current!.cells;
    const broken = [
      withoutCurrent(column),
      { ...column, current: null },
      { ...column, current: { ...column.current, cells: { ...cells, current: cells.current.slice(1) } } },
      { ...column, current: { ...column.current, cells: { ...cells, labels: [1, 2, 3] } } },
      { ...column, current: { ...column.current, cells: { labels: [], reference: [], current: [] } } },
    ] as unknown as ColumnDrift[];

    // Act
    const comparisons = broken.map(distributionComparison);

    // Assess
    expect(comparisons).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('driftRule and driftMethodName', () => {
  test('each method says when it drifts, as the drift statistics decide it', () => {
    // Act
    const rules = (['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon'] as const).map((m) => `${driftMethodName(m)}: ${driftRule(m, m === 'ks' || m === 'chisquare' || m === 'z' ? 0.05 : 0.1)}`);

    // Assess
    expect(rules).toEqual([
      'KS (Kolmogorov–Smirnov p-value): p ≤ 0.05',
      'chi-square (p-value): p < 0.05',
      'z (two-proportion p-value): p < 0.05',
      'Wasserstein (distance / reference std): distance ≥ 0.1',
      'Jensen–Shannon (distance): distance ≥ 0.1',
    ]);
  });
});

describe('the Drift section of renderRunReport', () => {
  test('lists every monitored column with its fixed method, threshold and a reference distribution chart', () => {
    // Act
    const html = render({ run: registeredRun(), driftBaseline: flightsBaseline() });

    // Assess
    const rows = tableRows(html, 'Monitored columns \\(5\\) and the drift method fixed for each');
    expect(rows.map((r) => [r[0], r[2], r[3], r[4], r[5], r[8]])).toEqual([
      ['distance', 'Wasserstein (distance / reference std)', 'drift if distance ≥ 0.1', '0.1', '4,000', '[chart]'],
      ['origin', 'Jensen–Shannon (distance)', 'drift if distance ≥ 0.1', '0.1', '4,000', '[chart]'],
      ['late_delay', 'KS (Kolmogorov–Smirnov p-value)', 'drift if p ≤ 0.05', '0.05', '512', '[chart]'],
      ['late_origin', 'chi-square (p-value)', 'drift if p < 0.05', '0.05', '512', '[chart]'],
      ['late_haul', 'z (two-proportion p-value)', 'drift if p < 0.05', '0.05', '512', '[chart]'],
    ]);
    expect(chart(html, 'chart-drift-reference-0')).toContain('<title id="chart-drift-reference-0-title">Reference distribution of distance</title>');
    expect((chart(html, 'chart-drift-reference-0').match(/<rect class="bar hist"/g) ?? []).length).toBe(MAX_HISTOGRAM_BINS);
    expect(chart(html, 'chart-drift-reference-4')).toMatch(/<title>short: [\d,]+ \([\d.]+%\)<\/title>/);
  });

  test('a run started by an upload has a baseline but no triggering report, and says why', () => {
    // Act
    const html = render({ run: registeredRun(), driftBaseline: flightsBaseline() });

    // Assess
    expect(text(html)).toContain('Started by upload, not by drift: no drift report triggered this run.');
    expect(chart(html, 'chart-drift-scores')).toBe('');
  });

  test('a retrain shows the drift report behind it: drifted bars marked against their thresholds, PSI bands, the drift share', () => {
    // Prepare: as read back from the bucket, where JSON has turned NaN and ∞ statistics into null
    const report = JSON.parse(JSON.stringify(flightsDriftReport())) as DriftReport;

    // Act
    const html = render({ run: driftRun(), driftBaseline: flightsBaseline(), triggeringDrift: { key: REPORT_KEY, report } });

    // Assess
    const scores = chart(html, 'chart-drift-scores');
    expect(scores).toContain('role="img"');
    expect(scores).toContain('<desc id="chart-drift-scores-desc">3 of 5 columns drifted: distance, origin, late_origin.');
    expect(scores.match(/<rect class="bar drifted"/g)).toHaveLength(3);
    expect(scores.match(/<rect class="bar not-drifted"/g)).toHaveLength(2);
    expect(scores.match(/<line class="threshold"/g)).toHaveLength(5);
    expect(scores).toContain('<title>distance: 0.6435 drifted, threshold 0.1</title>');
    expect(scores).toContain('<title>late_delay: 0.2272, threshold 0.05</title>');
    expect(scores).toContain('<text class="group-heading" x="8" y="');
    const psi = chart(html, 'chart-drift-psi');
    expect(psi.match(/<rect class="band band-(stable|moderate|significant)"/g)).toEqual(['<rect class="band band-stable"', '<rect class="band band-moderate"', '<rect class="band band-significant"']);
    expect(psi).toContain('<rect class="bar psi-significant"');
    expect(psi).toContain('<title>late_origin: 1.246 significant</title>');
    const share = chart(html, 'chart-drift-share');
    expect(share).toContain('<title>drifted share: 0.6 dataset drift, threshold 0.5</title>');
    expect(text(html)).toContain(`report ${REPORT_KEY}`);
    expect(text(html)).toContain('window 2026-11-27T03:00:00.000Z to 2026-11-27T09:00:00.000Z (6 h)');
    expect(text(html)).toContain('rows 2,000 captured rows in 20 captures');
    expect(text(html)).toContain('dataset drift drift 3 of 5 columns drifted: share 0.6, dataset drift from 0.5');
    const rows = tableRows(html, 'Drift per column in the window');
    expect(rows.map((r) => [r[0], r[4], r[6]])).toEqual([
      ['distance', 'drifted', 'significant'],
      ['origin', 'drifted', 'moderate'],
      ['late_delay', 'ok', 'stable'],
      ['late_origin', 'drifted', 'significant'],
      ['late_haul', 'ok', 'stable'],
    ]);
    expect(text(html)).not.toContain('cannot be drawn');
    expect(text(html)).toContain('Reference vs current: distance drifted Reference vs current: origin drifted Reference vs current: late_delay ok');
    const distance = chart(html, 'chart-drift-compare-0');
    expect(distance).toContain('<title id="chart-drift-compare-0-title">Reference vs current distribution of distance (drifted)</title>');
    expect(distance.match(/<rect class="bar reference"/g)).toHaveLength(10);
    expect(distance.match(/<rect class="bar current drifted"/g)).toHaveLength(10);
    expect(distance).toMatch(/<title>≤ \d+: current \(drifted\) [\d.]+%<\/title>/);
    const delay = chart(html, 'chart-drift-compare-2');
    expect(delay.match(/<rect class="bar current"/g)).toHaveLength(10);
    expect(delay).not.toContain('drifted');
  });

  test('reports written before the window distribution was kept still render, with the note instead of the charts', () => {
    // Prepare: an old report has scores only
    const report = JSON.parse(JSON.stringify(flightsDriftReport())) as DriftReport;
    const old: DriftReport = { ...report, result: { ...report.result!, columns: Object.fromEntries(Object.entries(report.result!.columns).map(([n, c]) => [n, withoutCurrent(c)])) } };

    // Act
    const html = render({ run: driftRun(), driftBaseline: flightsBaseline(), triggeringDrift: { key: REPORT_KEY, report: old } });

    // Assess
    expect(text(html)).toContain("Reference vs current distributions: the drift report keeps each column's scores, not the window's distribution, so they cannot be drawn.");
    expect(html).not.toContain('chart-drift-compare-');
    expect(chart(html, 'chart-drift-scores')).toContain('<title>distance: 0.6435 drifted, threshold 0.1</title>');
  });

  test('a column without the window distribution among columns with it says so in its place', () => {
    // Prepare
    const report = flightsDriftReport();
    const columns = { ...report.result!.columns, origin: withoutCurrent(report.result!.columns.origin!) };

    // Act
    const html = render({ run: driftRun(), triggeringDrift: { key: REPORT_KEY, report: { ...report, result: { ...report.result!, columns } } } });

    // Assess
    expect(text(html)).toContain('Reference vs current: origin drifted The report keeps no window distribution for this column.');
    expect(chart(html, 'chart-drift-compare-0')).not.toBe('');
    expect(chart(html, 'chart-drift-compare-1')).toBe('');
    expect(chart(html, 'chart-drift-compare-2')).not.toBe('');
  });

  test('a window without dataset drift draws the share under its threshold, not highlighted', () => {
    // Act
    const html = render({ run: driftRun(), triggeringDrift: { key: REPORT_KEY, report: flightsDriftReport({ distanceFactor: 1 }) } });

    // Assess
    expect(chart(html, 'chart-drift-share')).toContain('<rect class="bar not-drifted"');
    expect(chart(html, 'chart-drift-share')).toContain('<title>drifted share: 0.4, threshold 0.5</title>');
    expect(text(html)).toContain('no drift 2 of 5 columns drifted');
  });

  test('says why each drift document is absent', () => {
    // Prepare
    const baselineGone = stageSucceeded(stageStarted(runThrough('run-gone', ['validate']), 'features', at(2)), 'features', at(3), { outputs: { driftBaselineKey: 'runs/run-gone/features/drift-baseline.json' } });
    const beforeFeatures = stageStarted(runThrough('run-v', ['validate']), 'features', at(2));
    const noBaselineKey = stageSucceeded(stageStarted(runThrough('run-old', ['validate']), 'features', at(2)), 'features', at(3), { outputs: { specKey: 'runs/run-old/features/transform-spec.json' } });
    const noVerdict: DriftReport = flightsDriftReport({ minRows: 5000 });

    // Act
    const texts = [
      text(render({ run: baselineGone })),
      text(render({ run: beforeFeatures })),
      text(render({ run: noBaselineKey })),
      text(render({ run: crashedRun() })),
      text(render({ run: driftRun() })),
      text(render({ run: driftRun(), triggeringDrift: { missing: 'no drift report under monitoring/flights/drift/reports/ is from before the run started (2026-11-27T10:00:00.000Z)' } })),
      text(render({ run: driftRun(), triggeringDrift: { key: REPORT_KEY, report: noVerdict } })),
    ];

    // Assess
    expect(texts[0]).toContain('No drift baseline: the features stage succeeded, but its drift baseline is not in the artifact bucket (deleted, or written elsewhere).');
    expect(texts[1]).toContain('No drift baseline: not written yet: the features stage is still running.');
    expect(texts[2]).toContain('No drift baseline: the features stage recorded none (runs made before drift baselines existed have none).');
    expect(texts[3]).toContain('Started by upload, not by drift: no drift report triggered this run.');
    expect(texts[4]).toContain('No triggering drift report: the drift reports were not read for this report.');
    expect(texts[5]).toContain('No triggering drift report: no drift report under monitoring/flights/drift/reports/ is from before the run started (2026-11-27T10:00:00.000Z).');
    expect(texts[6]).toContain(`The drift report ${REPORT_KEY} has no verdict: 2000 captured rows in the window; a verdict needs at least 5000 (monitoring.minRows)`);
    for (const t of texts) expect(t).not.toContain('undefined');
  });

  test('every drift chart is an accessible image with a title and a description', () => {
    // Act
    const html = driftSection(render({ run: driftRun(), driftBaseline: flightsBaseline(), triggeringDrift: { key: REPORT_KEY, report: flightsDriftReport() } }));

    // Assess
    const svgs = html.match(/<svg [^>]*>/g) ?? [];
    expect(svgs).toHaveLength(5 + 3 + 5);
    for (const svg of svgs) {
      const id = /id="([^"]+)"/.exec(svg)![1]!;
      expect(svg).toContain('role="img"');
      expect(svg).toContain(`aria-labelledby="${id}-title ${id}-desc"`);
      expect(html).toMatch(new RegExp(`<title id="${id}-title">[^<]+</title><desc id="${id}-desc">[^<]+</desc>`));
    }
  });

  test('escapes column names and categories from data in tables, charts, titles and descriptions', () => {
    // Prepare
    const evil = '<img src=x onerror="alert(1)">';
    const baseline = baselineOf({
      [evil]: { kind: 'categorical', values: ['<script>', '<script>', 'a&b', "it's"] },
      [`${evil}-n`]: { kind: 'numerical', values: [1, 2, 3, 4, 5, 6, 7] },
    });
    const report = flightsDriftReport();
    const evilReport: DriftReport = {
      ...report,
      modelName: '<b>flights</b>',
      result: { ...report.result!, columns: { [evil]: report.result!.columns.distance! } },
    };

    // Act
    const html = render({ run: driftRun(), driftBaseline: baseline, triggeringDrift: { key: `monitoring/${evil}.json`, report: evilReport } });

    // Assess
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>flights');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('&lt;script&gt;: 2 (50%)');
    expect(html).toContain('a&amp;b: 1 (25%)');
    expect(html).toContain('it&#39;s: 1 (25%)');
    expect(html).toContain('<title id="chart-drift-reference-0-title">Reference distribution of &lt;img src=x onerror=&quot;alert(1)&quot;&gt;</title>');
    expect(html).toContain('<desc id="chart-drift-scores-desc">1 of 1 columns drifted: &lt;img src=x onerror=&quot;alert(1)&quot;&gt;.');
  });

  test('escapes categories from data in the reference vs current chart', () => {
    // Prepare: a drift report made by the drift core, whose categories are markup
    const evil = '<img src=x onerror="alert(1)">';
    const baseline = baselineOf({ [evil]: { kind: 'categorical', values: ['<script>', '<script>', 'a&b', "it's"] } });
    const sketch = newWindowSketch(baseline);
    addValues(sketch, evil, ['<script>', 'a&b', 'a&b', "it's", '</svg><b>new</b>', null]);
    const report = flightsDriftReport();
    const evilReport: DriftReport = { ...report, result: computeDrift(baseline, sketch) };

    // Act
    const html = render({ run: driftRun(), triggeringDrift: { key: REPORT_KEY, report: evilReport } });

    // Assess
    const compare = chart(html, 'chart-drift-compare-0');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>new');
    expect(html).not.toContain('<img');
    expect(compare).toContain('<title id="chart-drift-compare-0-title">Reference vs current distribution of &lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(compare).toContain('<title>&lt;script&gt;: reference 50%</title>');
    expect(compare).toContain('<title>&lt;script&gt;: current');
    expect(compare).toContain('<title>a&amp;b: reference 25%</title>');
    expect(compare).toContain('<title>it&#39;s: current (drifted) 20%</title>');
    expect(compare).toContain('<title>other (not a baseline category): current (drifted) 20%</title>');
    expect(compare).toContain('<rect class="bar current drifted"');
    expect(compare).toContain('1 missing window value is not in the shares.');
    expect(text(html)).toContain(`Reference vs current: ${evil}`);
  });

  test('a document of the wrong shape renders what it can and never throws', () => {
    // Prepare
    const broken = { columns: { x: { kind: 'numerical', method: 'ks' } } } as unknown as RunReportInput['driftBaseline'];
    const report = { ...flightsDriftReport(), window: undefined, skipped: undefined, result: { ...flightsDriftReport().result!, columns: undefined } } as unknown as DriftReport;

    // Act
    const html = render({ run: driftRun(), driftBaseline: broken, triggeringDrift: { key: REPORT_KEY, report } });

    // Assess
    expect(text(html)).toContain('none stored');
    expect(text(html)).toContain('The report has no columns.');
  });
});

/**
 * The HTML run report renderer: every part from the documents that exist, a reason for each that does
 * not, user data escaped everywhere, numbers formatted, one bar per value in each chart, no URL at all.
 */
import { MAX_IMPORTANCE_BARS, renderRunReport, type RunReportInput } from '../../../lambda/core/report/run-report';
import { newRunRecord, runFinished, stageStarted, stageSucceeded, type RunRecord } from '../../../lambda/core/runs/run-record';
import { at, crashedRun, evaluation, manifest, registeredRun, rejectedRun, runThrough, T0, validationReport } from '../../helpers/report-fixtures';

const GENERATED = '2026-11-27T12:00:00.000Z';

function render(input: Partial<RunReportInput> & { run: RunRecord }): string {
  return renderRunReport({ generatedAt: GENERATED, ...input });
}

/** The markup of the chart with this id. */
function chart(html: string, id: string): string | undefined {
  return new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html)?.[0];
}

function bars(html: string, id: string, cls = ''): number {
  return (chart(html, id)?.match(new RegExp(`<rect class="bar${cls ? ` ${cls}` : ''}[ "]`, 'g')) ?? []).length;
}

/** The text of the "Not in this report" list, tags removed. */
function missing(html: string): string {
  return (/<aside class="missing"[\s\S]*?<\/aside>/.exec(html)?.[0] ?? '').replace(/<[^>]+>/g, ' ');
}

describe('renderRunReport', () => {
  test('a registered run has every part: timeline, validation, metrics vs baseline and champion, importance, lineage', () => {
    // Act
    const html = render({ run: registeredRun(), validation: validationReport(), evaluation: evaluation(), manifest: manifest() });

    // Assess
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html).toContain('<title>Run run-ok — succeeded · mlops run report</title>');
    expect(html).toContain('Registered flights v2 as champion.');
    expect(html).not.toContain('class="missing"');
    expect(bars(html, 'chart-timeline', 'stage-succeeded')).toBe(5);
    expect(bars(html, 'chart-metrics')).toBe(12);
    expect(bars(html, 'chart-metrics', 'champion')).toBe(4);
    expect(bars(html, 'chart-importance-model')).toBe(3);
    expect(bars(html, 'chart-importance-permutation')).toBe(3);
    expect(html).toContain('<caption>Holdout metrics on 4,156 test rows: candidate, naive baseline and champion v1</caption>');
    expect(html).toContain('<li>rmse 30.15 vs champion v1 30.53: 1.23% better (gate needs ≥ 1.00%)</li>');
    expect(html).toContain('+1.23% vs the champion');
    expect(html).toMatch(/Registered as <strong>flights v2<\/strong> at 2026-11-27T10:00:09.000Z, trained on <code>s3:\/\/flights-dev-data\/incoming\/flights.csv<\/code>/);
    expect(html).toContain(`<code>data.sha256</code></th><td><code>${'ab'.repeat(32)}</code>`);
  });

  test('every chart is an accessible image and every table has a caption', () => {
    // Act
    const html = render({ run: registeredRun(), validation: validationReport(), evaluation: evaluation(), manifest: manifest() });

    // Assess
    const svgs = html.match(/<svg [^>]*>/g) ?? [];
    expect(svgs).toHaveLength(4);
    for (const svg of svgs) {
      const id = /id="([^"]+)"/.exec(svg)![1]!;
      expect(svg).toContain(`role="img"`);
      expect(svg).toContain(`aria-labelledby="${id}-title ${id}-desc"`);
      expect(html).toContain(`<title id="${id}-title">`);
    }
    expect((html.match(/<table[ >]/g) ?? []).length).toBe((html.match(/<table(?: class="kv")?><caption>/g) ?? []).length);
  });

  test('is self-contained: no script, no URL, nothing to load, and a policy that forbids loading', () => {
    // Act
    const html = render({ run: registeredRun(), validation: validationReport(), evaluation: evaluation(), manifest: manifest() });

    // Assess
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|@import|url\(/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  });

  test('escapes every string from data: run id, feature names, reasons, notes, params, manifest fields, samples', () => {
    // Prepare
    const evil = '<script>alert("x")</script>';
    const run: RunRecord = { ...registeredRun(`run-${evil}`), params: { [`<img src=x>`]: `'&'` } };
    const report = validationReport('invalid');
    const badSample = { ...report, results: [{ ...report.results[1]!, result: { ...report.results[1]!.result, partialUnexpectedList: [{ row: 3, value: evil }] } }] };
    const doc = evaluation({
      importance: { model: [{ feature: evil, importance: 1 }], permutation: [{ feature: `a&b"c'`, importance: 0.5 }] },
      gate: { ...evaluation().gate, reasons: [`<b>bold</b> & more`] },
      notes: [evil],
    });

    // Act
    const html = render({ run, validation: badSample, evaluation: doc, manifest: { ...manifest(), [`k<i>`]: evil } });

    // Assess
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>bold');
    expect(html).not.toContain('<i>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; more');
    expect(html).toContain('a&amp;b&quot;c&#39;');
    expect(html).toContain('&lt;img src=x&gt;');
    expect(html).toContain('<title>Run run-&lt;script&gt;');
  });

  test('a run that failed in train says so at the top, and why evaluation and lineage are missing', () => {
    // Act
    const html = render({ run: crashedRun(), validation: validationReport() });

    // Assess
    expect(html).toContain('Failed in train: TrainingCrashError — the model ran out of memory at iteration 40');
    expect(missing(html)).toContain('Metrics and feature importance — not reached: the run failed in train (TrainingCrashError)');
    expect(missing(html)).toContain('Lineage — not reached: the run failed in train (TrainingCrashError)');
    expect(bars(html, 'chart-timeline', 'stage-failed')).toBe(1);
    expect(html).toContain('<code>TrainingCrashError</code>: the model ran out of memory at iteration 40');
    expect(chart(html, 'chart-metrics')).toBeUndefined();
    expect(chart(html, 'chart-importance-model')).toBeUndefined();
  });

  test('a stage that crashed without writing its document is named as the reason', () => {
    // Prepare
    const run = runFinished(stageStarted(runThrough('run-e', ['validate', 'features', 'train']), 'evaluate', at(6)), 'failed', at(7), {});
    const failed: RunRecord = { ...run, stages: { ...run.stages, evaluate: { status: 'failed', startedAt: at(6), finishedAt: at(7), error: { name: 'ChampionUnreadableError', cause: '' } } } };

    // Act
    const html = render({ run: failed, validation: validationReport() });

    // Assess
    expect(missing(html)).toContain('Metrics and feature importance — failed in evaluate: ChampionUnreadableError — no cause recorded');
  });

  test('a rejected run compares with the champion and explains that nothing was registered', () => {
    // Act
    const html = render({ run: rejectedRun(), validation: validationReport(), evaluation: evaluation({ gate: { ...evaluation().gate, decision: 'reject' } }) });

    // Assess
    expect(html).toContain('The evaluation gate rejected the candidate: no version was registered.');
    expect(html).toContain('<span class="badge reject">reject</span>');
    expect(missing(html)).toContain('Lineage — not reached: the evaluation gate rejected the candidate, so no version was registered');
    expect(bars(html, 'chart-metrics', 'champion')).toBe(4);
    expect(html).toMatch(/<th scope="row">register<\/th><td><span class="absent">not reached<\/span>/);
  });

  test('invalid data: the verdict, why, the failed expectation with its sample, and no profile', () => {
    // Prepare
    const run = runFinished(runThrough('run-bad', ['validate']), 'failed', at(2), { failedStage: 'validate', error: 'ValidationFailed', reportKey: 'runs/run-bad/validate/report.json' });

    // Act
    const html = render({ run, validation: validationReport('invalid') });

    // Assess
    expect(html).toContain('Failed in validate: ValidationFailed — the data did not pass validation (see the validation summary)');
    expect(html).toContain('<span class="badge invalid">invalid</span>');
    expect(html).toContain('<caption>Why the data is invalid</caption>');
    expect(html).toContain('1 expectation failed: distance between 1 and 6000');
    expect(html).toContain('row 7: 0');
    expect(html).toContain('No profile: profiles are written for valid data only.');
    expect(missing(html)).toContain('Metrics and feature importance — not reached: the run failed in validate (ValidationFailed)');
    // Failed expectations are listed first.
    expect(html.indexOf('badge fail')).toBeLessThan(html.indexOf('badge pass'));
  });

  test('a running run shows the stage it is at, its bar ending at the report time', () => {
    // Prepare
    const run = stageStarted(runThrough('run-now', ['validate', 'features']), 'train', at(4));

    // Act
    const html = renderRunReport({ run, validation: validationReport(), generatedAt: at(10) });

    // Assess
    expect(html).toContain('Running: at the train stage.');
    expect(bars(html, 'chart-timeline', 'stage-running')).toBe(1);
    expect(chart(html, 'chart-timeline')).toContain('<title>train: running, 6.0 s</title>');
    expect(missing(html)).toContain('Metrics and feature importance — not written yet: the run is still running');
  });

  test('a run without a validation gate (level 0) says the gate is skipped, not missing', () => {
    // Act
    const html = render({ run: runThrough('run-l0', ['features', 'train']) });

    // Assess
    expect(missing(html)).toContain('Validation summary — skipped: this environment has no validation gate');
  });

  test('a run with only a record still renders, and problems reading documents are listed', () => {
    // Act
    const html = render({ run: newRunRecord('run-new', { kind: 'manual', bucket: 'b', key: 'incoming/x.csv' }, T0), problems: ['runs/run-new/evaluate/evaluation.json exists but is not valid JSON'] });

    // Assess
    expect(html).toContain('Running.');
    expect(chart(html, 'chart-timeline')).toBeUndefined();
    expect(html).toContain('No stage has started yet.');
    expect(missing(html)).toContain('runs/run-new/evaluate/evaluation.json exists but is not valid JSON');
  });

  test('numbers are formatted for people; a metric that is not a number (null in JSON) draws no bar', () => {
    // Prepare
    const doc = evaluation({ metrics: { ...evaluation().metrics, mape: null as unknown as number }, champion: undefined });
    const run = stageSucceeded(registeredRun(), 'validate', at(2), { metrics: { rowsValidated: 1_234_567 } });

    // Act
    const html = render({ run, evaluation: doc });

    // Assess
    expect(html).toMatch(/<code>rmse<\/code><span class="gate-tag">gate<\/span><\/th><td>lower is better<\/td><td class="num">30.15<\/td><td class="num">30.84<\/td><td class="num">none<\/td><td class="num">−0.6866<\/td>/);
    expect(html).toMatch(/<code>r2<\/code><\/th><td>higher is better<\/td><td class="num">0.0123<\/td><td class="num">-0.0001548<\/td>/);
    expect(html).toMatch(/<code>mape<\/code><\/th><td>lower is better<\/td><td class="num">n\/a<\/td>/);
    expect(html).toContain('<td class="num">1,234,567</td>');
    expect(bars(html, 'chart-metrics')).toBe(7);
    expect(html).toContain('<dt>took</dt><dd>10.0 s</dd>');
  });

  test(`importance charts draw the ${MAX_IMPORTANCE_BARS} most important features and count the rest; negative bars go left of zero`, () => {
    // Prepare
    const many = Array.from({ length: 45 }, (_, i) => ({ feature: `f${i}`, importance: i - 40 }));

    // Act
    const html = render({ run: registeredRun(), evaluation: evaluation({ importance: { model: many, permutation: [] } }) });

    // Assess
    expect(bars(html, 'chart-importance-model')).toBe(MAX_IMPORTANCE_BARS);
    expect(chart(html, 'chart-importance-model')).toMatch(/^[^]*?<text class="bar-label"[^>]*>f44</);
    expect(html).toContain('… and 15 less important features.');
    expect(html).toContain('Permutation importance: none recorded');
    const rects = [...chart(html, 'chart-importance-model')!.matchAll(/<rect class="bar[^"]*" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    const zero = Number(/<line class="axis" x1="([\d.]+)"/.exec(chart(html, 'chart-importance-model')!)![1]);
    expect(rects.at(0)).toBeCloseTo(zero, 0);
    expect(rects.at(-1)!).toBeLessThan(zero);
  });
});

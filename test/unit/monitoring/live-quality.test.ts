/**
 * Live quality on labelled captures: label lines (one record, a batch, unknown outcomes, bad lines named),
 * the capture hours a set of labels needs, the join by request id (not captured is counted, not an error;
 * a count mismatch and a repeat are problems), the gate metric overall and per version (regression RMSE,
 * binary AUC on p(1) with a derived label), no verdict below the minimum rows, and the state that lets the
 * next check pick up only new labels objects.
 */
import { checkLiveQuality, joinLabels, labelCaptureHours, labelledLines, liveQuality, parseLabelledLines, parseLabelLines, qualityStateAfter, isUnjudged } from '../../../lambda/core/monitoring/live-quality';
import type { CaptureRecord } from '../../../lambda/core/serving/capture';

const AT = '2026-11-27T10:15:00.000Z';

function capture(requestId: string, instances: Array<Record<string, unknown>>, predictions: number[], extra: Partial<CaptureRecord> = {}): CaptureRecord {
  return { requestId, at: AT, modelVersion: 1, request: { instances }, response: { predictions }, ...extra };
}

describe('parseLabelLines', () => {
  test('one record (label), a batch (labels, null for unknown), with or without the response time', () => {
    // Act
    const { labels, problems } = parseLabelLines(
      ['{"requestId":"r1","at":"2026-11-27T10:15:00.000Z","label":37}', '', '{"requestId":"r2","labels":[1,null,"4"]}'].join('\n'),
      'labels/day.jsonl',
    );

    // Assess
    expect(problems).toEqual([]);
    expect(labels).toEqual([
      { requestId: 'r1', at: AT, values: [37] },
      { requestId: 'r2', values: [1, null, '4'] },
    ]);
  });

  test('each bad line is a problem naming the object, the line and why; the good lines still count', () => {
    // Act
    const { labels, problems } = parseLabelLines(
      ['{"requestId":"r1","label":3}', 'not json', '{"requestId":"r2"}', '{"requestId":"r3","label":1,"labels":[1]}', '{"requestId":"../x","label":1}', '{"requestId":"r4","label":1,"at":"yesterday"}'].join('\n'),
      'labels/bad.jsonl',
    );

    // Assess
    expect(labels.map((l) => l.requestId)).toEqual(['r1']);
    expect(problems.map((p) => [p.key, p.line])).toEqual([
      ['labels/bad.jsonl', 2],
      ['labels/bad.jsonl', 3],
      ['labels/bad.jsonl', 4],
      ['labels/bad.jsonl', 5],
      ['labels/bad.jsonl', 6],
    ]);
    expect(problems[0]!.reason).toMatch(/^not JSON/);
    expect(problems[1]!.reason).toMatch(/exactly one of "label" .* or "labels"/);
    expect(problems[3]!.reason).toMatch(/^requestId: the predict response's requestId/);
    expect(problems[4]!.reason).toMatch(/^at: /);
  });
});

describe('labelCaptureHours', () => {
  test("each label's own hour when it quotes the response time; the whole window when one does not", () => {
    const window = { from: new Date('2026-11-27T08:30:00Z'), to: new Date('2026-11-27T10:40:00Z') };
    expect(labelCaptureHours([{ requestId: 'a', at: AT, values: [1] }, { requestId: 'b', at: '2026-11-26T23:59:59Z', values: [1] }], window)).toEqual(['capture/2026-11-26/23/', 'capture/2026-11-27/10/']);
    expect(labelCaptureHours([{ requestId: 'a', at: AT, values: [1] }, { requestId: 'b', values: [1] }], window)).toEqual(['capture/2026-11-27/08/', 'capture/2026-11-27/09/', 'capture/2026-11-27/10/']);
  });
});

describe('joinLabels', () => {
  test('records meet their labels by request id and position; uncaptured requests are counted; mismatches and repeats are problems', () => {
    // Prepare
    const captures = [capture('r1', [{ x: 1 }], [10]), capture('r2', [{ x: 2 }, { x: 3 }, { x: 4 }], [20, 30, 40], { modelVersion: 2 }), capture('r3', [{ x: 5 }], [50])];
    const labels = [
      { key: 'labels/a.jsonl', requestId: 'r1', values: [12] },
      { key: 'labels/a.jsonl', requestId: 'r2', values: [true, null, '44'] },
      { key: 'labels/a.jsonl', requestId: 'r3', values: [1, 2] },
      { key: 'labels/b.jsonl', requestId: 'r1', values: [99] },
      { key: 'labels/b.jsonl', requestId: 'not-sampled', values: [1] },
      { key: 'labels/b.jsonl', requestId: 'r9', values: ['late'] },
    ];

    // Act
    const join = joinLabels(labels, [...captures, capture('r9', [{ x: 9 }], [9])]);

    // Assess: r1 once (the first label), r2's first and third records (the second is unknown), r3 refused.
    expect(join.rows.map((r) => [r.requestId, r.record, r.label, r.prediction, r.modelVersion])).toEqual([
      ['r1', { x: 1 }, 12, 10, 1],
      ['r2', { x: 2 }, 1, 20, 2],
      ['r2', { x: 4 }, 44, 40, 2],
    ]);
    expect(join.notCaptured).toBe(1);
    expect(join.notCapturedSample).toEqual(['not-sampled']);
    expect(join.problems.map((p) => p.reason)).toEqual([
      'request r3 had 1 record(s), its label line gives 2',
      'request r1 is labelled more than once: the first label counts',
      'request r9, record 0: label "late" is not a number or boolean',
    ]);
  });
});

describe('liveQuality', () => {
  test('regression: RMSE of the captured predictions against the labels, overall and per version', () => {
    // Prepare: v1 off by 3 and 4 (RMSE √12.5), v2 exact.
    const rows = joinLabels(
      [
        { key: 'k', requestId: 'a', values: [13, 24] },
        { key: 'k', requestId: 'b', values: [5] },
      ],
      [capture('a', [{}, {}], [10, 20]), capture('b', [{}], [5], { modelVersion: 2 })],
    ).rows;

    // Act
    const q = liveQuality(rows, { task: 'regression', target: { kind: 'column', column: 'delay' }, metric: 'rmse' });

    // Assess
    expect(q.metric).toBe('rmse');
    expect(q.rows).toBe(3);
    expect(q.value).toBeCloseTo(Math.sqrt((9 + 16) / 3), 12);
    expect(q.byVersion).toEqual({ '1': { rows: 2, value: Math.sqrt(12.5) }, '2': { rows: 1, value: 0 } });
  });

  test('binary with a derived label (delay > 15): AUC on p(1), the label thresholded as training did', () => {
    // Prepare: the two late flights got the two highest p(1): AUC 1; reversed: AUC 0.
    const instances = [{}, {}, {}, {}];
    const c = capture('a', instances, [1, 0, 1, 0], { response: { predictions: [1, 0, 1, 0], probabilities: [[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]] } });
    const target = { kind: 'label' as const, name: 'late', from: 'delay', op: '>' as const, threshold: 15 };

    // Act
    const good = liveQuality(joinLabels([{ key: 'k', requestId: 'a', values: [40, 3, 16, 15] }], [c]).rows, { task: 'binary', target, metric: 'auc' });
    const bad = liveQuality(joinLabels([{ key: 'k', requestId: 'a', values: [0, 30, 15, 60] }], [c]).rows, { task: 'binary', target, metric: 'auc' });

    // Assess
    expect(good.value).toBe(1);
    expect(bad.value).toBe(0);
  });
});

describe('checkLiveQuality', () => {
  const base = {
    at: new Date('2026-11-27T11:00:00Z'),
    environment: 'prod',
    modelName: 'flights',
    labelObjects: ['labels/a.jsonl'],
    parseProblems: [],
    skippedCaptures: [],
    task: 'regression' as const,
    target: { kind: 'column' as const, column: 'delay' },
    metric: 'rmse' as const,
  };
  const captures = [capture('a', [{ d: 1 }, { d: 2 }, { d: 3 }], [1, 2, 3])];
  const labels = [{ key: 'labels/a.jsonl', requestId: 'a', values: [1, 2, 6] }];

  test('enough rows: a verdict, and the rows to keep for retraining', () => {
    const { report, rows } = checkLiveQuality({ ...base, labels, captures, minRows: 3 });
    expect(report.result).toMatchObject({ metric: 'rmse', rows: 3, value: Math.sqrt(3) });
    expect(report.noVerdict).toBeUndefined();
    expect(rows).toHaveLength(3);
    expect(parseLabelledLines(labelledLines(rows), 'k')).toEqual({ rows, problems: [] });
  });

  test('fewer rows than the minimum: no verdict, and the report says the labels stay pending', () => {
    const { report } = checkLiveQuality({ ...base, labels, captures, minRows: 4 });
    expect(report.result).toBeUndefined();
    expect(report.noVerdict).toBe('3 labelled captured rows; a live-quality verdict needs at least 4 (monitoring.minLabelledRows): these labels stay pending for the next check');
  });
});

describe('which labels objects a check reads, and the state a verdict leaves', () => {
  const at = (iso: string) => new Date(iso);
  const since = at('2026-11-26T10:00:00Z');
  const obj = (key: string, iso: string) => ({ key, lastModified: at(iso) });

  test('without a state: everything since the window start; with one: at or after its mark, minus the keys judged there', () => {
    expect(isUnjudged(obj('labels/a', '2026-11-26T09:59:59Z'), undefined, since)).toBe(false);
    expect(isUnjudged(obj('labels/a', '2026-11-26T10:00:00Z'), undefined, since)).toBe(true);
    const state = { labelsCheckedUntil: '2026-11-27T10:00:00.000Z', judgedKeys: ['labels/b'] };
    expect(isUnjudged(obj('labels/b', '2026-11-27T10:00:00Z'), state, since)).toBe(false);
    expect(isUnjudged(obj('labels/c', '2026-11-27T10:00:00Z'), state, since)).toBe(true);
    expect(isUnjudged(obj('labels/d', '2026-11-27T09:59:59Z'), state, since)).toBe(false);
  });

  test('a verdict moves the mark to the newest judged object, but not within 15 minutes of the listing; judged keys at or after it are kept', () => {
    // Prepare: two objects judged long before the listing, one just before it.
    const listed = [obj('labels/old', '2026-11-27T08:00:00Z'), obj('labels/recent', '2026-11-27T09:58:00Z')];

    // Act
    const state = qualityStateAfter({ since, listed, judged: listed, listedAt: at('2026-11-27T10:00:00Z') });

    // Assess: the mark stops 15 minutes before the listing; the recent object is remembered as judged.
    expect(state).toEqual({ labelsCheckedUntil: '2026-11-27T09:45:00.000Z', judgedKeys: ['labels/recent'] });
    // A large file whose upload began at 09:50 and completed after the listing is still read next time.
    expect(isUnjudged(obj('labels/slow', '2026-11-27T09:50:00Z'), state, since)).toBe(true);
    expect(isUnjudged(obj('labels/recent', '2026-11-27T09:58:00Z'), state, since)).toBe(false);
  });

  test('the mark never moves back, and keys judged before stay judged while at or after it', () => {
    const previous = { labelsCheckedUntil: '2026-11-27T09:45:00.000Z', judgedKeys: ['labels/recent'] };
    const listed = [obj('labels/recent', '2026-11-27T09:58:00Z'), obj('labels/slow', '2026-11-27T09:50:00Z')];
    const state = qualityStateAfter({ previous, since, listed, judged: [listed[1]!], listedAt: at('2026-11-27T09:59:00Z') });
    expect(state).toEqual({ labelsCheckedUntil: '2026-11-27T09:45:00.000Z', judgedKeys: ['labels/recent', 'labels/slow'] });
  });
});

test('a kept line that is not a labelled row is a problem, not an exception', () => {
  expect(parseLabelledLines('{"label":"x"}\n{oops\n', 'monitoring/flights/labelled/t.jsonl').problems.map((p) => p.line)).toEqual([1, 2]);
});

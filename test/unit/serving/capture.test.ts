/** Capture sampling (deterministic per request id), keys and the stored line. */
import { captureHourPrefix, captureKey, captureLine, isCaptured, parseCaptureLines, type CaptureRecord } from '../../../lambda/core/serving/capture';

describe('sampling', () => {
  test('0% captures nothing, 100% everything', () => {
    // Prepare
    const ids = Array.from({ length: 200 }, (_, i) => `req-${i}`);

    // Act
    const none = ids.filter((id) => isCaptured(id, 0));
    const all = ids.filter((id) => isCaptured(id, 100));

    // Assess
    expect(none).toEqual([]);
    expect(all).toEqual(ids);
  });

  test('the decision is a function of the request id: the same answer every time', () => {
    // Act
    const first = Array.from({ length: 100 }, (_, i) => isCaptured(`id-${i}`, 25));
    const again = Array.from({ length: 100 }, (_, i) => isCaptured(`id-${i}`, 25));

    // Assess
    expect(again).toEqual(first);
    expect(isCaptured('8f1a7c52-0b4e-4c1e-9a77-1f2d3c4b5a69', 10)).toBe(isCaptured('8f1a7c52-0b4e-4c1e-9a77-1f2d3c4b5a69', 10));
  });

  test.each([1, 10, 50, 90])('about %d%% of 20,000 request ids are captured, nested (a request kept at 10%% is kept at 50%%)', (percent) => {
    // Prepare
    const ids = Array.from({ length: 20_000 }, (_, i) => `request-${i}`);

    // Act
    const kept = ids.filter((id) => isCaptured(id, percent));

    // Assess
    // Binomial standard deviation at n = 20,000 is at most 0.35 percentage points: allow 4 of them.
    expect(Math.abs((kept.length / ids.length) * 100 - percent)).toBeLessThan(1.4);
    expect(kept.every((id) => isCaptured(id, Math.min(100, percent + 10)))).toBe(true);
  });
});

describe('keys and lines', () => {
  test('the key is capture/<yyyy-mm-dd>/<hh>/<requestId>.jsonl in UTC', () => {
    // Prepare
    const at = new Date('2001-01-14T21:55:07.123Z');

    // Act
    const key = captureKey('abc-123', at);

    // Assess
    expect(key).toBe('capture/2001-01-14/21/abc-123.jsonl');
    expect(key.startsWith(captureHourPrefix(at))).toBe(true);
    expect(captureKey('x', new Date('2001-01-01T00:59:59Z'))).toBe('capture/2001-01-01/00/x.jsonl');
  });

  test.each(['', '../escape', 'a/b', 'with space', 'x'.repeat(129)])('the request id %j cannot name a key', (id) => {
    // Act
    const act = () => captureKey(id, new Date());

    // Assess
    expect(act).toThrow(RangeError);
  });

  test('a record is one JSON line that reads back unchanged', () => {
    // Prepare
    const record: CaptureRecord = {
      requestId: 'r1',
      at: '2001-01-14T21:55:07.123Z',
      modelVersion: 3,
      request: { instances: [{ date: '2001/01/14 21:55', distance: 1000, origin: 'SFO', destination: 'LAX' }] },
      response: { predictions: [1], probabilities: [[0.3, 0.7]] },
    };

    // Act
    const line = captureLine(record);

    // Assess
    expect(line.endsWith('\n')).toBe(true);
    expect(line.split('\n')).toHaveLength(2);
    expect(parseCaptureLines(line)).toEqual([record]);
  });
});

/**
 * A large file is streamed with flat memory: ~50 MB of CSV is generated lazily, chunk by chunk, by an
 * async generator (a few distinct chunks yielded in turn; the file is never held whole), and the heap is sampled while it is validated.
 */
import { validateDataset } from '../../../lambda/core/validation/validate-dataset';
import { flightsDataset, generatedSource } from '../../helpers/validation';

const TARGET_BYTES = 50 * 1024 * 1024;
const CHUNK_ROWS = 2000;
const DISTINCT_CHUNKS = 8;
const AIRPORTS = ['LAX', 'SFO', 'JFK', 'ORD', 'ATL', 'DFW', 'DEN', 'SEA', 'BOS', 'MIA'];
/** A generous bound: the validator holds one chunk, one record and fixed-size profiles. */
const MAX_HEAP_GROWTH = 64 * 1024 * 1024;

/** Flight row `i`: valid against the flights schema, varied enough to exercise every check. */
function row(i: number): string {
  const day = String((i % 28) + 1).padStart(2, '0');
  const month = String((i % 12) + 1).padStart(2, '0');
  const hour = String(i % 24).padStart(2, '0');
  const minute = String(i % 60).padStart(2, '0');
  return `2001/${month}/${day} ${hour}:${minute},${(i % 300) - 60},${(i % 5000) + 1},${AIRPORTS[i % 10]},${AIRPORTS[(i * 7 + 3) % 10]}\n`;
}

test('a ~50 MB CSV streamed from a generator is validated with bounded heap growth', async () => {
  // Prepare: a few distinct chunks, yielded in turn until the target size; the file is never held.
  const encoder = new TextEncoder();
  const chunks = Array.from({ length: DISTINCT_CHUNKS }, (_, c) => {
    let text = '';
    for (let k = 0; k < CHUNK_ROWS; k++) text += row(c * CHUNK_ROWS + k);
    return encoder.encode(text);
  });
  let bytes = 0;
  let rows = 0;
  let peakHeap = 0;
  const baseline = process.memoryUsage().heapUsed;
  const source = generatedSource('large.csv', TARGET_BYTES, async function* () {
    const header = encoder.encode('date,delay,distance,origin,destination\n');
    bytes += header.length;
    yield header;
    for (let c = 0; bytes < TARGET_BYTES; c = (c + 1) % DISTINCT_CHUNKS) {
      const chunk = chunks[c]!;
      bytes += chunk.length;
      rows += CHUNK_ROWS;
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      yield chunk;
    }
  });

  // Act
  const { report, profile } = await validateDataset(source, flightsDataset());

  // Assess
  expect(report.failures).toEqual([]);
  expect(report.rowCount).toBe(rows);
  expect(rows).toBeGreaterThan(1_000_000);
  expect(report.source.bytes).toBe(bytes);
  expect(bytes).toBeGreaterThanOrEqual(TARGET_BYTES);
  expect(profile.columns.delay!.numeric).toMatchObject({ count: rows, min: -60, max: 239 });
  expect(Object.keys(profile.columns.origin!.categorical!.frequencies).sort()).toEqual([...AIRPORTS].sort());
  expect(peakHeap - baseline).toBeLessThan(MAX_HEAP_GROWTH);
});

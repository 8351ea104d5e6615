/**
 * The local platform's log routing: as Lambda sends a function's stdout and stderr to its log stream, the
 * handlers' complete JSON lines on either stream go to the sinks (EMF to metrics, Powertools log lines to
 * the log), split across writes or not; any other output passes through; restoring puts both streams back.
 */
import { captureHandlerOutput } from '../../../local/log-capture';

test('EMF and Powertools lines on stdout and stderr are routed; other output passes through; restore puts the streams back', () => {
  // Prepare
  const metrics: unknown[] = [];
  const logs: string[] = [];
  const passed: string[] = [];
  const saved = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string) => passed.push(`out:${chunk}`) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => passed.push(`err:${chunk}`) > 0) as typeof process.stderr.write;
  try {
    const restore = captureHandlerOutput({ metric: (d) => metrics.push(d), log: (line) => logs.push(line) });

    // Act
    process.stdout.write('{"_aws":{"CloudWatchMetrics":[]},"X":1}\n');
    process.stderr.write('{"level":"WARN","message":"label pro');
    process.stderr.write('blem"}\nplain text\n');
    process.stdout.write('{"not":"a log"}\n');
    restore();
    process.stderr.write('after\n');

    // Assess
    expect(metrics).toEqual([{ _aws: { CloudWatchMetrics: [] }, X: 1 }]);
    expect(logs).toEqual(['{"level":"WARN","message":"label problem"}']);
    expect(passed).toEqual(['err:plain text\n', 'out:{"not":"a log"}\n', 'err:after\n']);
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
});

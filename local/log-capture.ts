/**
 * Where the handlers' output goes on the local platform. In Lambda, a function's stdout becomes its
 * CloudWatch log stream, and Embedded Metric Format lines in it become metrics. Locally the handlers
 * share this process's stdout, so while the platform runs, each complete stdout line that is a JSON
 * object is routed: EMF documents (`_aws.CloudWatchMetrics`) to the metric sink, structured log lines
 * (Powertools: `level` and `message`) to the log sink; every other line passes through untouched.
 */

/** Where captured lines go. */
export interface LogSinks {
  readonly metric: (document: Record<string, unknown>) => void;
  readonly log: (line: string, document: Record<string, unknown>) => void;
}

/**
 * Route this process's stdout and stderr until the returned function is called (which restores them):
 * Lambda sends both to the function's log stream, and Powertools writes warnings and errors to stderr.
 */
export function captureHandlerOutput(sinks: LogSinks): () => void {
  const restores = [process.stdout, process.stderr].map((stream) => captureStream(stream, sinks));
  return () => {
    for (const restore of restores) restore();
  };
}

/** Route one stream's complete JSON lines to the sinks. */
function captureStream(stdout: NodeJS.WriteStream, sinks: LogSinks): () => void {
  const original = stdout.write.bind(stdout);
  let pending = '';
  const route = (line: string): boolean => {
    if (!line.startsWith('{') || !line.endsWith('}')) return false;
    let document: unknown;
    try {
      document = JSON.parse(line);
    } catch {
      return false;
    }
    if (!document || typeof document !== 'object' || Array.isArray(document)) return false;
    const d = document as Record<string, unknown>;
    const aws = d._aws as { CloudWatchMetrics?: unknown } | undefined;
    if (aws && Array.isArray(aws.CloudWatchMetrics)) {
      sinks.metric(d);
      return true;
    }
    if (typeof d.level === 'string' && typeof d.message === 'string') {
      sinks.log(line, d);
      return true;
    }
    return false;
  };
  const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    pending += text;
    let passed = '';
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (!route(line.trim())) passed += `${line}\n`;
      newline = pending.indexOf('\n');
    }
    const done = typeof encoding === 'function' ? encoding : callback;
    if (passed) return original(passed, done as never);
    if (typeof done === 'function') (done as () => void)();
    return true;
  };
  stdout.write = write as typeof stdout.write;
  return () => {
    stdout.write = original as typeof stdout.write;
    if (pending) original(pending);
  };
}

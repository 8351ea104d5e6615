/**
 * Streaming CSV parser benchmark on the 3M-row flights CSV (see scripts/flights-data.ts).
 *
 * Every (parser, variant) case runs in its own child process, so the reported peak RSS
 * (`process.resourceUsage().maxRSS`) belongs to that parser alone. Cases run one after
 * the other, never in parallel.
 *
 * Variants:
 *   parse  - consume every row, do nothing with it (lazy parsers may skip work here)
 *   touch  - per row: delay and distance -> number, date/origin/destination -> string;
 *            a checksum of those values is compared with an independent reference
 *
 * CLI:  npx tsx bench/validate/parsers.ts [--only id1,id2] [--file PATH]
 *       ids: readline, udsv, papaparse, papaparse-chunk, csv-parser, csv-parse, bytes, ours
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import os from 'node:os';
import readline from 'node:readline';
import { ByteCsvParser } from './byte-csv';
import { isAscii } from 'node:buffer';
import { CsvParser } from '../../lambda/core/validation/csv-parser';

const HIGH_WATER_MARK = 1 << 20; // 1 MiB reads for every parser

type Variant = 'parse' | 'touch';

/** One data row as string fields, in file order. */
type CsvRow = [date: string, delay: string, distance: string, origin: string, destination: string];
interface CsvRecord {
  date: string;
  delay: string;
  distance: string;
  origin: string;
  destination: string;
}

/** Accumulates the "touch" checksum; identical for every parser on the same file. */
class Touch {
  rows = 0;
  delay = 0;
  distance = 0;
  strLen = 0;

  get checksum(): string {
    return `${this.rows}/${this.delay}/${this.distance}/${this.strLen}`;
  }
}

interface ParserCase {
  id: string;
  label: string;
  /** Streams `file` through the parser; returns the number of data rows seen. */
  run(file: string, variant: Variant, t: Touch): Promise<number>;
}

const readStream = (file: string, encoding?: BufferEncoding) =>
  createReadStream(file, { highWaterMark: HIGH_WATER_MARK, encoding });

/** papaparse is UMD: under CJS interop the API sits on `default`. */
async function loadPapa(): Promise<typeof import('papaparse')> {
  const mod = await import('papaparse');
  return (mod as unknown as { default?: typeof mod }).default ?? mod;
}

const CASES: ParserCase[] = [
  {
    id: 'readline',
    label: 'readline (line count) / readline + split(",")',
    async run(file, variant, t) {
      const rl = readline.createInterface({ input: readStream(file), crlfDelay: Infinity });
      let lines = 0;
      if (variant === 'parse') {
        rl.on('line', () => {
          lines++;
        });
      } else {
        rl.on('line', (line) => {
          if (lines++ === 0) return; // header
          const f = line.split(',') as CsvRow;
          t.delay += Number(f[1]);
          t.distance += Number(f[2]);
          t.strLen += f[0].length + f[3].length + f[4].length;
          t.rows++;
        });
      }
      await once(rl, 'close');
      return lines - 1;
    },
  },
  {
    id: 'udsv',
    label: 'udsv (chunk API, stringArrs)',
    async run(file, variant, t) {
      const { inferSchema, initParser } = await import('udsv');
      type Parser = ReturnType<typeof initParser>;
      let rows = 0;
      const onRow =
        variant === 'parse'
          ? () => {
              rows++;
            }
          : (r: CsvRow) => {
              rows++;
              t.delay += Number(r[1]);
              t.distance += Number(r[2]);
              t.strLen += r[0].length + r[3].length + r[4].length;
              t.rows++;
            };
      let parser: Parser | null = null;
      // utf8 decoding in the stream keeps multi-byte chars intact across chunk boundaries
      for await (const chunk of readStream(file, 'utf8')) {
        const str = chunk as string;
        // force quote handling: the first chunk has no quotes, so inference would disable it
        parser ??= initParser(inferSchema(str, { col: ',', row: '\n', encl: '"' }));
        parser.chunk<CsvRow>(str, parser.stringArrs, onRow);
      }
      parser?.end();
      return rows;
    },
  },
  {
    id: 'papaparse',
    label: 'papaparse (Node stream, step)',
    async run(file, variant, t) {
      const Papa = await loadPapa();
      let rows = -1; // header arrives as a row
      await new Promise<void>((resolve, reject) => {
        Papa.parse<CsvRow>(readStream(file, 'utf8'), {
          step:
            variant === 'parse'
              ? () => {
                  rows++;
                }
              : (res) => {
                  if (rows++ === -1) return;
                  const r = res.data;
                  t.delay += Number(r[1]);
                  t.distance += Number(r[2]);
                  t.strLen += r[0].length + r[3].length + r[4].length;
                  t.rows++;
                },
          complete: () => resolve(),
          error: (err) => reject(err),
        });
      });
      return rows;
    },
  },
  {
    id: 'papaparse-chunk',
    label: 'papaparse (Node stream, chunk callback)',
    async run(file, variant, t) {
      const Papa = await loadPapa();
      let rows = -1; // header arrives as a row
      await new Promise<void>((resolve, reject) => {
        Papa.parse<CsvRow>(readStream(file, 'utf8'), {
          chunk: (res) => {
            const data = res.data;
            if (variant === 'parse') {
              rows += data.length;
              return;
            }
            for (let i = 0; i < data.length; i++) {
              if (rows++ === -1) continue;
              const r = data[i]!;
              t.delay += Number(r[1]);
              t.distance += Number(r[2]);
              t.strLen += r[0].length + r[3].length + r[4].length;
              t.rows++;
            }
          },
          complete: () => resolve(),
          error: (err) => reject(err),
        });
      });
      return rows;
    },
  },
  {
    id: 'csv-parser',
    label: 'csv-parser (objects)',
    async run(file, variant, t) {
      const csvParser = (await import('csv-parser')).default;
      const input = readStream(file);
      const parser = input.pipe(csvParser());
      input.on('error', (err) => parser.destroy(err));
      let rows = 0;
      parser.on(
        'data',
        variant === 'parse'
          ? () => {
              rows++;
            }
          : (r: CsvRecord) => {
              rows++;
              t.delay += Number(r.delay);
              t.distance += Number(r.distance);
              t.strLen += r.date.length + r.origin.length + r.destination.length;
              t.rows++;
            },
      );
      await finished(parser);
      return rows;
    },
  },
  {
    id: 'csv-parse',
    label: 'csv-parse (stream, arrays)',
    async run(file, variant, t) {
      const { parse } = await import('csv-parse');
      const input = readStream(file);
      const parser = input.pipe(parse({ from_line: 2 }));
      input.on('error', (err) => parser.destroy(err));
      let rows = 0;
      parser.on(
        'data',
        variant === 'parse'
          ? () => {
              rows++;
            }
          : (r: CsvRow) => {
              rows++;
              t.delay += Number(r[1]);
              t.distance += Number(r[2]);
              t.strLen += r[0].length + r[3].length + r[4].length;
              t.rows++;
            },
      );
      await finished(parser);
      return rows;
    },
  },
  {
    id: 'bytes',
    label: 'hand-written byte-level (byte-csv.ts)',
    async run(file, variant, t) {
      const parser = new ByteCsvParser(
        variant === 'parse'
          ? () => {}
          : (r) => {
              t.delay += r.num(1);
              t.distance += r.num(2);
              t.strLen += r.str(0).length + r.str(3).length + r.str(4).length;
              t.rows++;
            },
      );
      for await (const chunk of readStream(file)) parser.push(chunk as Buffer);
      parser.end();
      return parser.rows;
    },
  },
  {
    id: 'ours',
    label: "ours: lambda/core/validation/csv-parser.ts (chunk decoded once, field views)",
    async run(file, variant, t) {
      let rows = 0;
      const parser = new CsvParser(
        ',',
        variant === 'parse'
          ? (r) => {
              if (r.index > 0) rows++;
            }
          : (r) => {
              if (r.index === 0) return;
              rows++;
              t.delay += r.num(1);
              t.distance += r.num(2);
              t.strLen += r.str(0).length + r.str(3).length + r.str(4).length;
              t.rows++;
            },
      );
      // As the validator decodes: ASCII chunks copied as one-byte strings, anything else strictly.
      const decoder = new TextDecoder('utf-8', { fatal: true });
      let ascii = true;
      for await (const chunk of readStream(file)) {
        const bytes = chunk as Buffer;
        ascii &&= isAscii(bytes);
        parser.push(ascii ? bytes.toString('latin1') : decoder.decode(bytes, { stream: true }));
      }
      parser.push(decoder.decode());
      parser.end();
      return rows;
    },
  },
];

interface ChildResult {
  rows: number;
  seconds: number;
  maxRssKB: number;
  checksum: string | null;
}

async function runChild(id: string, variant: Variant, file: string): Promise<void> {
  const c = CASES.find((x) => x.id === id);
  if (!c) throw new Error(`unknown case ${id}`);
  const t = new Touch();
  const t0 = performance.now();
  const rows = await c.run(file, variant, t);
  const seconds = (performance.now() - t0) / 1000;
  const result: ChildResult = {
    rows,
    seconds,
    maxRssKB: process.resourceUsage().maxRSS,
    checksum: variant === 'touch' ? t.checksum : null,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Independent reference checksum (plain split; valid because the file has no quotes). */
async function referenceChecksum(file: string): Promise<{ rows: number; checksum: string }> {
  const t = new Touch();
  let lines = 0;
  const rl = readline.createInterface({ input: readStream(file), crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (lines++ === 0) return;
    if (line.includes('"')) throw new Error('reference checksum assumes an unquoted file');
    const f = line.split(',') as CsvRow;
    t.delay += Number(f[1]);
    t.distance += Number(f[2]);
    t.strLen += f[0].length + f[3].length + f[4].length;
    t.rows++;
  });
  await once(rl, 'close');
  return { rows: t.rows, checksum: t.checksum };
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const argValue = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };

  const childIdx = args.indexOf('--child');
  if (childIdx >= 0) {
    const [id, variant, file] = args.slice(childIdx + 1);
    if (!id || (variant !== 'parse' && variant !== 'touch') || !file) throw new Error('usage: --child ID parse|touch FILE');
    await runChild(id, variant, file);
    return;
  }

  // imported lazily so child processes don't load hyparquet
  const file = argValue('--file') ?? (await (await import('../../scripts/flights-data')).ensureFlightsCsv());
  const only = argValue('--only')?.split(',');
  const cases = only ? CASES.filter((c) => only.includes(c.id)) : CASES;
  const bytes = (await stat(file)).size;

  // Reads the whole file once (warms the page cache) and computes the expected checksum.
  const ref = await referenceChecksum(file);

  console.log(
    `file: ${file} (${(bytes / 1e6).toFixed(1)} MB, ${fmtInt(ref.rows)} rows); ` +
      `node ${process.version}; ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}; ` +
      `read highWaterMark ${HIGH_WATER_MARK / 1024} KiB`,
  );
  console.log('MB = 10^6 bytes of CSV; RSS MB = maxRSS KB / 1024; check = row count (+ touch checksum) matches.\n');
  console.log('| parser | variant | rows/s | MB/s | peak RSS MB | check |');
  console.log('|---|---|---:|---:|---:|:---:|');

  let failures = 0;
  for (const c of cases) {
    for (const variant of ['parse', 'touch'] as const) {
      const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', c.id, variant, file], {
        encoding: 'utf8',
        maxBuffer: 16 << 20,
      });
      const last = child.stdout.trim().split('\n').pop() ?? '';
      if (child.status !== 0 || !last.startsWith('{')) {
        failures++;
        console.log(`| ${c.label} | ${variant} | – | – | – | ✗ exit ${child.status} |`);
        console.error(child.stderr);
        continue;
      }
      const r = JSON.parse(last) as ChildResult;
      const ok = r.rows === ref.rows && (r.checksum === null || r.checksum === ref.checksum);
      if (!ok) failures++;
      const why = ok ? '✓' : `✗ rows=${r.rows}${r.checksum ? ` sum=${r.checksum}` : ''}`;
      console.log(
        `| ${c.label} | ${variant} | ${fmtInt(r.rows / r.seconds)} | ${(bytes / 1e6 / r.seconds).toFixed(1)} | ` +
          `${(r.maxRssKB / 1024).toFixed(0)} | ${why} |`,
      );
    }
  }
  if (failures) {
    console.error(`\n${failures} case(s) failed (expected ${ref.rows} rows, checksum ${ref.checksum})`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

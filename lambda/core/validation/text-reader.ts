/**
 * Streams CSV and JSON Lines bytes into a {@link DatasetValidator}: sniffs the first bytes, decodes
 * UTF-8 strictly (a BOM is dropped), and parses chunk by chunk so memory stays flat for any file size.
 */
import { isAscii } from 'node:buffer';
import { CsvParser } from './csv-parser';
import type { DatasetValidator } from './dataset-validator';
import { SNIFF_BYTES, firstInvalidUtf8, sniff } from './sniff';

/**
 * Characters one unfinished record may hold before reading stops: keeps memory bounded when a quote
 * is never closed (the parser would otherwise carry the rest of the file).
 */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/** Options for reading one part of a CSV file. */
export interface CsvPartOptions {
  /** The file's header, when this part starts after it (parallel reading): every record is data. */
  readonly header?: readonly string[];
}

/** What reading a CSV stream ended with. */
export interface CsvReadResult {
  /** The input ended inside a quoted field (for a part: the split point was not a record boundary). */
  readonly endedInQuote: boolean;
}

/** Feed a CSV byte stream (a whole file, or a part of one after its header) to the validator. */
export async function readCsv(
  chunks: AsyncIterable<Uint8Array>,
  validator: DatasetValidator,
  delimiter: string,
  options: CsvPartOptions = {},
): Promise<CsvReadResult> {
  let headerDone = options.header !== undefined;
  if (options.header) validator.setColumns(options.header);
  const parser = new CsvParser(delimiter, (record) => {
    if (validator.isAborted) return;
    if (record.index === 0 && !options.header) {
      headerDone = true;
      const header = record.toArray();
      if (validator.checkDelimiter(header, delimiter)) return;
      validator.setColumns(header);
      return;
    }
    validator.acceptRecord(record);
  });
  const ok = await decode(chunks, validator, options.header === undefined, (text) => {
    parser.push(text);
    if (parser.pendingChars > MAX_RECORD_CHARS && !validator.isAborted) {
      validator.fail(
        'record_too_large',
        `record ${parser.recordCount} is still open after ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters: an unclosed quote, or a field far larger than any real one`,
        true,
      );
    }
  });
  if (!ok) return { endedInQuote: false };
  parser.end();
  if (parser.unclosedQuoteAt !== undefined && !validator.isAborted) {
    validator.fail(
      'unclosed_quote',
      `a quoted field opened in record ${parser.unclosedQuoteAt} (row ${Math.max(parser.unclosedQuoteAt, 1)}) is never closed: the rest of the file was read into it`,
    );
  }
  if (!headerDone && !validator.isAborted) validator.fail('empty_file', 'the file holds no records (only blank lines)', true);
  return { endedInQuote: parser.unclosedQuoteAt !== undefined };
}

/** Feed a JSON Lines byte stream to the validator: one JSON object per line, blank lines skipped. */
export async function readJsonLines(chunks: AsyncIterable<Uint8Array>, validator: DatasetValidator): Promise<void> {
  let rest = '';
  let lines = 0;
  const handleLine = (line: string): void => {
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (trimmed.trim() === '') return;
    lines++;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      validator.acceptMalformed(trimmed, (error as Error).message);
      return;
    }
    validator.acceptObject(value, trimmed);
  };
  const ok = await decode(chunks, validator, true, (text) => {
    const all = rest + text;
    let start = 0;
    let nl = all.indexOf('\n');
    while (nl !== -1) {
      handleLine(all.slice(start, nl));
      start = nl + 1;
      nl = all.indexOf('\n', start);
    }
    rest = all.slice(start);
    // The same bound as a CSV record: a file with no newlines (a JSON array on one line) would
    // otherwise be held whole.
    if (rest.length > MAX_RECORD_CHARS && !validator.isAborted) {
      validator.fail(
        'record_too_large',
        `line ${lines + 1} is still open after ${MAX_RECORD_CHARS.toLocaleString('en-US')} characters: not one JSON object per line, or a line far larger than any real one`,
        true,
      );
    }
  });
  if (!ok) return;
  if (rest.length > 0) handleLine(rest);
  if (lines === 0) validator.fail('empty_file', 'the file holds no JSON lines (only blank lines)', true);
}

/**
 * Decode a byte stream as strict UTF-8 and hand each text chunk on. Sniffs the first bytes for
 * compressed or binary content. Returns false when decoding stopped on a fatal failure.
 */
async function decode(
  chunks: AsyncIterable<Uint8Array>,
  validator: DatasetValidator,
  atFileStart: boolean,
  onText: (text: string) => void,
): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  // Pure-ASCII chunks (most data files) are turned into strings directly: ASCII is valid UTF-8 and a
  // one-byte copy is much cheaper than decoding. From the first chunk that is not ASCII on, every chunk
  // goes through the strict decoder, which also carries multi-byte characters split across chunks.
  let asciiSoFar = true;
  const feed = (chunk: Uint8Array): boolean => {
    let text: string;
    try {
      if (asciiSoFar && isAscii(chunk)) {
        text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
      } else {
        asciiSoFar = false;
        text = decoder.decode(chunk, { stream: true });
      }
    } catch {
      const at = firstInvalidUtf8(chunk);
      validator.fail('not_utf8', `the file is not valid UTF-8 (first bad byte at offset ${at >= 0 ? offset + at : `~${offset}`}); re-encode it as UTF-8`, true);
      return false;
    }
    offset += chunk.length;
    if (text.length > 0) onText(text);
    return !validator.isAborted;
  };
  // Only the start of a file has magic bytes; a part read from the middle is not sniffed. The first
  // SNIFF_BYTES are gathered before sniffing: a stream may deliver them in chunks of any size.
  let head: Uint8Array[] | undefined = atFileStart ? [] : undefined;
  let headBytes = 0;
  const sniffHead = (): boolean => {
    const bytes = head!.length === 1 ? head![0]! : new Uint8Array(Buffer.concat(head!));
    head = undefined;
    if (bytes.length === 0) return true;
    const found = sniff(bytes);
    if (found) {
      validator.fail(found.kind, found.message, true);
      return false;
    }
    return feed(bytes);
  };
  for await (const chunk of chunks) {
    validator.addBytes(chunk.length);
    if (head) {
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes >= SNIFF_BYTES && !sniffHead()) return false;
      continue;
    }
    if (!feed(chunk)) return false;
  }
  if (head && !sniffHead()) return false;
  if (offset === 0 && atFileStart) {
    validator.fail('empty_file', 'the file is empty (0 bytes)', true);
    return false;
  }
  try {
    const tail = decoder.decode();
    if (tail.length > 0) onText(tail);
  } catch {
    validator.fail('not_utf8', 'the file is not valid UTF-8 (it ends inside a multi-byte character); re-encode it as UTF-8', true);
    return false;
  }
  return !validator.isAborted;
}

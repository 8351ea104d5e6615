/** The first-bytes sniff and the UTF-8 error locator, on their own. */
import { firstInvalidUtf8, sniff } from '../../../lambda/core/validation/sniff';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe('sniff', () => {
  test.each([
    ['gzip', bytes(0x1f, 0x8b, 8, 0), 'compressed_content', /gzip-compressed data/],
    ['zip', bytes(0x50, 0x4b, 0x03, 0x04, 20), 'compressed_content', /a ZIP archive/],
    ['bzip2', bytes(0x42, 0x5a, 0x68, 0x39), 'compressed_content', /bzip2-compressed data/],
    ['xz', bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00), 'compressed_content', /xz-compressed data/],
    ['zstd', bytes(0x28, 0xb5, 0x2f, 0xfd, 1), 'compressed_content', /zstd-compressed data/],
    ['parquet', bytes(0x50, 0x41, 0x52, 0x31, 1), 'binary_content', /a Parquet file/],
    ['UTF-16 LE', bytes(0xff, 0xfe, 0x61, 0), 'not_utf8', /UTF-16 \(little-endian\)/],
    ['UTF-16 BE', bytes(0xfe, 0xff, 0, 0x61), 'not_utf8', /UTF-16 \(big-endian\)/],
    ['a NUL byte', bytes(0x61, 0x2c, 0x62, 0x00), 'binary_content', /a NUL byte at offset 3/],
  ])('names %s', (_what, head, kind, message) => {
    // Act
    const found = sniff(head);
    // Assess
    expect(found).toEqual({ kind, message: expect.stringMatching(message) });
  });

  test('lets text through, including tabs, CR/LF and UTF-8', () => {
    // Prepare
    const text = new TextEncoder().encode('a\tb\r\nMontréal,日本\n\f');
    // Act / Assess
    expect(sniff(text)).toBeUndefined();
    expect(sniff(new Uint8Array(0))).toBeUndefined();
  });

  test('calls content with more than 10% control bytes binary', () => {
    // Prepare: 20 text bytes and 3 control bytes (13%).
    const head = new Uint8Array([...new TextEncoder().encode('abcdefghijklmnopqrst'), 1, 2, 3]);
    // Act / Assess
    expect(sniff(head)).toEqual({ kind: 'binary_content', message: 'the file holds binary data (3 control bytes in the first 23), not text' });
  });
});

describe('firstInvalidUtf8', () => {
  test('finds the Latin-1 byte', () => {
    // Act / Assess
    expect(firstInvalidUtf8(new Uint8Array(Buffer.from('Montréal', 'latin1')))).toBe(5);
  });

  test('returns -1 for valid UTF-8 and for a sequence cut by the end of the buffer', () => {
    // Prepare
    const valid = new TextEncoder().encode('Montréal 日本');
    // Act / Assess
    expect(firstInvalidUtf8(valid)).toBe(-1);
    expect(firstInvalidUtf8(valid.subarray(0, valid.length - 1))).toBe(-1);
  });

  test('finds stray continuation bytes and bad lead bytes', () => {
    // Act / Assess
    expect(firstInvalidUtf8(bytes(0x61, 0x80))).toBe(1);
    expect(firstInvalidUtf8(bytes(0x61, 0xc0, 0x80))).toBe(1);
    expect(firstInvalidUtf8(bytes(0x61, 0xf5, 0x80, 0x80, 0x80))).toBe(1);
    expect(firstInvalidUtf8(bytes(0xe6, 0x97, 0x61))).toBe(0);
  });
});

/**
 * Parsing one cell into its declared type. CSV gives strings; JSON Lines gives strings, numbers,
 * booleans and nulls; Parquet gives numbers, bigints, booleans, strings and Dates. Every parser returns
 * the parsed value or `undefined` when the input is not of the type (a type failure, not a null).
 */

/** Whether a raw cell is a null: absent, JSON null, or an empty CSV field. */
export function isNullCell(raw: unknown): boolean {
  return raw === undefined || raw === null || raw === '';
}

/** A finite number, from a number, bigint or decimal string (surrounding spaces allowed). */
export function parseNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'string') {
    const first = raw.charCodeAt(0);
    // `+s` also accepts hex, binary and octal literals ("0x1A", "\t0x1A"); data files mean decimals.
    // Text starting with 1-9 cannot be one, so the regex runs only for the rest.
    if (raw.length > 1 && !(first > 48 && first <= 57) && /^\s*0[xXbBoO]/.test(raw)) return undefined;
    const x = +raw;
    return Number.isFinite(x) && raw.trim() !== '' ? x : undefined;
  }
  if (typeof raw === 'bigint') {
    const x = Number(raw);
    return Number.isSafeInteger(x) ? x : undefined;
  }
  return undefined;
}

/** An integer (a number with no fractional part). */
export function parseInteger(raw: unknown): number | undefined {
  const x = parseNumber(raw);
  return x !== undefined && Number.isInteger(x) ? x : undefined;
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

/** A boolean, from a JSON boolean, 0/1, or true/false/t/f/yes/no/y/n in any case. */
export function parseBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (raw === 0 || raw === 1) return raw === 1;
  if (typeof raw === 'string') {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return undefined;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}


// Rows in a file are often in date order: the last calendar date parsed is reused when it repeats.
let lastYmd = -1;
let lastDayMs = 0;

/** The digit at `text[i]`, or a large negative number that makes any sum it enters negative. */
function digitAt(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1_000_000;
}

/**
 * Epoch milliseconds of a date-time string: `YYYY-MM-DD`, `YYYY/MM/DD`, optionally followed by
 * `T` or a space and `HH:MM[:SS[.fff…]]`, optionally `Z` or `±HH[:]MM`. Times without a zone are read as
 * UTC. Calendar-checked (no 2001-02-30). Anything else is not a datetime: no locale guessing.
 * `start`/`end` select a range of `text`, so a CSV field is parsed without slicing it out.
 */
export function parseDateTimeString(text: string, start = 0, end = text.length): number | undefined {
  const len = end - start;
  const b = start;
  if (len < 10) return undefined;
  const sep = text.charCodeAt(b + 4);
  if ((sep !== 45 && sep !== 47) || text.charCodeAt(b + 7) !== sep) return undefined;
  const y = digitAt(text, b) * 1000 + digitAt(text, b + 1) * 100 + digitAt(text, b + 2) * 10 + digitAt(text, b + 3);
  const mo = digitAt(text, b + 5) * 10 + digitAt(text, b + 6);
  const d = digitAt(text, b + 8) * 10 + digitAt(text, b + 9);
  if (y < 0 || mo < 0 || d < 0) return undefined;
  const ymd = y * 10000 + mo * 100 + d;
  let ms: number;
  if (ymd === lastYmd) {
    ms = lastDayMs;
  } else {
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
    ms = daysFromCivil(y, mo, d) * 86_400_000;
    lastYmd = ymd;
    lastDayMs = ms;
  }
  if (len === 10) return ms;
  const t = text.charCodeAt(b + 10);
  if ((t !== 84 && t !== 32) || len < 16 || text.charCodeAt(b + 13) !== 58) return undefined;
  const hh = digitAt(text, b + 11) * 10 + digitAt(text, b + 12);
  const mm = digitAt(text, b + 14) * 10 + digitAt(text, b + 15);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return undefined;
  return parseDateTimeTail(text, b + 16, end, ms + hh * 3_600_000 + mm * 60_000);
}

/** Seconds, fraction and zone after `YYYY-MM-DDTHH:MM` (at offset `i`), added to `ms`. */
function parseDateTimeTail(text: string, i: number, end: number, ms: number): number | undefined {
  if (i < end && text.charCodeAt(i) === 58) {
    const ss = i + 3 <= end ? digitAt(text, i + 1) * 10 + digitAt(text, i + 2) : -1;
    if (ss < 0 || ss > 59) return undefined;
    ms += ss * 1000;
    i += 3;
    if (i < end && text.charCodeAt(i) === 46) {
      let k = i + 1;
      let frac = 0;
      let scale = 100;
      while (k < end) {
        const c = text.charCodeAt(k) - 48;
        if (c < 0 || c > 9) break;
        frac += c * scale;
        scale /= 10;
        k++;
      }
      if (k === i + 1) return undefined;
      ms += Math.floor(frac);
      i = k;
    }
  }
  if (i === end) return ms;
  const z = text.charCodeAt(i);
  if (z === 90 && i + 1 === end) return ms;
  if ((z === 43 || z === 45) && i + 3 <= end) {
    const oh = digitAt(text, i + 1) * 10 + digitAt(text, i + 2);
    const colon = text.charCodeAt(i + 3) === 58 ? 1 : 0;
    const om = i + 5 + colon <= end ? digitAt(text, i + 3 + colon) * 10 + digitAt(text, i + 4 + colon) : -1;
    if (oh < 0 || om < 0 || oh > 23 || om > 59 || i + 5 + colon !== end) return undefined;
    const offset = (oh * 60 + om) * 60_000;
    return z === 43 ? ms - offset : ms + offset;
  }
  return undefined;
}

/** Epoch milliseconds of a datetime cell: a string as {@link parseDateTimeString}, or a Date. */
export function parseDateTime(raw: unknown): number | undefined {
  if (typeof raw === 'string') return parseDateTimeString(raw);
  if (raw instanceof Date) {
    const t = raw.getTime();
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

/** A category or string cell as text (numbers and booleans from JSON are accepted as their text). */
export function parseText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') return String(raw);
  return undefined;
}

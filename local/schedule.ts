/**
 * EventBridge schedule expressions, for the local platform's clock: `rate(value unit)` and
 * `cron(minutes hours day-of-month month day-of-week year)` in UTC, as EventBridge documents them —
 * `*`, lists (`,`), ranges (`-`), increments (`/`), month and weekday names, `?` in one of the two day
 * fields, weekdays 1–7 = SUN–SAT. The `L`, `W` and `#` day forms are refused with a clear error.
 */

/** A schedule expression the platform cannot run (the message says why). */
export class InvalidScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidScheduleError';
  }
}

/** A parsed schedule: does it fire in the minute that starts at this instant? */
export interface Schedule {
  readonly expression: string;
  /** For `rate(…)`: the period in milliseconds. */
  readonly rateMs?: number;
  /** For `cron(…)`: whether the minute starting at `at` (UTC) is one of the schedule's. */
  readonly firesAt?: (at: Date) => boolean;
}

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS },
  { name: 'year', min: 1970, max: 2199 },
];

/** The set of values a cron field allows, or undefined for `*` / `?` (any). */
function parseField(text: string, field: Field, expression: string): Set<number> | undefined {
  if (text === '*' || text === '?') return undefined;
  const special = field.name === 'day-of-month' ? /^(L|LW|\d{1,2}W)$/ : field.name === 'day-of-week' ? /#|^\d?L$/ : undefined;
  if (special && text.split(',').some((part) => special.test(part))) {
    throw new InvalidScheduleError(`${expression}: the ${field.name} form '${text}' (L, W or #) is not run locally`);
  }
  const value = (token: string): number => {
    const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + field.min : Number(token);
    if (!Number.isInteger(n) || n < field.min || n > field.max) throw new InvalidScheduleError(`${expression}: ${field.name} '${token}' is not in ${field.min}–${field.max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new InvalidScheduleError(`${expression}: ${field.name} increment '${stepText}' is not a positive whole number`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, field.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
    } else {
      from = value(range);
      to = stepText === undefined ? from : field.max;
    }
    if (from > to) throw new InvalidScheduleError(`${expression}: ${field.name} range '${range}' runs backwards`);
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

/** Parse an EventBridge schedule expression. */
export function parseSchedule(expression: string): Schedule {
  const trimmed = expression.trim();
  const rate = /^rate\((\d+)\s+([a-z]+)\)$/.exec(trimmed);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (!(unit in UNIT_MS)) throw new InvalidScheduleError(`${expression}: the unit must be minute(s), hour(s) or day(s)`);
    if (value < 1) throw new InvalidScheduleError(`${expression}: the value must be a positive whole number`);
    if ((value === 1) !== !unit.endsWith('s')) throw new InvalidScheduleError(`${expression}: use '${unit.replace(/s$/, '')}' for 1 and '${unit.replace(/s?$/, 's')}' for more (as EventBridge requires)`);
    return { expression, rateMs: value * UNIT_MS[unit]! };
  }
  const cron = /^cron\((.+)\)$/.exec(trimmed);
  if (!cron) throw new InvalidScheduleError(`${expression}: expected rate(value unit) or cron(minutes hours day-of-month month day-of-week year)`);
  const parts = cron[1]!.trim().split(/\s+/);
  if (parts.length !== 6) throw new InvalidScheduleError(`${expression}: a cron expression has 6 fields, got ${parts.length}`);
  if ((parts[2] === '?') === (parts[4] === '?')) throw new InvalidScheduleError(`${expression}: exactly one of day-of-month and day-of-week must be '?'`);
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts.map((p, i) => parseField(p, FIELDS[i]!, expression));
  const allows = (set: Set<number> | undefined, n: number): boolean => set === undefined || set.has(n);
  return {
    expression,
    firesAt: (at) =>
      allows(minutes, at.getUTCMinutes()) &&
      allows(hours, at.getUTCHours()) &&
      allows(dayOfMonth, at.getUTCDate()) &&
      allows(month, at.getUTCMonth() + 1) &&
      allows(dayOfWeek, at.getUTCDay() + 1) &&
      allows(year, at.getUTCFullYear()),
  };
}

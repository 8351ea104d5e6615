/**
 * EventBridge schedule expressions on the local clock. The cron vectors are the examples of the
 * EventBridge documentation ("Schedule expressions for rules", docs.aws.amazon.com/eventbridge/latest/
 * userguide/eb-scheduled-rule-pattern.html): fields minutes hours day-of-month month day-of-week year,
 * UTC, weekdays 1–7 = SUN–SAT, exactly one of the day fields '?'.
 */
import { InvalidScheduleError, parseSchedule } from '../../../local/schedule';

const at = (iso: string): Date => new Date(iso);

describe('rate expressions', () => {
  test('minutes, hours and days, singular for 1 and plural otherwise', () => {
    expect(parseSchedule('rate(1 minute)').rateMs).toBe(60_000);
    expect(parseSchedule('rate(5 minutes)').rateMs).toBe(300_000);
    expect(parseSchedule('rate(1 hour)').rateMs).toBe(3_600_000);
    expect(parseSchedule('rate(7 days)').rateMs).toBe(604_800_000);
  });

  test('bad rates are refused, saying why', () => {
    expect(() => parseSchedule('rate(1 minutes)')).toThrow(/use 'minute' for 1/);
    expect(() => parseSchedule('rate(5 minute)')).toThrow(/'minutes' for more/);
    expect(() => parseSchedule('rate(0 minutes)')).toThrow(/positive whole number/);
    expect(() => parseSchedule('rate(2 weeks)')).toThrow(/minute\(s\), hour\(s\) or day\(s\)/);
    expect(() => parseSchedule('every hour')).toThrow(InvalidScheduleError);
  });
});

describe('cron expressions (the EventBridge documentation examples)', () => {
  test('cron(0 10 * * ? *): 10:00 UTC every day', () => {
    const s = parseSchedule('cron(0 10 * * ? *)');
    expect(s.firesAt!(at('2026-11-27T10:00:00Z'))).toBe(true);
    expect(s.firesAt!(at('2026-11-27T10:01:00Z'))).toBe(false);
    expect(s.firesAt!(at('2026-11-27T11:00:00Z'))).toBe(false);
  });

  test('cron(15 12 * * ? *): 12:15 UTC every day', () => {
    expect(parseSchedule('cron(15 12 * * ? *)').firesAt!(at('2026-01-01T12:15:00Z'))).toBe(true);
  });

  test('cron(0 18 ? * MON-FRI *): 18:00 UTC Monday to Friday', () => {
    const s = parseSchedule('cron(0 18 ? * MON-FRI *)');
    expect(s.firesAt!(at('2026-11-27T18:00:00Z'))).toBe(true); // a Friday
    expect(s.firesAt!(at('2026-11-28T18:00:00Z'))).toBe(false); // Saturday
    expect(s.firesAt!(at('2026-11-29T18:00:00Z'))).toBe(false); // Sunday
  });

  test('cron(0 8 1 * ? *): 08:00 UTC on the first of every month', () => {
    const s = parseSchedule('cron(0 8 1 * ? *)');
    expect(s.firesAt!(at('2026-12-01T08:00:00Z'))).toBe(true);
    expect(s.firesAt!(at('2026-12-02T08:00:00Z'))).toBe(false);
  });

  test('cron(0/10 * ? * MON-FRI *): every 10 minutes, Monday to Friday', () => {
    const s = parseSchedule('cron(0/10 * ? * MON-FRI *)');
    expect(s.firesAt!(at('2026-11-27T03:20:00Z'))).toBe(true);
    expect(s.firesAt!(at('2026-11-27T03:25:00Z'))).toBe(false);
  });

  test('cron(0/5 8-17 ? * MON-FRI *): every 5 minutes from 08:00 to 17:55, Monday to Friday', () => {
    const s = parseSchedule('cron(0/5 8-17 ? * MON-FRI *)');
    expect(s.firesAt!(at('2026-11-27T17:55:00Z'))).toBe(true);
    expect(s.firesAt!(at('2026-11-27T18:00:00Z'))).toBe(false);
    expect(s.firesAt!(at('2026-11-27T07:55:00Z'))).toBe(false);
  });

  test('lists, month names, a year, and weekday 1 = Sunday', () => {
    expect(parseSchedule('cron(0 9 ? JAN,JUL 1 2027)').firesAt!(at('2027-01-03T09:00:00Z'))).toBe(true); // a Sunday in January 2027
    expect(parseSchedule('cron(0 9 ? JAN,JUL 1 2027)').firesAt!(at('2026-01-04T09:00:00Z'))).toBe(false); // 2026
  });

  test('malformed and unsupported expressions are refused, naming the field', () => {
    expect(() => parseSchedule('cron(0 10 * * * *)')).toThrow(/exactly one of day-of-month and day-of-week must be '\?'/);
    expect(() => parseSchedule('cron(0 10 * *)')).toThrow(/6 fields, got 4/);
    expect(() => parseSchedule('cron(61 10 * * ? *)')).toThrow(/minutes '61' is not in 0–59/);
    expect(() => parseSchedule('cron(0 10 L * ? *)')).toThrow(/L, W or #.*not run locally/);
    expect(() => parseSchedule('cron(0 10 ? * 6#3 *)')).toThrow(/not run locally/);
    expect(() => parseSchedule('cron(0 17-9 * * ? *)')).toThrow(/runs backwards/);
  });
});

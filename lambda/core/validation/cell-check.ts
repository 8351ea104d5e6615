/**
 * One cell against its column's declaration, on its own: what the validate stage's {@link ColumnValidator}
 * counts as unexpected for a whole column (null where not nullable, a value not of the type, outside
 * `min`/`max`, not in `allowed`, not matching `regex`, outside the lengths), said for a single value. Used
 * where rows are admitted one by one — a retrain's labelled captures — so a row the dataset's schema would
 * fail never enters a training set. `mostly` does not apply: a single row passes every check or is left out.
 */
import type { ColumnConfig } from '../../../config/schema';
import { isNullCell, parseBoolean, parseDateTime, parseDateTimeString, parseInteger, parseNumber, parseText } from './values';

const compiled = new Map<string, RegExp>();

/** Why a cell fails its column's declaration, or undefined when it passes. */
export function cellViolation(spec: ColumnConfig, raw: unknown): string | undefined {
  if (isNullCell(raw)) return spec.nullable ? undefined : 'missing, and the column is not nullable';
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const x = spec.type === 'integer' ? parseInteger(raw) : parseNumber(raw);
      if (x === undefined) return `not ${spec.type === 'integer' ? 'an integer' : 'a number'}`;
      if ((spec.min !== undefined && x < spec.min) || (spec.max !== undefined && x > spec.max)) return `${x} is outside [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]`;
      return undefined;
    }
    case 'datetime': {
      const t = parseDateTime(raw);
      if (t === undefined) return 'not a datetime';
      const min = spec.min !== undefined ? parseDateTimeString(spec.min) : undefined;
      const max = spec.max !== undefined ? parseDateTimeString(spec.max) : undefined;
      if ((min !== undefined && t < min) || (max !== undefined && t > max)) return `outside [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]`;
      return undefined;
    }
    case 'boolean':
      return parseBoolean(raw) === undefined ? 'not a boolean' : undefined;
    case 'category':
    case 'string': {
      const text = parseText(raw);
      if (text === undefined) return 'not text';
      if (spec.type === 'category' && spec.allowed && !spec.allowed.includes(text)) return `${JSON.stringify(text)} is not one of the allowed values`;
      if (spec.regex !== undefined && !(compiled.get(spec.regex) ?? compiled.set(spec.regex, new RegExp(spec.regex)).get(spec.regex)!).test(text)) return `${JSON.stringify(text)} does not match ${spec.regex}`;
      if (spec.type === 'string' && ((spec.minLength !== undefined && text.length < spec.minLength) || (spec.maxLength !== undefined && text.length > spec.maxLength))) return `length ${text.length} is outside the declared lengths`;
      return undefined;
    }
  }
}

/**
 * An Amazon EventBridge event-pattern matcher for the local platform: the rule patterns come from the
 * synthesized template and are matched against local events (S3 "Object Created", alarm state changes)
 * with EventBridge's documented semantics
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html).
 *
 * A pattern is parsed (and validated, the way PutRule would reject it) once into a tree of conditions,
 * then matched against any number of events.
 */
import { isIP } from 'node:net';
import { describeValue, isObject } from './json-value';

/** A pattern EventBridge's PutRule would reject; `path` names the offending place in the pattern. */
export class InvalidEventPatternError extends Error {
  /**
   * @param path where in the pattern the problem is, as `detail.state[0].anything-but` (`$` for the root)
   * @param problem what is wrong there
   */
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`Event pattern is not valid at ${path}: ${problem}`);
    this.name = 'InvalidEventPatternError';
  }
}

/** A JSON value as it appears in an event. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

type Condition =
  | { readonly kind: 'exact'; readonly value: string | number | boolean | null }
  | { readonly kind: 'string'; readonly test: (value: string) => boolean }
  | { readonly kind: 'anything-but-values'; readonly values: ReadonlySet<string | number> }
  | { readonly kind: 'anything-but-string'; readonly test: (value: string) => boolean }
  | { readonly kind: 'numeric'; readonly test: (value: number) => boolean }
  | { readonly kind: 'exists'; readonly exists: boolean }
  | { readonly kind: 'cidr'; readonly test: (address: string) => boolean };

interface PatternNode {
  /** Fields that must all match: a leaf (list of alternative conditions) or a nested object. */
  readonly fields: ReadonlyArray<{ readonly name: string; readonly leaf?: readonly Condition[]; readonly node?: PatternNode }>;
  /** Each `$or` at this level: at least one alternative must match. */
  readonly ors: ReadonlyArray<readonly PatternNode[]>;
}

/** A validated event pattern, ready to match events. Build it with {@link parseEventPattern}. */
export class EventPattern {
  /** @internal use {@link parseEventPattern} */
  constructor(
    /** The pattern as given (parsed from JSON when a string was given). */
    readonly source: Readonly<Record<string, unknown>>,
    private readonly root: PatternNode,
  ) {}

  /** Whether `event` (a parsed JSON event) matches this pattern. */
  matches(event: unknown): boolean {
    return isObject(event) && matchNode(this.root, event as Record<string, Json>);
  }
}

/**
 * Parses and validates an EventBridge event pattern.
 *
 * @param pattern the pattern as JSON text (as in a template's `EventPattern` after token resolution) or
 *   as an object
 * @returns the compiled pattern
 * @throws InvalidEventPatternError when the pattern is malformed: not a JSON object, a field whose value
 *   is neither an array of match values nor an object, an empty array, an unknown or malformed operator,
 *   a bad numeric range, a bad CIDR block, a malformed wildcard, a `$or` without at least two objects
 */
export function parseEventPattern(pattern: string | object): EventPattern {
  let value: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      value = JSON.parse(pattern);
    } catch (error) {
      throw new InvalidEventPatternError('$', `not valid JSON (${(error as Error).message})`);
    }
  }
  if (!isObject(value)) throw new InvalidEventPatternError('$', `must be a JSON object, got ${describeValue(value)}`);
  return new EventPattern(value, parseNode(value, ''));
}

/**
 * Whether `event` matches `pattern`, with EventBridge's semantics: every field named in the pattern must
 * match (AND), any value in a field's array may match (OR); when the event's value is an array, any
 * element may match.
 *
 * @param pattern an {@link EventPattern}, or a pattern as JSON text or object (parsed and validated first)
 * @param event the event, a parsed JSON object
 * @throws InvalidEventPatternError when the pattern is malformed (see {@link parseEventPattern})
 */
export function matchesEventPattern(pattern: EventPattern | string | object, event: unknown): boolean {
  return (pattern instanceof EventPattern ? pattern : parseEventPattern(pattern)).matches(event);
}

// ---------------------------------------------------------------------------------------------------
// Parsing

function parseNode(pattern: Record<string, unknown>, path: string): PatternNode {
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new InvalidEventPatternError(path || '$', 'an object in a pattern must name at least one field');
  const fields: PatternNode['fields'][number][] = [];
  const ors: PatternNode[][] = [];
  for (const [name, value] of entries) {
    const at = path ? `${path}.${name}` : name;
    if (name === '$or') ors.push(parseOr(value, at));
    else if (Array.isArray(value)) fields.push({ name, leaf: parseLeaf(value, at) });
    else if (isObject(value)) fields.push({ name, node: parseNode(value, at) });
    else throw new InvalidEventPatternError(at, `must be an array of match values or an object, got ${describeValue(value)}`);
  }
  return { fields, ors };
}

function parseOr(value: unknown, path: string): PatternNode[] {
  if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
    throw new InvalidEventPatternError(path, `$or must be an array of at least two pattern objects, got ${describeValue(value)}`);
  }
  return value.map((alternative, i) => parseNode(alternative as Record<string, unknown>, `${path}[${i}]`));
}

function parseLeaf(values: unknown[], path: string): Condition[] {
  if (values.length === 0) throw new InvalidEventPatternError(path, 'empty arrays are not allowed; list at least one match value');
  return values.map((value, i) => parseCondition(value, `${path}[${i}]`));
}

function parseCondition(value: unknown, path: string): Condition {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return { kind: 'exact', value };
  if (typeof value === 'number') return { kind: 'exact', value: checkNumber(value, path) };
  if (!isObject(value)) throw new InvalidEventPatternError(path, `a match value must be a string, number, boolean, null or operator object, got ${describeValue(value)}`);
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new InvalidEventPatternError(path, `an operator object must have exactly one key, got ${keys.length} (${keys.join(', ') || 'none'})`);
  const operator = keys[0] as string;
  const operand = value[operator];
  const at = `${path}.${operator}`;
  switch (operator) {
    case 'prefix':
      return stringCondition(operand, at, (v, p) => v.startsWith(p));
    case 'suffix':
      return stringCondition(operand, at, (v, s) => v.endsWith(s));
    case 'equals-ignore-case': {
      const expected = requireString(operand, at).toLowerCase();
      return { kind: 'string', test: (v) => v.toLowerCase() === expected };
    }
    case 'wildcard': {
      const regex = wildcardRegex(requireString(operand, at), at);
      return { kind: 'string', test: (v) => regex.test(v) };
    }
    case 'anything-but':
      return parseAnythingBut(operand, at);
    case 'numeric':
      return { kind: 'numeric', test: numericTest(operand, at) };
    case 'exists':
      if (typeof operand !== 'boolean') throw new InvalidEventPatternError(at, `exists takes true or false, got ${describeValue(operand)}`);
      return { kind: 'exists', exists: operand };
    case 'cidr':
      return { kind: 'cidr', test: cidrTest(operand, at) };
    default:
      throw new InvalidEventPatternError(
        at,
        `unknown operator "${operator}"; expected one of prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr`,
      );
  }
}

/** `prefix`/`suffix`: a string, or `{ "equals-ignore-case": string }` to compare regardless of case. */
function stringCondition(operand: unknown, path: string, test: (value: string, operand: string) => boolean): Condition {
  if (isObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new InvalidEventPatternError(path, `takes a string or {"equals-ignore-case": string}, got ${describeValue(operand)}`);
    }
    const expected = requireString(operand['equals-ignore-case'], `${path}.equals-ignore-case`).toLowerCase();
    return { kind: 'string', test: (v) => test(v.toLowerCase(), expected) };
  }
  const expected = requireString(operand, path);
  return { kind: 'string', test: (v) => test(v, expected) };
}

function parseAnythingBut(operand: unknown, path: string): Condition {
  if (typeof operand === 'string') return { kind: 'anything-but-values', values: new Set([operand]) };
  if (typeof operand === 'number') return { kind: 'anything-but-values', values: new Set([checkNumber(operand, path)]) };
  if (Array.isArray(operand)) {
    const allStrings = operand.every((v) => typeof v === 'string');
    const allNumbers = operand.every((v) => typeof v === 'number');
    if (operand.length === 0 || !(allStrings || allNumbers)) {
      throw new InvalidEventPatternError(path, `takes a non-empty list of only strings or only numbers, got ${describeValue(operand)}`);
    }
    operand.forEach((v, i) => typeof v === 'number' && checkNumber(v, `${path}[${i}]`));
    return { kind: 'anything-but-values', values: new Set(operand as (string | number)[]) };
  }
  if (!isObject(operand)) throw new InvalidEventPatternError(path, `takes a string, number, list or operator object, got ${describeValue(operand)}`);
  const keys = Object.keys(operand);
  if (keys.length !== 1) throw new InvalidEventPatternError(path, `an operator object must have exactly one key, got ${keys.length} (${keys.join(', ') || 'none'})`);
  const operator = keys[0] as string;
  const inner = operand[operator];
  const at = `${path}.${operator}`;
  switch (operator) {
    case 'prefix': {
      const prefix = requireString(inner, at);
      return { kind: 'anything-but-string', test: (v) => !v.startsWith(prefix) };
    }
    case 'suffix': {
      const suffix = requireString(inner, at);
      return { kind: 'anything-but-string', test: (v) => !v.endsWith(suffix) };
    }
    case 'equals-ignore-case': {
      const excluded = new Set(stringOrStrings(inner, at).map((s) => s.toLowerCase()));
      return { kind: 'anything-but-string', test: (v) => !excluded.has(v.toLowerCase()) };
    }
    case 'wildcard': {
      const regexes = stringOrStrings(inner, at).map((w, i) => wildcardRegex(w, Array.isArray(inner) ? `${at}[${i}]` : at));
      return { kind: 'anything-but-string', test: (v) => !regexes.some((r) => r.test(v)) };
    }
    default:
      throw new InvalidEventPatternError(at, `unknown anything-but operator "${operator}"; expected prefix, suffix, equals-ignore-case or wildcard`);
  }
}

const NUMERIC_OPERATORS = new Set(['<', '<=', '=', '>', '>=']);

/**
 * `numeric` takes one comparison (`["<", 10]`, `["=", 3.018e2]`) or a range of a lower bound followed by
 * an upper bound (`[">", 0, "<=", 5]`), the lower below the upper.
 */
function numericTest(operand: unknown, path: string): (value: number) => boolean {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw new InvalidEventPatternError(path, `takes [operator, number] or [lower operator, number, upper operator, number], got ${describeValue(operand)}`);
  }
  const comparisons: Array<[string, number]> = [];
  for (let i = 0; i < operand.length; i += 2) {
    const operator: unknown = operand[i];
    const bound: unknown = operand[i + 1];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) {
      throw new InvalidEventPatternError(`${path}[${i}]`, `unknown numeric operator ${describeValue(operator)}; expected one of <, <=, =, >, >=`);
    }
    if (typeof bound !== 'number') throw new InvalidEventPatternError(`${path}[${i + 1}]`, `a numeric bound must be a number, got ${describeValue(bound)}`);
    comparisons.push([operator, checkNumber(bound, `${path}[${i + 1}]`)]);
  }
  const [lower, upper] = comparisons;
  if (upper && lower) {
    if (!(lower[0] === '>' || lower[0] === '>=') || !(upper[0] === '<' || upper[0] === '<=')) {
      throw new InvalidEventPatternError(path, `a range must be a lower bound (> or >=) followed by an upper bound (< or <=), got ${describeValue(operand)}`);
    }
    if (lower[1] >= upper[1]) throw new InvalidEventPatternError(path, `the lower bound ${lower[1]} must be below the upper bound ${upper[1]}`);
  }
  return (value) => comparisons.every(([operator, bound]) => compare(value, operator, bound));
}

function compare(value: number, operator: string, bound: number): boolean {
  switch (operator) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '=':
      return value === bound;
    case '>':
      return value > bound;
    default:
      return value >= bound;
  }
}

/** EventBridge limits numbers in patterns to ±5.0e9 (the Event Ruler limit the docs describe). */
const NUMBER_LIMIT = 5e9;

function checkNumber(value: number, path: string): number {
  if (!Number.isFinite(value) || Math.abs(value) > NUMBER_LIMIT) {
    throw new InvalidEventPatternError(path, `numbers must lie between -5.0e9 and +5.0e9, got ${value}`);
  }
  return value;
}

/**
 * A wildcard value: `*` matches any run of characters (including none); `\*` is a literal asterisk and
 * `\\` a literal backslash. Consecutive `*` and any other escape are rejected, as EventBridge does.
 */
function wildcardRegex(wildcard: string, path: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i] as string;
    if (c === '\\') {
      const next = wildcard[i + 1];
      if (next !== '*' && next !== '\\') throw new InvalidEventPatternError(path, `a backslash may only escape * or \\ (at character ${i + 1} of "${wildcard}")`);
      source += `\\${next}`;
      i++;
    } else if (c === '*') {
      if (wildcard[i + 1] === '*') throw new InvalidEventPatternError(path, `consecutive wildcard characters are not allowed ("${wildcard}")`);
      source += '.*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

/** A CIDR block (`10.0.0.0/24`, `2001:db8::/32`); a bare address means that one address. */
function cidrTest(operand: unknown, path: string): (address: string) => boolean {
  const text = requireString(operand, path);
  const [address = '', bits, ...rest] = text.split('/');
  const family = isIP(address);
  const width = family === 6 ? 128 : 32;
  const prefix = bits === undefined ? width : Number(bits);
  if (family === 0 || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > width || bits === '') {
    throw new InvalidEventPatternError(path, `not a valid IPv4 or IPv6 CIDR block: "${text}"`);
  }
  const network = ipToBigInt(address) >> BigInt(width - prefix);
  return (candidate) => isIP(candidate) === family && ipToBigInt(candidate) >> BigInt(width - prefix) === network;
}

function ipToBigInt(address: string): bigint {
  if (isIP(address) === 4) return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
  // Expand `::` and an embedded IPv4 tail (`::ffff:10.0.0.1`) into eight 16-bit groups.
  let groups = address.split(':');
  const last = groups[groups.length - 1] as string;
  if (last.includes('.')) {
    const v4 = ipToBigInt(last);
    groups = [...groups.slice(0, -1), (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
  }
  const gap = groups.indexOf('');
  if (gap !== -1) {
    const head = groups.slice(0, gap).filter(Boolean);
    const tail = groups.slice(gap + 1).filter(Boolean);
    groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  }
  return groups.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new InvalidEventPatternError(path, `must be a string, got ${describeValue(value)}`);
  return value;
}

function stringOrStrings(value: unknown, path: string): string[] {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value as string[];
  return [requireString(value, path)];
}

// ---------------------------------------------------------------------------------------------------
// Matching

function matchNode(node: PatternNode, event: Record<string, Json>): boolean {
  return (
    node.fields.every(({ name, leaf, node: nested }) => {
      const value = Object.hasOwn(event, name) ? event[name] : undefined;
      return leaf ? matchLeaf(leaf, value) : matchNested(nested as PatternNode, value);
    }) && node.ors.every((alternatives) => alternatives.some((alternative) => matchNode(alternative, event)))
  );
}

/** A nested pattern object matches an object value, or any object in an array value. */
function matchNested(node: PatternNode, value: Json | undefined): boolean {
  if (Array.isArray(value)) return value.some((element) => matchNested(node, element));
  return isObject(value) && matchNode(node, value as Record<string, Json>);
}

function matchLeaf(conditions: readonly Condition[], value: Json | undefined): boolean {
  // Only leaf values count: an object (a non-leaf node) is, for matching, an absent value.
  const values = (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
    (v): v is string | number | boolean | null => !isObject(v) && !Array.isArray(v),
  );
  return conditions.some((condition) =>
    condition.kind === 'exists' ? (values.length > 0) === condition.exists : values.some((v) => matchValue(condition, v)),
  );
}

function matchValue(condition: Exclude<Condition, { kind: 'exists' }>, value: string | number | boolean | null): boolean {
  switch (condition.kind) {
    case 'exact':
      return value === condition.value;
    case 'string':
    case 'anything-but-string':
      return typeof value === 'string' && condition.test(value);
    case 'anything-but-values':
      return !(typeof value === 'string' || typeof value === 'number') || !condition.values.has(value);
    case 'numeric':
      return typeof value === 'number' && condition.test(value);
    case 'cidr':
      return typeof value === 'string' && condition.test(value);
  }
}

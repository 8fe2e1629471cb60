/**
 * Compiles a comparison (op + value) into a test of one value. The value is analysed
 * once here (numbers, times, lower-cased strings, sets for `in`) so the hot path only
 * looks at the actual value.
 *
 * Semantics
 * - eq/in: strings compare exactly (or case-insensitively with ignoreCase); a date string
 *   also equals a date string naming the same instant; a number equals a number or a
 *   numeric string of the same value; a missing value equals null.
 * - gt/gte/lt/lte/between: numbers and numeric strings compare as numbers, two ISO date
 *   strings compare as times; anything else never matches.
 * - contains: substring of a string, or membership (eq) in an array. starts_with: prefix.
 * - An actual array (a list trait, or a path through "products.category") matches a
 *   positive op when any element does.
 * - neq, not_in, not_exists are exactly the negations of eq, in, exists, so a profile
 *   without the trait is "neq X" and {"not": {... "eq" ...}} always equals "neq".
 */
import type { Comparison, CountFilter } from './types.ts';
import { toNumber, toTime } from './coerce.ts';

export type ValueTest = (actual: unknown) => boolean;

interface EqSet {
  ignoreCase: boolean;
  strings: Set<string>;
  /** From number values: a numeric string actual equals them too. */
  numbers: Set<number>;
  /** From numeric string values: a number actual equals them. */
  numericStrings: Set<number>;
  times: Set<number>;
  booleans: Set<boolean>;
  nul: boolean;
}

function eqSet(values: readonly unknown[], ignoreCase: boolean): EqSet {
  const s: EqSet = { ignoreCase, strings: new Set(), numbers: new Set(), numericStrings: new Set(), times: new Set(), booleans: new Set(), nul: false };
  for (const v of values) {
    if (typeof v === 'string') {
      s.strings.add(ignoreCase ? v.toLowerCase() : v);
      const n = toNumber(v);
      if (n !== undefined) s.numericStrings.add(n);
      const t = toTime(v);
      if (t !== undefined) s.times.add(t);
    } else if (typeof v === 'number') s.numbers.add(v);
    else if (typeof v === 'boolean') s.booleans.add(v);
    else if (v === null) s.nul = true;
  }
  return s;
}

function inSet(s: EqSet, a: unknown): boolean {
  if (typeof a === 'string') {
    if (s.strings.has(s.ignoreCase ? a.toLowerCase() : a)) return true;
    if (s.numbers.size) { const n = toNumber(a); if (n !== undefined && s.numbers.has(n)) return true; }
    if (s.times.size) { const t = toTime(a); if (t !== undefined && s.times.has(t)) return true; }
    return false;
  }
  if (typeof a === 'number') return s.numbers.has(a) || s.numericStrings.has(a);
  if (typeof a === 'boolean') return s.booleans.has(a);
  return (a === null || a === undefined) && s.nul;
}

/** Where an ordering bound lives: on the number line or the time line (never both). */
interface Bound { num?: number; time?: number }
const boundOf = (v: unknown): Bound => ({ num: toNumber(v), time: toTime(v) });

/** The actual value on the bound's line, or undefined when the two are not comparable. */
function onLine(b: Bound, a: unknown): number | undefined {
  if (b.num !== undefined) return toNumber(a);
  if (b.time !== undefined) return toTime(a);
  return undefined;
}

function ordering(op: 'gt' | 'gte' | 'lt' | 'lte', value: unknown): ValueTest {
  const b = boundOf(value);
  const y = b.num ?? b.time ?? NaN;
  switch (op) {
    case 'gt': return a => { const x = onLine(b, a); return x !== undefined && x > y; };
    case 'gte': return a => { const x = onLine(b, a); return x !== undefined && x >= y; };
    case 'lt': return a => { const x = onLine(b, a); return x !== undefined && x < y; };
    case 'lte': return a => { const x = onLine(b, a); return x !== undefined && x <= y; };
  }
}

function between(value: unknown): ValueTest {
  const [lo, hi] = Array.isArray(value) ? value : [];
  const l = boundOf(lo), h = boundOf(hi);
  // Validation guarantees both bounds are numbers or both are dates.
  const line: Bound = l.num !== undefined ? { num: 0 } : { time: 0 };
  const min = l.num ?? l.time ?? NaN, max = h.num ?? h.time ?? NaN;
  return a => {
    const x = onLine(line, a);
    return x !== undefined && x >= min && x <= max;
  };
}

/** Applies an element test to a scalar, or to any element of an array. */
const anyElement = (test: ValueTest): ValueTest => a => {
  if (!Array.isArray(a)) return test(a);
  for (const el of a) if (test(el)) return true;
  return false;
};

function positive(c: Comparison): ValueTest {
  const ic = c.ignoreCase === true;
  switch (c.op) {
    case 'eq': case 'neq': { const s = eqSet([c.value ?? null], ic); return a => (Array.isArray(a) ? a.some(x => inSet(s, x)) : inSet(s, a)); }
    case 'in': case 'not_in': { const s = eqSet(Array.isArray(c.value) ? c.value : [], ic); return a => (Array.isArray(a) ? a.some(x => inSet(s, x)) : inSet(s, a)); }
    case 'gt': case 'gte': case 'lt': case 'lte': return anyElement(ordering(c.op, c.value));
    case 'between': return anyElement(between(c.value));
    case 'exists': case 'not_exists': return a => a !== undefined && a !== null;
    case 'contains': {
      const s = eqSet([c.value], ic);
      const sub = typeof c.value === 'string' ? (ic ? c.value.toLowerCase() : c.value) : null;
      return a => {
        if (Array.isArray(a)) return a.some(x => inSet(s, x));
        return sub !== null && typeof a === 'string' && (ic ? a.toLowerCase() : a).includes(sub);
      };
    }
    case 'starts_with': {
      const pre = typeof c.value === 'string' ? (ic ? c.value.toLowerCase() : c.value) : '';
      return anyElement(a => typeof a === 'string' && (ic ? a.toLowerCase() : a).startsWith(pre));
    }
  }
}

const NEGATED = new Set(['neq', 'not_in', 'not_exists']);

export function compileComparison(c: Comparison): ValueTest {
  const test = positive(c);
  return NEGATED.has(c.op) ? a => !test(a) : test;
}

/** The predicate on an event count; absent `count` means "at least one". */
export function compileCount(count: CountFilter | undefined): (n: number) => boolean {
  if (!count) return n => n >= 1;
  const v = count.value;
  if (count.op === 'between') {
    const [lo, hi] = Array.isArray(v) ? v : [v, v];
    return n => n >= lo && n <= hi;
  }
  const x = Array.isArray(v) ? v[0] : v;
  switch (count.op) {
    case 'eq': return n => n === x;
    case 'neq': return n => n !== x;
    case 'gt': return n => n > x;
    case 'gte': return n => n >= x;
    case 'lt': return n => n < x;
    case 'lte': return n => n <= x;
  }
}

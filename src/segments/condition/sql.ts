/**
 * A condition as a three-valued SQL expression, for computing a segment over every profile.
 * The expression is TRUE only where the evaluator is sure to answer "match, and no time
 * alone will change that" (recheckAt null), FALSE only where it is sure to answer "no match,
 * and no time alone will change that", and NULL wherever SQL cannot be sure. SQL's AND, OR
 * and NOT on NULL are exactly how `all`, `any` and `not` combine such certainties (a child
 * false for good ends an `all` for good, see compile.ts), so leaves only need to be sound.
 *
 * A full compute evaluates in JS only the profiles this leaves NULL, or whose membership it
 * says must change; everyone else already has the answer the evaluator would give, and no
 * recheck to schedule. The evaluator stays the one source of answers.
 *
 * Event leaves count a superset of the events the evaluator may count (by name and time
 * only, from `profile_events`; type, channel and `where` ignored), so "even all of them
 * would not pass the count filter" is sound.
 */
import { parseDuration } from '../../shared/index.ts';
import type { Comparison, Condition, CountFilter, EventCondition } from './types.ts';
import { ANY_EVENT } from './types.ts';
import { toNumber, toTime } from './coerce.ts';
import { splitPath } from './path.ts';

/** One count over a profile's `profile_events` rows, in the query's `c` relation. */
export interface SqlCount { alias: string; filter: string }

export interface SqlDecision {
  /** Boolean over `p` (the profiles row) and `c` (the counts, one row per profile, may be absent). */
  expr: string;
  /** Every count filters rows by name and time, so rows passing none of them can be left out. */
  counts: SqlCount[];
}

/**
 * `param(v)` returns the placeholder for a new parameter (e.g. "$4"); `now` is the time of the
 * evaluation the expression stands for, in epoch ms.
 */
export function conditionSql(cond: Condition, now: number, param: (v: unknown) => string): SqlDecision {
  const counts = new Map<string, SqlCount>();
  const count = (name: string | undefined, after: number | null): string => {
    // One ms wider than the evaluator's bound: timestamps reach it rounded to the ms.
    const filter = [name === undefined ? 'true' : `name = ${param(name)}::text`,
      after === null ? 'true' : `ts > to_timestamp(${param(after - 1)}::float8 / 1000.0)`].join(' and ');
    let c = counts.get(filter);
    if (!c) counts.set(filter, c = { alias: `n${counts.size}`, filter });
    return `coalesce(c.${c.alias}, 0)`;
  };

  const node = (c: Condition): string => {
    if ('all' in c) return c.all.length ? `(${c.all.map(node).join(' and ')})` : 'true';
    if ('any' in c) return c.any.length ? `(${c.any.map(node).join(' or ')})` : 'false';
    if ('not' in c) return `(not ${node(c.not)})`;
    if ('trait' in c) return valueSql('p.traits', c.trait, c, param);
    if ('computed' in c) return valueSql('p.computed', c.computed, c, param);
    if ('segment' in c) return `exists (select 1 from segment_members m where m.segment_id = ${param(c.segment)}::text and m.profile_id = p.id)`;
    if ('consent' in c) {
      const k = param(c.consent);
      return `(case jsonb_typeof(p.consent -> ${k}::text) when 'object' then coalesce(p.consent -> ${k}::text -> 'status' = '"granted"'::jsonb, false) when 'null' then null else false end)`;
    }
    if ('reachable' in c) {
      const k = param(c.reachable);
      return `(case jsonb_typeof(p.channels -> ${k}::text) when 'object' then coalesce(p.channels -> ${k}::text -> 'reachable' = 'true'::jsonb, false) else false end)`;
    }
    if ('event' in c) return eventSql(c, now, count);
    return 'null::boolean'; // near, sample: only the evaluator knows
  };
  const expr = node(cond);
  return { expr, counts: [...counts.values()] };
}

const anyName = (name: string) => (name === ANY_EVENT ? undefined : name);

function eventSql(c: EventCondition, now: number, count: (name: string | undefined, after: number | null) => string): string {
  const event = anyName(c.event);
  if (c.last === undefined && c.since === undefined) {
    // Window: at any time from now on, the count is at most the events still inside or ahead.
    const from = c.within ? parseDuration(c.within, 'within') : c.ago ? parseDuration(c.ago.from, 'ago.from') : Infinity;
    return countDecision(c.count, count(event, from === Infinity ? null : now - from));
  }
  // `last`, `of` and `since` re-check when a later event arrives: sure only with none ahead.
  let bound: string;
  let ahead: string[];
  if (c.last !== undefined && c.of !== undefined) {
    // `of` names the messages literally ("*" is not a wildcard there).
    bound = `least(${c.last}, ${count(c.of, null)})`;
    ahead = [count(event, now), count(c.of, now)];
  } else if (c.last !== undefined) {
    bound = `least(${c.last}, ${count(event, null)})`;
    ahead = [count(event, now)];
  } else {
    const anchor = anyName(c.since!.event);
    bound = `(case when ${count(anchor, null)} = 0 then 0 else ${count(event, null)} end)`;
    ahead = [count(event, now), count(anchor, now)];
  }
  return `(case when ${ahead.join(' + ')} > 0 then null else ${countDecision(c.count, bound)} end)`;
}

/**
 * Sure answers of the count filter when the count can be anything in [0, bound]: false when
 * no such count passes, true when every one does.
 */
function countDecision(f: CountFilter | undefined, bound: string): string {
  const v = f?.value ?? 1;
  const x = Array.isArray(v) ? v[0] : v;
  let lo: number, hi: number, negate = false;
  switch (f?.op ?? 'gte') {
    case 'gte': lo = Math.ceil(x); hi = Infinity; break;
    case 'gt': lo = Math.floor(x) + 1; hi = Infinity; break;
    case 'lte': lo = 0; hi = Math.floor(x); break;
    case 'lt': lo = 0; hi = Math.ceil(x) - 1; break;
    case 'eq': case 'neq': [lo, hi] = Number.isInteger(x) ? [x, x] : [1, 0]; negate = f?.op === 'neq'; break;
    case 'between': { const [a, b] = Array.isArray(v) ? v : [v, v]; lo = Math.ceil(a); hi = Math.floor(b); break; }
  }
  if (!Number.isFinite(lo) || Number.isNaN(hi)) return 'null::boolean';
  // Over the counts [0, bound], the filter passes exactly on [lo, hi].
  const none = lo > hi || hi < 0 ? 'true' : `${bound} < ${lo}`;
  const all = lo > hi || lo > 0 ? 'false' : hi === Infinity ? 'true' : `${bound} <= ${hi}`;
  const [isFalse, isTrue] = negate ? [all, none] : [none, all];
  return `(case when ${isFalse} then false when ${isTrue} then true end)`;
}

/** A comparison of the value at `path` in a jsonb column, as sure as SQL can be (see compare.ts). */
function valueSql(col: string, path: string, c: Comparison, param: (v: unknown) => string): string {
  const keys = splitPath(path);
  // Parameters are taken only once the comparison is known to be expressible: an unused one has no type.
  const test = positiveSql(c, VALUE, param);
  if (test === null) return 'null::boolean';
  const v = keys.length === 1 ? `(${col} -> ${param(keys[0])}::text)` : `(${col} #> ${param(keys)}::text[])`;
  const positive = (['neq', 'not_in', 'not_exists'].includes(c.op) ? `(not ${test})` : test).replaceAll(VALUE, v);
  // The evaluator reads a path through an array on every element; SQL does not, so say nothing.
  const prefixes = keys.map((_, i) => i === 0 ? col : `${col} #> ${param(keys.slice(0, i))}::text[]`);
  return `(case when ${prefixes.map(x => `jsonb_typeof(${x}) = 'array'`).join(' or ')} then null else ${positive} end)`;
}

const VALUE = '\u0000value\u0000';

/** Numbers as the evaluator sees them (doubles); huge ones left to it. */
const num = (v: string) => `(case when ${v}::numeric between -1e300 and 1e300 then ${v}::float8 end)`;

function positiveSql(c: Comparison, v: string, param: (v: unknown) => string): string | null {
  const t = `coalesce(jsonb_typeof(${v}), 'null')`;
  switch (c.op) {
    case 'exists': case 'not_exists': return `(${t} <> 'null')`;
    case 'eq': case 'neq': case 'in': case 'not_in': {
      const values = c.op === 'eq' || c.op === 'neq' ? [c.value ?? null] : Array.isArray(c.value) ? c.value : [];
      const strings: string[] = [], numbers: number[] = [], bools: string[] = [];
      let nul = false;
      for (const x of values) {
        if (typeof x === 'string') {
          // Numeric and date strings also equal other spellings; case folding differs between JS and SQL.
          if (toNumber(x) !== undefined || toTime(x) !== undefined || c.ignoreCase) return null;
          strings.push(x);
        } else if (typeof x === 'number') numbers.push(x);
        else if (typeof x === 'boolean') bools.push(String(x));
        else if (x === null) nul = true;
        else return null;
      }
      const str = strings.length ? `(${v} #>> '{}') = any(${param(strings)}::text[])` : 'false';
      return `(case ${t} when 'null' then ${nul} when 'object' then false when 'array' then null
        when 'string' then (case when ${str} then true when ${numbers.length > 0} then null else false end)
        when 'number' then ${numbers.length ? `${num(v)} = any(${param(numbers)}::float8[])` : 'false'}
        when 'boolean' then ${bools.length ? `(${v} #>> '{}') = any(${param(bools)}::text[])` : 'false'} end)`;
    }
    case 'gt': case 'gte': case 'lt': case 'lte': case 'between': {
      const [a, b] = c.op === 'between' ? (Array.isArray(c.value) ? c.value : []) : [c.value, c.value];
      const lo = toNumber(a), hi = toNumber(b);
      if (lo === undefined || hi === undefined) {
        // Neither a number nor a date: the evaluator never matches; a date: left to it.
        return c.op !== 'between' && toTime(a) === undefined ? 'false' : null;
      }
      const sym = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
      const cmp = c.op === 'between' ? `${num(v)} between ${param(lo)}::float8 and ${param(hi)}::float8` : `${num(v)} ${sym[c.op]} ${param(lo)}::float8`;
      // Strings may spell numbers (the evaluator reads " 12 " too): left to it.
      return `(case ${t} when 'number' then ${cmp} when 'string' then null when 'array' then null else false end)`;
    }
    default: return null;
  }
}

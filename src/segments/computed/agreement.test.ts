/**
 * Computed traits follow the same contract as conditions: the value at `now` is a
 * function of the events alone, it does not change before `recheckAt`, and loading only
 * `lookback` worth of events gives the same value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileComputedTrait } from './compute.ts';
import { parseComputedTrait } from './schema.ts';
import { BUILTIN_TRAITS } from './builtins.ts';
import { HOUR, NOW } from './testing.ts';
import type { EvalEvent } from '../condition/index.ts';
import type { ComputedTrait, ComputedTraitDef } from './types.ts';
import type { Json } from '../../shared/index.ts';

const NAMES = ['Order Completed', 'Order Refunded', 'Product Viewed', 'Email Opened'] as const;
const WINDOWS: Record<string, number> = { '1h': HOUR, '3h': 3 * HOUR, '1d': 24 * HOUR };

const eventArb: fc.Arbitrary<EvalEvent> = fc.record({
  event: fc.constantFrom(...NAMES),
  channel: fc.constantFrom('web', 'pos', 'email'),
  slot: fc.integer({ min: 0, max: 48 }),
  total: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constantFrom('7.5', null)),
  category: fc.constantFrom('a', 'b', 'c'),
  size: fc.constantFrom('S', 'm', 'M'),
  orderId: fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5'),
}).map(r => ({
  event: r.event, type: 'track', channel: r.channel, timestamp: NOW + r.slot * 30 * 60_000,
  properties: { total: r.total, category: r.category, size: r.size, order_id: r.orderId, products: [{ category: r.category, size: r.size, price: 3 }] },
}));
const streamArb = fc.array(eventArb, { maxLength: 20, size: 'max' }).map(es => [...es].sort((a, b) => a.timestamp - b.timestamp));

const defArb = fc.record({
  kind: fc.constantFrom('count', 'sum', 'min', 'max', 'first', 'last', 'most_frequent', 'distinct_count'),
  event: fc.constantFrom(...NAMES, '*'),
  property: fc.constantFrom('total', 'category', 'products.price', 'products.category'),
  withProperty: fc.boolean(),
  within: fc.option(fc.constantFrom(...Object.keys(WINDOWS)), { nil: undefined }),
  channel: fc.option(fc.constantFrom('web', 'pos'), { nil: undefined, freq: 3 }),
}).map(d => {
  const needs = ['sum', 'min', 'max', 'most_frequent', 'distinct_count'].includes(d.kind);
  const property = d.kind === 'count' ? undefined : needs || d.withProperty ? d.property : undefined;
  const raw = { name: 'trait', kind: d.kind, event: d.event, property, within: d.within, channel: d.channel };
  return parseComputedTrait(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
});

/** The definition read literally. */
function oracle(d: ComputedTraitDef, events: readonly EvalEvent[], now: number): Json {
  const from = d.within ? WINDOWS[d.within] : Infinity;
  const seen = events.filter(e => e.timestamp <= now && e.timestamp > now - from && (d.event === '*' || e.event === d.event) && (!d.channel || e.channel === d.channel));
  const read = (e: EvalEvent): Json[] => {
    if (!d.property) return [];
    const [a, b] = d.property.split('.');
    const v = b ? (e.properties[a] as { [k: string]: Json }[]).map(x => x[b]) : [e.properties[a]];
    return v.filter(x => x !== null && x !== undefined);
  };
  const nums = seen.flatMap(read).map(Number).filter(n => Number.isFinite(n));
  const iso = (e: EvalEvent | undefined) => (e ? new Date(e.timestamp).toISOString() : null);
  switch (d.kind) {
    case 'count': return seen.length;
    case 'sum': return Number(nums.reduce((s, n) => s + n, 0).toPrecision(15));
    case 'min': return nums.length ? Math.min(...nums) : null;
    case 'max': return nums.length ? Math.max(...nums) : null;
    case 'first': case 'last': {
      if (!d.property) return iso(d.kind === 'first' ? seen[0] : seen.at(-1));
      const having = seen.filter(e => present(readOne(d, e)));
      const e = d.kind === 'first' ? having[0] : having.at(-1);
      return e ? readOne(d, e) : null;
    }
    case 'distinct_count': return new Set(seen.flatMap(read)).size;
    case 'most_frequent': {
      const counts = new Map<Json, number>();
      let best: Json = null, n = 0;
      for (const v of seen.flatMap(read)) {
        const c = (counts.get(v) ?? 0) + 1;
        counts.set(v, c);
        if (c >= n) { best = v; n = c; }
      }
      return best;
    }
  }
}
const present = (v: Json | undefined) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);

/** `first`/`last` return the property as read: through a list, the list of values. */
function readOne(d: ComputedTraitDef, e: EvalEvent): Json {
  const [a, b] = (d.property as string).split('.');
  return b ? (e.properties[a] as { [k: string]: Json }[]).map(x => x[b]) : e.properties[a];
}

function times(events: readonly EvalEvent[], windows: number[]): number[] {
  const set = new Set<number>([NOW - HOUR]);
  for (const e of events) for (const w of [0, ...windows]) { set.add(e.timestamp + w); set.add(e.timestamp + w - 1); }
  return [...set].sort((a, b) => a - b);
}

function constantUntilRecheck(t: ComputedTrait, events: readonly EvalEvent[], ts: number[]) {
  const results = ts.map(now => t.compute(events, now));
  ts.forEach((now, i) => {
    const until = results[i].recheckAt ?? Infinity;
    if (results[i].recheckAt !== null) assert.ok(until > now);
    for (let j = i + 1; j < ts.length && ts[j] < until; j++) assert.deepEqual(results[j].value, results[i].value, `${t.name} changed at ${ts[j] - NOW} before ${until - NOW}`);
  });
}

test('definitions compute what they say, and only change at recheckAt', () => {
  fc.assert(fc.property(defArb, streamArb, (d, events) => {
    const t = compileComputedTrait(d);
    const ts = times(events, Object.values(WINDOWS));
    for (const now of ts) {
      assert.deepEqual(t.compute(events, now).value, oracle(d, events, now), `${d.kind} at ${now - NOW}`);
      const loaded = t.lookback === null ? events : events.filter(e => e.timestamp > now - (t.lookback as number));
      assert.deepEqual(t.compute(loaded, now).value, t.compute(events, now).value, 'lookback is enough');
    }
    constantUntilRecheck(t, events, ts);
  }), { numRuns: 300 });
});

test('built-ins only change at recheckAt', () => {
  fc.assert(fc.property(streamArb, events => {
    for (const t of BUILTIN_TRAITS) constantUntilRecheck(t, events, times(events, []));
  }), { numRuns: 200 });
});

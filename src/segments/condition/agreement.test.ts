/**
 * Property-based proof that the three paths agree. For random event streams and random
 * conditions:
 * 1. full compute matches a naive reading of the spec (the oracle below);
 * 2. the answer never changes before `recheckAt` (and never at all when it is null), and a
 *    lone window condition's `recheckAt` is exactly when it flips;
 * 3. the incremental path (evaluate after each event, with only the events `lookback`
 *    asks for) plus the scheduled path (re-evaluate at each `recheckAt`) yields, at every
 *    moment, the same answer as full compute over all events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluate, compile } from './evaluate.ts';
import { parseCondition } from './schema.ts';
import { indexEvents } from './node.ts';
import { sampleBucket } from './sample.ts';
import { MIN, HOUR, NOW, input } from './testing.ts';
import type { Condition, EvalEvent, EvalInput, EventCondition, PropertyFilter, CountFilter } from './types.ts';

const T0 = NOW;
const NAMES = ['A', 'B', 'Email Delivered', 'Email Opened'] as const;
const CHANNELS = ['web', 'email', 'app'] as const;
const DURATIONS: Record<string, number> = { '0s': 0, '30m': 30 * MIN, '1h': HOUR, '2h': 2 * HOUR, '3h': 3 * HOUR, '5h': 5 * HOUR, '8h': 8 * HOUR, '1d': 24 * HOUR };
const POSITIVE = Object.keys(DURATIONS).filter(d => DURATIONS[d] > 0);

// ---- generators ------------------------------------------------------------------

const eventArb: fc.Arbitrary<EvalEvent> = fc.record({
  event: fc.constantFrom(...NAMES),
  channel: fc.constantFrom(...CHANNELS),
  type: fc.constantFrom('track', 'track', 'page'),
  slot: fc.integer({ min: 0, max: 60 }),
  jitter: fc.constantFrom(0, 0, 0, 1, 17),
  x: fc.integer({ min: 0, max: 3 }),
  mid: fc.constantFrom('m0', 'm1', 'm2', 'm3'),
}).map(r => ({ event: r.event, type: r.type, channel: r.channel, timestamp: T0 + r.slot * 30 * MIN + r.jitter, properties: { x: r.x, messageId: r.mid } }));

const streamArb = fc.array(eventArb, { maxLength: 24, size: 'max' }).map(es => [...es].sort((a, b) => a.timestamp - b.timestamp));

const whereArb = fc.array(fc.record({ property: fc.constant('x'), op: fc.constantFrom('eq', 'neq', 'gte', 'lt'), value: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 1 });
const countArb = fc.oneof(
  fc.record({ op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'), value: fc.integer({ min: 0, max: 3 }) }),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map(([a, k]) => ({ op: 'between', value: [a, a + k] })),
);
const agoArb = fc.tuple(fc.constantFrom(...POSITIVE), fc.constantFrom(...Object.keys(DURATIONS)))
  .filter(([f, t]) => DURATIONS[f] > DURATIONS[t]).map(([from, to]) => ({ ago: { from, to } }));
const modeArb = fc.oneof(
  fc.constant({}),
  fc.constantFrom(...POSITIVE).map(within => ({ within })),
  agoArb,
  fc.integer({ min: 1, max: 4 }).map(last => ({ last })),
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom(...NAMES)).map(([last, of]) => ({ last, of })),
  fc.tuple(fc.constantFrom(...NAMES), fc.option(whereArb, { nil: undefined })).map(([event, where]) => ({ since: strip({ event, where }) })),
);

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// Filters are rare so that most leaves match some events and flip over time.
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const eventLeafArb = fc.record({
  event: fc.constantFrom(...NAMES, '*'),
  channel: rarely(fc.constantFrom(...CHANNELS)),
  type: rarely(fc.constant('page')),
  where: rarely(whereArb),
  count: fc.oneof(fc.constant(undefined), countArb),
  mode: modeArb,
}).map(({ mode, ...rest }) => strip({ ...rest, ...mode }));

const staticLeafArb = fc.constantFrom<unknown>({ trait: 'vip', op: 'eq', value: true }, { sample: { percent: 50, salt: 's' } });

const { cond: condArb } = fc.letrec<{ cond: unknown }>(tie => ({
  cond: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'cond' },
    eventLeafArb, eventLeafArb, eventLeafArb, staticLeafArb,
    fc.array(tie('cond'), { maxLength: 3 }).map(all => ({ all })),
    fc.array(tie('cond'), { maxLength: 3 }).map(any => ({ any })),
    tie('cond').map(not => ({ not })),
  ),
}));

const profileArb = fc.record({ vip: fc.boolean(), id: fc.constantFrom('p1', 'p2', 'p3', 'p4') });

// ---- the oracle: the spec read literally, slow on purpose ------------------------------

function oracle(c: Condition, events: readonly EvalEvent[], now: number, p: { vip: boolean; id: string }): boolean {
  if ('all' in c) return c.all.every(x => oracle(x, events, now, p));
  if ('any' in c) return c.any.some(x => oracle(x, events, now, p));
  if ('not' in c) return !oracle(c.not, events, now, p);
  if ('trait' in c) return p.vip === true;
  if ('sample' in c) return sampleBucket(c.sample.salt, p.id) < c.sample.percent;
  if (!('event' in c)) throw new Error('unexpected');
  const happened = events.filter(e => e.timestamp <= now);
  const named = (name: string) => (e: EvalEvent) => (name === '*' || e.event === name) && (!c.type || e.type === c.type) && (!c.channel || e.channel === c.channel);
  const passes = (where: PropertyFilter[] | undefined) => (e: EvalEvent) => (where ?? []).every(w => {
    const x = Number(e.properties[w.property]), v = Number(w.value);
    return w.op === 'eq' ? x === v : w.op === 'neq' ? x !== v : w.op === 'gte' ? x >= v : x < v;
  });
  const base = named(c.event), where = passes(c.where);
  let n: number;
  if (c.last !== undefined && c.of !== undefined) {
    const messages = happened.filter(named(c.of)).slice(-c.last);
    n = messages.filter(m => happened.some(e => base(e) && where(e) && e.properties.messageId === m.properties.messageId)).length;
  } else if (c.last !== undefined) {
    n = happened.filter(base).slice(-c.last).filter(where).length;
  } else if (c.since) {
    const s = c.since;
    const anchor = happened.filter(e => (s.event === '*' || e.event === s.event) && passes(s.where)(e)).at(-1);
    n = anchor ? happened.filter(e => e.timestamp > anchor.timestamp && base(e) && where(e)).length : 0;
  } else {
    const [from, to] = c.within ? [DURATIONS[c.within], 0] : c.ago ? [DURATIONS[c.ago.from], DURATIONS[c.ago.to]] : [Infinity, 0];
    n = happened.filter(e => base(e) && where(e) && e.timestamp > now - from && e.timestamp <= now - to).length;
  }
  return countHolds(c.count, n);
}

function countHolds(count: CountFilter | undefined, n: number): boolean {
  if (!count) return n >= 1;
  const v = count.value;
  if (Array.isArray(v)) return n >= v[0] && n <= v[1];
  return { eq: n === v, neq: n !== v, gt: n > v, gte: n >= v, lt: n < v, lte: n <= v, between: false }[count.op];
}

// ---- helpers ---------------------------------------------------------------------

function durationsIn(c: Condition, out = new Set<number>([0])): Set<number> {
  if ('all' in c) c.all.forEach(x => durationsIn(x, out));
  else if ('any' in c) c.any.forEach(x => durationsIn(x, out));
  else if ('not' in c) durationsIn(c.not, out);
  else if ('event' in c) {
    if (c.within) out.add(DURATIONS[c.within]);
    if (c.ago) { out.add(DURATIONS[c.ago.from]); out.add(DURATIONS[c.ago.to]); }
  }
  return out;
}

/** Every instant the answer could change: an event's time plus any window edge. */
function interestingTimes(c: Condition, events: readonly EvalEvent[]): number[] {
  const set = new Set<number>([T0 - HOUR]);
  for (const d of durationsIn(c)) for (const e of events) { set.add(e.timestamp + d); set.add(e.timestamp + d - 1); }
  return [...set].sort((a, b) => a - b);
}

const inputFor = (p: { vip: boolean; id: string }, events: readonly EvalEvent[], indexed = false): EvalInput => {
  const inp = input({ id: p.id, traits: { vip: p.vip } }, [...events]);
  return indexed ? { ...inp, eventsByName: indexEvents(inp.events) } : inp;
};

const RUNS = Number(process.env.FC_RUNS ?? 500);

// ---- properties ------------------------------------------------------------------

test('full compute agrees with the naive reading of the spec', () => {
  fc.assert(fc.property(condArb, streamArb, profileArb, fc.boolean(), (raw, events, p, indexed) => {
    const c = parseCondition(raw);
    const inp = inputFor(p, events, indexed);
    for (const t of interestingTimes(c, events)) {
      assert.equal(evaluate(c, inp, t).match, oracle(c, events, t, p), `at ${t - T0}`);
    }
  }), { numRuns: RUNS });
});

test('the answer is constant until recheckAt, and forever when recheckAt is null', () => {
  fc.assert(fc.property(condArb, streamArb, profileArb, (raw, events, p) => {
    const c = parseCondition(raw);
    const inp = inputFor(p, events);
    const times = interestingTimes(c, events);
    const results = times.map(t => evaluate(c, inp, t));
    times.forEach((t, i) => {
      const r = results[i];
      if (r.recheckAt !== null) assert.ok(r.recheckAt > t, 'recheckAt is in the future');
      const until = r.recheckAt ?? Infinity;
      for (let j = i + 1; j < times.length && times[j] < until; j++) {
        assert.equal(results[j].match, r.match, `changed at ${times[j] - T0} before recheckAt ${until - T0} (from ${t - T0})`);
      }
    });
  }), { numRuns: RUNS });
});

test('a window condition re-checks exactly when it flips', () => {
  const windowLeaf = eventLeafArb.filter(l => !('last' in l) && !('since' in l));
  fc.assert(fc.property(windowLeaf, streamArb, (raw, events) => {
    const c = parseCondition(raw) as EventCondition;
    const inp = inputFor({ vip: false, id: 'p1' }, events);
    for (const t of interestingTimes(c, events)) {
      const r = evaluate(c, inp, t);
      if (r.recheckAt !== null) assert.notEqual(evaluate(c, inp, r.recheckAt).match, r.match, 'recheckAt is a real change');
    }
  }), { numRuns: RUNS });
});

test('incremental + scheduled paths give the full-compute answer at every moment', () => {
  fc.assert(fc.property(condArb, streamArb, profileArb, fc.boolean(), (raw, events, p, indexed) => {
    const c = parseCondition(raw);
    const { lookback } = compile(c).requirements;
    const horizon = T0 + 60 * HOUR;
    const seen: EvalEvent[] = [];
    // What a pipeline would load: only the events the lookback asks for.
    const load = (now: number) => inputFor(p, lookback === null ? seen : seen.filter(e => e.timestamp > now - lookback), indexed);
    const timeline: { at: number; match: boolean }[] = [];
    let state = evaluate(c, load(T0 - HOUR), T0 - HOUR);
    timeline.push({ at: T0 - HOUR, match: state.match });
    const followRechecks = (until: number) => {
      while (state.recheckAt !== null && state.recheckAt <= until) {
        const at = state.recheckAt;
        assert.ok(at > timeline[timeline.length - 1].at, 'recheckAt moves forward');
        state = evaluate(c, load(at), at);
        timeline.push({ at, match: state.match });
      }
    };
    for (const e of events) {
      followRechecks(e.timestamp);
      seen.push(e);
      state = evaluate(c, load(e.timestamp), e.timestamp);
      timeline.push({ at: e.timestamp, match: state.match });
    }
    followRechecks(horizon);
    const all = inputFor(p, events);
    for (const q of interestingTimes(c, events)) {
      if (q < T0 - HOUR || q > horizon) continue;
      const known = timeline.filter(x => x.at <= q).at(-1);
      assert.ok(known);
      assert.equal(known.match, evaluate(c, all, q).match, `at ${q - T0}: incremental/scheduled said ${known.match}`);
    }
  }), { numRuns: RUNS });
});

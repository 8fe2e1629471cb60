/**
 * Runs user-defined computed traits. Like conditions, the value is a function of
 * (definition, events, now) only, so the incremental, scheduled and full paths agree;
 * `recheckAt` is when the oldest counted event leaves `within`, or the next event stamped
 * after `now` arrives, whichever is first.
 */
import { ANY_EVENT, compileBase, compileWhere, firstAfter, getPath, splitPath, toNumber, type EvalEvent } from '../condition/index.ts';
import { parseDuration, type Json } from '../../shared/index.ts';
import type { ComputedTrait, ComputedTraitDef, TraitResult } from './types.ts';
import { Tally } from './tally.ts';

const iso = (t: number) => new Date(t).toISOString();

/** Drops float noise (0.1 + 0.2) from sums without rounding real precision away. */
export const tidy = (x: number) => Number(x.toPrecision(15));

/** Calls `f` with every finite number in v (numeric strings count, arrays are walked). */
function eachNumber(v: unknown, f: (n: number) => void): void {
  if (Array.isArray(v)) { for (const x of v) eachNumber(x, f); return; }
  const n = toNumber(v);
  if (n !== undefined) f(n);
}

const compiled = new WeakMap<ComputedTraitDef, ComputedTrait>();

export function compileComputedTrait(def: ComputedTraitDef): ComputedTrait {
  const cached = compiled.get(def);
  if (cached) return cached;
  const name = def.event === ANY_EVENT ? undefined : def.event;
  const where = compileWhere(def.where);
  const channel = def.channel;
  const base = compileBase(name, undefined, channel);
  const matches = (e: EvalEvent) => base(e) && where(e);
  const keys = def.property === undefined ? undefined : splitPath(def.property);
  const read = (e: EvalEvent): Json | undefined => (keys ? getPath(e.properties, keys) : undefined);
  const from = def.within ? parseDuration(def.within, 'within') : Infinity;
  const has = (e: EvalEvent) => { const v = read(e); return v !== undefined && v !== null; };

  function aggregate(events: readonly EvalEvent[], start: number, end: number): Json {
    switch (def.kind) {
      case 'count': {
        let n = 0;
        for (let i = start; i < end; i++) if (matches(events[i])) n++;
        return n;
      }
      case 'sum': case 'min': case 'max': {
        const acc = { v: null as number | null };
        const kind = def.kind;
        const add = (n: number) => {
          acc.v = acc.v === null ? n : kind === 'sum' ? acc.v + n : kind === 'min' ? Math.min(acc.v, n) : Math.max(acc.v, n);
        };
        for (let i = start; i < end; i++) if (matches(events[i])) eachNumber(read(events[i]), add);
        return kind === 'sum' ? tidy(acc.v ?? 0) : acc.v;
      }
      case 'first':
        for (let i = start; i < end; i++) {
          const e = events[i];
          if (matches(e) && (!keys || has(e))) return keys ? (read(e) as Json) : iso(e.timestamp);
        }
        return null;
      case 'last':
        for (let i = end - 1; i >= start; i--) {
          const e = events[i];
          if (matches(e) && (!keys || has(e))) return keys ? (read(e) as Json) : iso(e.timestamp);
        }
        return null;
      case 'most_frequent': case 'distinct_count': {
        const tally = new Tally();
        for (let i = start; i < end; i++) if (matches(events[i])) tally.add(read(events[i]));
        return def.kind === 'most_frequent' ? tally.best() : tally.size;
      }
    }
  }

  const trait: ComputedTrait = {
    name: def.name,
    lookback: from === Infinity ? null : from,
    // The same name and channel test the trait counts with (its `where` needs the event itself).
    relevant: (eventName, ch) => (ch === undefined ? name === undefined || eventName === name : base({ event: eventName, type: '', channel: ch, timestamp: 0, properties: {} })),
    compute(events, now) {
      const start = from === Infinity ? 0 : firstAfter(events, now - from);
      const end = firstAfter(events, now);
      const value = aggregate(events, start, end);
      let at = Infinity;
      if (from !== Infinity) for (let i = start; i < end; i++) if (matches(events[i])) { at = events[i].timestamp + from; break; }
      for (let i = end; i < events.length; i++) if (matches(events[i])) { at = Math.min(at, events[i].timestamp); break; }
      return { value, recheckAt: at === Infinity ? null : at };
    },
  };
  compiled.set(def, trait);
  return trait;
}

/** One definition's value at `now`. */
export function computeTrait(def: ComputedTraitDef, events: readonly EvalEvent[], now: number): TraitResult {
  return compileComputedTrait(def).compute(events, now);
}

/** Several traits at once: their values by name, and the earliest of their re-check times. */
export function computeTraits(traits: readonly ComputedTrait[], events: readonly EvalEvent[], now: number): { values: Record<string, Json>; recheckAt: number | null } {
  const values: Record<string, Json> = {};
  let at = Infinity;
  for (const t of traits) {
    const r = t.compute(events, now);
    values[t.name] = r.value;
    if (r.recheckAt !== null && r.recheckAt < at) at = r.recheckAt;
  }
  return { values, recheckAt: at === Infinity ? null : at };
}

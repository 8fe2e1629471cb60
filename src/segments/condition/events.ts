/**
 * Event conditions. Four modes:
 * - window (none, `within`, `ago`): count the matching events the window sees now.
 * - `last: N`: among the profile's last N events named `event` (on `channel`, of `type`),
 *   count those that pass `where`.
 * - `last: N, of: X`: take the last N events named X (on `channel`, of `type`) — the
 *   messages — and count how many got an `event` (passing `where`, same channel/type)
 *   carrying the same `properties.messageId`. "Opened none of the last 5 emails" is
 *   {"event": "Email Opened", "of": "Email Delivered", "last": 5, "count": {"op": "eq", "value": 0}}.
 * - `since: {event, where...}`: count the matching events stamped strictly after the
 *   profile's latest event matching `since` (none: nothing is counted).
 * Events stamped after `now` have not happened yet in all of them.
 */
import { parseDuration } from '../../shared/index.ts';
import type { EvalEvent, EventCondition } from './types.ts';
import { ANY_EVENT } from './types.ts';
import { compileComparison, compileCount, type ValueTest } from './compare.ts';
import { getPath, splitPath } from './path.ts';
import { candidates, firstAfter, type Node } from './node.ts';

/** What a window sees at `now`: events with now − from < t ≤ now − to. */
export interface Window { from: number; to: number }

export function windowOf(c: { within?: string; ago?: { from: string; to: string } }): Window {
  if (c.within) return { from: parseDuration(c.within, 'within'), to: 0 };
  if (c.ago) return { from: parseDuration(c.ago.from, 'ago.from'), to: parseDuration(c.ago.to, 'ago.to') };
  return { from: Infinity, to: 0 };
}

export type EventTest = (e: EvalEvent) => boolean;

/** The `where` filters as one test of an event's properties. */
export function compileWhere(where: EventCondition['where']): EventTest {
  if (!where?.length) return () => true;
  const tests: { keys: string[]; test: ValueTest }[] = where.map(w => ({ keys: splitPath(w.property), test: compileComparison(w) }));
  return e => {
    for (const t of tests) if (!t.test(getPath(e.properties, t.keys))) return false;
    return true;
  };
}

/** Name, type and channel: the part of an event condition that does not look at properties. */
/**
 * "*" means the person's events: Omnis's own bookkeeping (channel "internal": Segment
 * Entered, Message Sent...) counts only when named, or when the condition asks for that channel.
 */
export function compileBase(name: string | undefined, type: string | undefined, channel: string | undefined): EventTest {
  return e => (name === undefined ? channel !== undefined || e.channel !== INTERNAL_CHANNEL : e.event === name)
    && (type === undefined || e.type === type) && (channel === undefined || e.channel === channel);
}
export const INTERNAL_CHANNEL = 'internal';

// Reused by every window evaluation: nodes never run inside one another mid-scan.
const times: number[] = [];
const wanted: unknown[] = [];
const found: boolean[] = [];

export function compileEvent(c: EventCondition): Node {
  const name = c.event === ANY_EVENT ? undefined : c.event;
  const base = compileBase(name, c.type, c.channel);
  const where = compileWhere(c.where);
  const count = compileCount(c.count);
  if (c.last !== undefined && c.of !== undefined) return ofNode(c.last, name, base, compileBase(c.of, c.type, c.channel), c.of, where, count);
  if (c.last !== undefined) return lastNode(c.last, name, base, where, count);
  if (c.since !== undefined) {
    const anchorName = c.since.event === ANY_EVENT ? undefined : c.since.event;
    const anchorBase = compileBase(anchorName, c.since.type, c.since.channel), anchorWhere = compileWhere(c.since.where);
    return sinceNode(name, e => base(e) && where(e), anchorName, e => anchorBase(e) && anchorWhere(e), count);
  }
  const { from, to } = windowOf(c);

  return (ctx, now) => {
    const list = candidates(ctx.input, name);
    const hi = now - to;
    let n = 0;
    times.length = 0;
    for (let i = from === Infinity ? 0 : firstAfter(list, now - from); i < list.length; i++) {
      const e = list[i];
      if (!base(e) || !where(e)) continue;
      times.push(e.timestamp);
      if (e.timestamp <= hi) n++;
    }
    const match = count(n);
    ctx.at = nextFlip(n, match, from, to, count);
    return match;
  };
}

/**
 * Replays the window forward from now over the kept events (`times`, ascending; the
 * first n are inside, the rest not yet in) and returns the first instant the count
 * predicate flips: the exact moment a profile enters or leaves.
 */
function nextFlip(n: number, match: boolean, from: number, to: number, count: (n: number) => boolean): number {
  const len = times.length;
  let i = n, j = 0;
  for (;;) {
    const enter = i < len ? times[i] + to : Infinity;
    const leave = j < len && from !== Infinity ? times[j] + from : Infinity;
    const t = enter < leave ? enter : leave;
    // `!(t < Infinity)` also stops on NaN from a malformed timestamp instead of looping.
    if (!(t < Infinity)) return Infinity;
    while (i < len && times[i] + to === t) { n++; i++; }
    while (j < len && from !== Infinity && times[j] + from === t) { n--; j++; }
    if (count(n) !== match) return t;
  }
}

/** The first event after `now` passing `test`, as the time the answer may change. */
function nextArrival(list: readonly EvalEvent[], from: number, test: EventTest): number {
  for (let i = from; i < list.length; i++) if (test(list[i])) return list[i].timestamp;
  return Infinity;
}

function lastNode(size: number, name: string | undefined, base: EventTest, where: EventTest, count: (n: number) => boolean): Node {
  return (ctx, now) => {
    const list = candidates(ctx.input, name);
    const end = firstAfter(list, now);
    let taken = 0, n = 0;
    for (let i = end - 1; i >= 0 && taken < size; i--) {
      const e = list[i];
      if (!base(e)) continue;
      taken++;
      if (where(e)) n++;
    }
    ctx.at = nextArrival(list, end, base);
    return count(n);
  };
}

function ofNode(size: number, name: string | undefined, base: EventTest, ofBase: EventTest, of: string, where: EventTest, count: (n: number) => boolean): Node {
  const reaction: EventTest = e => base(e) && where(e);
  return (ctx, now) => {
    const messages = candidates(ctx.input, of);
    const endOf = firstAfter(messages, now);
    wanted.length = 0;
    found.length = 0;
    for (let i = endOf - 1; i >= 0 && wanted.length < size; i--) {
      const m = messages[i];
      if (!ofBase(m)) continue;
      const id = m.properties.messageId;
      wanted.push(typeof id === 'string' || typeof id === 'number' ? id : undefined);
      found.push(false);
    }
    const reactions = candidates(ctx.input, name);
    const end = firstAfter(reactions, now);
    let n = 0;
    for (let i = 0; i < end && n < wanted.length; i++) {
      const e = reactions[i];
      const id = e.properties.messageId;
      if ((typeof id !== 'string' && typeof id !== 'number') || !base(e)) continue;
      let hit = false;
      for (let k = 0; k < wanted.length; k++) if (!found[k] && wanted[k] === id) { hit = true; break; }
      if (!hit || !where(e)) continue;
      for (let k = 0; k < wanted.length; k++) if (!found[k] && wanted[k] === id) { found[k] = true; n++; }
    }
    const a = nextArrival(messages, endOf, ofBase), b = nextArrival(reactions, end, reaction);
    ctx.at = a < b ? a : b;
    return count(n);
  };
}

function sinceNode(name: string | undefined, test: EventTest, anchorName: string | undefined, anchor: EventTest, count: (n: number) => boolean): Node {
  return (ctx, now) => {
    const anchors = candidates(ctx.input, anchorName);
    const endAnchors = firstAfter(anchors, now);
    let from = NaN;
    for (let i = endAnchors - 1; i >= 0; i--) if (anchor(anchors[i])) { from = anchors[i].timestamp; break; }
    const list = candidates(ctx.input, name);
    const end = firstAfter(list, now);
    let n = 0;
    if (!Number.isNaN(from)) for (let i = firstAfter(list, from); i < end; i++) if (test(list[i])) n++;
    const a = nextArrival(anchors, endAnchors, anchor), b = nextArrival(list, end, test);
    ctx.at = a < b ? a : b;
    return count(n);
  };
}

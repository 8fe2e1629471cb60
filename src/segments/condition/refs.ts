/**
 * What a condition depends on: the segments it references (for cycle checks and
 * evaluation order) and the data whose change can change its answer (so the incremental
 * path skips segments an event cannot affect and loads only the events needed).
 */
import { invalid, parseDuration } from '../../shared/index.ts';
import type { Condition } from './types.ts';
import { ANY_EVENT } from './types.ts';
import { INTERNAL_CHANNEL } from './events.ts';

export interface Requirements {
  /** Event names whose arrival can change the answer; 'any' when some condition uses "*". */
  events: ReadonlySet<string> | 'any';
  /** Omnis's own events (channel internal) can change the answer though they are not named: a "*" asks for that channel. */
  internal: boolean;
  /** profile.traits (trait conditions, and `near` on the home address). */
  traits: boolean;
  /** Computed-trait names read. */
  computed: ReadonlySet<string>;
  /** Segment ids whose membership is read. */
  segments: ReadonlySet<string>;
  consent: boolean;
  /** profile.channels (reachable). */
  channels: boolean;
  /** profile.lastLocation (near). */
  location: boolean;
  /**
   * How far back events matter, in ms: events at or before now − lookback can be left
   * out without changing the answer. null: unbounded (no window, or `last`). 0: no event
   * conditions at all.
   */
  lookback: number | null;
  /** True when the answer can change with time alone (within/ago windows, future events). */
  timeDriven: boolean;
  /** Events' properties are read (`where`, `of` matching by messageId). */
  properties: boolean;
  /** Events' type or channel are read (`type`, `channel`, and "*", which leaves out internal events by channel). */
  eventKinds: boolean;
}

interface Acc {
  events: Set<string> | 'any'; internal: boolean; traits: boolean; computed: Set<string>; segments: Set<string>;
  consent: boolean; channels: boolean; location: boolean; lookback: number | null; timeDriven: boolean;
  properties: boolean; eventKinds: boolean;
}

export function requirements(cond: Condition): Requirements {
  const acc: Acc = { events: new Set(), internal: false, traits: false, computed: new Set(), segments: new Set(), consent: false, channels: false, location: false, lookback: 0, timeDriven: false, properties: false, eventKinds: false };
  collect(cond, acc);
  return acc;
}

function collect(c: Condition, acc: Acc): void {
  if ('all' in c) { for (const x of c.all) collect(x, acc); return; }
  if ('any' in c) { for (const x of c.any) collect(x, acc); return; }
  if ('not' in c) { collect(c.not, acc); return; }
  if ('trait' in c) { acc.traits = true; return; }
  if ('computed' in c) { acc.computed.add(c.computed.split('.')[0]); return; }
  if ('consent' in c) { acc.consent = true; return; }
  if ('reachable' in c) { acc.channels = true; return; }
  if ('segment' in c) { acc.segments.add(c.segment); return; }
  if ('near' in c) {
    if (c.at !== 'last_location') acc.traits = true;
    if (c.at !== 'address') acc.location = true;
    return;
  }
  if ('event' in c) {
    if (c.event === ANY_EVENT) acc.events = 'any';
    else if (acc.events !== 'any') acc.events.add(c.event);
    const other = c.of ?? c.since?.event;
    if (other === ANY_EVENT) acc.events = 'any';
    else if (other !== undefined && acc.events !== 'any') acc.events.add(other);
    if (c.event === ANY_EVENT && c.channel === INTERNAL_CHANNEL || c.since?.event === ANY_EVENT && c.since.channel === INTERNAL_CHANNEL || c.of === ANY_EVENT) acc.internal = true;
    const back = c.within ? parseDuration(c.within, 'within') : c.ago ? parseDuration(c.ago.from, 'ago.from') : null;
    acc.lookback = back === null || acc.lookback === null ? null : Math.max(acc.lookback, back);
    if (c.where?.length || c.of !== undefined || c.since?.where?.length) acc.properties = true;
    if (c.event === ANY_EVENT || c.type !== undefined || c.channel !== undefined || c.since?.event === ANY_EVENT || c.since?.type !== undefined || c.since?.channel !== undefined) acc.eventKinds = true;
    // Every event condition can change with time: an event stamped after `now` counts from its timestamp on.
    acc.timeDriven = true;
  }
}

/** The segment ids a condition references, each once, in order of appearance. */
export function dependsOn(cond: Condition): string[] {
  return [...new Set(segmentRefs(cond, '').map(r => r.id))];
}

function segmentRefs(c: Condition, path: string, out: { id: string; path: string }[] = []): { id: string; path: string }[] {
  if ('all' in c) c.all.forEach((x, i) => segmentRefs(x, `${path}.all.${i}`, out));
  else if ('any' in c) c.any.forEach((x, i) => segmentRefs(x, `${path}.any.${i}`, out));
  else if ('not' in c) segmentRefs(c.not, `${path}.not`, out);
  else if ('segment' in c) out.push({ id: c.segment, path: `${path}.segment` });
  return out;
}

export interface SegmentChecks {
  /** Returns false for a segment id that does not exist. */
  knownSegments?: (id: string) => boolean;
  /** The id of the segment this condition belongs to; with `resolveSegment`, cycles are refused. */
  segmentId?: string;
  /** The stored condition of another segment, to follow references through it. */
  resolveSegment?: (id: string) => Condition | null | undefined;
}

/**
 * Refuses references to unknown segments and references that lead back to the segment
 * itself, naming the path of the offending reference.
 */
export function checkSegmentRefs(cond: Condition, field: string, checks: SegmentChecks): void {
  const { knownSegments, segmentId, resolveSegment } = checks;
  if (!knownSegments && !(segmentId && resolveSegment)) return;
  for (const ref of segmentRefs(cond, field)) {
    if (knownSegments && !knownSegments(ref.id)) throw invalid(ref.path, `unknown segment ${JSON.stringify(ref.id)}`);
    if (segmentId && resolveSegment) {
      const cycle = ref.id === segmentId ? [segmentId] : pathTo(ref.id, segmentId, resolveSegment, new Set());
      if (cycle) throw invalid(ref.path, `segment cycle: ${[segmentId, ...cycle].join(' → ')}`);
    }
  }
}

/** A chain of references from `from` to `target` (both included), or null. */
function pathTo(from: string, target: string, resolve: (id: string) => Condition | null | undefined, visited: Set<string>): string[] | null {
  if (visited.has(from)) return null;
  visited.add(from);
  const cond = resolve(from);
  if (!cond) return null;
  for (const next of dependsOn(cond)) {
    if (next === target) return [from, target];
    const rest = pathTo(next, target, resolve, visited);
    if (rest) return [from, ...rest];
  }
  return null;
}

/** A cycle of segment references through `id`, as [id, ..., id], or null. */
export function findSegmentCycle(id: string, resolve: (id: string) => Condition | null | undefined): string[] | null {
  const cond = resolve(id);
  if (!cond) return null;
  for (const next of dependsOn(cond)) {
    const chain = next === id ? [id] : pathTo(next, id, resolve, new Set());
    if (chain) return [id, ...chain];
  }
  return null;
}

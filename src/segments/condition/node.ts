/**
 * The compiled form every condition kind shares. A node returns whether it matches and
 * leaves in `ctx.at` the earliest future time its answer can change with no new event
 * (Infinity for never), so evaluating a tree allocates nothing per node.
 */
import type { EvalEvent, EvalInput, EventIndex } from './types.ts';

export interface Ctx { input: EvalInput; at: number }
export type Node = (ctx: Ctx, now: number) => boolean;

/** Index of the first event stamped after `bound` (events ascending by timestamp). */
export function firstAfter(events: readonly EvalEvent[], bound: number): number {
  let lo = 0, hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid].timestamp <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const EMPTY: readonly EvalEvent[] = [];

/** The events that can carry `name`: its list in the index, or every event (callers still check the name). */
export function candidates(input: EvalInput, name: string | undefined): readonly EvalEvent[] {
  if (name === undefined || !input.eventsByName) return input.events;
  return input.eventsByName.get(name) ?? EMPTY;
}

/** Groups events by name, keeping timestamp order; pass it as `eventsByName` to skip scanning other names. */
export function indexEvents(events: readonly EvalEvent[]): EventIndex {
  const index = new Map<string | null, EvalEvent[]>();
  for (const e of events) {
    const list = index.get(e.event);
    if (list) list.push(e);
    else index.set(e.event, [e]);
  }
  return index;
}

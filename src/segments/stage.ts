import type { Tx } from '../store/index.ts';
import type { StoredEvent } from '../shared/index.ts';
import { TIMER_EVENT, type StageContext } from '../bus/index.ts';
import type { DefinitionCache, TraitDef } from './definitions.ts';
import { evaluateProfiles, SEGMENT_TIMER, SEGMENT_ENTERED, SEGMENT_EXITED } from './evaluate-profiles.ts';
import type { Clock } from '../shared/index.ts';
import type { EventHistory } from './history.ts';
import type { MembershipCache } from './members-cache.ts';
import { batchProfiles } from '../profiles/index.ts';

/** Events that can change profile state a segment reads without naming them (traits, consent, reach, location). */
const stateEvents = (e: StoredEvent) => e.type === 'identify' || e.type === 'alias' || Boolean(e.context.consent || e.context.traits || e.context.location || (e.context.device as { token?: unknown } | undefined)?.token)
  || e.event === 'Subscribed' || e.event === 'Unsubscribed';

/**
 * Stage 3: keeps segments and computed traits current after each batch. Only the segments
 * and traits the batch's events can affect are evaluated, for the profiles they touched;
 * a segment timer evaluates everything time-driven for its profile.
 */
export function segmentStage(deps: { defs: DefinitionCache; clock: Clock; history?: EventHistory; members?: MembershipCache }) {
  return async (tx: Tx, workspaceId: string, events: StoredEvent[], ctx: StageContext): Promise<StoredEvent[]> => {
    if (!events.length) return events;
    const defs = await deps.defs.get(tx, workspaceId);
    if (!defs.segments.length && !defs.traits.length) return events;
    const names = new Set<string>();
    let state = false;
    let timer = false;
    const ids = new Set<string>();
    const fired = new Set<string>();
    for (const e of events) {
      if (!e.profileId) continue;
      ids.add(e.profileId);
      if (e.event === TIMER_EVENT) { if (e.properties.kind === SEGMENT_TIMER) { timer = true; fired.add(e.profileId); } continue; }
      if (e.event) names.add(e.event);
      if (stateEvents(e)) state = true;
    }
    if (!ids.size) return events;
    const traits: TraitDef[] = defs.traits.filter(t => timer && t.compiled.lookback !== null || [...names].some(n => t.compiled.relevant(n)));
    // Computed traits change only when recomputed here, and memberships only here or in a
    // batch whose Segment Entered/Exited events are in this one.
    const recomputed = new Set(traits.map(t => t.name));
    const memberships = names.has(SEGMENT_ENTERED) || names.has(SEGMENT_EXITED);
    const ready = defs.segments.filter(s => s.status === 'ready' || s.status === 'computing');
    const selected = new Set(ready.filter(s =>
      timer && s.req.timeDriven
      || s.req.events === 'any' || [...names].some(n => (s.req.events as ReadonlySet<string>).has(n))
      || state && (s.req.traits || s.req.consent || s.req.channels || s.req.location)
      || memberships && s.req.segments.size > 0
      || [...s.req.computed].some(n => recomputed.has(n))).map(s => s.id));
    // A segment reading one evaluated now may change with it (definitions are in dependency order).
    for (const s of ready) if (!selected.has(s.id) && [...s.req.segments].some(id => selected.has(id))) selected.add(s.id);
    const segments = ready.filter(s => selected.has(s.id));
    const last = events[events.length - 1];
    const shared = batchProfiles(ctx);
    await evaluateProfiles(tx, workspaceId, [...ids], defs, {
      now: deps.clock.now(), segments, traits, emit: evs => ctx.emit(workspaceId, evs), tag: String(last.seq),
      history: deps.history ? { history: deps.history, batch: events, afterCommit: ctx.afterCommit, created: shared?.created } : undefined,
      profiles: shared,
      members: deps.members ? { cache: deps.members, afterCommit: ctx.afterCommit, fired } : undefined,
    });
    return events;
  };
}

import type { Tx } from '../store/index.ts';
import type { StoredEvent } from '../shared/index.ts';
import { TIMER_EVENT, type StageContext } from '../bus/index.ts';
import type { DefinitionCache, TraitDef } from './definitions.ts';
import { evaluateProfiles, SEGMENT_TIMER } from './evaluate-profiles.ts';
import { INTERNAL_CHANNEL } from './condition/index.ts';
import type { Clock } from '../shared/index.ts';
import type { EventHistory } from './history.ts';
import type { MembershipCache } from './members-cache.ts';
import { batchProfiles } from '../profiles/index.ts';

const TX_EVENTS = 'segments.events';
const TX_MEMBERS = 'segments.members';

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
    // Each (name, channel) once: "*" conditions and traits leave Omnis's own events out.
    const kinds = new Map<string, { name: string | null; channel: string }>();
    let external = false;
    let state = false;
    let timer = false;
    const ids = new Set<string>();
    const fired = new Set<string>();
    for (const e of events) {
      if (!e.profileId) continue;
      ids.add(e.profileId);
      if (e.event === TIMER_EVENT) { if (e.properties.kind === SEGMENT_TIMER) { timer = true; fired.add(e.profileId); } continue; }
      if (e.event) names.add(e.event);
      kinds.set(`${e.event}\u0000${e.channel}`, { name: e.event, channel: e.channel });
      if (e.channel !== INTERNAL_CHANNEL) external = true;
      if (stateEvents(e)) state = true;
    }
    if (!ids.size) return events;
    const traits: TraitDef[] = defs.traits.filter(t => timer && t.compiled.lookback !== null || [...kinds.values()].some(k => t.compiled.relevant(k.name, k.channel)));
    // Computed traits change only when recomputed here, and memberships only here: a segment
    // reading another is evaluated with it (below), so the Segment Entered/Exited events that
    // come through next change nothing for it.
    const recomputed = new Set(traits.map(t => t.name));
    const ready = defs.segments.filter(s => s.status === 'ready' || s.status === 'computing');
    const selected = new Set(ready.filter(s =>
      timer && s.req.timeDriven
      || s.req.events === 'any' && (external || s.req.internal) || s.req.events !== 'any' && [...names].some(n => (s.req.events as ReadonlySet<string>).has(n))
      || state && (s.req.traits || s.req.consent || s.req.channels || s.req.location)
      || [...s.req.computed].some(n => recomputed.has(n))).map(s => s.id));
    // A segment reading one evaluated now may change with it (definitions are in dependency order).
    for (const s of ready) if (!selected.has(s.id) && [...s.req.segments].some(id => selected.has(id))) selected.add(s.id);
    const segments = ready.filter(s => selected.has(s.id));
    const last = events[events.length - 1];
    const shared = batchProfiles(ctx);
    // Every event of the transaction so far: emitted events come through in later rounds, and
    // the history of a profile (cached, or created by the batch) is what it held plus all of these.
    const txEvents = (ctx.shared.get(TX_EVENTS) as StoredEvent[] | undefined) ?? [];
    ctx.shared.set(TX_EVENTS, txEvents);
    txEvents.push(...events);
    const pending = (ctx.shared.get(TX_MEMBERS) as Map<string, ReadonlySet<string>> | undefined) ?? new Map<string, ReadonlySet<string>>();
    ctx.shared.set(TX_MEMBERS, pending);
    await evaluateProfiles(tx, workspaceId, [...ids], defs, {
      now: deps.clock.now(), segments, traits, emit: evs => ctx.emit(workspaceId, evs), tag: String(last.seq),
      history: deps.history ? { history: deps.history, batch: txEvents, afterCommit: ctx.afterCommit, created: shared?.created } : undefined,
      profiles: shared,
      members: deps.members ? { cache: deps.members, afterCommit: ctx.afterCommit, fired, pending } : undefined,
    });
    return events;
  };
}

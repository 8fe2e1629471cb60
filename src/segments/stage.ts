import type { Tx } from '../store/index.ts';
import type { StoredEvent } from '../shared/index.ts';
import { TIMER_EVENT, batchValue, type StageContext } from '../bus/index.ts';
import type { Definitions, DefinitionCache, SegmentDef, TraitDef } from './definitions.ts';
import { evaluateProfiles, SEGMENT_TIMER, type Selection } from './evaluate-profiles.ts';
import { INTERNAL_CHANNEL } from './condition/index.ts';
import type { Clock } from '../shared/index.ts';
import type { EventHistory } from './history.ts';
import type { MembershipCache } from './members-cache.ts';
import { batchProfiles } from '../profiles/index.ts';

/** What the stage keeps for the whole batch, every round of emitted events included. */
interface BatchState {
  /** Read once: the rounds that follow see the same definitions. */
  defs: Promise<Definitions>;
  /** Every event of the batch so far: a profile's history (cached, or created by the batch) is what it held plus these. */
  events: StoredEvent[];
  /** Memberships the batch decided (the membership cache changes only once it commits). */
  members: Map<string, ReadonlySet<string>>;
}
const BATCH = 'segments';

/** Events that can change profile state a segment reads without naming them (traits, consent, reach, location). */
const stateEvents = (e: StoredEvent) => e.type === 'identify' || e.type === 'alias' || Boolean(e.context.consent || e.context.traits || e.context.location || (e.context.device as { token?: unknown } | undefined)?.token)
  || e.event === 'Subscribed' || e.event === 'Unsubscribed';

/** What one profile's events in a batch can change, as far as choosing definitions goes. */
interface Touch {
  /** Each (name, channel) once: "*" conditions and traits leave Omnis's own events out. */
  kinds: Map<string, { name: string | null; channel: string }>;
  state: boolean;
  /** Its segment timer fired into the batch. */
  timer: boolean;
}

/**
 * Stage 3: keeps segments and computed traits current after each batch. For each profile
 * the batch touched, only the segments and traits its own events can affect are evaluated;
 * a segment timer evaluates everything time-driven for its profile.
 */
export function segmentStage(deps: { defs: DefinitionCache; clock: Clock; history?: EventHistory; members?: MembershipCache }) {
  return async (tx: Tx, workspaceId: string, events: StoredEvent[], ctx: StageContext): Promise<StoredEvent[]> => {
    if (!events.length) return events;
    const batch = batchValue<BatchState>(ctx, BATCH, () => ({ defs: deps.defs.get(tx, workspaceId), events: [], members: new Map() }));
    const defs = await batch.defs;
    if (!defs.segments.length && !defs.traits.length) return events;
    batch.events.push(...events);
    const touched = new Map<string, Touch>();
    for (const e of events) {
      if (!e.profileId) continue;
      let t = touched.get(e.profileId);
      if (!t) touched.set(e.profileId, (t = { kinds: new Map(), state: false, timer: false }));
      if (e.event === TIMER_EVENT) { if (e.properties.kind === SEGMENT_TIMER) t.timer = true; continue; }
      t.kinds.set(`${e.event}\u0000${e.channel}`, { name: e.event, channel: e.channel });
      if (stateEvents(e)) t.state = true;
    }
    if (!touched.size) return events;
    // Profiles whose events look alike (the same names, channels and kinds) share one choice.
    const choices = new Map<string, Selection>();
    const perProfile = new Map<string, Selection>();
    const segments = new Set<SegmentDef>(), traits = new Set<TraitDef>();
    for (const [id, t] of touched) {
      const key = `${t.state ? 's' : ''}${t.timer ? 't' : ''}|${[...t.kinds.keys()].sort().join('|')}`;
      let choice = choices.get(key);
      if (!choice) {
        choices.set(key, (choice = choose(defs, t)));
        for (const s of choice.segments) segments.add(s);
        for (const tr of choice.traits) traits.add(tr);
      }
      perProfile.set(id, choice);
    }
    if (!segments.size && !traits.size) return events;
    const last = events[events.length - 1];
    const shared = batchProfiles(ctx);
    const ids = [...perProfile].filter(([, c]) => c.segments.length || c.traits.length).map(([id]) => id);
    const fired = new Set([...touched].filter(([, t]) => t.timer).map(([id]) => id));
    await evaluateProfiles(tx, workspaceId, ids, defs, {
      now: deps.clock.now(), segments: defs.segments.filter(s => segments.has(s)), traits: defs.traits.filter(t => traits.has(t)),
      perProfile: id => perProfile.get(id)!,
      emit: evs => ctx.emit(workspaceId, evs), tag: String(last.seq),
      history: deps.history ? { history: deps.history, batch: batch.events, afterCommit: ctx.afterCommit, created: shared?.created } : undefined,
      profiles: shared,
      members: deps.members ? { cache: deps.members, afterCommit: ctx.afterCommit, fired, pending: batch.members } : undefined,
    });
    return events;
  };
}

/** The traits and segments (in dependency order) that events like `t`'s can change. */
function choose(defs: Definitions, t: Touch): Selection {
  const kinds = [...t.kinds.values()];
  const names = new Set(kinds.map(k => k.name).filter(n => n !== null));
  const external = kinds.some(k => k.channel !== INTERNAL_CHANNEL);
  const traits: TraitDef[] = defs.traits.filter(tr => t.timer && tr.compiled.lookback !== null || kinds.some(k => tr.compiled.relevant(k.name, k.channel)));
  // Computed traits change only when recomputed here, and memberships only here: a segment
  // reading another is evaluated with it (below), so the Segment Entered/Exited events that
  // come through next change nothing for it.
  const recomputed = new Set(traits.map(tr => tr.name));
  const ready = defs.segments.filter(s => s.status === 'ready' || s.status === 'computing');
  const selected = new Set(ready.filter(s =>
    t.timer && s.req.timeDriven
    || s.req.events === 'any' && (external || s.req.internal) || s.req.events !== 'any' && [...names].some(n => (s.req.events as ReadonlySet<string>).has(n))
    || t.state && (s.req.traits || s.req.consent || s.req.channels || s.req.location)
    || [...s.req.computed].some(n => recomputed.has(n))).map(s => s.id));
  // A segment reading one evaluated now may change with it (definitions are in dependency order).
  for (const s of ready) if (!selected.has(s.id) && [...s.req.segments].some(id => selected.has(id))) selected.add(s.id);
  return { segments: ready.filter(s => selected.has(s.id)), traits };
}

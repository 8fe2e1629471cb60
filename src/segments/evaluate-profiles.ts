import type { Tx } from '../store/index.ts';
import type { Json, OmnisEvent } from '../shared/index.ts';
import { scheduleTimers } from '../bus/index.ts';
import type { Definitions, SegmentDef, TraitDef } from './definitions.ts';
import { loadStates, type HistorySource } from './load.ts';
import type { ProfileBatch } from '../profiles/index.ts';
import { currentMemberships, type MembershipSource } from './members-cache.ts';

export const SEGMENT_TIMER = 'segments';
export const SEGMENT_ENTERED = 'Segment Entered';
export const SEGMENT_EXITED = 'Segment Exited';

export interface EvaluateOptions {
  now: number;
  /** Which segments and traits to evaluate; the caller picks them from what changed. */
  segments: readonly SegmentDef[];
  traits: readonly TraitDef[];
  /** Narrower choices per profile (each within the above); without it every profile gets all of them. */
  perProfile?: (profileId: string) => Selection;
  /** Emit Segment Entered/Exited events (incremental and timer paths); a (re)compute does not. */
  emit: ((events: OmnisEvent[]) => Promise<void>) | null;
  /** Part of emitted messageIds, so a retried batch emits the same ids. */
  tag: string;
  /** The pipeline's in-memory event history (incremental path only). */
  history?: HistorySource;
  /** Load only the event fields the segments read (the full compute; no computed traits then). */
  lean?: boolean;
  /** The pipeline batch's profiles: read from it, and computed traits written with it. */
  profiles?: ProfileBatch;
  /** The pipeline's memberships: read from it, and what this evaluation leaves stored in it after commit. */
  members?: MembershipSource;
}

export interface EvaluateResult { entered: number; exited: number; evaluated: number }

/** Segments (in dependency order) and computed traits to evaluate. */
export interface Selection { segments: readonly SegmentDef[]; traits: readonly TraitDef[] }

/**
 * The one evaluation used by every path (after an event, when a window expires, and when a
 * segment is computed over all profiles): load the profiles' state, recompute the chosen
 * computed traits, then the chosen segments in dependency order, write what changed, and
 * schedule each profile's next time-driven re-check.
 */
export async function evaluateProfiles(tx: Tx, workspaceId: string, ids: readonly string[], defs: Definitions, o: EvaluateOptions): Promise<EvaluateResult> {
  const result = { entered: 0, exited: 0, evaluated: 0 };
  if (!ids.length || (!o.segments.length && !o.traits.length)) return result;
  const lookbacks = [...o.segments.map(s => (s.req.lookback === 0 ? 0 : s.req.lookback)), ...o.traits.map(t => t.compiled.lookback)];
  const lookback = lookbacks.some(l => l === null) ? null : Math.max(0, ...(lookbacks as number[]));
  const anyEvents = o.segments.some(s => s.req.events === 'any') || o.traits.length > 0 && o.traits.some(t => t.def === null || t.def.event === '*');
  const names = anyEvents ? null : [...new Set([...o.segments.flatMap(s => (s.req.events === 'any' ? [] : [...s.req.events])), ...o.traits.map(t => t.def?.event ?? '')])].filter(Boolean);
  const needEvents = lookback !== 0 || o.traits.length > 0;
  const fields = o.lean && !o.traits.length ? { properties: o.segments.some(s => s.req.properties), kinds: o.segments.some(s => s.req.eventKinds) } : undefined;
  const states = await loadStates(tx, ids, lookback === null ? null : o.now - lookback, needEvents ? names : [], { history: o.history, memberships: o.segments.length > 0, fields, known: o.profiles, members: o.members && currentMemberships(o.members) });

  const computedUpdates: { id: string; computed: Record<string, unknown> }[] = [];
  const joins: { s: string; p: string }[] = [];
  const leaves: { s: string; p: string }[] = [];
  const emitted: OmnisEvent[] = [];
  const timers: { id: string; workspaceId: string; profileId: string; dueAt: number; kind: string }[] = [];

  const all: Selection = { segments: o.segments, traits: o.traits };
  for (const st of states.values()) {
    result.evaluated++;
    let recheck = Infinity;
    const mine = o.perProfile?.(st.id) ?? all;
    if (mine.traits.length) {
      let next: Record<string, unknown> | null = null;
      for (const t of mine.traits) {
        const r = t.compiled.compute(st.events, o.now);
        if (r.recheckAt !== null) recheck = Math.min(recheck, r.recheckAt);
        if (!sameValue(st.computed[t.name], r.value)) (next ??= { ...st.computed })[t.name] = r.value as Json;
      }
      if (next) {
        st.computed = next;
        const r = o.profiles?.get(st.id);
        if (r) { r.computed = next; o.profiles!.touch(st.id); } else computedUpdates.push({ id: st.id, computed: next });
      }
    }
    for (const s of mine.segments) {
      const r = s.compiled.evaluate({ profile: { id: st.id, traits: st.traits, channels: st.channels, consent: st.consent, lastLocation: st.lastLocation }, computed: st.computed, segments: st.segments, events: st.events }, o.now);
      if (r.recheckAt !== null) recheck = Math.min(recheck, r.recheckAt);
      const was = st.segments.has(s.id);
      if (r.match === was) continue;
      const kind = r.match ? 'entered' : 'exited';
      if (r.match) { st.segments.add(s.id); joins.push({ s: s.id, p: st.id }); result.entered++; }
      else { st.segments.delete(s.id); leaves.push({ s: s.id, p: st.id }); result.exited++; }
      emitted.push({
        messageId: `seg:${s.id}:${st.id}:${kind}:${o.tag}`, type: 'track', event: r.match ? SEGMENT_ENTERED : SEGMENT_EXITED,
        userId: null, anonymousId: st.id, channel: 'internal', timestamp: o.now, receivedAt: o.now, sourceId: 'internal',
        properties: { segmentId: s.id, segmentName: s.name }, traits: {}, context: { profileId: st.id },
      });
    }
    if (recheck !== Infinity) timers.push({ id: `${SEGMENT_TIMER}:${st.id}`, workspaceId, profileId: st.id, dueAt: Math.max(recheck, o.now), kind: SEGMENT_TIMER });
  }

  if (computedUpdates.length) {
    await tx.query(`update profiles set computed = x.c from jsonb_to_recordset($1::jsonb) as x(id text, c jsonb) where profiles.id = x.id`,
      [JSON.stringify(computedUpdates.map(u => ({ id: u.id, c: u.computed })))]);
  }
  if (joins.length) {
    const j = JSON.stringify(joins);
    await tx.query(`insert into segment_members (segment_id, profile_id, since) select x.s, x.p, to_timestamp($2 / 1000.0) from jsonb_to_recordset($1::jsonb) as x(s text, p text) on conflict do nothing`, [j, o.now]);
    await tx.query(`insert into segment_history (segment_id, profile_id, entered_at) select x.s, x.p, to_timestamp($2 / 1000.0) from jsonb_to_recordset($1::jsonb) as x(s text, p text)`, [j, o.now]);
  }
  if (leaves.length) {
    const l = JSON.stringify(leaves);
    await tx.query(`delete from segment_members m using jsonb_to_recordset($1::jsonb) as x(s text, p text) where m.segment_id = x.s and m.profile_id = x.p`, [l]);
    await tx.query(`update segment_history h set exited_at = to_timestamp($2 / 1000.0) from jsonb_to_recordset($1::jsonb) as x(s text, p text)
                     where h.segment_id = x.s and h.profile_id = x.p and h.exited_at is null`, [l, o.now]);
  }
  if (o.members && o.segments.length) {
    const { cache, pending } = o.members;
    const final = [...states.values()].map(st => [st.id, st.segments] as const);
    if (pending) for (const [id, segs] of final) pending.set(id, segs);
    o.members.afterCommit(() => { for (const [id, segs] of final) cache.put(id, segs); });
  }
  // A timer already waiting for this time or sooner makes the write a no-op: skip it.
  const cache = o.members?.cache;
  const toWrite = cache ? timers.filter(t => {
    const due = cache.timerDue(t.profileId);
    return due === undefined || due <= o.now || due > t.dueAt || Boolean(o.members!.fired?.has(t.profileId));
  }) : timers;
  await scheduleTimers(tx, toWrite, 'earliest');
  if (cache && toWrite.length) o.members!.afterCommit(() => { for (const t of toWrite) cache.putTimer(t.profileId, t.dueAt); });
  if (o.emit && emitted.length) await o.emit(emitted);
  return result;
}

/** Computed values are JSON: scalars compare as they are, objects and arrays by their text. */
function sameValue(a: unknown, b: unknown): boolean {
  const x = a ?? null, y = b ?? null;
  if (x === y) return true;
  return typeof x === 'object' && typeof y === 'object' && x !== null && y !== null && JSON.stringify(x) === JSON.stringify(y);
}

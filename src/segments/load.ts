import type { Queryable } from '../store/index.ts';
import { ms } from '../store/index.ts';
import type { JsonObject, Profile } from '../shared/index.ts';
import type { EvalEvent } from './condition/index.ts';
import type { StoredEvent } from '../shared/index.ts';
import type { EventHistory } from './history.ts';
import type { ProfileBatch } from '../profiles/index.ts';

/** The pipeline's in-memory history, with the batch just written and the hook to run after it commits. */
export interface HistorySource {
  history: EventHistory;
  batch: readonly StoredEvent[];
  afterCommit: (f: () => void) => void;
  /** Profiles whose every event is in `batch` (created by it). */
  created?: ReadonlySet<string>;
}

export interface ProfileState {
  id: string;
  traits: JsonObject;
  channels: Profile['channels'];
  consent: Profile['consent'];
  lastLocation: Profile['lastLocation'];
  computed: Record<string, unknown>;
  segments: Set<string>;
  events: EvalEvent[];
}

/**
 * Everything evaluation reads about these profiles, in three queries: the profiles, their
 * memberships, and their events since `since` (all of them when null), optionally only the
 * named ones. Internal events ($timer...) are never data. With `history`, events come from the
 * pipeline's in-memory history; `memberships: false` skips them when no segment is evaluated.
 * `known` are the pipeline batch's own profiles, not read again; `members` the memberships
 * the pipeline holds (read only for the profiles it does not).
 * `fields` leaves out what no condition reads (see Requirements): without properties or
 * type/channel the events come from profile_events alone (type and channel then read '').
 */
export async function loadStates(q: Queryable, ids: readonly string[], since: number | null, names: readonly string[] | null,
  opts: { history?: HistorySource; memberships?: boolean; fields?: { properties: boolean; kinds: boolean }; known?: ProfileBatch; members?: { get(profileId: string): ReadonlySet<string> | undefined } } = {}): Promise<Map<string, ProfileState>> {
  const out = new Map<string, ProfileState>();
  if (!ids.length) return out;
  const source = opts.history;
  const fromHistory = source && !(names && names.length === 0);
  const ask: string[] = [];
  for (const id of ids) {
    const r = opts.known?.get(id);
    if (!r) { ask.push(id); continue; }
    const p = r.profile;
    out.set(id, { id, traits: p.traits, channels: p.channels, consent: p.consent, lastLocation: p.lastLocation, computed: r.computed, segments: new Set(), events: [] });
  }
  const askMembers = opts.members ? ids.filter(id => !opts.members!.get(id)) : ids;
  const [profiles, members, events, held] = await Promise.all([
    ask.length ? q.query<{ id: string; traits: JsonObject; channels: Profile['channels']; consent: Profile['consent']; last_location: Profile['lastLocation']; computed: Record<string, unknown> }>(
      'select id, traits, channels, consent, last_location, computed from profiles where id = any($1::text[]) and merged_into is null', [ask]) : Promise.resolve([]),
    opts.memberships === false || !askMembers.length ? Promise.resolve([]) : q.query<{ profile_id: string; segment_id: string }>('select profile_id, segment_id from segment_members where profile_id = any($1::text[])', [askMembers]),
    names && names.length === 0 || fromHistory ? Promise.resolve([]) : q.query<{ profile_id: string; name: string | null; type: string; channel: string; ts: Date; properties: JsonObject | null }>(
      eventsSql(opts.fields ?? { properties: true, kinds: true }), [ids, since, names]),
    fromHistory ? source!.history.load(q, ids, source.batch, source.afterCommit, source.created) : Promise.resolve(null),
  ]);
  for (const p of profiles) {
    out.set(p.id, { id: p.id, traits: p.traits, channels: p.channels, consent: p.consent, lastLocation: p.last_location, computed: p.computed ?? {}, segments: new Set(), events: [] });
  }
  if (opts.members && opts.memberships !== false) for (const st of out.values()) for (const s of opts.members.get(st.id) ?? []) st.segments.add(s);
  for (const m of members) out.get(m.profile_id)?.segments.add(m.segment_id);
  if (held) {
    const wanted = names ? new Set(names) : null;
    for (const [id, evs] of held) {
      const st = out.get(id);
      if (!st) continue;
      st.events = since === null && !wanted ? evs : evs.filter(e => (since === null || e.timestamp > since) && (!wanted || (e.event !== null && wanted.has(e.event))));
    }
  }
  for (const e of events) {
    out.get(e.profile_id)?.events.push({ event: e.name, type: e.type, channel: e.channel, timestamp: ms(e.ts), properties: e.properties ?? {} });
  }
  return out;
}

function eventsSql(fields: { properties: boolean; kinds: boolean }): string {
  const where = `where pe.profile_id = any($1::text[])
      and ($2::float8 is null or pe.ts > to_timestamp($2::float8 / 1000.0))
      and ($3::text[] is null or pe.name = any($3::text[]))
      and pe.name not like '$%'
    order by pe.profile_id, pe.ts, pe.seq`;
  // profile_events keeps a missing name as ''.
  if (!fields.properties && !fields.kinds) return `select pe.profile_id, nullif(pe.name, '') as name, '' as type, '' as channel, pe.ts, null as properties from profile_events pe ${where}`;
  // Conditions read events' properties only (location comes from the profile), so context is not loaded.
  return `select pe.profile_id, e.name, e.type, e.channel, pe.ts, ${fields.properties ? `e.body->'properties'` : 'null'} as properties
    from profile_events pe join events e on e.seq = pe.seq ${where}`;
}

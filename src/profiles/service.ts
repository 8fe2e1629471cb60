import type { Db, Queryable } from '../store/index.ts';
import { ms } from '../store/index.ts';
import { excludePipeline, rowToEvent, type EventRow } from '../bus/index.ts';
import { hashIdentifier, normalizeIdentifier, compileRules, DEFAULT_RULES } from '../identity/index.ts';
import type { Identity, Profile, StoredEvent } from '../shared/index.ts';
import { invalid, notFound, type Clock } from '../shared/index.ts';
import { findLiveProfile } from './repo.ts';

export interface ProfileView {
  id: string;
  identities: Identity[];
  traits: Profile['traits'];
  channels: Profile['channels'];
  consent: Profile['consent'];
  seen: Record<string, { firstSeen: string; lastSeen: string }>;
  timezone: string | null;
  lastLocation: { lat: number; lng: number; at: string } | null;
  createdAt: string;
  updatedAt: string;
  mergedFrom: string[];
  conflicts: { type: string; value: string; otherProfileId: string | null; reason: string; at: string }[];
}

const iso = (t: number) => new Date(t).toISOString();

export async function getProfile(db: Db, workspaceId: string, id: string): Promise<ProfileView> {
  const p = await findLiveProfile(db, workspaceId, id);
  if (!p) throw notFound(`profile ${id}`);
  const [ids, merged, conflicts] = await Promise.all([
    db.query<Identity>('select type, value from identities where profile_id = $1 order by first_seen, type, value', [p.id]),
    db.query<{ id: string }>('select id from profiles where merged_into = $1 order by created_at', [p.id]),
    db.query<{ left_out_type: string; left_out_value: string; other_profile_id: string | null; reason: string; at: Date }>(
      'select * from identity_conflicts where profile_id = $1 order by at desc limit 20', [p.id]),
  ]);
  return {
    id: p.id, identities: ids, traits: p.traits, channels: p.channels, consent: p.consent,
    seen: Object.fromEntries(Object.entries(p.seen).map(([c, s]) => [c, { firstSeen: iso(s.first), lastSeen: iso(s.last) }])),
    timezone: p.timezone, lastLocation: p.lastLocation && { lat: p.lastLocation.lat, lng: p.lastLocation.lng, at: iso(p.lastLocation.at) },
    createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt), mergedFrom: merged.map(r => r.id),
    conflicts: conflicts.map(c => ({ type: c.left_out_type, value: c.left_out_value, otherProfileId: c.other_profile_id, reason: c.reason, at: iso(ms(c.at)) })),
  };
}

/** "email:a@b.co", "phone:+1 212…", "loyalty_id:123": normalised the way ingest normalises. */
export function parseIdentifier(s: string): Identity {
  const i = s.indexOf(':');
  if (i <= 0 || i === s.length - 1) throw invalid('identifier', 'expected type:value, e.g. email:ana@example.com or user_id:42');
  const id = normalizeIdentifier(s.slice(0, i), s.slice(i + 1), compileRules({ ...DEFAULT_RULES, blocked: [] }));
  if (!id) throw invalid('identifier', `"${s.slice(i + 1)}" is not a valid ${s.slice(0, i)}`);
  return id;
}

export async function findProfileId(db: Db, workspaceId: string, identifier: string): Promise<string> {
  const id = parseIdentifier(identifier);
  const rows = await db.query<{ profile_id: string }>('select profile_id from identities where workspace_id = $1 and type = $2 and value = $3', [workspaceId, id.type, id.value]);
  if (!rows[0]) throw notFound(`profile with ${id.type} ${id.value}`);
  return rows[0].profile_id;
}

export interface Timeline { events: (Omit<StoredEvent, 'timestamp' | 'receivedAt'> & { timestamp: string; receivedAt: string })[]; nextCursor: string | null }

/** The cross-channel timeline, newest first; the cursor is opaque (time and seq of the last row). */
export async function timeline(db: Db, workspaceId: string, id: string, opts: { limit?: number; cursor?: string; channel?: string }): Promise<Timeline> {
  const p = await findLiveProfile(db, workspaceId, id);
  if (!p) throw notFound(`profile ${id}`);
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit', 'expected an integer from 1 to 1000');
  let after: [number, number] | null = null;
  if (opts.cursor) {
    const m = /^(\d+)\.(\d+)$/.exec(Buffer.from(opts.cursor, 'base64url').toString());
    if (!m) throw invalid('cursor', 'not a cursor this API returned');
    after = [Number(m[1]), Number(m[2])];
  }
  const rows = await db.query<EventRow>(
    `select e.*, pe.profile_id from profile_events pe join events e on e.seq = pe.seq
      where pe.profile_id = $1
        and ($2::float8 is null or (pe.ts, pe.seq) < (to_timestamp($2::float8 / 1000.0), $3::bigint))
        and ($5::text is null or e.channel = $5)
        and not (e.source_id = 'internal' and e.name like '$%')
      order by pe.ts desc, pe.seq desc limit $4`,
    [p.id, after?.[0] ?? null, after?.[1] ?? 0, limit + 1, opts.channel ?? null]);
  const page = rows.slice(0, limit).map(rowToEvent);
  const last = page[page.length - 1];
  return {
    events: page.map(({ workspaceId: _w, ...e }) => ({ ...e, timestamp: iso(e.timestamp), receivedAt: iso(e.receivedAt) })),
    nextCursor: rows.length > limit && last ? Buffer.from(`${last.timestamp}.${last.seq}`).toString('base64url') : null,
  };
}

/** What other modules hold about forgotten profiles, erased in the deletion's transaction (the composition root passes them in). */
export type EraseProfiles = (tx: Queryable, workspaceId: string, profileIds: string[], now: number) => Promise<void>;

/**
 * Right to be forgotten: the profile's events, identities, traits and merge history go, with
 * what `erase` removes elsewhere; its identifiers are kept only as hashes, so later events
 * naming them are dropped.
 */
export async function deleteProfile(db: Db, workspaceId: string, id: string, clock: Clock, erase?: EraseProfiles): Promise<{ deleted: string; identifiersSuppressed: number; eventsDeleted: number }> {
  // An unknown id is answered without waiting for the pipeline's batches.
  if (!(await findLiveProfile(db, workspaceId, id))) throw notFound(`profile ${id}`);
  return db.transaction(async tx => {
    // A batch in flight may be writing this customer's events and identities: wait for it to
    // commit (and hold the next back) so this deletion sees, and removes, all it wrote.
    await excludePipeline(tx);
    const p = await findLiveProfile(tx, workspaceId, id);
    if (!p) throw notFound(`profile ${id}`);
    // Before the identities go: an ad platform's removal still needs them (messaging keeps them until it is sent).
    const all = await tx.query<{ id: string }>('select id from profiles where id = $1 or merged_into = $1', [p.id]);
    await erase?.(tx, workspaceId, all.map(r => r.id), clock.now());
    const ids = await tx.query<Identity>('select type, value from identities where profile_id = $1', [p.id]);
    if (ids.length) {
      await tx.query(
        `insert into suppressed_identifiers (workspace_id, type, value_hash, created_at)
         select $1, x.type, x.h, to_timestamp($3 / 1000.0) from jsonb_to_recordset($2::jsonb) as x(type text, h text) on conflict do nothing`,
        [workspaceId, JSON.stringify(ids.map(i => ({ type: i.type, h: hashIdentifier(i) }))), clock.now()]);
    }
    const ev = await tx.query<{ n: number }>(
      `with pe as (delete from profile_events where profile_id = $1 returning seq),
            d as (delete from events where seq in (select seq from pe) returning 1)
       select count(*)::int as n from d`, [p.id]);
    await tx.query('delete from identities where profile_id = $1', [p.id]);
    await tx.query('delete from identity_conflicts where profile_id = $1 or other_profile_id = $1', [p.id]);
    await tx.query('delete from merges where survivor_id = $1', [p.id]);
    const gone = await tx.query<{ id: string }>('delete from profiles where id = $1 or merged_into = $1 returning id', [p.id]);
    // The pipeline keeps hot profiles in memory: it drops these before its next batch.
    await tx.query('insert into profile_changes (profile_id) select unnest($1::text[])', [gone.map(r => r.id)]);
    return { deleted: p.id, identifiersSuppressed: ids.length, eventsDeleted: ev[0].n };
  });
}

/** What other modules hold about these profiles, by section, for the access export (the composition root passes it in). */
export type HeldElsewhere<H extends object = object> = (q: Queryable, workspaceId: string, profileIds: string[]) => Promise<H>;

/** Everything held about a profile (right of access), in one document. */
export async function exportProfile<H extends object>(db: Db, workspaceId: string, id: string, clock: Clock, heldElsewhere: HeldElsewhere<H>) {
  const profile = await getProfile(db, workspaceId, id);
  const rows = await db.query<EventRow>(
    'select e.*, pe.profile_id from profile_events pe join events e on e.seq = pe.seq where pe.profile_id = $1 order by pe.ts, pe.seq', [profile.id]);
  const merges = await db.query('select merged_id as "mergedId", via_type as "viaType", via_value as "viaValue", message_id as "messageId", at from merges where survivor_id = $1 order by at', [profile.id]);
  const ids = [profile.id, ...profile.mergedFrom];
  return {
    exportedAt: new Date(clock.now()).toISOString(),
    profile,
    merges,
    events: rows.map(rowToEvent).map(({ workspaceId: _w, ...e }) => ({ ...e, timestamp: iso(e.timestamp), receivedAt: iso(e.receivedAt) })),
    ...(await heldElsewhere(db, workspaceId, ids)),
  };
}

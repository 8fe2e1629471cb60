import type { Queryable } from '../store/index.ts';
import { ms } from '../store/index.ts';
import type { Profile } from '../shared/index.ts';
import type { ProfileRecord } from './cache.ts';

interface ProfileRow {
  id: string; workspace_id: string; traits: Profile['traits']; trait_times: Profile['traitTimes']; channels: Profile['channels'];
  consent: Profile['consent']; seen: Profile['seen']; timezone: string | null; last_location: Profile['lastLocation'];
  created_at: Date; updated_at: Date; merged_into: string | null; computed: Record<string, unknown> | null;
}

const toProfile = (r: ProfileRow): Profile => ({
  id: r.id, workspaceId: r.workspace_id, traits: r.traits, traitTimes: r.trait_times, channels: r.channels, consent: r.consent,
  seen: r.seen, timezone: r.timezone, lastLocation: r.last_location, createdAt: ms(r.created_at), updatedAt: ms(r.updated_at),
});

/** Profiles with their computed traits (identities left empty: the caller fills them). */
export async function loadProfiles(db: Queryable, ids: readonly string[]): Promise<Map<string, ProfileRecord>> {
  if (!ids.length) return new Map();
  const rows = await db.query<ProfileRow>('select * from profiles where id = any($1::text[])', [ids]);
  return new Map(rows.map(r => [r.id, { profile: toProfile(r), computed: r.computed ?? {}, identities: [] }]));
}

/**
 * Follows merges for many ids at once: each id's live profile, loaded (computed traits
 * included, identities left empty), in one statement. Ids of other workspaces, or of no
 * profile, are left out.
 */
export async function loadLiveProfiles(db: Queryable, workspaceId: string, ids: readonly string[]): Promise<{ live: Map<string, string>; records: Map<string, ProfileRecord> }> {
  const live = new Map<string, string>();
  const records = new Map<string, ProfileRecord>();
  if (!ids.length) return { live, records };
  const rows = await db.query<ProfileRow & { asked: string }>(
    `select m.id as asked, p.* from profiles m join profiles p on p.id = coalesce(m.merged_into, m.id)
      where m.id = any($1::text[]) and m.workspace_id = $2`, [ids, workspaceId]);
  for (const r of rows) {
    live.set(r.asked, r.id);
    if (!records.has(r.id)) records.set(r.id, { profile: toProfile(r), computed: r.computed ?? {}, identities: [] });
  }
  return { live, records };
}

/** Follows merges: the live profile an id (possibly merged away) stands for. */
export async function findLiveProfile(db: Queryable, workspaceId: string, id: string): Promise<Profile | null> {
  const { live, records } = await loadLiveProfiles(db, workspaceId, [id]);
  const found = live.get(id);
  return found ? records.get(found)!.profile : null;
}

/** Inserts or replaces whole profiles with their computed traits, in one statement. */
export async function saveProfiles(db: Queryable, records: readonly Pick<ProfileRecord, 'profile' | 'computed'>[]): Promise<void> {
  if (!records.length) return;
  await db.query(
    `insert into profiles as p (id, workspace_id, traits, trait_times, channels, consent, seen, timezone, last_location, created_at, updated_at, computed)
     select x.id, x."workspaceId", x.traits, x."traitTimes", x.channels, x.consent, x.seen, x.timezone, x."lastLocation",
            to_timestamp(x."createdAt" / 1000.0), to_timestamp(x."updatedAt" / 1000.0), x.computed
       from jsonb_to_recordset($1::jsonb) as x(id text, "workspaceId" text, traits jsonb, "traitTimes" jsonb, channels jsonb, consent jsonb,
            seen jsonb, timezone text, "lastLocation" jsonb, "createdAt" float8, "updatedAt" float8, computed jsonb)
     on conflict (id) do update set traits = excluded.traits, trait_times = excluded.trait_times, channels = excluded.channels,
       consent = excluded.consent, seen = excluded.seen, timezone = excluded.timezone, last_location = excluded.last_location,
       created_at = excluded.created_at, updated_at = excluded.updated_at, computed = excluded.computed`,
    [JSON.stringify(records.map(r => ({ ...r.profile, computed: r.computed })))],
  );
}

import { createHash } from 'node:crypto';
import type { Queryable } from '../store/index.ts';
import type { Identity } from '../shared/index.ts';

export const hashIdentifier = (i: Identity) => createHash('sha256').update(`${i.type}:${i.value}`).digest('hex');

/** Profile ids of the given identifiers, in one round trip. */
export async function lookupIdentities(db: Queryable, workspaceId: string, ids: readonly Identity[]): Promise<{ type: string; value: string; profile_id: string }[]> {
  if (!ids.length) return [];
  return db.query(
    `select i.type, i.value, i.profile_id from identities i
       join jsonb_to_recordset($2::jsonb) as x(type text, value text) on i.type = x.type and i.value = x.value
      where i.workspace_id = $1`,
    [workspaceId, JSON.stringify(ids)],
  );
}

export async function identitiesOfProfiles(db: Queryable, profileIds: readonly string[]): Promise<{ type: string; value: string; profile_id: string }[]> {
  if (!profileIds.length) return [];
  return db.query('select type, value, profile_id from identities where profile_id = any($1::text[]) order by first_seen, type, value', [profileIds]);
}

/** Which of these identifiers belong to deleted (forgotten) profiles. */
export async function suppressedAmong(db: Queryable, workspaceId: string, ids: readonly Identity[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const hashes = ids.map(hashIdentifier);
  const rows = await db.query<{ value_hash: string }>(
    'select value_hash from suppressed_identifiers where workspace_id = $1 and value_hash = any($2::text[])', [workspaceId, hashes]);
  return new Set(rows.map(r => r.value_hash));
}

export async function insertIdentities(db: Queryable, workspaceId: string, rows: { type: string; value: string; profileId: string; at: number }[]): Promise<void> {
  if (!rows.length) return;
  await db.query(
    `insert into identities (workspace_id, type, value, profile_id, first_seen)
     select $1, x.type, x.value, x."profileId", to_timestamp(x.at / 1000.0) from jsonb_to_recordset($2::jsonb) as x(type text, value text, "profileId" text, at float8)
     on conflict (workspace_id, type, value) do update set profile_id = excluded.profile_id`,
    [workspaceId, JSON.stringify(rows)],
  );
}

export interface MergeRow { survivorId: string; mergedId: string; viaType: string; viaValue: string; messageId: string | null; at: number }

/** Moves everything of merged profiles to their survivors and logs each merge. */
export async function applyMerges(db: Queryable, workspaceId: string, merges: MergeRow[]): Promise<void> {
  if (!merges.length) return;
  const pairs = JSON.stringify(merges.map(m => ({ s: m.survivorId, m: m.mergedId })));
  const sub = `jsonb_to_recordset($1::jsonb) as x(s text, m text)`;
  await db.query(`update identities set profile_id = x.s from ${sub} where identities.profile_id = x.m`, [pairs]);
  await db.query(`update profile_events set profile_id = x.s from ${sub} where profile_events.profile_id = x.m`, [pairs]);
  // Ids merged into a profile that is itself merged away now point to the final survivor.
  await db.query(`update profiles set merged_into = x.s from ${sub} where profiles.merged_into = x.m or profiles.id = x.m`, [pairs]);
  await db.query(
    `insert into merges (workspace_id, survivor_id, merged_id, via_type, via_value, message_id, at)
     select $1, x."survivorId", x."mergedId", x."viaType", x."viaValue", x."messageId", to_timestamp(x.at / 1000.0)
       from jsonb_to_recordset($2::jsonb) as x("survivorId" text, "mergedId" text, "viaType" text, "viaValue" text, "messageId" text, at float8)`,
    [workspaceId, JSON.stringify(merges)],
  );
}

export interface ConflictRow { profileId: string; type: string; value: string; otherProfileId: string | null; reason: string; messageId: string | null; at: number }

export async function insertConflicts(db: Queryable, workspaceId: string, rows: ConflictRow[]): Promise<void> {
  if (!rows.length) return;
  await db.query(
    `insert into identity_conflicts (workspace_id, profile_id, left_out_type, left_out_value, other_profile_id, reason, message_id, at)
     select $1, x."profileId", x.type, x.value, x."otherProfileId", x.reason, x."messageId", to_timestamp(x.at / 1000.0)
       from jsonb_to_recordset($2::jsonb) as x("profileId" text, type text, value text, "otherProfileId" text, reason text, "messageId" text, at float8)`,
    [workspaceId, JSON.stringify(rows)],
  );
}

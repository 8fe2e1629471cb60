/**
 * Audience memberships as the sync and the API read them, and the identifiers of their
 * profiles as ad platforms take them (the providers normalise and hash).
 */
import type { Queryable } from '../../store/index.ts';
import { ms, msOrNull, isoOf, isoOrNull } from '../../store/index.ts';
import type { ConsentEntry, Json, JsonObject } from '../../shared/index.ts';
import { identitiesOfProfiles } from '../../identity/index.ts';
import type { AudienceMember } from '../providers/index.ts';

export interface MembershipRow {
  id: number; profileId: string; platforms: string[]; journeyId: string | null; addedAt: number; removedAt: number | null; syncedAt: number | null;
  /** A forgotten customer's identifiers, kept only until this removal has been sent (forgetAudienceMembers). */
  forgotten: AudienceMember | null;
}

const PENDING = '(synced_at is null or synced_at <= removed_at)';

function toRow(r: Record<string, unknown>): MembershipRow {
  const platforms = typeof r.platforms === 'string' ? JSON.parse(r.platforms) : r.platforms;
  return {
    id: Number(r.id), profileId: r.profile_id as string, platforms: Array.isArray(platforms) ? platforms.filter((p): p is string => typeof p === 'string') : [],
    journeyId: (r.journey_id as string | null) ?? null, addedAt: ms(r.added_at), removedAt: msOrNull(r.removed_at), syncedAt: msOrNull(r.synced_at),
    forgotten: (r.forgotten as AudienceMember | null) ?? null,
  };
}

/** Audiences with changes not yet sent, oldest change first. */
export async function pendingGroups(q: Queryable, limit: number): Promise<{ workspaceId: string; audience: string }[]> {
  const rows = await q.query<{ workspace_id: string; audience: string }>(
    `select workspace_id, audience from audience_memberships where ${PENDING} group by 1, 2 order by min(id) limit $1`, [limit]);
  return rows.map(r => ({ workspaceId: r.workspace_id, audience: r.audience }));
}

export async function pendingRows(q: Queryable, workspaceId: string, audience: string, afterId: number, limit: number): Promise<MembershipRow[]> {
  const rows = await q.query(
    `select * from audience_memberships where workspace_id = $1 and audience = $2 and ${PENDING} and id > $3 order by id limit $4`,
    [workspaceId, audience, afterId, limit]);
  return rows.map(toRow);
}

/** Open memberships, keyset-paged by id (a backfill sends them all). */
export async function openRows(q: Queryable, workspaceId: string, audience: string, afterId: number, limit: number): Promise<MembershipRow[]> {
  const rows = await q.query(
    `select * from audience_memberships where workspace_id = $1 and audience = $2 and removed_at is null and id > $3 order by id limit $4`,
    [workspaceId, audience, afterId, limit]);
  return rows.map(toRow);
}

/** The open memberships of these profiles (a removal is not sent while another membership still holds the person). */
export async function openRowsOf(q: Queryable, workspaceId: string, audience: string, profileIds: string[]): Promise<MembershipRow[]> {
  if (!profileIds.length) return [];
  const rows = await q.query(
    `select * from audience_memberships where workspace_id = $1 and audience = $2 and removed_at is null and profile_id = any($3::text[])`,
    [workspaceId, audience, profileIds]);
  return rows.map(toRow);
}

/**
 * Marks rows sent. An add is marked only if the row is still open (a removal that raced the
 * upload stays pending and is sent next). A removal's synced_at is set past its removed_at,
 * so a sync in the same millisecond as a later removal never hides that removal.
 */
export async function markSynced(q: Queryable, added: number[], removed: number[], now: number): Promise<void> {
  const at = new Date(now).toISOString();
  if (added.length) await q.query('update audience_memberships set synced_at = $2 where id = any($1::bigint[]) and removed_at is null', [added, at]);
  if (removed.length) {
    await q.query(`update audience_memberships set synced_at = greatest($2::timestamptz, removed_at + interval '1 millisecond'), forgotten = null where id = any($1::bigint[])`, [removed, at]);
  }
}

/**
 * Right to be forgotten, for ad audiences: the customer's memberships close now. Those the
 * platforms may still hold keep the customer's identifiers until the sync has sent the removal
 * (it clears them); the rest go. Runs before the deletion erases the identifiers.
 */
export async function forgetAudienceMembers(q: Queryable, workspaceId: string, profileIds: readonly string[], now: number): Promise<void> {
  if (!profileIds.length) return;
  const members = await loadMembers(q, workspaceId, [...profileIds]);
  const snapshots = [...members].map(([p, m]) => ({ p, m: m.member }));
  await q.query(
    `update audience_memberships a set removed_at = coalesce(a.removed_at, to_timestamp($2 / 1000.0)), removed_reason = coalesce(a.removed_reason, 'profile deleted'), forgotten = x.m
       from jsonb_to_recordset($1::jsonb) as x(p text, m jsonb)
      where a.profile_id = x.p and (a.removed_at is null or a.synced_at is null or a.synced_at <= a.removed_at)`,
    [JSON.stringify(snapshots), now]);
  await q.query('delete from audience_memberships where profile_id = any($1::text[]) and forgotten is null', [[...profileIds]]);
}

/** The customer's ad-audience memberships, for their access export. */
export async function audienceMembershipsOf(q: Queryable, workspaceId: string, profileIds: readonly string[]) {
  if (!profileIds.length) return [];
  const rows = await q.query<{ audience: string; journey_id: string | null; platforms: unknown; added_at: Date; removed_at: Date | null; removed_reason: string | null }>(
    `select audience, journey_id, platforms, added_at, removed_at, removed_reason from audience_memberships
      where workspace_id = $1 and profile_id = any($2::text[]) order by added_at, id`, [workspaceId, [...profileIds]]);
  return rows.map(r => ({ audience: r.audience, journeyId: r.journey_id, platforms: r.platforms, addedAt: isoOf(r.added_at), removedAt: isoOrNull(r.removed_at), removedReason: r.removed_reason }));
}

/** Members at a time: added at or before it, not removed by then. One row per profile. */
export async function membersAt(q: Queryable, workspaceId: string, audience: string, at: number, opts: { after?: string; limit: number }): Promise<MembershipRow[]> {
  const rows = await q.query(
    `select distinct on (profile_id) * from audience_memberships
      where workspace_id = $1 and audience = $2 and added_at <= $3 and (removed_at is null or removed_at > $3)
        and ($4::text is null or profile_id > $4)
      order by profile_id, added_at limit $5`,
    [workspaceId, audience, new Date(at).toISOString(), opts.after ?? null, opts.limit]);
  return rows.map(toRow);
}

export interface AudienceSummary { name: string; members: number; everMembers: number; pending: number; firstAddedAt: number; lastChangeAt: number }

export async function listAudiences(q: Queryable, workspaceId: string): Promise<AudienceSummary[]> {
  const rows = await q.query(
    `select audience, count(distinct profile_id) filter (where removed_at is null) as members, count(distinct profile_id) as ever,
            count(*) filter (where ${PENDING}) as pending, min(added_at) as first_added, max(coalesce(removed_at, added_at)) as last_change
       from audience_memberships where workspace_id = $1 group by audience order by audience`, [workspaceId]);
  return rows.map(r => ({
    name: r.audience as string, members: Number(r.members), everMembers: Number(r.ever), pending: Number(r.pending),
    firstAddedAt: ms(r.first_added), lastChangeAt: ms(r.last_change),
  }));
}

export interface LoadedMember { member: AudienceMember; adsConsent: ConsentEntry['status'] | null }

/** The identifiers of these profiles (merges followed), keyed by the id asked for. */
export async function loadMembers(q: Queryable, workspaceId: string, profileIds: string[]): Promise<Map<string, LoadedMember>> {
  const out = new Map<string, LoadedMember>();
  if (!profileIds.length) return out;
  const rows = await q.query<{ asked: string; id: string; traits: unknown; channels: unknown; consent: unknown }>(
    `select m.id as asked, p.id, p.traits, p.channels, p.consent from profiles m join profiles p on p.id = coalesce(m.merged_into, m.id)
      where m.workspace_id = $1 and m.id = any($2::text[])`, [workspaceId, [...new Set(profileIds)]]);
  const ids = await identitiesOfProfiles(q, [...new Set(rows.map(r => r.id))]);
  for (const r of rows) {
    const mine = ids.filter(i => i.profile_id === r.id);
    const consent = obj(r.consent) as unknown as Record<string, ConsentEntry | undefined>;
    out.set(r.asked, { member: memberOf(obj(r.traits), obj(r.channels), mine), adsConsent: consent.ads?.status ?? null });
  }
  return out;
}

const obj = (v: unknown): JsonObject => {
  const x = typeof v === 'string' ? JSON.parse(v) : v;
  return x && typeof x === 'object' && !Array.isArray(x) ? (x as JsonObject) : {};
};
const str = (v: Json | undefined): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export function memberOf(traits: JsonObject, channels: JsonObject, identities: { type: string; value: string }[]): AudienceMember {
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  const email = obj(channels.email);
  const sms = obj(channels.sms);
  const address = obj(traits.address);
  const m: AudienceMember = {};
  const emails = uniq([str(email.address), str(traits.email), ...identities.filter(i => i.type === 'email').map(i => i.value)]);
  const phones = uniq([str(sms.phone), str(traits.phone), ...identities.filter(i => i.type === 'phone').map(i => i.value)]);
  if (emails.length) m.email = emails;
  if (phones.length) m.phone = phones;
  const firstName = str(traits.firstName ?? traits.first_name);
  const lastName = str(traits.lastName ?? traits.last_name);
  const country = str(address.country ?? traits.country);
  const zip = str(address.postalCode ?? address.postal_code ?? address.zip ?? traits.postalCode ?? traits.zip);
  if (firstName) m.firstName = firstName;
  if (lastName) m.lastName = lastName;
  if (country) m.country = country;
  if (zip) m.zip = zip;
  return m;
}

import type { Queryable } from '../store/index.ts';
import { isoOf, isoOrNull } from '../store/index.ts';

/** Right to be forgotten: the customer leaves every segment, and their membership history goes. */
export async function forgetMembers(q: Queryable, profileIds: readonly string[]): Promise<void> {
  if (!profileIds.length) return;
  await q.query('delete from segment_members where profile_id = any($1::text[])', [profileIds]);
  await q.query('delete from segment_history where profile_id = any($1::text[])', [profileIds]);
}

/** The customer's segment memberships, past and present, for their access export. */
export async function membershipsOfProfiles(q: Queryable, profileIds: readonly string[]) {
  if (!profileIds.length) return [];
  const rows = await q.query<{ segment_id: string; name: string | null; entered_at: Date; exited_at: Date | null }>(
    `select h.segment_id, s.name, h.entered_at, h.exited_at from segment_history h left join segments s on s.id = h.segment_id
      where h.profile_id = any($1::text[]) order by h.entered_at, h.id`, [[...profileIds]]);
  return rows.map(r => ({ segmentId: r.segment_id, name: r.name, enteredAt: isoOf(r.entered_at), exitedAt: isoOrNull(r.exited_at) }));
}

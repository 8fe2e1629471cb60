import type { Queryable } from '../store/index.ts';

/** Right to be forgotten: the customer leaves every segment, and their membership history goes. */
export async function forgetMembers(q: Queryable, profileIds: readonly string[]): Promise<void> {
  if (!profileIds.length) return;
  await q.query('delete from segment_members where profile_id = any($1::text[])', [profileIds]);
  await q.query('delete from segment_history where profile_id = any($1::text[])', [profileIds]);
}

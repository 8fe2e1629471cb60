import type { Queryable } from '../../store/index.ts';

/**
 * Right to be forgotten, for the outbox: the customer's messages go with their rendered
 * content, recipient, context and status history, and none still queued is sent. A send
 * already handed to a provider cannot be called back; its status write then finds no row.
 */
export async function eraseMessages(q: Queryable, profileIds: readonly string[]): Promise<void> {
  if (!profileIds.length) return;
  await q.query(
    `with m as (delete from messages where profile_id = any($1::text[]) returning id),
          h as (delete from message_status_history where message_id in (select id from m))
     delete from captured_messages where message_id in (select id from m)`, [profileIds]);
}

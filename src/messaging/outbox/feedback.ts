/** Delivery feedback from provider webhooks, matched to the outbox by the provider's message id. */
import type { Queryable } from '../../store/index.ts';
import { changeStatus } from './rows.ts';
import type { MessageStatus, OutboxMessage } from './types.ts';

export interface FeedbackInput {
  /** When known (webhooks arrive per workspace channel), narrows the match. */
  workspaceId?: string;
  providerMessageId: string;
  status: 'delivered' | 'failed';
  reason?: string | null;
  at: number;
}

// Delivered only follows sent; a bounce may follow either. Replayed or out-of-order webhooks
// (delivered after failed) change nothing.
const FROM: Record<FeedbackInput['status'], readonly MessageStatus[]> = {
  delivered: ['sent'],
  failed: ['sent', 'delivered'],
};

/** Returns the message it moved, or null when none matched or the move did not apply. */
export async function recordFeedback(q: Queryable, input: FeedbackInput): Promise<OutboxMessage | null> {
  const rows = await q.query<{ id: string }>(
    `select id from messages where provider_message_id = $1 and ($2::text is null or workspace_id = $2) limit 2`,
    [input.providerMessageId, input.workspaceId ?? null],
  );
  // Two workspaces could share a provider account; without a workspace an ambiguous id matches nothing.
  if (rows.length !== 1) return null;
  return changeStatus(q, rows[0].id, { status: input.status, reason: input.reason ?? null, from: FROM[input.status] }, input.at);
}

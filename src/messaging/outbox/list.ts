/** Reading the outbox: newest first, keyset-paginated, each message with its status history. */
import { invalid } from '../../shared/index.ts';
import type { Queryable } from '../../store/index.ts';
import { iso, toHistory, toMessage } from './rows.ts';
import { MESSAGE_STATUSES, type HistoryEntry, type MessageStatus, type OutboxMessage } from './types.ts';

export interface ListQuery {
  profileId?: string;
  journeyId?: string;
  status?: MessageStatus;
  /** Default 50, at most 500. */
  limit?: number;
  /** From a previous page's nextCursor. */
  cursor?: string;
}

export interface MessageWithHistory extends OutboxMessage { history: HistoryEntry[] }
export interface MessagePage { messages: MessageWithHistory[]; nextCursor: string | null }

export async function listMessages(q: Queryable, workspaceId: string, query: ListQuery = {}): Promise<MessagePage> {
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid('limit', 'must be an integer from 1 to 500');
  if (query.status !== undefined && !MESSAGE_STATUSES.includes(query.status)) throw invalid('status', `must be one of ${MESSAGE_STATUSES.join(', ')}`);
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await q.query(
    `select * from messages
     where workspace_id = $1
       and ($2::text is null or profile_id = $2)
       and ($3::text is null or journey_id = $3)
       and ($4::text is null or status = $4)
       and ($5::timestamptz is null or (created_at, id) < ($5::timestamptz, $6::text))
     order by created_at desc, id desc
     limit $7`,
    [workspaceId, query.profileId ?? null, query.journeyId ?? null, query.status ?? null,
      after ? iso(after.createdAt) : null, after?.id ?? null, limit + 1],
  );
  const page = rows.slice(0, limit).map(toMessage);
  const history = await historyOf(q, page.map(m => m.id));
  const last = page.at(-1);
  return {
    messages: page.map(m => ({ ...m, history: history.get(m.id) ?? [] })),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

/** Every message of these profiles with its history, oldest first: the outbox's part of a customer's access export. */
export async function messagesOfProfiles(q: Queryable, workspaceId: string, profileIds: readonly string[]): Promise<MessageWithHistory[]> {
  if (!profileIds.length) return [];
  const rows = (await q.query('select * from messages where workspace_id = $1 and profile_id = any($2::text[]) order by created_at, id', [workspaceId, [...profileIds]])).map(toMessage);
  const history = await historyOf(q, rows.map(m => m.id));
  return rows.map(m => ({ ...m, history: history.get(m.id) ?? [] }));
}

export async function getMessage(q: Queryable, workspaceId: string, id: string): Promise<MessageWithHistory | null> {
  const rows = await q.query('select * from messages where workspace_id = $1 and id = $2', [workspaceId, id]);
  if (!rows[0]) return null;
  const m = toMessage(rows[0]);
  return { ...m, history: (await historyOf(q, [m.id])).get(m.id) ?? [] };
}

async function historyOf(q: Queryable, ids: string[]): Promise<Map<string, HistoryEntry[]>> {
  const out = new Map<string, HistoryEntry[]>();
  if (ids.length === 0) return out;
  const rows = await q.query('select * from message_status_history where message_id = any($1::text[]) order by message_id, id', [ids]);
  for (const r of rows) {
    const id = r.message_id as string;
    const list = out.get(id) ?? [];
    list.push(toHistory(r));
    out.set(id, list);
  }
  return out;
}

function encodeCursor(m: OutboxMessage): string {
  return Buffer.from(JSON.stringify([m.createdAt, m.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'number' && typeof id === 'string') return { createdAt, id };
  } catch { /* falls through to the error below */ }
  throw invalid('cursor', 'not a cursor from a previous page');
}

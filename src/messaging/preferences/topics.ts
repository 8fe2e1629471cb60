/**
 * Topics the preference center offers besides whole channels: "email.newsletter",
 * "sms.offers". A topic's consent key is the key itself, which is what a track
 * "Unsubscribed" with `properties: {channel: "email", topic: "newsletter"}` sets.
 */
import { invalid } from '../../shared/index.ts';
import type { Queryable } from '../../store/index.ts';

export interface Topic { key: string; label: string; description: string | null }

export const TOPIC_KEY = /^[a-z][a-z0-9_]{0,31}\.[A-Za-z0-9_-]{1,64}$/;

export async function listTopics(q: Queryable, workspaceId: string): Promise<Topic[]> {
  const rows = await q.query<{ key: string; label: string; description: string | null }>(
    'select key, label, description from preference_topics where workspace_id = $1 order by position, key', [workspaceId]);
  return rows.map(r => ({ key: r.key, label: r.label, description: r.description ?? null }));
}

/** Replaces the workspace's topics with these, in this order. */
export async function putTopics(q: Queryable, workspaceId: string, topics: { key: string; label: string; description?: string | null }[]): Promise<Topic[]> {
  if (!Array.isArray(topics) || topics.length > 200) throw invalid('topics', 'must be a list of at most 200 topics');
  const seen = new Set<string>();
  topics.forEach((t, i) => {
    if (typeof t?.key !== 'string' || !TOPIC_KEY.test(t.key)) throw invalid(`topics.${i}.key`, 'must be channel.topic, like "email.newsletter"');
    if (seen.has(t.key)) throw invalid(`topics.${i}.key`, `"${t.key}" is listed twice`);
    seen.add(t.key);
    if (typeof t.label !== 'string' || !t.label.trim() || t.label.length > 200) throw invalid(`topics.${i}.label`, 'must be text of 1 to 200 characters');
    if (t.description != null && (typeof t.description !== 'string' || t.description.length > 1000)) throw invalid(`topics.${i}.description`, 'must be text of at most 1000 characters');
  });
  await q.query('delete from preference_topics where workspace_id = $1', [workspaceId]);
  if (topics.length) {
    await q.query(
      `insert into preference_topics (workspace_id, key, label, description, position)
       select $1, x.key, x.label, x.description, x.position from jsonb_to_recordset($2::jsonb) as x(key text, label text, description text, position int)`,
      [workspaceId, JSON.stringify(topics.map((t, position) => ({ key: t.key, label: t.label.trim(), description: t.description ?? null, position })))],
    );
  }
  return listTopics(q, workspaceId);
}

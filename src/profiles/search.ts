import type { Queryable } from '../store/index.ts';
import { normalizeIdentifier, normalizeType, type CompiledRules } from '../identity/index.ts';
import { invalid, type Identity } from '../shared/index.ts';

export interface SearchHit {
  profileId: string;
  /** The identifier that matched, as stored. */
  matched: Identity;
  name: string | null;
  identities: Identity[];
}

/**
 * Identifier types present in a workspace, read by skipping along the primary key
 * (workspace_id, type, value) so it costs one index probe per type, not a scan.
 */
async function typesOf(q: Queryable, workspaceId: string): Promise<string[]> {
  const rows = await q.query<{ type: string }>(
    `with recursive t(type) as (
       select min(type) from identities where workspace_id = $1
       union all
       select (select min(type) from identities where workspace_id = $1 and type > t.type) from t where t.type is not null)
     select type from t where type is not null`, [workspaceId]);
  return rows.map(r => r.type);
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/**
 * Profiles holding an identifier equal to `query` under any identifier type, each type
 * normalising the query its own way (email lower-cased, phone to E.164 in the workspace's
 * default region), so a store associate can type what the customer says. "type:value"
 * looks at that type only.
 */
export async function searchProfiles(q: Queryable, workspaceId: string, query: string, rules: CompiledRules, limit = 20): Promise<SearchHit[]> {
  const text = query.trim();
  if (!text) throw invalid('q', 'type an email, phone number, user id or any other identifier');
  const typed = /^([A-Za-z][\w -]{0,63}):(.+)$/.exec(text);
  const present = await typesOf(q, workspaceId);
  const wanted = typed ? normalizeType(typed[1]) : null;
  const candidates: Identity[] = [];
  for (const type of present) {
    if (typed && wanted === type) { const id = normalizeIdentifier(type, typed[2], rules); if (id) candidates.push(id); }
    const id = normalizeIdentifier(type, text, rules);
    if (id && !(typed && wanted === type)) candidates.push(id);
  }
  if (!candidates.length) return [];
  const rows = await q.query<{ profile_id: string; type: string; value: string }>(
    `select i.profile_id, i.type, i.value from identities i
       join unnest($2::text[], $3::text[]) as c(type, value) on c.type = i.type and c.value = i.value
      where i.workspace_id = $1 order by i.first_seen, i.type limit $4`,
    [workspaceId, candidates.map(c => c.type), candidates.map(c => c.value), limit * 4]);
  const firstMatch = new Map<string, Identity>();
  for (const r of rows) if (!firstMatch.has(r.profile_id)) firstMatch.set(r.profile_id, { type: r.type, value: r.value });
  const ids = [...firstMatch.keys()].slice(0, limit);
  if (!ids.length) return [];
  const [profiles, identities] = await Promise.all([
    q.query<{ id: string; traits: Record<string, unknown> }>('select id, traits from profiles where id = any($1::text[])', [ids]),
    q.query<{ profile_id: string; type: string; value: string }>('select profile_id, type, value from identities where profile_id = any($1::text[]) order by first_seen, type, value', [ids]),
  ]);
  const traits = new Map(profiles.map(p => [p.id, p.traits]));
  return ids.map(id => {
    const t = traits.get(id) ?? {};
    return {
      profileId: id, matched: firstMatch.get(id)!,
      name: str(t.name) ?? ([str(t.firstName), str(t.lastName)].filter(Boolean).join(' ') || null),
      identities: identities.filter(i => i.profile_id === id).map(i => ({ type: i.type, value: i.value })),
    };
  });
}

import type { Queryable } from './types.ts';

/** What the definition_stamps triggers count (migration 012). */
export type DefinitionKind = 'segments' | 'journeys';

/**
 * A counter bumped by every change to a workspace's definitions of this kind (segments and
 * computed traits, or journeys), in any process: a cache of them is current while it holds.
 */
export async function definitionStamp(q: Queryable, workspaceId: string, kind: DefinitionKind): Promise<string> {
  const rows = await q.query<{ stamp: string }>('select stamp::text as stamp from definition_stamps where workspace_id = $1 and kind = $2', [workspaceId, kind]);
  return rows[0]?.stamp ?? '0';
}

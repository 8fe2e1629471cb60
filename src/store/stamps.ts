import type { Queryable } from './types.ts';

/** What the definition_stamps triggers count (migration 012). */
export type DefinitionKind = 'segments' | 'journeys';

type Stamps = Partial<Record<DefinitionKind, string>>;

/** Per transaction: a pipeline batch asks for both kinds, so one read serves the batch. */
const read = new WeakMap<Queryable, Map<string, Promise<Stamps>>>();

const readStamps = async (q: Queryable, workspaceId: string): Promise<Stamps> =>
  Object.fromEntries((await q.query<{ kind: DefinitionKind; stamp: string }>(
    'select kind, stamp::text as stamp from definition_stamps where workspace_id = $1', [workspaceId])).map(r => [r.kind, r.stamp]));

/**
 * A counter bumped by every change to a workspace's definitions of this kind (segments and
 * computed traits, or journeys), in any process: a cache of them is current while it holds.
 * Inside a transaction both kinds are read once; a change committed later in it is seen by
 * the next one. On the Db itself (no transaction) every call reads.
 */
export async function definitionStamp(q: Queryable, workspaceId: string, kind: DefinitionKind): Promise<string> {
  if ('transaction' in q) return (await readStamps(q, workspaceId))[kind] ?? '0';
  let mine = read.get(q);
  if (!mine) read.set(q, (mine = new Map()));
  let stamps = mine.get(workspaceId);
  if (!stamps) mine.set(workspaceId, (stamps = readStamps(q, workspaceId)));
  return (await stamps)[kind] ?? '0';
}

import type { Queryable } from './types.ts';

/** What the definition_stamps triggers count (migration 012). */
export type DefinitionKind = 'segments' | 'journeys';

type Stamps = Partial<Record<DefinitionKind, string>>;

// Inside one transaction the stamps are read once for every kind: the pipeline's segment and
// journey stages both ask for each batch. Keyed weakly by the transaction, so nothing outlives it.
const perTransaction = new WeakMap<Queryable, Map<string, Promise<Stamps>>>();

/**
 * A counter bumped by every change to a workspace's definitions of this kind (segments and
 * computed traits, or journeys), in any process: a cache of them is current while it holds.
 */
export async function definitionStamp(q: Queryable, workspaceId: string, kind: DefinitionKind): Promise<string> {
  // A Db (not a transaction) runs each query on its own: read every time.
  const memo = 'transaction' in q ? null : perTransaction.get(q) ?? new Map<string, Promise<Stamps>>();
  if (memo && !perTransaction.has(q)) perTransaction.set(q, memo);
  let stamps = memo?.get(workspaceId);
  if (!stamps) {
    stamps = q.query<{ kind: DefinitionKind; stamp: string }>('select kind, stamp::text as stamp from definition_stamps where workspace_id = $1', [workspaceId])
      .then(rows => Object.fromEntries(rows.map(r => [r.kind, r.stamp])) as Stamps);
    memo?.set(workspaceId, stamps);
  }
  return (await stamps)[kind] ?? '0';
}

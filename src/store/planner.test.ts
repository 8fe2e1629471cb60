import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb } from '../testing/index.ts';
import { RANDOM_PAGE_COST } from './planner.ts';

forEachStore("the planner's costs in Omnis's sessions", kind => {
  test('every session, pooled or in a transaction, prices random page reads for memory and SSD', async () => {
    const t = await openTestDb(kind);
    try {
      const setting = async (q: { query<T>(sql: string): Promise<T[]> }) => Number((await q.query<{ v: string }>(`select current_setting('random_page_cost') as v`))[0].v);
      // Several at once, so a pooled driver answers from more than one connection.
      const direct = await Promise.all([1, 2, 3, 4].map(() => setting(t.db)));
      const inTx = await t.db.transaction(tx => setting(tx));
      assert.deepEqual([...direct, inTx], [RANDOM_PAGE_COST, RANDOM_PAGE_COST, RANDOM_PAGE_COST, RANDOM_PAGE_COST, RANDOM_PAGE_COST]);
      assert.notEqual(RANDOM_PAGE_COST, 4, "PostgreSQL's default, made for spinning disks");
    } finally { await t.close(); }
  });
});

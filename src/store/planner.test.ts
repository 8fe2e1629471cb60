import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { forEachStore, openTestDb, postgresProblem, TEST_PG_URL } from '../testing/index.ts';
import { openStore } from './index.ts';
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
    } finally { await t.close(); }
  });
});

describe("the DBA's planner costs", () => {
  test('a random page cost the role (or database, or server) sets is kept', { skip: postgresProblem && !process.env.CI ? `Postgres unreachable: ${postgresProblem}` : false }, async () => {
    const role = `omnis_t_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    try {
      const [{ db }] = (await admin.query<{ db: string }>('select current_database() as db')).rows;
      await admin.query(`create role ${role} login`);
      await admin.query(`grant create on database "${db}" to ${role}`);
      await admin.query(`alter role ${role} set random_page_cost = 2.5`);
      const url = new URL(TEST_PG_URL);
      url.username = role;
      const store = await openStore({ databaseUrl: url.toString(), schema: role, poolSize: 2 });
      try {
        const [{ v }] = await store.query<{ v: string }>(`select current_setting('random_page_cost') as v`);
        assert.equal(Number(v), 2.5);
      } finally { await store.close(); }
    } finally {
      await admin.query(`drop owned by ${role}`).catch(() => {});
      await admin.query(`drop role if exists ${role}`).catch(() => {});
      await admin.end();
    }
  });
});

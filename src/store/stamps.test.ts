import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate } from './migrate.ts';
import { definitionStamp } from './stamps.ts';
import type { Tx } from './types.ts';

forEachStore('definition stamps', kind => {
  let t: TestDb;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); });
  after(async () => { await t.close(); });

  const bump = (k: string) => t.db.query(
    `insert into definition_stamps (workspace_id, kind, stamp) values ('w', $1, 1) on conflict (workspace_id, kind) do update set stamp = definition_stamps.stamp + 1`, [k]);

  test('a transaction reads both kinds once; the Db reads every time', async () => {
    assert.equal(await definitionStamp(t.db, 'w', 'segments'), '0', 'no definitions yet');
    await bump('segments');
    assert.equal(await definitionStamp(t.db, 'w', 'segments'), '1');
    await bump('journeys'); await bump('journeys');
    await t.db.transaction(async tx => {
      let reads = 0;
      const counted: Tx = { ...tx, query: (sql, params) => { reads++; return tx.query(sql, params); } };
      assert.equal(await definitionStamp(counted, 'w', 'segments'), '1');
      assert.equal(await definitionStamp(counted, 'w', 'journeys'), '2');
      assert.equal(await definitionStamp(counted, 'w', 'segments'), '1');
      assert.equal(await definitionStamp(counted, 'other', 'journeys'), '0');
      assert.equal(reads, 2, 'one read per workspace');
    });
    await bump('segments');
    await t.db.transaction(async tx => assert.equal(await definitionStamp(tx, 'w', 'segments'), '2', 'the next transaction sees the change'));
  });
});

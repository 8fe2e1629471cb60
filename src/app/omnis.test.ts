import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb, postgresProblem, startTestOmnis } from '../testing/index.ts';
import { createOmnis } from './omnis.ts';

test('a pipeline batch size that is not a whole number of at least 1 is refused at start, naming the option', async () => {
  const t = await openTestDb('pglite');
  try {
    for (const batchSize of [0, -5, 2.5, Number.NaN]) await assert.rejects(createOmnis({ db: t.db, batchSize }), /batchSize must be an integer of at least 1; got /);
    const omnis = await createOmnis({ db: t.db, batchSize: 1, worker: false });
    await omnis.stop();
  } finally { await t.close(); }
});

test('on Postgres a tracking request is answered while every pooled connection is busy', { skip: postgresProblem && !process.env.CI ? `Postgres unreachable: ${postgresProblem}` : false }, async () => {
  const t = await startTestOmnis('postgres');
  try {
    // The write key is known (cached) already, as it is for any source that has sent before.
    assert.equal((await t.track('/v1/track', { userId: 'busy-pool', event: 'Warm' })).status, 200);
    let release!: () => void;
    const gate = new Promise<void>(r => { release = r; });
    // Four transactions (the test store's whole pool) stay open until the request has been answered.
    let opened = 0;
    let allOpen!: () => void;
    const held = new Promise<void>(r => { allOpen = r; });
    const holders = Array.from({ length: 4 }, () => t.omnis.db.transaction(async tx => {
      await tx.query('select 1');
      if (++opened === 4) allOpen();
      await gate;
    }));
    try {
      await held;
      const answered = t.track('/v1/track', { userId: 'busy-pool', event: 'Pool Busy', messageId: 'busy-pool-1' });
      // A bound, not a timing: without a connection of its own the append would wait until the holders end.
      const first = await Promise.race([answered.then(() => 'answered' as const), new Promise<'waited'>(r => setTimeout(() => r('waited'), 5000))]);
      assert.equal(first, 'answered', 'the append must not wait for a pooled connection');
      assert.deepEqual((await answered).json, { accepted: 1, rejected: [] });
    } finally {
      release();
      await Promise.all(holders);
    }
    const [{ n }] = await t.omnis.db.query<{ n: number }>(`select count(*)::int as n from events where message_id = 'busy-pool-1'`);
    assert.equal(n, 1);
  } finally { await t.close(); }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb } from '../../testing/index.ts';
import { migrate, type Db } from '../../store/index.ts';
import { BatchAudiences } from './audiences.ts';
import { JourneyWrites } from './writes.ts';
import type { Run } from './types.ts';
import type { AudienceStep } from '../definition/index.ts';

const NOW = Date.parse('2026-03-02T09:00:00Z');
const run = (profileId: string): Run => ({
  id: `run_${profileId}`, workspaceId: 'default', journeyId: 'jrn_a', version: 1, profileId, status: 'active', step: 'ads', waiting: null, path: null,
  holdout: false, enteredAt: NOW, goalUntil: null, endedAt: null, endReason: null, convertedAt: null, revenue: 0,
});
const step: AudienceStep = { type: 'audience', action: 'add', audience: 'vip', platforms: ['facebook'], next: 'end' };

forEachStore('batched audience changes', kind => {
  const withDb = async (fn: (db: Db) => Promise<void>) => {
    const t = await openTestDb(kind);
    try { await migrate(t.db); await fn(t.db); } finally { await t.close(); }
  };
  const openOf = (db: Db, profileId: string) => db.query<{ id: string }>(`select id from audience_memberships where profile_id = $1 and audience = 'vip' and removed_at is null`, [profileId]);
  const added = async (db: Db, profileId: string) => {
    const [r] = await db.query<{ id: string }>(
      `insert into audience_memberships (workspace_id, audience, profile_id, added_at) values ('default', 'vip', $1, now()) returning id`, [profileId]);
    return Number(r.id);
  };

  test('changes are written in the order they were made: expired then added again is in; added (already in) then expired is out', () => withDb(async db => {
    const first = await added(db, 'p-back');
    const second = await added(db, 'p-out');
    await db.transaction(async tx => {
      const b = new BatchAudiences(new JourneyWrites());
      b.expire(first, NOW);
      b.add(run('p-back'), 'ads', step, NOW);
      b.add(run('p-out'), 'ads', step, NOW);
      b.expire(second, NOW);
      await b.flush(tx);
    });
    const back = await openOf(db, 'p-back');
    assert.equal(back.length, 1);
    assert.notEqual(Number(back[0].id), first);
    assert.deepEqual(await openOf(db, 'p-out'), []);
  }));

  test('one membership per profile however many additions, and a removal sees the additions before it', () => withDb(async db => {
    await db.transaction(async tx => {
      const b = new BatchAudiences(new JourneyWrites());
      b.add(run('p-1'), 'ads', step, NOW);
      b.add({ ...run('p-1'), id: 'run_other', journeyId: 'jrn_b' }, 'ads', step, NOW);
      b.add(run('p-2'), 'ads', step, NOW);
      assert.equal(await b.remove(tx, run('p-2'), NOW, 'goal reached', 'vip'), 1);
      b.add(run('p-3'), 'ads', step, NOW);
      await b.flush(tx);
    });
    assert.equal((await openOf(db, 'p-1')).length, 1);
    assert.deepEqual(await openOf(db, 'p-2'), []);
    assert.equal((await openOf(db, 'p-3')).length, 1);
  }));
});

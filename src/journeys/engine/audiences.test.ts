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

  test('one membership per profile however many additions; a removal ends what came before it, not what comes after', () => withDb(async db => {
    const old = await added(db, 'p-4');
    await db.transaction(async tx => {
      const b = new BatchAudiences(new JourneyWrites());
      b.add(run('p-1'), 'ads', step, NOW);
      b.add({ ...run('p-1'), id: 'run_other', journeyId: 'jrn_b' }, 'ads', step, NOW);
      b.add(run('p-2'), 'ads', step, NOW);
      b.remove(run('p-2'), NOW, 'goal reached', 'vip');
      b.remove(run('p-4'), NOW, 'exit event', 'vip');
      b.add(run('p-3'), 'ads', step, NOW);
      b.add(run('p-4'), 'ads', step, NOW);
      await b.flush(tx);
    });
    assert.equal((await openOf(db, 'p-1')).length, 1);
    assert.deepEqual(await openOf(db, 'p-2'), []);
    assert.equal((await openOf(db, 'p-3')).length, 1);
    const p4 = await openOf(db, 'p-4');
    assert.equal(p4.length, 1);
    assert.notEqual(Number(p4[0].id), old);
    const [ended] = await db.query<{ removed_reason: string }>('select removed_reason from audience_memberships where id = $1', [old]);
    assert.equal(ended.removed_reason, 'exit event');
  }));

  test('removing what a journey gave: only that journey\'s memberships of the profile, each once with the first reason', () => withDb(async db => {
    await db.transaction(async tx => {
      const b = new BatchAudiences(new JourneyWrites());
      b.add(run('p-5'), 'ads', step, NOW);
      b.add({ ...run('p-5'), id: 'run_b', journeyId: 'jrn_b' }, 'ads', { ...step, audience: 'lookalike' }, NOW);
      await b.flush(tx);
      b.remove(run('p-5'), NOW, 'goal reached');
      b.remove(run('p-5'), NOW, 'exit event', 'vip');
      await b.flush(tx);
    });
    const rows = await db.query<{ audience: string; removed_reason: string | null }>(`select audience, removed_reason from audience_memberships where profile_id = 'p-5' order by audience`);
    assert.deepEqual(rows.map(r => [r.audience, r.removed_reason]), [['lookalike', null], ['vip', 'goal reached']]);
  }));
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate } from '../store/index.ts';
import { emptyProfile } from './apply.ts';
import { loadProfiles, saveProfiles } from './repo.ts';
import type { ProfileRecord } from './cache.ts';

forEachStore('saving profiles', kind => {
  let t: TestDb;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); await t.db.query(`insert into workspaces (id, name) values ('w', 'w')`); });
  after(() => t.close());
  const row = async (id: string) => (await t.db.query<{ traits: object; seen: object; consent: object; computed: object; timezone: string | null }>(
    'select traits, seen, consent, computed, timezone from profiles where id = $1', [id]))[0];

  test('a profile never written is inserted whole; afterwards only the JSON columns that changed are written', async () => {
    const r: ProfileRecord = { profile: emptyProfile('p1', 'w', 1000), computed: { orders: 1 }, identities: [] };
    r.profile.traits = { plan: 'pro' };
    r.profile.seen = { web: { first: 1000, last: 1000 } };
    await saveProfiles(t.db, [r]);
    assert.deepEqual(await row('p1'), { traits: { plan: 'pro' }, seen: { web: { first: 1000, last: 1000 } }, consent: {}, computed: { orders: 1 }, timezone: null });

    // A marker put in the row behind the record's back shows which columns the next save writes.
    await t.db.query(`update profiles set traits = '{"marker": true}', consent = '{"marker": true}' where id = 'p1'`);
    r.profile.seen.web.last = 2000;
    r.profile.timezone = 'Europe/Paris';
    await saveProfiles(t.db, [r]);
    let got = await row('p1');
    assert.deepEqual(got.traits, { marker: true }, 'unchanged traits were not sent');
    assert.deepEqual(got.consent, { marker: true }, 'unchanged consent was not sent');
    assert.deepEqual(got.seen, { web: { first: 1000, last: 2000 } });
    assert.equal(got.timezone, 'Europe/Paris');

    r.profile.traits.plan = 'free';
    r.computed = { orders: 2 };
    await saveProfiles(t.db, [r]);
    got = await row('p1');
    assert.deepEqual(got.traits, { plan: 'free' }, 'a changed column is written whole');
    assert.deepEqual(got.computed, { orders: 2 });
    assert.deepEqual(got.consent, { marker: true });
  });

  test('a profile read from the database is compared with what it held, whatever the key order', async () => {
    const fresh: ProfileRecord = { profile: emptyProfile('p2', 'w', 1000), computed: {}, identities: [] };
    fresh.profile.traits = { zeta: 1, a: { y: 2, b: 3 } };
    await saveProfiles(t.db, [fresh]);
    const read = (await loadProfiles(t.db, ['p2'])).get('p2')!;
    await t.db.query(`update profiles set traits = traits || '{"marker": true}' where id = 'p2'`);
    read.profile.seen = { pos: { first: 5, last: 5 } };
    await saveProfiles(t.db, [read]);
    assert.deepEqual((await row('p2')).traits, { zeta: 1, a: { y: 2, b: 3 }, marker: true }, 'traits as read were not written back');
    assert.deepEqual((await row('p2')).seen, { pos: { first: 5, last: 5 } });
  });
});

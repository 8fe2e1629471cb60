import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate } from '../store/index.ts';
import { EventLog, Processor, type Stage } from '../bus/index.ts';
import { compileRules, DEFAULT_RULES } from '../identity/index.ts';
import { VirtualClock, type JsonObject, type OmnisEvent } from '../shared/index.ts';
import { ProfileCache, type ProfileRecord } from './cache.ts';
import { emptyProfile } from './apply.ts';
import { resolveAndApply } from './stage.ts';

const record = (id: string, ids: [string, string][]): ProfileRecord =>
  ({ profile: emptyProfile(id, 'w', 0), computed: {}, identities: ids.map(([type, value]) => ({ type, value })) });

describe('the pipeline\'s profile cache', () => {
  test('finds profiles by id and by identifier; eviction and merges forget both', () => {
    const c = new ProfileCache();
    c.put([record('p1', [['user_id', 'u1'], ['email', 'a@x.io']]), record('p2', [['user_id', 'u2']])], []);
    assert.equal(c.ownerOf('w', { type: 'email', value: 'a@x.io' }), 'p1');
    assert.equal(c.get('p2')?.profile.id, 'p2');
    // p1 absorbed p2 in a batch: p2 is gone, its identifier now names p1.
    c.put([record('p1', [['user_id', 'u1'], ['email', 'a@x.io'], ['user_id', 'u2']])], ['p2']);
    assert.equal(c.get('p2'), undefined);
    assert.equal(c.ownerOf('w', { type: 'user_id', value: 'u2' }), 'p1');
    assert.equal(c.ownerOf('other', { type: 'user_id', value: 'u2' }), undefined, 'identifiers are per workspace');
    c.evict(['p1']);
    assert.equal(c.ownerOf('w', { type: 'user_id', value: 'u1' }), undefined);
    assert.equal(c.size, 0);
  });

  test('holds at most its bound, dropping the least recently stored first', () => {
    const c = new ProfileCache(2);
    c.put([record('p1', [['user_id', '1']]), record('p2', [['user_id', '2']])], []);
    c.put([record('p1', [['user_id', '1']])], []); // p1 used again
    c.put([record('p3', [['user_id', '3']])], []);
    assert.deepEqual(['p1', 'p2', 'p3'].map(id => Boolean(c.get(id))), [true, false, true]);
    assert.equal(c.ownerOf('w', { type: 'user_id', value: '2' }), undefined);
  });

  test('a record a batch worked on in place: its new identifiers, an absorbed profile\'s, and its place in the order', () => {
    const c = new ProfileCache(2);
    const p1 = record('p1', [['user_id', 'u1']]);
    c.put([p1, record('p2', [['user_id', 'u2']])], []);
    // A batch adds an email to the cached p1 and absorbs p2, in place.
    p1.identities.push({ type: 'email', value: 'a@x.io' }, { type: 'user_id', value: 'u2' });
    c.put([p1], ['p2']);
    assert.equal(c.ownerOf('w', { type: 'email', value: 'a@x.io' }), 'p1');
    assert.equal(c.ownerOf('w', { type: 'user_id', value: 'u2' }), 'p1');
    assert.equal(c.ownerOf('w', { type: 'user_id', value: 'u1' }), 'p1');
    // p3 stored, then p1 used again in place: p3 is now the least recently stored.
    c.put([record('p3', [['user_id', 'u3']])], []);
    c.put([p1], []);
    c.put([record('p4', [['user_id', 'u4']])], []);
    assert.deepEqual(['p1', 'p3', 'p4'].map(id => Boolean(c.get(id))), [true, false, true]);
    assert.equal(c.ownerOf('w', { type: 'user_id', value: 'u3' }), undefined);
    c.evict(['p1']);
    assert.equal(c.ownerOf('w', { type: 'email', value: 'a@x.io' }), undefined);
  });
});

forEachStore('the profile cache through the pipeline', kind => {
  let t: TestDb;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); });
  after(async () => { await t.close(); });

  const clock = new VirtualClock(Date.parse('2026-03-02T09:00:00Z'));
  let n = 0;
  const identify = (userId: string, traits: JsonObject, at: number, messageId = `m${++n}`): OmnisEvent => ({
    messageId, type: 'identify', event: null, userId, anonymousId: null, channel: 'web', timestamp: at, receivedAt: at,
    sourceId: 'web', properties: {}, traits, context: {},
  });

  test('a batch that rolls back leaves no trace in the cache: the retried events see the database', async () => {
    const cache = new ProfileCache();
    // A later stage that fails on one event: the batch rolls back and its events are retried one by one.
    const failing: Stage = async (_tx, _ws, events) => {
      if (events.some(e => e.messageId === 'boom')) throw new Error('stage failed');
      return events;
    };
    const profileStage: Stage = (tx, ws, events, ctx) =>
      resolveAndApply(tx, ws, events, { clock, rulesFor: async () => compileRules(DEFAULT_RULES), cache }, ctx);
    const errors: unknown[] = [];
    const processor = new Processor(t.db, [profileStage, failing], { caches: [cache], onError: e => errors.push(e) });
    const log = new EventLog(t.db);
    log.onAppend(evs => processor.enqueue(evs));
    await processor.start();
    try {
      const t0 = clock.now() - 60_000;
      await log.append('w', [identify('ann', { tier: 'silver' }, t0)]);
      await processor.idle();
      assert.equal(cache.size, 1);
      // One batch: a valid identify, then a newer one whose batch fails. The newer one goes to
      // the dead letters; the older one must still land, though the failed attempt had
      // written the newer tier into the cached profile in place.
      await log.append('w', [identify('ann', { tier: 'gold' }, t0 + 1000), identify('ann', { tier: 'platinum' }, t0 + 2000, 'boom')]);
      await processor.idle();
      const [row] = await t.db.query<{ traits: { tier: string } }>(
        `select p.traits from profiles p join identities i on i.profile_id = p.id where i.type = 'user_id' and i.value = 'ann'`);
      assert.equal(row.traits.tier, 'gold');
      const dead = await t.db.query<{ message_id: string }>('select message_id from dead_events');
      assert.deepEqual(dead.map(d => d.message_id), ['boom']);
      // And the cache serves the committed state to the next batch.
      await log.append('w', [identify('ann', { plan: 'pro' }, t0 + 3000)]);
      await processor.idle();
      const [after] = await t.db.query<{ traits: Record<string, string> }>(
        `select p.traits from profiles p join identities i on i.profile_id = p.id where i.type = 'user_id' and i.value = 'ann'`);
      assert.deepEqual(after.traits, { tier: 'gold', plan: 'pro' });
      assert.ok(cache.hits > 0, 'the last batch was served from the cache');
    } finally { await processor.stop(); }
  });

  test('an event pinned to a profile id reaches its live profile, read with its identities when not cached; an id of no profile is dropped', async () => {
    const cache = new ProfileCache();
    const seen: { messageId: string; profileId: string | null }[] = [];
    const profileStage: Stage = (tx, ws, events, ctx) =>
      resolveAndApply(tx, ws, events, { clock, rulesFor: async () => compileRules(DEFAULT_RULES), cache }, ctx);
    const record: Stage = async (_tx, _ws, events) => { seen.push(...events.map(e => ({ messageId: e.messageId, profileId: e.profileId }))); return events; };
    const processor = new Processor(t.db, [profileStage, record], { caches: [cache] });
    const log = new EventLog(t.db);
    log.onAppend(evs => processor.enqueue(evs));
    const at = clock.now() - 30_000;
    const anon = (anonymousId: string, userId: string | null, messageId: string): OmnisEvent => ({
      messageId, type: 'identify', event: null, userId, anonymousId, channel: 'web', timestamp: at, receivedAt: at, sourceId: 'web', properties: {}, traits: {}, context: {},
    });
    const pinned = (profileId: string, messageId: string, traits: JsonObject): OmnisEvent => ({
      messageId, type: 'identify', event: null, userId: null, anonymousId: profileId, channel: 'internal', timestamp: at + 1000, receivedAt: at + 1000,
      sourceId: 'internal', properties: {}, traits, context: { profileId },
    });
    await processor.start();
    try {
      // Two profiles, then one event naming both: they merge.
      await log.append('w', [identify('pia', {}, at, 'p-1'), anon('anon-pia', null, 'p-2')]);
      await processor.idle();
      await log.append('w', [anon('anon-pia', 'pia', 'p-3')]);
      await processor.idle();
      const [{ merged, survivor }] = await t.db.query<{ merged: string; survivor: string }>(
        `select id as merged, merged_into as survivor from profiles where merged_into is not null and workspace_id = 'w'
            and merged_into = (select profile_id from identities where type = 'user_id' and value = 'pia')`);
      cache.clear();
      // Pinned to the merged-away id, read from the database; then, in the same batch, another
      // user_id with the survivor's anonymous id. The survivor's identities, read with it, hold a
      // user_id already: the anonymous id is left out and the event makes a profile of its own.
      await log.append('w', [pinned(merged, 'p-4', { tier: 'gold' }), pinned('prof_nobody', 'p-5', { tier: 'x' }), anon('anon-pia', 'someone-else', 'p-6')]);
      await processor.idle();
      const after = seen.filter(s => s.messageId >= 'p-4');
      assert.deepEqual(after.map(s => s.messageId), ['p-4', 'p-6']);
      assert.equal(after[0].profileId, survivor, 'the merged-away id leads to the survivor');
      assert.notEqual(after[1].profileId, survivor);
      const [row] = await t.db.query<{ traits: Record<string, string> }>('select traits from profiles where id = $1', [survivor]);
      assert.equal(row.traits.tier, 'gold');
      const ids = await t.db.query<{ value: string }>(`select value from identities where profile_id = $1 and type = 'user_id'`, [survivor]);
      assert.deepEqual(ids.map(i => i.value), ['pia'], 'the user_id limit saw the identities loaded with the pinned profile');
      const [{ n }] = await t.db.query<{ n: number }>(`select count(*)::int as n from events where message_id = 'p-5'`);
      assert.equal(n, 0, 'an event pinned to no profile is dropped');
    } finally { await processor.stop(); }
  });
});

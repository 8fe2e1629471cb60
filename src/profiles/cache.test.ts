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
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import type { StoredEvent } from '../shared/index.ts';
import { migrate } from '../store/index.ts';
import { EventHistory } from './history.ts';

forEachStore('the pipeline keeps profiles\' event history in memory only while the database agrees', kind => {
  let t: TestDb;
  let n = 0;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); });
  after(async () => { await t.close(); });

  /** Writes an event of `profile` as the profile stage would (events + profile_events) and returns it. */
  async function write(profile: string, name: string, at: number, properties: Record<string, unknown> = {}): Promise<StoredEvent> {
    const [{ seq }] = await t.db.query<{ seq: string }>(
      `insert into events (workspace_id, message_id, type, name, channel, ts, received_at, body)
       values ('w', $1, 'track', $2, 'web', to_timestamp($3 / 1000.0), now(), $4) returning seq::text as seq`,
      [`m${++n}`, name, at, JSON.stringify({ properties })]);
    await t.db.query('insert into profile_events (profile_id, ts, seq, name) values ($1, to_timestamp($2 / 1000.0), $3, $4)', [profile, at, seq, name]);
    return { seq: Number(seq), workspaceId: 'w', messageId: `m${n}`, type: 'track', event: name, channel: 'web', timestamp: at, receivedAt: at, userId: null, anonymousId: 'a', sourceId: null, properties, traits: {}, context: {}, profileId: profile } as StoredEvent;
  }
  const names = (m: Map<string, { event: string | null }[]>, id: string) => (m.get(id) ?? []).map(e => e.event);

  /** One pipeline batch: load inside a transaction, commit (or roll back), then run the after-commit hooks. */
  async function batch(h: EventHistory, ids: string[], events: StoredEvent[], rollback = false) {
    const after: (() => void)[] = [];
    let got!: Map<string, { event: string | null }[]>;
    await t.db.transaction(async tx => {
      got = await h.load(tx, ids, events, f => after.push(f));
      if (rollback) throw new Error('rolled back');
    }).catch(e => { if (!rollback) throw e; });
    if (!rollback) after.forEach(f => f());
    return got;
  }

  test('a profile is read once, then grows from the batches, in time order, internal events left out', async () => {
    const h = new EventHistory();
    await write('p1', 'Product Viewed', 1000);
    await write('p1', '$timer', 1500);
    assert.deepEqual(names(await batch(h, ['p1'], []), 'p1'), ['Product Viewed']);
    assert.equal(h.misses, 1);
    const late = await write('p1', 'Order Completed', 500, { total: 5 });
    const next = await write('p1', 'Product Added', 2000);
    const got = await batch(h, ['p1'], [late, next]);
    assert.deepEqual(names(got, 'p1'), ['Order Completed', 'Product Viewed', 'Product Added'], 'the late event takes its place in time');
    assert.deepEqual(got.get('p1')![0], { event: 'Order Completed', type: 'track', channel: 'web', timestamp: 500, properties: { total: 5 } });
    assert.equal(h.hits, 1, 'the second batch did not read the history again');
  });

  test('rows written outside the batch (a merge) make the profile be read again', async () => {
    const h = new EventHistory();
    await write('p2', 'Product Viewed', 1000);
    await batch(h, ['p2'], []);
    await write('p3', 'Email Opened', 1200);
    await t.db.query(`update profile_events set profile_id = 'p2' where profile_id = 'p3'`);
    const got = await batch(h, ['p2'], []);
    assert.deepEqual(names(got, 'p2'), ['Product Viewed', 'Email Opened']);
    assert.equal(h.hits, 0);
    assert.equal(h.misses, 2);
  });

  test('a rolled-back batch leaves the history as it was', async () => {
    const h = new EventHistory();
    await write('p4', 'Product Viewed', 1000);
    await batch(h, ['p4'], []);
    // The batch's rows vanish with its transaction; the history must not keep them.
    const ghost = { ...(await write('p4', 'Order Completed', 3000)) };
    await t.db.query('delete from profile_events where seq = $1', [ghost.seq]);
    await batch(h, ['p4'], [ghost], true);
    const got = await batch(h, ['p4'], []);
    assert.deepEqual(names(got, 'p4'), ['Product Viewed']);
    assert.equal(h.hits, 1, 'the entry from before the rolled-back batch still agrees with the database');
  });

  test('deleted history is not served from memory', async () => {
    const h = new EventHistory();
    await write('p5', 'Product Viewed', 1000);
    await batch(h, ['p5'], []);
    await t.db.query(`delete from profile_events where profile_id = 'p5'`);
    assert.deepEqual(names(await batch(h, ['p5'], []), 'p5'), []);
  });

  test('an event with a lower seq than one held is still added (emitted events are processed before appends still on their way)', async () => {
    const h = new EventHistory(1000, { verify: false });
    const appended = await write('p6', 'Product Viewed', 1000);
    const emitted = await write('p6', 'Segment Entered', 1100);
    // The batch that created the profile held only what it emitted; the append comes in the next batch.
    const after: (() => void)[] = [];
    await t.db.transaction(async tx => { await h.load(tx, ['p6'], [emitted], f => after.push(f), new Set(['p6'])); });
    after.forEach(f => f());
    const got = await batch(h, ['p6'], [appended, emitted]);
    assert.deepEqual(names(got, 'p6'), ['Product Viewed', 'Segment Entered'], 'added once each, in time order');
  });

  test('the least recently used profiles go first when the bound is reached', async () => {
    const h = new EventHistory(10);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 3; j++) await write(`q${i}`, 'Product Viewed', 1000 + j);
    for (let i = 0; i < 6; i++) await batch(h, [`q${i}`], []);
    assert.ok(h.size.events <= 10);
    assert.equal(h.size.profiles, 3);
    await batch(h, ['q5'], []);
    assert.equal(h.hits, 1, 'a recent profile is still held');
    await batch(h, ['q0'], []);
    assert.equal(h.hits, 1, 'the oldest was dropped');
  });
});

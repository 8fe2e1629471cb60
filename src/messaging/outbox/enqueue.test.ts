import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../testing/index.ts';
import { OmnisError } from '../../shared/index.ts';
import { openHarness, WS, type Harness } from './testing.ts';
import { cancelMessagesMany, enqueueMessages } from './enqueue.ts';

forEachStore('outbox: enqueue, cancel, list, feedback', kind => {
  let h: Harness;
  before(async () => { h = await openHarness(kind); });
  after(async () => { await h.close(); });

  test('enqueue is idempotent on the key: the second returns the first and creates nothing', async () => {
    const first = await h.messaging.enqueue(h.db, { workspaceId: WS, idempotencyKey: 'run1:s1:p1', profileId: 'p1', channel: 'email', templateKey: 'welcome', journeyId: 'j1', journeyVersion: 3, stepId: 's1', runId: 'run1', context: { offer: { code: 'A' } } });
    const again = await h.messaging.enqueue(h.db, { workspaceId: WS, idempotencyKey: 'run1:s1:p1', profileId: 'p1', channel: 'sms', templateKey: 'other' });
    assert.equal(first.created, true);
    assert.deepEqual(again, { id: first.id, created: false });
    const rows = await h.db.query(`select * from messages where idempotency_key = 'run1:s1:p1'`);
    assert.equal(rows.length, 1);
    const m = await h.message(first.id);
    assert.equal(m.channel, 'email');
    assert.equal(m.status, 'queued');
    assert.equal(m.purpose, 'marketing');
    assert.deepEqual([m.journeyId, m.journeyVersion, m.stepId, m.runId], ['j1', 3, 's1', 'run1']);
    assert.deepEqual(m.context, { offer: { code: 'A' } });
    assert.deepEqual(m.history.map(x => x.status), ['queued']);
    // The same key in another workspace is another message.
    const other = await h.messaging.enqueue(h.db, { workspaceId: 'ws_other', idempotencyKey: 'run1:s1:p1', profileId: 'p1', channel: 'email', templateKey: 'welcome' });
    assert.equal(other.created, true);
  });

  test('enqueueMessages queues many at once with the given ids; a key already queued answers with its message', async () => {
    const first = await h.messaging.enqueue(h.db, { workspaceId: WS, idempotencyKey: 'many:0', profileId: 'pm', channel: 'email', templateKey: 'welcome' });
    const now = h.clock.now();
    const res = await enqueueMessages(h.db, [
      { id: 'msg_many_a', workspaceId: WS, idempotencyKey: 'many:0', profileId: 'pm', channel: 'sms', templateKey: 'other', now },
      { id: 'msg_many_b', workspaceId: WS, idempotencyKey: 'many:1', profileId: 'pm', channel: 'sms', templateKey: 'n', runId: 'rm', stepId: 's', journeyId: 'jm', journeyVersion: 1, context: { x: 1 }, now },
      { id: 'msg_many_c', workspaceId: WS, idempotencyKey: 'many:2', profileId: 'pm', channel: 'email', templateKey: 'n', purpose: 'transactional', sendAt: now + 60_000, now },
    ]);
    assert.deepEqual(res, [{ id: first.id, created: false }, { id: 'msg_many_b', created: true }, { id: 'msg_many_c', created: true }]);
    const b = await h.message('msg_many_b');
    assert.deepEqual([b.channel, b.status, b.runId, b.stepId, b.journeyId, b.journeyVersion, b.context], ['sms', 'queued', 'rm', 's', 'jm', 1, { x: 1 }]);
    assert.deepEqual(b.history.map(x => x.status), ['queued']);
    const c = await h.message('msg_many_c');
    assert.equal(c.purpose, 'transactional');
    assert.equal(c.sendAt, now + 60_000);
    assert.equal((await h.message(first.id)).channel, 'email', 'the first message is untouched');
    await assert.rejects(enqueueMessages(h.db, [{ id: 'msg_bad', workspaceId: WS, idempotencyKey: 'many:bad', profileId: 'pm', channel: 'E-mail!', templateKey: 'n', now }]),
      (e: unknown) => e instanceof OmnisError && e.field === 'channel');
  });

  test('enqueue inside a transaction that rolls back leaves nothing', async () => {
    await assert.rejects(h.db.transaction(async tx => {
      await h.messaging.enqueue(tx, { workspaceId: WS, idempotencyKey: 'rolled-back', profileId: 'p1', channel: 'email', templateKey: 'welcome' });
      throw new Error('step failed');
    }), /step failed/);
    assert.equal((await h.db.query(`select 1 from messages where idempotency_key = 'rolled-back'`)).length, 0);
  });

  test('bad input names the field', async () => {
    const bad = (over: Record<string, unknown>, field: string) => assert.rejects(
      h.messaging.enqueue(h.db, { workspaceId: WS, idempotencyKey: 'k-bad', profileId: 'p1', channel: 'email', templateKey: 'welcome', ...over } as never),
      (e: unknown) => e instanceof OmnisError && e.kind === 'invalid' && e.field === field);
    await bad({ channel: 'E-mail!' }, 'channel');
    await bad({ purpose: 'promo' }, 'purpose');
    await bad({ idempotencyKey: '' }, 'idempotencyKey');
    await bad({ profileId: undefined }, 'profileId');
  });

  test('cancel moves only queued messages of the profile (and journey/run), with history', async () => {
    const mk = (key: string, over: Record<string, unknown> = {}) => h.enqueue({ idempotencyKey: key, profileId: 'pc', journeyId: 'jA', runId: 'rA', ...over });
    const a = await mk('c1');
    const b = await mk('c2', { journeyId: 'jB', runId: 'rB' });
    const c = await mk('c3', { profileId: 'someone-else' });
    const d = await mk('c4');
    await h.db.query(`update messages set status = 'sent' where id = $1`, [d]);
    const n = await h.db.transaction(tx => h.messaging.cancel(tx, { workspaceId: WS, profileId: 'pc', journeyId: 'jA' }, 'goal reached'));
    assert.equal(n, 1);
    const ma = await h.message(a);
    assert.deepEqual([ma.status, ma.reason], ['cancelled', 'goal reached']);
    assert.deepEqual(ma.history.map(x => x.status), ['queued', 'cancelled']);
    assert.equal((await h.message(b)).status, 'queued');
    assert.equal((await h.message(c)).status, 'queued');
    assert.equal((await h.message(d)).status, 'sent');
    assert.equal(await h.messaging.cancel(h.db, { workspaceId: WS, profileId: 'pc', runId: 'rB' }, 'exited'), 1);
    assert.equal((await h.message(b)).status, 'cancelled');
    assert.equal(await h.messaging.cancel(h.db, { workspaceId: WS, profileId: 'pc' }, 'again'), 0);
  });

  test('cancelMessagesMany: each filter with its reason in one statement; a message two match is cancelled once, with the first reason', async () => {
    const mk = (key: string, over: Record<string, unknown>) => h.enqueue({ idempotencyKey: key, journeyId: 'jM', ...over });
    const a = await mk('cm1', { profileId: 'pm1', runId: 'rm1' });
    const b = await mk('cm2', { profileId: 'pm2', runId: 'rm2' });
    const c = await mk('cm3', { profileId: 'pm2', runId: 'rm3' });
    const d = await mk('cm4', { profileId: 'pm3', runId: 'rm4' });
    const n = await h.db.transaction(tx => cancelMessagesMany(tx, [
      { filter: { workspaceId: WS, profileId: 'pm1', runId: 'rm1' }, reason: 'goal reached' },
      { filter: { workspaceId: WS, profileId: 'pm2', runId: 'rm2' }, reason: 'exit event Unsubscribed' },
      { filter: { workspaceId: WS, profileId: 'pm2', journeyId: 'jM' }, reason: 'journey archived' },
      { filter: { workspaceId: WS, profileId: 'pm3', runId: 'another-run' }, reason: 'exited' },
    ], h.clock.now()));
    assert.equal(n, 3);
    const got = await Promise.all([a, b, c, d].map(id => h.message(id)));
    assert.deepEqual(got.map(m => [m.status, m.reason]), [
      ['cancelled', 'goal reached'], ['cancelled', 'exit event Unsubscribed'], ['cancelled', 'journey archived'], ['queued', null],
    ]);
    assert.deepEqual(got[1].history.map(x => [x.status, x.reason]), [['queued', null], ['cancelled', 'exit event Unsubscribed']]);
    assert.equal(await cancelMessagesMany(h.db, [], h.clock.now()), 0);
  });

  test('list filters by profile, journey and status and pages newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await h.enqueue({ idempotencyKey: `l${i}`, profileId: 'pl', journeyId: i % 2 ? 'odd' : 'even' }));
      h.clock.advance(1000);
    }
    const page1 = await h.messaging.list(WS, { profileId: 'pl', limit: 2 });
    assert.deepEqual(page1.messages.map(m => m.id), [ids[4], ids[3]]);
    assert.ok(page1.nextCursor);
    const page2 = await h.messaging.list(WS, { profileId: 'pl', limit: 2, cursor: page1.nextCursor! });
    assert.deepEqual(page2.messages.map(m => m.id), [ids[2], ids[1]]);
    const page3 = await h.messaging.list(WS, { profileId: 'pl', limit: 2, cursor: page2.nextCursor! });
    assert.deepEqual(page3.messages.map(m => m.id), [ids[0]]);
    assert.equal(page3.nextCursor, null);
    assert.deepEqual((await h.messaging.list(WS, { profileId: 'pl', journeyId: 'odd' })).messages.map(m => m.id), [ids[3], ids[1]]);
    assert.equal((await h.messaging.list(WS, { profileId: 'pl', status: 'sent' })).messages.length, 0);
    assert.equal((await h.messaging.list('ws_nobody', { profileId: 'pl' })).messages.length, 0);
    await assert.rejects(h.messaging.list(WS, { cursor: 'garbage' }), (e: unknown) => e instanceof OmnisError && e.field === 'cursor');
    await assert.rejects(h.messaging.list(WS, { limit: 0 }), (e: unknown) => e instanceof OmnisError && e.field === 'limit');
  });

  test('feedback moves a sent message by provider id to delivered, then failed; replays change nothing', async () => {
    const id = await h.enqueue({ idempotencyKey: 'fb1', profileId: 'pf' });
    await h.db.query(`update messages set status = 'sent', provider = 'twilio', provider_message_id = 'SM1' where id = $1`, [id]);
    const before = h.emitted.length;
    const moved = await h.messaging.recordFeedback({ providerMessageId: 'SM1', status: 'delivered' });
    assert.equal(moved?.status, 'delivered');
    assert.equal(await h.messaging.recordFeedback({ providerMessageId: 'SM1', status: 'delivered' }), null);
    assert.equal((await h.messaging.recordFeedback({ workspaceId: WS, providerMessageId: 'SM1', status: 'failed', reason: 'bounced' }))?.status, 'failed');
    assert.equal(await h.messaging.recordFeedback({ providerMessageId: 'SM1', status: 'delivered' }), null);
    assert.equal(await h.messaging.recordFeedback({ providerMessageId: 'nope', status: 'delivered' }), null);
    const m = await h.message(id);
    assert.deepEqual(m.history.map(x => x.status), ['queued', 'delivered', 'failed']);
    const events = h.emitted.slice(before);
    assert.deepEqual(events.map(e => e.event), ['Message Delivered', 'Message Failed']);
    assert.equal(events[1].properties.reason, 'bounced');
    assert.deepEqual([events[0].sourceId, events[0].anonymousId, events[0].context.profileId], ['internal', 'pf', 'pf']);
  });
});

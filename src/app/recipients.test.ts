import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, profileOf, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { ensureWorkspace } from './workspaces.ts';

forEachStore('the outbox reads recipients of its own workspace only', kind => {
  let t: TestOmnis;
  before(async () => { t = await startTestOmnis(kind); });
  after(async () => { await t.close(); });

  test("a message naming another workspace's profile is suppressed as not found; the same profile in its own workspace is sent to", async () => {
    await t.track('/v1/identify', { userId: 'iso-1', traits: { email: 'iso-1@example.com' } });
    await t.omnis.idle();
    const profileId = (await profileOf(t, 'iso-1')).id;
    await ensureWorkspace(t.omnis.db, 'ws_other', 'Other brand');
    for (const ws of ['default', 'ws_other']) {
      await t.omnis.messaging.channels.put(ws, 'email', { provider: 'capture' });
      await t.omnis.templates.create(ws, { key: 'hello', channel: 'email', subject: 'Hi', html: '<p>Hi</p>' });
    }
    const other = await t.omnis.messaging.enqueue(t.omnis.db, { workspaceId: 'ws_other', profileId, channel: 'email', templateKey: 'hello', idempotencyKey: 'iso-other', purpose: 'transactional' });
    const own = await t.omnis.messaging.enqueue(t.omnis.db, { workspaceId: 'default', profileId, channel: 'email', templateKey: 'hello', idempotencyKey: 'iso-own', purpose: 'transactional' });
    await t.omnis.messaging.dispatcher.runOnce();
    const [a, b] = [await t.omnis.messaging.get('ws_other', other.id), await t.omnis.messaging.get('default', own.id)];
    assert.deepEqual([a?.status, a?.reason], ['suppressed', 'profile not found']);
    assert.equal(b?.status, 'sent');
  });
});

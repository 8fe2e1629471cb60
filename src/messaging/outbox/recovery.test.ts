import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../../testing/index.ts';
import { VirtualClock } from '../../shared/index.ts';
import { startLobFake, type LobFake } from '../providers/testing/lob-server.ts';
import { startFakeHttp, type FakeHttpServer } from '../providers/testing/fakeHttp.ts';
import { granted, openHarness, profile, WS, type Harness } from './testing.ts';

const LOB_KEY = 'test_0123456789abcdef';
const FROM = { name: 'Omnis Shop', address_line1: '1 Market St', address_city: 'San Francisco', address_state: 'CA', address_zip: '94105' };
const SID = `AC${'a1'.repeat(16)}`;
const LEASE = 300_000;

/** A process that dies right after the provider answered: the request reaches the service, our write never happens. */
const crashAfterCall: typeof fetch = async (input, init) => {
  await fetch(input, init);
  return new Promise<Response>(() => {});
};

async function until(cond: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise(r => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

forEachStore('crash recovery', kind => {
  let t: TestDb;
  let clock: VirtualClock;
  let lob: LobFake;
  let sms: FakeHttpServer;
  /** The process that crashes, one per test; never stopped (its provider call never returns). */
  let crashed: Harness;
  const crashingProcess = async () => { crashed = await openHarness(kind, { db: t.db, clock, fetch: crashAfterCall }); };
  before(async () => {
    t = await openTestDb(kind);
    clock = new VirtualClock(Date.parse('2026-03-02T09:00:00Z'));
    lob = await startLobFake({ apiKey: LOB_KEY });
    sms = await startFakeHttp(() => ({ status: 201, body: { sid: `SM${sms.requests.length}` } }));
    await crashingProcess();
    await crashed.messaging.channels.put(WS, 'direct_mail', { provider: 'lob', settings: { apiKey: LOB_KEY, baseUrl: lob.url, from: FROM } });
    await crashed.messaging.channels.put(WS, 'sms', { provider: 'twilio', settings: { accountSid: SID, authToken: 'tw-token', from: '+15550001111', baseUrl: sms.url } });
  });
  after(async () => { await lob.close(); await sms.close(); await t.close(); });

  /** Starts a fresh process on the same store after the lease of the crashed one ran out. */
  async function restart(): Promise<Harness> {
    clock.advance(LEASE + 1);
    const h = await openHarness(kind, { db: t.db, clock });
    h.profiles.set('p1', profile({ direct_mail: granted(), sms: granted() }));
    return h;
  }

  test('a provider that dedupes (Lob): resent with the same idempotency key, printed once', async () => {
    crashed.profiles.set('p1', profile({ direct_mail: granted() }));
    const id = await crashed.enqueue({ idempotencyKey: 'crash-lob', channel: 'direct_mail', templateKey: 'letter' });
    void crashed.messaging.dispatcher.runOnce();
    await until(async () => lob.srv.requests.length === 1, 'the first call to reach Lob');
    const stuck = await crashed.message(id);
    assert.deepEqual([stuck.status, stuck.attempts, stuck.provider], ['sending', 1, 'lob']);

    const h = await restart();
    try {
      await h.messaging.start();
      await until(async () => (await h.message(id)).status === 'sent', 'the resend');
      await h.messaging.dispatcher.stop();
      const m = await h.message(id);
      assert.deepEqual(lob.srv.requests.map(r => r.headers['idempotency-key']), [id, id], 'the same key twice');
      assert.equal(lob.pieces.length, 1, 'Lob deduped the repeat: one letter printed');
      assert.equal(m.providerMessageId, lob.pieces[0].id);
      assert.equal(m.attempts, 2);
      assert.deepEqual(m.history.map(x => x.status), ['queued', 'sending', 'queued', 'sending', 'sent']);
      assert.equal(m.history[2].reason, 'recovered after crash: resending with the same idempotency key');
    } finally { await h.close(); }
  });

  test('a provider that cannot dedupe (Twilio): failed as an unknown outcome, never sent twice', async () => {
    await crashingProcess();
    crashed.profiles.set('p1', profile({ sms: granted() }));
    const id = await crashed.enqueue({ idempotencyKey: 'crash-sms', channel: 'sms' });
    void crashed.messaging.dispatcher.runOnce();
    await until(async () => sms.requests.length === 1, 'the first call to reach Twilio');

    const h = await restart();
    try {
      await h.messaging.dispatcher.start();
      await until(async () => (await h.message(id)).status === 'failed', 'recovery');
      await h.messaging.dispatcher.stop();
      const m = await h.message(id);
      assert.equal(m.reason, 'unknown outcome after crash');
      assert.equal(sms.requests.length, 1);
      assert.deepEqual(h.emitted.map(e => [e.event, e.properties.reason]), [['Message Failed', 'unknown outcome after crash']]);
    } finally { await h.close(); }
  });

  test('claimed but never handed to a provider: requeued and sent, whatever the provider', async () => {
    const id = await crashed.enqueue({ idempotencyKey: 'crash-early', channel: 'sms' });
    // The crash came between the claim and the provider call.
    await t.db.query(`update messages set status = 'sending', updated_at = $2 where id = $1`, [id, new Date(clock.now()).toISOString()]);
    const before = sms.requests.length;
    const h = await restart();
    try {
      assert.equal(await h.messaging.dispatcher.recover(), 1);
      await h.messaging.dispatcher.runOnce();
      const m = await h.message(id);
      assert.equal(m.status, 'sent');
      assert.equal(m.history.find(x => x.status === 'queued' && x.reason)?.reason, 'recovered: claimed, never sent');
      assert.equal(sms.requests.length, before + 1);
    } finally { await h.close(); }
  });

  test('a claim younger than the lease is left alone (another worker may be sending it)', async () => {
    const id = await crashed.enqueue({ idempotencyKey: 'young', channel: 'sms' });
    await t.db.query(`update messages set status = 'sending', updated_at = $2 where id = $1`, [id, new Date(clock.now()).toISOString()]);
    const h = await openHarness(kind, { db: t.db, clock });
    try {
      clock.advance(LEASE - 1);
      assert.equal(await h.messaging.dispatcher.recover(), 0);
      clock.advance(1);
      assert.equal(await h.messaging.dispatcher.recover(), 1);
    } finally { await h.close(); }
  });
});

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../testing/index.ts';
import { startFakeHttp, type FakeHttpServer } from '../providers/testing/fakeHttp.ts';
import { granted, openHarness, profile, WS, type Harness } from './testing.ts';

const SID = `AC${'a1'.repeat(16)}`;
const twilio = (url: string) => ({ provider: 'twilio', settings: { accountSid: SID, authToken: 'tw-secret-token', from: '+15550001111', baseUrl: url, timeoutMs: 2000 } });
const created = (sid: string) => ({ status: 201, body: { sid, status: 'queued' } });
const twilioError = (status: number, code: number, message: string) => ({ status, body: { code, message, status } });

forEachStore('dispatcher against Twilio on a local fake: retries, failures, rate limit', kind => {
  let h: Harness;
  let srv: FakeHttpServer;
  before(async () => {
    srv = await startFakeHttp(() => created(`SM${srv.requests.length}`));
    // random 0.5: each wait is half its ceiling, so the schedule below is exact.
    h = await openHarness(kind, { dispatcher: { random: () => 0.5 } });
    await h.messaging.channels.put(WS, 'sms', twilio(srv.url));
    h.profiles.set('p1', profile({ sms: granted() }));
  });
  after(async () => { await h.close(); await srv.close(); });
  beforeEach(() => { srv.requests.length = 0; h.emitted.length = 0; });

  test('429 with Retry-After: waits at least that long, then sends with the same idempotency key', async () => {
    srv.reply({ ...twilioError(429, 20429, 'Too Many Requests'), headers: { 'retry-after': '120' } });
    const id = await h.enqueue({ idempotencyKey: 'r429', channel: 'sms' });
    const t0 = h.clock.now();
    await h.messaging.dispatcher.runOnce();
    let m = await h.message(id);
    assert.equal(m.status, 'queued');
    assert.equal(m.attempts, 1);
    assert.equal(m.nextAttemptAt, t0 + 120_000, 'Retry-After (120 s) beats the jittered 15 s');
    assert.match(m.reason ?? '', /^retrying: twilio_20429: twilio: HTTP 429/);
    h.clock.advance(119_999);
    assert.equal(await h.messaging.dispatcher.runOnce(), 0);
    h.clock.advance(1);
    await h.messaging.dispatcher.runOnce();
    m = await h.message(id);
    assert.deepEqual([m.status, m.attempts, m.providerMessageId], ['sent', 2, 'SM2']);
    assert.deepEqual(srv.requests.map(r => r.headers['i-twilio-idempotency-token']), [id, id]);
    assert.deepEqual(m.history.map(x => x.status), ['queued', 'sending', 'queued', 'sending', 'sent']);
    assert.deepEqual(h.emitted.map(e => e.event), ['Message Sent']);
  });

  test('5xx: exponential backoff with jitter (15 s, 30 s, 60 s at random 0.5), then success', async () => {
    srv.reply({ status: 503, body: 'down' }, { status: 500, body: 'oops' }, { status: 502, body: 'bad gateway' });
    const id = await h.enqueue({ idempotencyKey: 'r5xx', channel: 'sms' });
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = h.clock.now();
      await h.messaging.dispatcher.runOnce();
      const m = await h.message(id);
      waits.push(m.nextAttemptAt - before);
      h.clock.set(m.nextAttemptAt);
    }
    assert.deepEqual(waits, [15_000, 30_000, 60_000]);
    await h.messaging.dispatcher.runOnce();
    const m = await h.message(id);
    assert.deepEqual([m.status, m.attempts], ['sent', 4]);
  });

  test('a 4xx that will fail again fails at once, with Twilio\'s code in the reason', async () => {
    srv.reply(twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'));
    const id = await h.enqueue({ idempotencyKey: 'r4xx', channel: 'sms' });
    await h.drain();
    const m = await h.message(id);
    assert.equal(m.status, 'failed');
    assert.equal(m.attempts, 1);
    assert.match(m.reason ?? '', /^unsubscribed: twilio: HTTP 400 error 21610/);
    assert.equal(srv.requests.length, 1);
    assert.deepEqual(h.emitted.map(e => e.event), ['Message Failed']);
  });

  test('always 5xx: dead after the 8th attempt, each attempt on the virtual clock', async () => {
    srv.handle(() => ({ status: 503, body: 'down' }));
    try {
      const id = await h.enqueue({ idempotencyKey: 'rdead', channel: 'sms' });
      const t0 = h.clock.now();
      await h.drain();
      const m = await h.message(id);
      assert.equal(m.status, 'dead');
      assert.equal(m.attempts, 8);
      assert.match(m.reason ?? '', /HTTP 503.*\(after 8 attempts\)/);
      assert.equal(srv.requests.length, 8);
      // 15 + 30 + 60 + 120 + 240 + 480 + 960 s of waiting between the 8 calls.
      assert.equal(h.clock.now() - t0, 1905_000);
      assert.deepEqual(h.emitted.map(e => [e.event, e.properties.status]), [['Message Failed', 'dead']]);
    } finally {
      srv.handle(() => created(`SM${srv.requests.length}`));
    }
  });

  test('rate limit: at most rateLimit messages a second (plus one second of burst), the rest wait without spending attempts', async () => {
    await h.messaging.channels.put(WS, 'sms', { ...twilio(srv.url), rateLimit: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await h.enqueue({ idempotencyKey: `rl${i}`, channel: 'sms' }));
    const t0 = h.clock.now();
    await h.messaging.dispatcher.runOnce();
    assert.equal(srv.requests.length, 2, 'the burst');
    await h.drain();
    const msgs = await Promise.all(ids.map(id => h.message(id)));
    assert.ok(msgs.every(m => m.status === 'sent' && m.attempts === 1));
    const sentAt = msgs.map(m => m.sentAt! - t0).sort((a, b) => a - b);
    assert.deepEqual(sentAt, [0, 0, 500, 1000, 1500, 2000]);
    assert.ok(msgs.some(m => m.history.some(x => x.reason === 'rate limited')));
    await h.messaging.channels.put(WS, 'sms', twilio(srv.url));
  });
});

forEachStore('a week of retries on the virtual clock', kind => {
  let h: Harness;
  let srv: FakeHttpServer;
  before(async () => {
    srv = await startFakeHttp(() => ({ status: 503, body: 'down' }));
    h = await openHarness(kind, { dispatcher: { random: () => 1, retry: { maxAttempts: 175 } } });
    await h.messaging.channels.put(WS, 'sms', twilio(srv.url));
    h.profiles.set('p1', profile({ sms: granted() }));
  });
  after(async () => { await h.close(); await srv.close(); });

  test('backoff is capped at an hour; 175 attempts span more than a week and end dead', async () => {
    const id = await h.enqueue({ idempotencyKey: 'week', channel: 'sms' });
    const t0 = h.clock.now();
    const started = Date.now();
    await h.drain(30 * 24 * 3600_000);
    const m = await h.message(id);
    assert.deepEqual([m.status, m.attempts], ['dead', 175]);
    // 30+60+...+1920 s before the cap (7 waits, 3810 s), then 167 waits of an hour.
    assert.equal(h.clock.now() - t0, 3_810_000 + 167 * 3_600_000);
    assert.ok(h.clock.now() - t0 > 7 * 24 * 3600_000);
    assert.ok(Date.now() - started < 20_000, 'a week of virtual time in seconds of real time');
  });
});

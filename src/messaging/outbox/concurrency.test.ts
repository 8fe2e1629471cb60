import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../testing/index.ts';
import { startFakeHttp, type FakeHttpServer } from '../providers/testing/fakeHttp.ts';
import { granted, openHarness, profile, WS, type Harness } from './testing.ts';

const SID = `AC${'c3'.repeat(16)}`;

forEachStore('dispatcher sends to different profiles side by side, and one profile in order', kind => {
  let h: Harness;
  let sms: FakeHttpServer;
  let inFlight = 0, most = 0;
  const busy = new Set<string>();
  const overlapped: string[] = [];
  const order: string[] = [];

  before(async () => {
    // Twilio's Messages API on loopback, answering each request after 150 ms.
    sms = await startFakeHttp(async req => {
      const to = req.form().get('To')!;
      if (busy.has(to)) overlapped.push(to);
      busy.add(to);
      order.push(req.form().get('Body')!);
      most = Math.max(most, ++inFlight);
      await new Promise(r => setTimeout(r, 150));
      inFlight--;
      busy.delete(to);
      return { status: 201, body: { sid: `SM${order.length}`, status: 'queued' } };
    });
    h = await openHarness(kind, { dispatcher: { concurrency: 4 } });
    await h.messaging.channels.put(WS, 'sms', { provider: 'twilio', settings: { accountSid: SID, authToken: 'tw', from: '+15550001111', baseUrl: sms.url } });
    h.templates.set('n:sms', { key: 'n', channel: 'sms', body: '{{ message.n }}' });
  });
  after(async () => { await h.close(); await sms.close(); });

  test('eight profiles at most four at a time; the busy profile\'s three messages one after another, in order', async () => {
    for (let p = 0; p < 8; p++) h.profiles.set(`p${p}`, profile({ sms: granted() }, { channels: { sms: { phone: `+1555000${String(p).padStart(4, '0')}`, reachable: true } } }));
    for (let p = 0; p < 8; p++) await h.enqueue({ idempotencyKey: `k${p}`, profileId: `p${p}`, channel: 'sms', templateKey: 'n', context: { message: { n: `p${p}` } } });
    // Due one millisecond apart, so the profile's messages have an order to keep.
    for (let i = 1; i <= 2; i++) {
      h.clock.advance(1);
      await h.enqueue({ idempotencyKey: `k0-${i}`, profileId: 'p0', channel: 'sms', templateKey: 'n', context: { message: { n: `p0-${i}` } } });
    }
    assert.equal(await h.messaging.dispatcher.runOnce(), 10);
    assert.equal(sms.requests.length, 10);
    assert.ok(most >= 2 && most <= 4, `profiles were in flight together, never more than four (${most})`);
    assert.deepEqual(overlapped, [], 'one profile never had two messages in flight');
    const own = order.filter(b => b.startsWith('p0'));
    assert.deepEqual(own, ['p0', 'p0-1', 'p0-2']);
    const rows = await h.db.query<{ status: string }>('select status from messages');
    assert.ok(rows.every(r => r.status === 'sent'));
  });
});

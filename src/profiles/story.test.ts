import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';

forEachStore('one customer across channels', kind => {
  let t: TestOmnis;
  before(async () => { t = await startTestOmnis(kind); });
  after(async () => { await t.close(); });

  test('an anonymous web visitor who identifies by email, then buys at the POS by phone + email, is one profile', async () => {
    const anon = 'anon-web-1';
    let r = await t.track('/v1/batch', { batch: [
      { type: 'page', anonymousId: anon, name: 'Queen mattress', properties: { url: 'https://shop.example/queen' }, timestamp: '2026-03-01T10:00:00Z' },
      { type: 'track', anonymousId: anon, event: 'Product Added', properties: { sku: 'Q-1', price: 999 }, timestamp: '2026-03-01T10:01:00Z' },
    ] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { accepted: 2, rejected: [] });
    r = await t.track('/v1/identify', { anonymousId: anon, traits: { email: ' Ana@Example.COM ', firstName: 'Ana' }, timestamp: '2026-03-01T10:02:00Z' });
    assert.equal(r.status, 200);
    r = await t.track('/v1/track', {
      userId: 'pos-cust-77', event: 'Order Completed', properties: { total: 899, store: 'NYC' },
      context: { channel: 'pos', traits: { phone: '(212) 555-0142', email: 'ana@example.com' }, externalIds: [{ id: 'L-9', type: 'loyalty_id', collection: 'users', encoding: 'none' }] },
      timestamp: '2026-03-05T16:00:00Z',
    });
    assert.equal(r.status, 200);
    await t.omnis.idle();

    const byEmail = await t.admin('GET', '/api/v1/profiles?identifier=email:ana@example.com');
    assert.equal(byEmail.status, 200);
    const p = byEmail.json;
    const ids = p.identities.map((i: { type: string; value: string }) => `${i.type}:${i.value}`).sort();
    assert.deepEqual(ids, ['anonymous_id:anon-web-1', 'email:ana@example.com', 'loyalty_id:L-9', 'phone:+12125550142', 'user_id:pos-cust-77']);
    assert.equal(p.traits.firstName, 'Ana');
    assert.deepEqual(Object.keys(p.seen).sort(), ['pos', 'web']);
    assert.equal(p.channels.email.address, 'ana@example.com');
    assert.equal(p.channels.sms.phone, '+12125550142');

    for (const q of ['phone:+1 212 555 0142', 'loyalty_id:L-9', 'user_id:pos-cust-77', `anonymous_id:${anon}`]) {
      const other = await t.admin('GET', `/api/v1/profiles?identifier=${encodeURIComponent(q)}`);
      assert.equal(other.json.id, p.id, q);
    }
    const tl = await t.admin('GET', `/api/v1/profiles/${p.id}/events?limit=10`);
    assert.equal(tl.status, 200);
    assert.deepEqual(tl.json.events.map((e: { type: string; event: string | null; channel: string }) => `${e.type}/${e.event}/${e.channel}`),
      ['track/Order Completed/pos', 'identify/null/web', 'track/Product Added/web', 'page/Queen mattress/web']);
  });
});

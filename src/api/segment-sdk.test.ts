import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import { startTestOmnis } from '../testing/index.ts';
import { systemClock } from '../shared/index.ts';

test('the real @segment/analytics-node client works unchanged against Omnis', async () => {
  const t = await startTestOmnis('pglite', { clock: systemClock });
  try {
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const analytics = new Analytics({ writeKey: t.writeKey, host: url, flushAt: 3, flushInterval: 100 });
    const errors: unknown[] = [];
    analytics.on('error', e => errors.push(e));
    analytics.identify({ anonymousId: 'sdk-anon', traits: { email: 'sdk@example.com', plan: 'pro' } });
    analytics.track({ anonymousId: 'sdk-anon', event: 'Product Added', properties: { sku: 'KING-1', price: 1299 } });
    analytics.page({ anonymousId: 'sdk-anon', name: 'Checkout' });
    analytics.track({ userId: 'sdk-user', event: 'Order Completed', properties: { total: 1299 }, context: { traits: { email: 'sdk@example.com' } } });
    analytics.alias({ userId: 'sdk-user', previousId: 'sdk-anon' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    await t.omnis.idle();
    const p = await t.admin('GET', '/api/v1/profiles?identifier=email:sdk@example.com');
    assert.equal(p.status, 200);
    const tl = await t.admin('GET', `/api/v1/profiles/${p.json.id}/events?limit=50`);
    assert.deepEqual(tl.json.events.map((e: { type: string }) => e.type).sort(), ['alias', 'identify', 'page', 'track', 'track']);
    assert.equal(p.json.traits.plan, 'pro');
    // The library's name decides the channel when neither the event nor the key does: this key is a web source.
    assert.ok(tl.json.events.every((e: { channel: string }) => e.channel === 'web'));
  } finally { await t.close(); }
});

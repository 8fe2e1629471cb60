import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../testing/index.ts';
import { findLiveProfile } from '../../profiles/index.ts';
import { createMessaging, type Messaging } from '../outbox/index.ts';
import { defaultRegistry, type ProviderEntry } from '../channels/index.ts';
import { startDeliveryHarness, TEST_SECRET, WS, type DeliveryHarness } from '../feedback/testing.ts';
import { inappProvider } from './provider.ts';

forEachStore('in-app messages through the inapp provider', kind => {
  let h: DeliveryHarness;
  let messaging: Messaging;

  before(async () => {
    h = await startDeliveryHarness(kind);
    // A dispatcher of its own, with the inapp provider registered.
    await h.omnis.messaging.dispatcher.stop();
    messaging = createMessaging({
      db: h.db, clock: h.clock, secretKey: TEST_SECRET,
      providers: { ...defaultRegistry(h.db), inapp: inappProvider as unknown as ProviderEntry },
      loadTemplate: (ws, key, channel, locale) => h.omnis.templates.load(ws, key, channel, locale),
      loadProfiles: async (ws, ids) => {
        const out = new Map();
        for (const id of ids) {
          const p = await findLiveProfile(h.db, ws, id);
          if (p) out.set(id, { traits: p.traits, computed: {}, consent: p.consent, channels: p.channels, timezone: null, locale: null });
        }
        return out;
      },
      onError: err => { throw err; },
    });
    await messaging.channels.put(WS, 'in_app', { provider: 'inapp' });
    await h.omnis.templates.create(WS, { key: 'banner', channel: 'in_app', title: 'Welcome back', body: 'Your cart is waiting' });
  });
  after(async () => { await messaging.stop(); await h.close(); });

  test('sent by the inapp provider, kept on the outbox row, fetched once even by two tabs at once, across a merge', async () => {
    await h.track({ anonymousId: 'anon-z', event: 'Page Viewed', context: { consent: { categoryPreferences: { in_app: true } } } });
    const older = (await h.profile({ type: 'anonymous_id', value: 'anon-z' }))!.id;
    h.clock.advance(1000);
    const younger = await h.identify({ userId: 'zed', context: { consent: { categoryPreferences: { in_app: true } } } });
    assert.notEqual(older, younger);
    const { id } = await messaging.enqueue(h.db, { workspaceId: WS, idempotencyKey: 'banner:zed', profileId: younger, channel: 'in_app', templateKey: 'banner' });
    await messaging.dispatcher.runOnce();
    const sent = (await messaging.get(WS, id))!;
    assert.deepEqual([sent.status, sent.provider, sent.providerMessageId], ['sent', 'inapp', `inapp_${id}`]);

    await h.identify({ userId: 'zed', anonymousId: 'anon-z' });
    assert.equal((await h.profile({ type: 'user_id', value: 'zed' }))!.id, older, 'merged into the older profile');

    const [a, b] = await Promise.all([
      h.delivery.inapp.fetch(WS, { userId: 'zed' }),
      h.delivery.inapp.fetch(WS, { anonymousId: 'anon-z' }),
    ]);
    assert.deepEqual([...a, ...b].map(m => [m.id, m.title, m.body]), [[id, 'Welcome back', 'Your cart is waiting']]);
    assert.equal((await messaging.get(WS, id))!.status, 'delivered');
  });

  test('messages older than the window are not shown; engagement needs the visitor\'s own message', async () => {
    const pid = await h.identify({ userId: 'old', context: { consent: { categoryPreferences: { in_app: true } } } });
    const { id } = await messaging.enqueue(h.db, { workspaceId: WS, idempotencyKey: 'banner:old', profileId: pid, channel: 'in_app', templateKey: 'banner' });
    await messaging.dispatcher.runOnce();
    h.clock.advance(31 * 24 * 3600 * 1000);
    assert.deepEqual(await h.delivery.inapp.fetch(WS, { userId: 'old' }), []);
    assert.equal(await h.delivery.inapp.engage(WS, { userId: 'old' }, id, 'viewed'), true);
    assert.equal(await h.delivery.inapp.engage(WS, { userId: 'zed' }, id, 'viewed'), false);
    assert.equal(await h.delivery.inapp.engage(WS, { userId: 'nobody' }, id, 'viewed'), false);
    await assert.rejects(h.delivery.inapp.fetch(WS, {}), /userId: give userId or anonymousId/);
  });
});

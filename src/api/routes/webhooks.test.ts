import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachStore, startTestOmnis } from '../../testing/index.ts';
// eslint-disable-next-line no-restricted-imports -- test harness of the delivery module (not part of its public face)
import { startDeliveryHarness, sendgridKeys, sendgridWebhook, twilioWebhook, metaWebhook, messengerText, PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN, META_SECRET, WS, type DeliveryHarness } from '../../messaging/feedback/testing.ts';
import { webhookRoutes } from './webhooks.ts';

forEachStore('webhook routes', kind => {
  let h: DeliveryHarness;
  let app: FastifyInstance;
  const keys = sendgridKeys();

  before(async () => {
    h = await startDeliveryHarness(kind);
    app = await h.serve({ routes: async a => { await a.register(webhookRoutes, { feedback: h.delivery.feedback }); } });
    const ch = h.omnis.messaging.channels;
    await ch.put(WS, 'email', { provider: 'sendgrid', settings: { apiKey: 'SG.test', from: 'shop@example.com', webhookPublicKey: keys.publicKey } });
    await ch.put(WS, 'sms', { provider: 'twilio', settings: { accountSid: TWILIO_SID, authToken: TWILIO_TOKEN, from: '+15550001111' } });
    await ch.put(WS, 'whatsapp', { provider: 'whatsapp', settings: { phoneNumberId: '1055', accessToken: 'wa-token', appSecret: META_SECRET, verifyToken: 'wa-verify' } });
    await ch.put(WS, 'messenger', { provider: 'messenger', settings: { pageAccessToken: 'page-token', appSecret: META_SECRET } });
  });
  after(async () => { await app.close(); await h.close(); });

  const post = (url: string, s: { headers: Record<string, string>; body: string }) => app.inject({ method: 'POST', url, headers: s.headers, payload: s.body });

  test('SendGrid: signed events are taken without an admin key; a bad signature is 401; unknown providers 404', async () => {
    const events = [{ event: 'open', email: 'zoe@example.com', timestamp: 1772442000, sg_event_id: 'r1' }];
    const ok = await post(`/webhooks/sendgrid/${WS}`, sendgridWebhook(events, keys.privateKey));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { events: 1, messages: 0, people: 1, ignored: 0 });
    const forged = await post(`/webhooks/sendgrid/${WS}`, sendgridWebhook(events, sendgridKeys().privateKey));
    assert.equal(forged.statusCode, 401);
    assert.equal(forged.json().error.code, 'unauthorized');
    assert.equal((await post(`/webhooks/lob/${WS}`, sendgridWebhook(events, keys.privateKey))).statusCode, 404);
    assert.equal((await post('/webhooks/sendgrid/another-workspace', sendgridWebhook(events, keys.privateKey))).statusCode, 404);
    assert.equal((await post(`/webhooks/Not_A_Provider/${WS}`, sendgridWebhook(events, keys.privateKey))).statusCode, 400);
    await h.omnis.idle();
    const p = await h.profile({ type: 'email', value: 'zoe@example.com' });
    assert.ok(p, 'the open named only the address: the pipeline made a profile for it');
  });

  test('Twilio: STOP through HTTP, signed over the public URL, denies sms consent', async () => {
    await h.identify({ userId: 'sam', traits: { phone: '+1 212 555 0123' }, context: { consent: { categoryPreferences: { sms: true } } } });
    h.clock.advance(1000);
    const url = `/webhooks/twilio/${WS}`;
    const stop = twilioWebhook({ From: '+12125550123', To: '+15550001111', Body: 'STOP', MessageSid: `SM${'3'.repeat(32)}` }, `${PUBLIC_URL}${url}`);
    const r = await post(url, stop);
    assert.equal(r.statusCode, 200, r.body);
    await h.omnis.idle();
    assert.equal((await h.profile({ type: 'user_id', value: 'sam' }))!.consent.sms.status, 'denied');
    const signedForElsewhere = twilioWebhook({ From: '+12125550123', Body: 'START' }, `https://evil.example${url}`);
    assert.equal((await post(url, signedForElsewhere)).statusCode, 401);
    const smuggled = await app.inject({ method: 'POST', url: `${url}?__url=${encodeURIComponent(`https://evil.example${url}`)}`, headers: signedForElsewhere.headers, payload: signedForElsewhere.body });
    assert.equal(smuggled.statusCode, 401, 'a caller cannot choose the URL the signature is checked against');
  });

  test('Messenger and WhatsApp: X-Hub-Signature-256 checked on POST; the GET handshake echoes the challenge for the right token only', async () => {
    const good = await post(`/webhooks/messenger/${WS}`, metaWebhook(messengerText('psid-42', 'hello', 'm.1')));
    assert.equal(good.statusCode, 200, good.body);
    assert.equal((await post(`/webhooks/messenger/${WS}`, metaWebhook(messengerText('psid-42', 'hello', 'm.2'), 'nope'))).statusCode, 401);
    const hs = (token: string) => app.inject({ method: 'GET', url: `/webhooks/whatsapp/${WS}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=987654` });
    const ok = await hs('wa-verify');
    assert.deepEqual([ok.statusCode, ok.body, ok.headers['content-type']], [200, '987654', 'text/plain']);
    assert.equal((await hs('wrong')).statusCode, 403);
  });
});

test('wired into the server: List-Unsubscribe on marketing email, /u, /webhooks, /v1/messages, /api/v1/audiences', async () => {
  const t = await startTestOmnis('pglite');
  try {
    assert.equal((await t.admin('PUT', '/api/v1/channels/email', { provider: 'capture' })).status, 200);
    assert.equal((await t.admin('PUT', '/api/v1/channels/in_app', { provider: 'inapp' })).status, 200, 'the inapp provider is registered');
    assert.equal((await t.admin('PUT', '/api/v1/channels/ads_facebook', { provider: 'facebook-audiences', settings: { adAccountId: '123', accessToken: 'x' } })).status, 200);
    await t.admin('POST', '/api/v1/templates', { key: 'news', channel: 'email', subject: 'News', html: '<p>Hi</p>' });
    await t.track('/v1/identify', { userId: 'u1', traits: { email: 'u1@example.com' }, context: { consent: { categoryPreferences: { email: true } } } });
    await t.omnis.idle();
    const p = (await t.admin('GET', '/api/v1/profiles?identifier=user_id:u1')).json;
    await t.omnis.messaging.enqueue(t.omnis.db, { workspaceId: WS, idempotencyKey: 'n1', profileId: p.id, channel: 'email', templateKey: 'news' });
    await t.omnis.settle();
    const [c] = await t.omnis.messaging.listCaptured(WS);
    const link = /^<https?:\/\/[^/]+(\/u\/[^>]+)>$/.exec(c?.content.headers?.['List-Unsubscribe'] ?? '');
    assert.ok(link, 'List-Unsubscribe header');
    assert.equal(c.content.headers?.['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
    const r = await t.app.inject({ method: 'POST', url: link[1], headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    assert.equal(r.statusCode, 200);
    await t.omnis.idle();
    assert.equal((await t.admin('GET', `/api/v1/profiles/${p.id}`)).json.consent.email.status, 'denied');
    assert.equal((await t.app.inject({ method: 'POST', url: `/webhooks/sendgrid/${WS}`, payload: '[]', headers: { 'content-type': 'application/json' } })).statusCode, 404);
    const inapp = await t.app.inject({ method: 'GET', url: '/v1/messages?userId=u1', headers: { authorization: `Basic ${Buffer.from(`${t.writeKey}:`).toString('base64')}` } });
    assert.deepEqual(inapp.json(), { messages: [] });
    assert.equal((await t.admin('GET', '/api/v1/audiences')).status, 200);
    assert.equal((await t.admin('GET', '/api/v1/preference-topics')).status, 200);
  } finally {
    await t.close();
  }
});

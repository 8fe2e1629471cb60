import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { messengerProvider, messengerSettings, verifyChallenge } from './messenger.ts';
import { hubSignature } from './meta-graph.ts';
import { OmnisError } from '../../shared/index.ts';
import { ProviderError, type InboundRequest, type OutboundMessage, type Provider } from './types.ts';
import { graphErrorReply, startMessengerFake } from './testing/messenger-server.ts';

const TOKEN = 'EAAG-page-token';
const APP_SECRET = 'app-secret-123';
const fake = await startMessengerFake({ pageAccessToken: TOKEN, appSecret: APP_SECRET });
after(() => fake.close());

function provider(over: Record<string, unknown> = {}): Provider {
  const settings = messengerSettings.parse({ baseUrl: fake.url, pageAccessToken: TOKEN, appSecret: APP_SECRET, ...over });
  return messengerProvider.create(settings, {}) as Provider;
}
const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: 'out_1', idempotencyKey: 'k1', channel: 'messenger', to: { psid: '24681357' }, content: { body: 'Your order shipped' }, ...over,
});
const err = (pred: (e: ProviderError) => boolean) => (e: unknown) => e instanceof ProviderError && pred(e);

test('sends through the Send API and returns message_id', async () => {
  const res = await provider().send(message());
  assert.equal(res.providerMessageId, 'm_fake1');
  const req = fake.srv.requests.at(-1)!;
  assert.match(req.path, /^\/v21\.0\/me\/messages$/);
  assert.deepEqual(req.json(), { recipient: { id: '24681357' }, messaging_type: 'UPDATE', message: { text: 'Your order shipped' } });
  assert.deepEqual(fake.sent.at(-1), { psid: '24681357', messagingType: 'UPDATE', tag: undefined, text: 'Your order shipped' });
});

test('MESSAGE_TAG sends carry the tag; per-message override through metadata', async () => {
  await provider({ messagingType: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE' }).send(message());
  assert.equal(fake.srv.requests.at(-1)!.json<{ tag: string }>().tag, 'POST_PURCHASE_UPDATE');
  await provider().send(message({ metadata: { messaging_type: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE' } }));
  assert.deepEqual(fake.sent.at(-1)?.tag, 'ACCOUNT_UPDATE');
  await assert.rejects(provider().send(message({ metadata: { messaging_type: 'MESSAGE_TAG' } })), err(e => e.opts.code === 'no_tag'));
  assert.throws(() => provider({ messagingType: 'MESSAGE_TAG' }), (e: unknown) => e instanceof OmnisError && e.field === 'tag');
});

test('Graph errors: rate limits retryable, token/param/unavailable not', async () => {
  const p = provider();
  const cases: [ReturnType<typeof graphErrorReply>, boolean, string][] = [
    [graphErrorReply(613, 'Calls to this api have exceeded the rate limit.'), true, '613'],
    [graphErrorReply(4, 'Application request limit reached', { status: 403 }), true, '4'],
    [graphErrorReply(17, 'User request limit reached'), true, '17'],
    [graphErrorReply(32, 'Page request limit reached'), true, '32'],
    [graphErrorReply(2, 'Service temporarily unavailable', { status: 503 }), true, '2'],
    [graphErrorReply(190, 'Error validating access token', { status: 401 }), false, '190'],
    [graphErrorReply(10, 'Permission denied', { status: 403 }), false, '10'],
  ];
  for (const [reply, retryable, code] of cases) {
    fake.srv.reply(reply);
    await assert.rejects(p.send(message()), err(e => e.retryable === retryable && e.opts.code === code), code);
  }
  // Real validation errors from the fake, not injected: 100 and 551.
  await assert.rejects(p.send(message({ content: { body: 'x' }, to: { psid: 'unavailable' } })), err(e => !e.retryable && e.opts.code === '551'));
  await assert.rejects(provider({ pageAccessToken: 'wrong' }).send(message()), err(e => !e.retryable && e.opts.code === '190'));
  await assert.rejects(provider({ appSecret: 'wrong' }).send(message()), err(e => !e.retryable && e.opts.code === '100'));
});

test('HTTP failures: 429 with Retry-After, 5xx without a Graph body, usage header wait, timeout', async () => {
  const p = provider();
  fake.srv.reply({ status: 429, headers: { 'retry-after': '30' }, body: 'Too Many Requests' });
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.status === 429 && e.opts.retryAfterMs === 30_000));
  fake.srv.reply({ status: 502, body: '<html>Bad Gateway</html>' });
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.status === 502));
  fake.srv.reply(graphErrorReply(80006, 'There have been too many messenger api calls', {
    headers: { 'x-business-use-case-usage': JSON.stringify({ '123': [{ type: 'messenger', call_count: 100, estimated_time_to_regain_access: 5 }] }) },
  }));
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.retryAfterMs === 300_000));
  fake.srv.reply({ status: 200, delayMs: 3000, body: {} });
  await assert.rejects(provider({ timeoutMs: 100 }).send(message()), err(e => e.retryable && e.opts.code === 'timeout'));
});

test('bad messages are refused before any call', async () => {
  const before = fake.srv.requests.length;
  await assert.rejects(provider().send(message({ to: {} })), err(e => !e.retryable && e.opts.code === 'no_recipient'));
  await assert.rejects(provider().send(message({ content: {} })), err(e => !e.retryable && e.opts.code === 'no_content'));
  assert.equal(fake.srv.requests.length, before);
});

const webhook = (body: unknown, secret = APP_SECRET): InboundRequest => {
  const rawBody = Buffer.from(JSON.stringify(body));
  return { headers: { 'x-hub-signature-256': hubSignature(rawBody, secret) }, rawBody, query: {} };
};

test('parseWebhook: message, delivery, read, postback; echoes skipped', () => {
  const events = provider().parseWebhook!(webhook({
    object: 'page',
    entry: [{ id: 'PAGE1', time: 1, messaging: [
      { sender: { id: 'PSID1' }, recipient: { id: 'PAGE1' }, timestamp: 1700000000000, message: { mid: 'm_in1', text: '5 stars, loved it' } },
      { sender: { id: 'PSID1' }, recipient: { id: 'PAGE1' }, timestamp: 1700000001000, delivery: { mids: ['m_a', 'm_b'], watermark: 1700000000500 } },
      { sender: { id: 'PSID1' }, recipient: { id: 'PAGE1' }, timestamp: 1700000002000, read: { watermark: 1700000001500 } },
      { sender: { id: 'PSID1' }, recipient: { id: 'PAGE1' }, timestamp: 1700000003000, postback: { title: 'Track', payload: 'TRACK_ORDER', mid: 'm_pb' } },
      { sender: { id: 'PAGE1' }, recipient: { id: 'PSID1' }, timestamp: 1700000004000, message: { mid: 'm_echo', is_echo: true, text: 'hi' } },
    ] }],
  }));
  assert.deepEqual(events.map(e => e.event), ['Messenger Message Received', 'Messenger Delivered', 'Messenger Delivered', 'Messenger Read', 'Messenger Postback']);
  const [msg, d1, d2, read, pb] = events;
  assert.deepEqual(msg.identifier, { type: 'messenger_psid', value: 'PSID1' });
  assert.equal(msg.properties.text, '5 stars, loved it');
  assert.equal(msg.timestamp, 1700000000000);
  assert.equal(msg.channel, 'messenger');
  assert.equal(d1.providerMessageId, 'm_a');
  assert.equal(d2.providerMessageId, 'm_b');
  assert.deepEqual(d1.properties.mids, ['m_a', 'm_b']);
  assert.equal(read.properties.watermark, 1700000001500);
  assert.equal(pb.properties.payload, 'TRACK_ORDER');
});

test('parseWebhook: bad or missing signature throws ProviderError(false)', () => {
  const p = provider();
  const body = { object: 'page', entry: [] };
  assert.deepEqual(p.parseWebhook!(webhook(body)), []);
  assert.throws(() => p.parseWebhook!(webhook(body, 'other-secret')), err(e => !e.retryable && e.opts.code === 'bad_signature'));
  const tampered = webhook(body);
  tampered.rawBody = Buffer.from(JSON.stringify({ object: 'page', entry: [{ messaging: [] }] }));
  assert.throws(() => p.parseWebhook!(tampered), err(e => e.opts.code === 'bad_signature'));
  assert.throws(() => p.parseWebhook!({ headers: {}, rawBody: Buffer.from('{}'), query: {} }), err(e => e.opts.code === 'bad_signature'));
});

test('verifyChallenge answers the GET handshake only with the right token', () => {
  const q = { 'hub.mode': 'subscribe', 'hub.verify_token': 'vt-1', 'hub.challenge': '1158201444' };
  assert.equal(verifyChallenge(q, 'vt-1'), '1158201444');
  assert.equal(verifyChallenge(q, 'vt-2'), null);
  assert.equal(verifyChallenge({ ...q, 'hub.mode': 'unsubscribe' }, 'vt-1'), null);
  assert.equal(verifyChallenge({ 'hub.mode': 'subscribe' }, 'vt-1'), null);
});

test('settings: defaults and secrets', () => {
  const s = messengerSettings.parse({ pageAccessToken: 't', appSecret: 's' });
  assert.equal(s.baseUrl, 'https://graph.facebook.com');
  assert.equal(s.timeoutMs, 10_000);
  assert.equal(messengerSettings.safeParse({ pageAccessToken: 't', appSecret: 's', apiVersion: '21' }).success, false);
  assert.deepEqual(messengerProvider.secretFields, ['pageAccessToken', 'appSecret', 'verifyToken']);
});

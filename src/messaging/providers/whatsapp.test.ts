import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { whatsappProvider, whatsappSettings } from './whatsapp.ts';
import { hubSignature } from './meta-graph.ts';
import { ProviderError, type InboundRequest, type OutboundMessage, type Provider } from './types.ts';
import { graphErrorReply } from './testing/messenger-server.ts';
import { startWhatsappFake } from './testing/whatsapp-server.ts';

const TOKEN = 'EAAW-system-user';
const APP_SECRET = 'wa-app-secret';
const PHONE_ID = '106540352242922';
const fake = await startWhatsappFake({ accessToken: TOKEN, phoneNumberId: PHONE_ID, appSecret: APP_SECRET });
after(() => fake.close());

function provider(over: Record<string, unknown> = {}): Provider {
  const settings = whatsappSettings.parse({ baseUrl: fake.url, phoneNumberId: PHONE_ID, accessToken: TOKEN, appSecret: APP_SECRET, ...over });
  return whatsappProvider.create(settings, { now: () => 1_700_000_000_000 }) as Provider;
}
const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: 'out_9', idempotencyKey: 'k9', channel: 'whatsapp', to: { whatsapp: '4915112345678' }, content: { body: 'Your parcel is on its way' }, ...over,
});
const err = (pred: (e: ProviderError) => boolean) => (e: unknown) => e instanceof ProviderError && pred(e);

test('text message: Bearer token, Cloud API body, provider id from messages[0].id', async () => {
  const res = await provider().send(message());
  assert.equal(res.providerMessageId, 'wamid.FAKE1');
  const req = fake.srv.requests.at(-1)!;
  assert.equal(req.path, `/v21.0/${PHONE_ID}/messages`);
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  assert.deepEqual(req.json(), {
    messaging_product: 'whatsapp', recipient_type: 'individual', to: '4915112345678', biz_opaque_callback_data: 'out_9',
    type: 'text', text: { body: 'Your parcel is on its way', preview_url: false },
  });
});

test('template message with language and ordered body parameters; E.164 phone accepted', async () => {
  await provider().send(message({ to: { phone: '+14155552671' }, content: { data: { template: 'order_shipped', language: 'de', param1: 'Ada', param2: 'A-1001' } } }));
  assert.deepEqual(fake.sent.at(-1), {
    messaging_product: 'whatsapp', recipient_type: 'individual', to: '14155552671', biz_opaque_callback_data: 'out_9', type: 'template',
    template: { name: 'order_shipped', language: { code: 'de' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: 'A-1001' }] }] },
  });
});

test('failures: rate limits and 5xx retryable; 131047, 190, 100 not; timeout retryable', async () => {
  const p = provider();
  fake.srv.reply(graphErrorReply(130429, 'Rate limit hit'));
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.code === '130429'));
  fake.srv.reply(graphErrorReply(131056, '(Business Account, Consumer Account) pair rate limit hit'));
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.code === '131056'));
  fake.srv.reply({ status: 429, headers: { 'retry-after': '2' }, body: '' });
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.retryAfterMs === 2000));
  fake.srv.reply(graphErrorReply(131000, 'Something went wrong', { status: 500 }));
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.status === 500));
  fake.srv.reply(graphErrorReply(131047, 'Re-engagement message'));
  await assert.rejects(p.send(message()), err(e => !e.retryable && e.opts.code === '131047'));
  await assert.rejects(provider({ accessToken: 'bad' }).send(message()), err(e => !e.retryable && e.opts.code === '190'));
  await assert.rejects(provider({ phoneNumberId: '999' }).send(message()), err(e => !e.retryable && e.opts.code === '100'));
  fake.srv.reply({ status: 200, delayMs: 3000, body: {} });
  await assert.rejects(provider({ timeoutMs: 100 }).send(message()), err(e => e.retryable && e.opts.code === 'timeout'));
  await assert.rejects(p.send(message({ to: {} })), err(e => !e.retryable && e.opts.code === 'no_recipient'));
  await assert.rejects(p.send(message({ content: {} })), err(e => !e.retryable && e.opts.code === 'no_content'));
});

const hook = (body: unknown, secret = APP_SECRET): InboundRequest => {
  const rawBody = Buffer.from(JSON.stringify(body));
  return { headers: { 'x-hub-signature-256': hubSignature(rawBody, secret) }, rawBody, query: {} };
};
const change = (value: Record<string, unknown>, phoneNumberId = PHONE_ID) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: 'WABA1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId }, ...value } }] }],
});

test('webhook statuses: sent, delivered, read, failed with errors', () => {
  const st = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'wamid.FAKE1', status, timestamp: '1700000100', recipient_id: '4915112345678', biz_opaque_callback_data: 'out_9', ...extra });
  const events = provider().parseWebhook!(hook(change({ statuses: [
    st('sent', { pricing: { billable: true, category: 'utility' } }), st('delivered'), st('read'),
    st('failed', { errors: [{ code: 131026, title: 'Message undeliverable' }] }), st('deleted'),
  ] })));
  assert.deepEqual(events.map(e => e.event), ['WhatsApp Sent', 'WhatsApp Delivered', 'WhatsApp Read', 'WhatsApp Failed']);
  assert.equal(events[0].providerMessageId, 'wamid.FAKE1');
  assert.equal(events[0].timestamp, 1_700_000_100_000);
  assert.equal(events[0].properties.omnisMessageId, 'out_9');
  assert.equal(events[0].properties.pricingCategory, 'utility');
  assert.deepEqual(events[1].identifier, { type: 'whatsapp', value: '4915112345678' });
  assert.deepEqual(events[3].properties.errors, [{ code: 131026, title: 'Message undeliverable' }]);
});

test('webhook inbound messages: text, quick-reply button, list reply; other numbers ignored', () => {
  const p = provider();
  const events = p.parseWebhook!(hook(change({
    contacts: [{ profile: { name: 'Ada' }, wa_id: '4915112345678' }],
    messages: [
      { from: '4915112345678', id: 'wamid.IN1', timestamp: '1700000200', type: 'text', text: { body: 'STOP' } },
      { from: '4915112345678', id: 'wamid.IN2', timestamp: '1700000201', type: 'button', button: { text: 'Track order', payload: 'TRACK' }, context: { from: '15550001111', id: 'wamid.FAKE1' } },
      { from: '4915112345678', id: 'wamid.IN3', timestamp: '1700000202', type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'size_m', title: 'M' } } },
    ],
  })));
  assert.deepEqual(events.map(e => [e.event, e.properties.text]), [
    ['WhatsApp Message Received', 'STOP'], ['WhatsApp Message Received', 'Track order'], ['WhatsApp Message Received', 'M'],
  ]);
  assert.deepEqual(events[0].identifier, { type: 'whatsapp', value: '4915112345678' });
  assert.equal(events[0].properties.profileName, 'Ada');
  assert.equal(events[1].properties.payload, 'TRACK');
  assert.equal(events[1].properties.replyTo, 'wamid.FAKE1');
  assert.equal(events[2].properties.payload, 'size_m');
  assert.deepEqual(p.parseWebhook!(hook(change({ messages: [{ from: '1', id: 'x', timestamp: '1', type: 'text', text: { body: 'hi' } }] }, '999'))), []);
});

test('webhook signature: wrong secret and tampering refused', () => {
  const p = provider();
  assert.throws(() => p.parseWebhook!(hook(change({}), 'nope')), err(e => !e.retryable && e.opts.code === 'bad_signature'));
  const req = hook(change({}));
  req.rawBody = Buffer.concat([req.rawBody, Buffer.from(' ')]);
  assert.throws(() => p.parseWebhook!(req), err(e => e.opts.code === 'bad_signature'));
  assert.deepEqual(whatsappProvider.secretFields, ['accessToken', 'appSecret', 'verifyToken']);
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { sendgridProvider } from './sendgrid.ts';
import { sendMessageId } from './sendgridWebhook.ts';
import { ProviderError, type InboundRequest, type OutboundMessage } from './types.ts';
import { startFakeHttp, unusedPort } from './testing/fakeHttp.ts';

const sg = await startFakeHttp();
after(() => sg.close());

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicKeyB64 = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

const base = { apiKey: 'SG.secret', from: 'shop@example.com', fromName: 'Shop', baseUrl: sg.url, timeoutMs: 300 };
const provider = sendgridProvider.create(sendgridProvider.settings.parse({ ...base, webhookPublicKey: publicKeyB64 }), {});

const message: OutboundMessage = {
  id: 'out_1', idempotencyKey: 'run1:step2:prof3', channel: 'email',
  to: { email: 'ann@example.com', name: 'Ann' },
  content: {
    subject: 'Hello Ann', html: '<p>Hi</p>', text: 'Hi',
    headers: { 'List-Unsubscribe': '<https://omnis.example/u/abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  },
  metadata: { journey: 'j1', step: 's2' },
};

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try { await p; } catch (err) { assert.ok(err instanceof ProviderError, String(err)); return err; }
  assert.fail('expected a failure');
}

test('posts the v3 mail/send body with bearer auth; the id comes from X-Message-Id', async () => {
  sg.reply({ status: 202, headers: { 'x-message-id': 'euo2iKxdSayPF4YE4--I7A' } });
  const res = await provider.send(message);
  assert.equal(res.providerMessageId, 'euo2iKxdSayPF4YE4--I7A');
  const req = sg.requests.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/v3/mail/send');
  assert.equal(req.headers.authorization, 'Bearer SG.secret');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(req.json(), {
    personalizations: [{ to: [{ email: 'ann@example.com', name: 'Ann' }] }],
    from: { email: 'shop@example.com', name: 'Shop' },
    subject: 'Hello Ann',
    content: [{ type: 'text/plain', value: 'Hi' }, { type: 'text/html', value: '<p>Hi</p>' }],
    headers: { 'List-Unsubscribe': '<https://omnis.example/u/abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    // No idempotency header at SendGrid: the key rides in custom_args and comes back on every event.
    custom_args: { journey: 'j1', step: 's2', omnis_outbox_id: 'out_1', omnis_idempotency_key: 'run1:step2:prof3' },
  });
});

test('failures: 429/5xx retryable with Retry-After, 4xx not, timeout and refused retryable', async () => {
  sg.reply({ status: 429, headers: { 'retry-after': '3' }, body: { errors: [{ message: 'too many' }] } });
  const e429 = await failure(provider.send(message));
  assert.deepEqual([e429.retryable, e429.opts.status, e429.opts.retryAfterMs], [true, 429, 3000]);
  sg.reply({ status: 500 });
  assert.equal((await failure(provider.send(message))).retryable, true);
  sg.reply({ status: 400, body: { errors: [{ message: 'The from address does not match a verified Sender Identity', field: 'from' }] } });
  const e400 = await failure(provider.send(message));
  assert.equal(e400.retryable, false);
  assert.match(e400.message, /verified Sender Identity/);
  sg.reply({ status: 202, delayMs: 2000 });
  assert.equal((await failure(provider.send(message))).opts.code, 'timeout');
  const port = await unusedPort();
  const down = sendgridProvider.create(sendgridProvider.settings.parse({ ...base, baseUrl: `http://127.0.0.1:${port}` }), {});
  const refused = await failure(down.send(message));
  assert.deepEqual([refused.retryable, refused.opts.code], [true, 'network']);
});

test('a recipient without email or content fails without calling SendGrid', async () => {
  const before = sg.requests.length;
  assert.equal((await failure(provider.send({ ...message, to: { phone: '+15550001111' } }))).retryable, false);
  assert.equal((await failure(provider.send({ ...message, content: { subject: 'x' } }))).retryable, false);
  assert.equal(sg.requests.length, before);
});

const events = [
  { email: 'ann@example.com', timestamp: 1767225600, event: 'processed', sg_event_id: 'e0', sg_message_id: 'euo2iKxdSayPF4YE4--I7A.recvd-5f54-1-0' },
  { email: 'ann@example.com', timestamp: 1767225601, event: 'delivered', sg_event_id: 'e1', sg_message_id: 'euo2iKxdSayPF4YE4--I7A.recvd-5f54-1-0', omnis_outbox_id: 'out_1', response: '250 OK' },
  { email: 'ann@example.com', timestamp: 1767225602, event: 'open', sg_event_id: 'e2', sg_message_id: 'euo2iKxdSayPF4YE4--I7A.recvd-5f54-1-0', sg_machine_open: true, useragent: 'Mozilla' },
  { email: 'ann@example.com', timestamp: 1767225603, event: 'click', sg_event_id: 'e3', sg_message_id: 'euo2iKxdSayPF4YE4--I7A.recvd-5f54-1-0', url: 'https://shop.example/p/1' },
  { email: 'bob@example.com', timestamp: 1767225604, event: 'bounce', sg_event_id: 'e4', sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 user unknown' },
  { email: 'cid@example.com', timestamp: 1767225605, event: 'bounce', sg_event_id: 'e5', sg_message_id: 'x1.recvd-1', type: 'blocked', reason: 'mailbox full' },
  { email: 'dan@example.com', timestamp: 1767225606, event: 'dropped', sg_event_id: 'e6', sg_message_id: 'x2.recvd-1', reason: 'Bounced Address' },
  { email: 'eve@example.com', timestamp: 1767225607, event: 'spamreport', sg_event_id: 'e7', sg_message_id: 'x3.recvd-1' },
  { email: 'fay@example.com', timestamp: 1767225608, event: 'unsubscribe', sg_event_id: 'e8', sg_message_id: 'x4.recvd-1' },
  { email: 'fay@example.com', timestamp: 1767225609, event: 'deferred', sg_event_id: 'e9', sg_message_id: 'x4.recvd-1' },
];

function signed(body: string, timestamp = '1767225700', key = privateKey): InboundRequest {
  const sig = sign('sha256', Buffer.from(timestamp + body), key).toString('base64');
  return {
    headers: { 'x-twilio-email-event-webhook-signature': sig, 'x-twilio-email-event-webhook-timestamp': timestamp, 'content-type': 'application/json' },
    rawBody: Buffer.from(body), query: {},
  };
}

test('parseWebhook verifies the ECDSA signature and maps every event', () => {
  const out = provider.parseWebhook!(signed(JSON.stringify(events)));
  assert.deepEqual(out.map(e => [e.event, e.providerMessageId, e.identifier?.value]), [
    ['Email Delivered', 'euo2iKxdSayPF4YE4--I7A', 'ann@example.com'],
    ['Email Opened', 'euo2iKxdSayPF4YE4--I7A', 'ann@example.com'],
    ['Email Link Clicked', 'euo2iKxdSayPF4YE4--I7A', 'ann@example.com'],
    ['Email Bounced', '14c5d75ce93.dfd.64b469', 'bob@example.com'],
    ['Email Bounced', 'x1', 'cid@example.com'],
    ['Email Dropped', 'x2', 'dan@example.com'],
    ['Email Marked as Spam', 'x3', 'eve@example.com'],
    ['Unsubscribed', 'x4', 'fay@example.com'],
  ]);
  assert.deepEqual(out[0], {
    event: 'Email Delivered', channel: 'email', providerMessageId: 'euo2iKxdSayPF4YE4--I7A',
    identifier: { type: 'email', value: 'ann@example.com' }, timestamp: 1767225601000,
    properties: { channel: 'email', eventId: 'e1', outboxId: 'out_1' },
  });
  assert.equal(out[1].properties.machineOpen, true);
  assert.equal(out[2].properties.url, 'https://shop.example/p/1');
  assert.equal(out[3].properties.bounceType, 'hard');
  assert.equal(out[4].properties.bounceType, 'soft');
  assert.equal(out[5].properties.reason, 'Bounced Address');
  assert.equal(out[7].identifier?.type, 'email');
});

test('parseWebhook refuses a wrong, missing or foreign signature, and unsigned hooks by default', () => {
  const body = JSON.stringify(events);
  const tampered = { ...signed(body), rawBody: Buffer.from(body.replace('bounce', 'delivered')) };
  assert.throws(() => provider.parseWebhook!(tampered), (e: unknown) => e instanceof ProviderError && !e.retryable && e.opts.code === 'bad_signature');
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  assert.throws(() => provider.parseWebhook!(signed(body, '1767225700', other)), /does not match/);
  assert.throws(() => provider.parseWebhook!({ headers: {}, rawBody: Buffer.from(body), query: {} }), /signature missing/);
  const garbage = signed(body);
  garbage.headers['x-twilio-email-event-webhook-signature'] = 'bm90IGEgc2lnbmF0dXJl';
  assert.throws(() => provider.parseWebhook!(garbage), /does not match/);

  const unsigned = sendgridProvider.create(sendgridProvider.settings.parse(base), {});
  assert.throws(() => unsigned.parseWebhook!({ headers: {}, rawBody: Buffer.from(body), query: {} }), /webhook refused/);
  const lax = sendgridProvider.create(sendgridProvider.settings.parse({ ...base, allowUnsignedWebhooks: true }), {});
  assert.equal(lax.parseWebhook!({ headers: {}, rawBody: Buffer.from(body), query: {} }).length, 8);
  assert.throws(() => lax.parseWebhook!({ headers: {}, rawBody: Buffer.from('{"a":1}'), query: {} }), /not an array/);
});

test('sendMessageId strips the server suffix from both id formats', () => {
  assert.equal(sendMessageId('14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0'), '14c5d75ce93.dfd.64b469');
  assert.equal(sendMessageId('euo2iKxdSayPF4YE4--I7A.recvd-5f54b5d587-pczjm-1-67BADEEA-6.0'), 'euo2iKxdSayPF4YE4--I7A');
  assert.equal(sendMessageId('plain'), 'plain');
});

test('bad settings name the field; the api key is secret', () => {
  assert.throws(() => sendgridProvider.create({ ...sendgridProvider.settings.parse(base), from: 'nope' }, {}), /settings\.from/);
  assert.throws(() => sendgridProvider.settings.parse({ ...base, webhookPublicKey: 'abc' }), /webhookPublicKey|Signed Event Webhook/);
  assert.deepEqual(sendgridProvider.secretFields, ['apiKey']);
});

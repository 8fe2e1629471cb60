import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { lobProvider, lobSettings, lobSignature, lobMetadata } from './lob.ts';
import { OmnisError } from '../../shared/index.ts';
import { ProviderError, type InboundRequest, type OutboundMessage, type Provider } from './types.ts';
import { lobErrorReply, startLobFake } from './testing/lob-server.ts';

const KEY = 'test_0123456789abcdef';
const WH_SECRET = 'lob-webhook-secret';
const NOW = Date.parse('2026-04-01T10:00:00Z');
const fake = await startLobFake({ apiKey: KEY });
after(() => fake.close());

const FROM = { name: 'Omnis Shop', address_line1: '1 Market St', address_city: 'San Francisco', address_state: 'CA', address_zip: '94105' };
function provider(over: Record<string, unknown> = {}): Provider {
  const settings = lobSettings.parse({ baseUrl: fake.url, apiKey: KEY, webhookSecret: WH_SECRET, from: FROM, ...over });
  return lobProvider.create(settings, { now: () => NOW }) as Provider;
}
let seq = 0;
// A fresh key per message: the fake, like Lob, answers a reused key with the first piece.
const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: 'out_42', idempotencyKey: `run7:mail:prof9:${++seq}`, channel: 'direct_mail',
  to: { name: 'Ada Lovelace', address: { line1: '185 Berry St', line2: 'Suite 6100', city: 'San Francisco', state: 'CA', postalCode: '94107', country: 'us' } },
  content: { front: '<html>Front {{name}}</html>', back: '<html>Back</html>' }, metadata: { journey: 'winback' }, ...over,
});
const err = (pred: (e: ProviderError) => boolean) => (e: unknown) => e instanceof ProviderError && pred(e);

test('postcard: Basic auth, Idempotency-Key, Lob address fields, metadata; id is psc_...', async () => {
  const res = await provider().send(message());
  assert.match(res.providerMessageId ?? '', /^psc_[0-9a-f]{16}$/);
  const req = fake.srv.requests.at(-1)!;
  assert.equal(req.path, '/v1/postcards');
  assert.equal(req.headers.authorization, `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`);
  assert.equal(req.headers['idempotency-key'], `run7:mail:prof9:${seq}`);
  const body = req.json<Record<string, unknown>>();
  assert.deepEqual(body.to, { name: 'Ada Lovelace', address_line1: '185 Berry St', address_line2: 'Suite 6100', address_city: 'San Francisco', address_state: 'CA', address_zip: '94107', address_country: 'US' });
  assert.deepEqual(body.metadata, { omnis_message_id: 'out_42', journey: 'winback' });
  assert.equal(body.use_type, 'marketing');
  assert.equal(body.size, '4x6');
});

test('a retried send with the same key returns the same piece and prints nothing new', async () => {
  const before = fake.pieces.length;
  const m = message({ idempotencyKey: 'same-key' });
  const a = await provider().send(m);
  const b = await provider().send(m);
  assert.equal(a.providerMessageId, b.providerMessageId);
  assert.equal(fake.pieces.length, before + 1);
});

test('letter: file from content.html, from and color required', async () => {
  const res = await provider({ color: true }).send(message({ content: { html: '<html>Dear Ada</html>' } }));
  assert.match(res.providerMessageId ?? '', /^ltr_/);
  const body = fake.srv.requests.at(-1)!.json<Record<string, unknown>>();
  assert.equal(fake.srv.requests.at(-1)!.path, '/v1/letters');
  assert.equal(body.file, '<html>Dear Ada</html>');
  assert.equal(body.color, true);
  assert.deepEqual(body.from, { ...FROM, address_country: 'US' });
  await assert.rejects(provider({ from: undefined }).send(message({ content: { html: '<p>x</p>' } })), (e: unknown) => e instanceof OmnisError && e.field === 'from');
});

test('failures: 422 and 401 not retryable, 429 with Retry-After and 5xx retryable, timeout retryable', async () => {
  const p = provider();
  await assert.rejects(p.send(message({ to: { address: { line1: '1 A St', city: 'X', postalCode: '1', country: 'US' } } })),
    err(e => !e.retryable && e.opts.status === 422 && e.opts.code === 'invalid' && /name or to.company/.test(e.message)));
  await assert.rejects(provider({ apiKey: 'test_wrong' }).send(message()), err(e => !e.retryable && e.opts.status === 401 && e.opts.code === 'unauthorized'));
  fake.srv.reply({ ...lobErrorReply(429, 'Too many requests', 'rate_limit_exceeded'), headers: { 'retry-after': '5' } });
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.retryAfterMs === 5000 && e.opts.code === 'rate_limit_exceeded'));
  fake.srv.reply(lobErrorReply(500, 'Internal server error', 'internal_server_error'));
  await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.status === 500));
  fake.srv.reply({ status: 200, delayMs: 3000, body: {} });
  await assert.rejects(provider({ timeoutMs: 100 }).send(message()), err(e => e.retryable && e.opts.code === 'timeout'));
  await assert.rejects(p.send(message({ to: { name: 'x' } })), err(e => !e.retryable && e.opts.code === 'no_recipient'));
  await assert.rejects(p.send(message({ content: { body: 'x' } })), err(e => !e.retryable && e.opts.code === 'no_content'));
});

test('metadata is trimmed to Lob limits', () => {
  const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, `v"${i}\\`]));
  const m = lobMetadata(message({ metadata: { ['x'.repeat(60)]: 'y'.repeat(600), ...many } }));
  assert.equal(Object.keys(m).length, 20);
  assert.ok(Object.keys(m).every(k => k.length <= 40));
  assert.ok(Object.values(m).every(v => v.length <= 500 && !/["\\]/.test(v)));
});

function lobHook(type: string, opts: { ts?: string; secret?: string; body?: Record<string, unknown> } = {}): InboundRequest {
  const rawBody = Buffer.from(JSON.stringify(opts.body ?? {
    id: 'evt_d95ff8ffd2b5cfb4', object: 'event', date_created: '2026-04-01T09:59:00.000Z', reference_id: 'ltr_4868c3b754655f90',
    event_type: { id: type, enabled_for_test: true, resource: 'letters', object: 'event_type' },
    body: { id: 'ltr_4868c3b754655f90', object: 'letter', metadata: { omnis_message_id: 'out_42' } },
  }));
  const ts = opts.ts ?? String(NOW - 1000);
  return { headers: { 'lob-signature': lobSignature(opts.secret ?? WH_SECRET, ts, rawBody), 'lob-signature-timestamp': ts }, rawBody, query: {} };
}

test('webhook: mailed, in transit, delivered, returned for letters and postcards', () => {
  const p = provider();
  const names = ['letter.mailed', 'letter.in_transit', 'letter.in_local_area', 'letter.delivered', 'letter.returned_to_sender', 'postcard.delivered', 'letter.created', 'letter.return_envelope.delivered']
    .map(t => p.parseWebhook!(lobHook(t)).map(e => e.event).join());
  assert.deepEqual(names, ['Direct Mail Mailed', 'Direct Mail In Transit', 'Direct Mail In Transit', 'Direct Mail Delivered', 'Direct Mail Returned', 'Direct Mail Delivered', '', '']);
  const [ev] = p.parseWebhook!(lobHook('letter.delivered'));
  assert.equal(ev.providerMessageId, 'ltr_4868c3b754655f90');
  assert.equal(ev.channel, 'direct_mail');
  assert.equal(ev.timestamp, Date.parse('2026-04-01T09:59:00.000Z'));
  assert.deepEqual(ev.properties, { status: 'delivered', eventType: 'letter.delivered', eventId: 'evt_d95ff8ffd2b5cfb4', omnisMessageId: 'out_42' });
});

test('webhook signature: wrong secret, tampered body, stale or missing timestamp, no secret configured', () => {
  const p = provider();
  assert.throws(() => p.parseWebhook!(lobHook('letter.mailed', { secret: 'other' })), err(e => !e.retryable && e.opts.code === 'bad_signature'));
  const tampered = lobHook('letter.mailed');
  tampered.rawBody = Buffer.from(tampered.rawBody.toString().replace('ltr_4868', 'ltr_0000'));
  assert.throws(() => p.parseWebhook!(tampered), err(e => e.opts.code === 'bad_signature'));
  assert.throws(() => p.parseWebhook!(lobHook('letter.mailed', { ts: String(NOW - 10 * 60_000) })), err(e => e.opts.code === 'stale_signature'));
  assert.equal(p.parseWebhook!(lobHook('letter.mailed', { ts: String(Math.floor(NOW / 1000)) })).length, 1, 'seconds accepted');
  assert.throws(() => p.parseWebhook!({ headers: {}, rawBody: Buffer.from('{}'), query: {} }), err(e => e.opts.code === 'bad_signature'));
  assert.throws(() => provider({ webhookSecret: undefined }).parseWebhook!(lobHook('letter.mailed')), err(e => e.opts.code === 'no_webhook_secret'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWebhookProvider, signatureHeader, verifySignature, webhookProvider, webhookSettings } from './webhook.ts';
import { ProviderError, type OutboundMessage, type Provider } from './types.ts';
import { startFakeHttp } from './testing/fakeHttp.ts';

const SECRET = 'whsec_0123456789abcdef';
const NOW = Date.parse('2026-03-01T12:00:00Z');

const message = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id: 'out_1', idempotencyKey: 'run1:step2:prof3', channel: 'webhook',
  to: { email: 'ada@example.com' }, content: {}, metadata: { journey: 'j1' }, ...over,
});

function provider(url: string, over: Record<string, unknown> = {}): Provider {
  const settings = webhookSettings.parse({ url, secret: SECRET, allowPrivate: true, ...over });
  return webhookProvider.create(settings, { now: () => NOW }) as Provider;
}

const err = (pred: (e: ProviderError) => boolean) => (e: unknown) => e instanceof ProviderError && pred(e);

test('posts the JSON envelope, signed, with the idempotency key', async () => {
  const rx = await startFakeHttp();
  try {
    const res = await provider(`${rx.url}/hooks/omnis`).send(message());
    assert.deepEqual(res, { providerMessageId: null });
    const r = rx.requests[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/hooks/omnis');
    assert.equal(r.headers['idempotency-key'], 'run1:step2:prof3');
    assert.equal(r.headers['content-type'], 'application/json');
    const body = r.json<Record<string, unknown>>();
    assert.equal(body.id, 'out_1');
    assert.deepEqual(body.to, { email: 'ada@example.com' });
    assert.deepEqual(body.metadata, { journey: 'j1' });
    const sig = String(r.headers['x-omnis-signature']);
    assert.match(sig, /^t=1772366400,v1=[0-9a-f]{64}$/);
    assert.equal(verifySignature(SECRET, sig, r.body, { now: NOW }), true);
  } finally { await rx.close(); }
});

test('the step URL and a rendered body win; custom headers cannot override reserved ones', async () => {
  const rx = await startFakeHttp();
  try {
    const p = provider('https://never.example/', { headers: { authorization: 'Bearer t', 'Idempotency-Key': 'forged' } });
    await p.send(message({ content: { url: `${rx.url}/step`, body: 'plain text, not JSON', headers: { 'X-Custom': '1' } } }));
    const r = rx.requests[0];
    assert.equal(r.path, '/step');
    assert.equal(r.text, 'plain text, not JSON');
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.equal(r.headers.authorization, 'Bearer t');
    assert.equal(r.headers['x-custom'], '1');
    assert.equal(r.headers['idempotency-key'], 'run1:step2:prof3');
  } finally { await rx.close(); }
});

test('verifySignature: good, tampered, wrong secret, stale, rotated', () => {
  const body = '{"a":1}';
  const t = Math.floor(NOW / 1000);
  const good = signatureHeader(SECRET, body, t);
  assert.equal(verifySignature(SECRET, good, Buffer.from(body), { now: NOW }), true);
  assert.equal(verifySignature(SECRET, good, '{"a":2}', { now: NOW }), false);
  assert.equal(verifySignature('another-secret-000000', good, body, { now: NOW }), false);
  assert.equal(verifySignature(SECRET, good, body, { now: NOW + 301_000 }), false);
  assert.equal(verifySignature(SECRET, undefined, body, { now: NOW }), false);
  assert.equal(verifySignature(SECRET, 'garbage', body, { now: NOW }), false);
  const rotated = `t=${t},v1=${'0'.repeat(64)},v1=${good.split('v1=')[1]}`;
  assert.equal(verifySignature(SECRET, rotated, body, { now: NOW }), true);
});

test('failures: 429 with Retry-After and 5xx retryable, 4xx not, 3xx not followed', async () => {
  const rx = await startFakeHttp();
  try {
    const p = provider(rx.url);
    rx.reply({ status: 429, headers: { 'retry-after': '12' } }, { status: 503 }, { status: 400 }, { status: 410 },
      { status: 301, headers: { location: 'http://169.254.169.254/latest/meta-data' } });
    await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.status === 429 && e.opts.retryAfterMs === 12_000));
    await assert.rejects(p.send(message()), err(e => e.retryable && e.opts.status === 503));
    await assert.rejects(p.send(message()), err(e => !e.retryable && e.opts.status === 400));
    await assert.rejects(p.send(message()), err(e => !e.retryable && e.opts.status === 410));
    await assert.rejects(p.send(message()), err(e => !e.retryable && e.opts.status === 301 && e.opts.code === 'redirect'));
    assert.equal(rx.requests.length, 5);
  } finally { await rx.close(); }
});

test('a receiver that hangs is a retryable timeout (settings.timeoutMs)', async () => {
  const rx = await startFakeHttp(() => ({ status: 200, delayMs: 5000 }));
  try {
    await assert.rejects(provider(rx.url, { timeoutMs: 150 }).send(message()), err(e => e.retryable && e.opts.code === 'timeout'));
  } finally { await rx.close(); }
});

test('private destinations are refused before any connection unless allowPrivate', async () => {
  const rx = await startFakeHttp();
  const port = new URL(rx.url).port;
  try {
    const strict = webhookProvider.create(webhookSettings.parse({ secret: SECRET }), {}) as Provider;
    for (const url of [rx.url, `http://localhost:${port}/`, `http://[::1]:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`,
      'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data', 'http://0.0.0.0/', 'http://2130706433/']) {
      await assert.rejects(strict.send(message({ content: { url } })), err(e => !e.retryable && e.opts.code === 'ssrf_blocked'), url);
    }
    // A name whose DNS answer mixes a public and a private address is refused too.
    const mixed = createWebhookProvider(webhookSettings.parse({ secret: SECRET }), {
      resolve: async () => [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
    });
    await assert.rejects(mixed.send(message({ content: { url: `http://rebind.example:${port}/` } })), err(e => e.opts.code === 'ssrf_blocked'));
    assert.equal(rx.requests.length, 0);
  } finally { await rx.close(); }
});

test('bad URLs and missing URL are not retryable; settings are validated', async () => {
  const p = webhookProvider.create(webhookSettings.parse({ secret: SECRET }), {}) as Provider;
  await assert.rejects(p.send(message()), err(e => !e.retryable && e.opts.code === 'no_url'));
  await assert.rejects(p.send(message({ content: { url: 'file:///etc/passwd' } })), err(e => e.opts.code === 'bad_url'));
  await assert.rejects(p.send(message({ content: { url: 'http://u:p@example.com/' } })), err(e => e.opts.code === 'bad_url'));
  assert.equal(webhookSettings.safeParse({ secret: 'short' }).success, false);
  assert.equal(webhookSettings.safeParse({ secret: SECRET, url: 'ftp://x.example/' }).success, false);
  assert.equal(webhookSettings.parse({ secret: SECRET }).timeoutMs, 10_000);
  assert.deepEqual(webhookProvider.secretFields, ['secret']);
});

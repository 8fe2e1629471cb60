import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import webpush from 'web-push';
import { webPushProvider, type WebPushSettings } from './webpush.ts';
import { ProviderError, type OutboundMessage } from './types.ts';
import { startFakeHttp, unusedPort } from './testing/fakeHttp.ts';
import { newBrowserSubscription, openPushRequest } from './testing/fakePushService.ts';

const push = await startFakeHttp();
after(() => push.close());
const vapid = webpush.generateVAPIDKeys();
const settings = webPushProvider.settings.parse({
  vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey, subject: 'mailto:ops@example.com',
  allowHttpEndpoints: true, timeoutMs: 300,
}) satisfies WebPushSettings;
const provider = webPushProvider.create(settings, {});

function message(tokens: string[]): OutboundMessage {
  return {
    id: 'out_1', idempotencyKey: 'run1:step2:prof3', channel: 'push', to: { pushTokens: tokens },
    content: { title: 'Your cart', body: 'Still thinking about it?', url: 'https://shop.example/cart', data: { cart: 'c1' } },
  };
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try { await p; } catch (err) { assert.ok(err instanceof ProviderError, String(err)); return err; }
  assert.fail('expected a failure');
}

test('sends a real encrypted Web Push request with VAPID, TTL and Topic; 201 → sent', async () => {
  const sub = newBrowserSubscription(`${push.url}/push/abc`);
  push.reply({ status: 201, headers: { location: `${push.url}/m/123` } });
  const res = await provider.send(message([sub.token]));
  assert.equal(res.providerMessageId, `${push.url}/m/123`);
  const req = push.requests.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, '/push/abc');
  assert.equal(req.headers['content-encoding'], 'aes128gcm');
  assert.equal(req.headers.ttl, '86400');
  assert.equal(req.headers.urgency, 'normal');
  assert.match(String(req.headers.topic), /^[A-Za-z0-9_-]{32}$/);
  assert.match(String(req.headers.authorization), /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
  const opened = openPushRequest(req, sub, push.url);
  assert.equal(opened.vapid.k, vapid.publicKey);
  assert.equal(opened.vapid.sub, 'mailto:ops@example.com');
  assert.deepEqual(JSON.parse(opened.payload), {
    id: 'out_1', title: 'Your cart', body: 'Still thinking about it?', url: 'https://shop.example/cart', data: { cart: 'c1' },
  });
});

test('the same idempotency key gives the same Topic, so a resend replaces an undelivered copy', async () => {
  const sub = newBrowserSubscription(`${push.url}/push/t`);
  push.reply({ status: 201 }, { status: 201 });
  await provider.send(message([sub.token]));
  await provider.send(message([sub.token]));
  const [a, b] = push.requests.slice(-2);
  assert.equal(a.headers.topic, b.headers.topic);
});

test('404 and 410 are not retryable with code expired_subscription', async () => {
  for (const status of [404, 410]) {
    const sub = newBrowserSubscription(`${push.url}/push/gone`);
    push.reply({ status, body: 'push subscription has unsubscribed or expired' });
    const e = await failure(provider.send(message([sub.token])));
    assert.equal(e.retryable, false);
    assert.equal(e.opts.code, 'expired_subscription');
    assert.equal(e.opts.status, status);
  }
});

test('429 (with Retry-After) and 5xx are retryable; 400 is not', async () => {
  const sub = newBrowserSubscription(`${push.url}/push/x`);
  push.reply({ status: 429, headers: { 'retry-after': '12' } });
  const e = await failure(provider.send(message([sub.token])));
  assert.equal(e.retryable, true);
  assert.equal(e.opts.retryAfterMs, 12_000);
  push.reply({ status: 502 });
  assert.equal((await failure(provider.send(message([sub.token])))).retryable, true);
  push.reply({ status: 400 });
  assert.equal((await failure(provider.send(message([sub.token])))).retryable, false);
});

test('timeouts and refused connections are retryable', async () => {
  const sub = newBrowserSubscription(`${push.url}/push/slow`);
  push.reply({ status: 201, delayMs: 2000 });
  const t = await failure(provider.send(message([sub.token])));
  assert.equal(t.retryable, true);
  assert.equal(t.opts.code, 'timeout');
  const port = await unusedPort();
  const refused = newBrowserSubscription(`http://127.0.0.1:${port}/push`);
  const r = await failure(provider.send(message([refused.token])));
  assert.equal(r.retryable, true);
  assert.equal(r.opts.code, 'network');
});

test('several subscriptions: success reports the dead ones; all dead throws expired_subscription', async () => {
  const live = newBrowserSubscription(`${push.url}/push/live`);
  const dead = newBrowserSubscription(`${push.url}/push/dead`);
  push.handle(req => ({ status: req.path === '/push/dead' ? 410 : 201 }));
  try {
    const res = await provider.send(message([live.token, dead.token, 'not json']));
    assert.deepEqual(res.deadTokens?.sort(), [dead.token, 'not json'].sort());
    const e = await failure(provider.send(message([dead.token])));
    assert.equal(e.opts.code, 'expired_subscription');
  } finally {
    push.handle(() => ({ status: 201 }));
  }
});

test('http endpoints are refused unless allowed; no tokens is not retryable', async () => {
  const strict = webPushProvider.create(webPushProvider.settings.parse({ ...settings, allowHttpEndpoints: false }), {});
  const sub = newBrowserSubscription(`${push.url}/push/abc`);
  const before = push.requests.length;
  const e = await failure(strict.send(message([sub.token])));
  assert.equal(e.retryable, false);
  assert.equal(push.requests.length, before);
  assert.equal((await failure(provider.send(message([])))).opts.code, 'no_recipient');
});

test('bad settings name the field', () => {
  assert.throws(() => webPushProvider.create({ ...settings, vapidPrivateKey: 'short' }, {}), /settings\.vapidPrivateKey: must be a base64url/);
  assert.throws(() => webPushProvider.create({ ...settings, subject: 'ops@example.com' }, {}), /settings\.subject/);
  assert.deepEqual(webPushProvider.secretFields, ['vapidPrivateKey']);
});

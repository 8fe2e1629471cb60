import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { fcmProvider } from './fcm.ts';
import { FCM_SCOPE } from './fcmAuth.ts';
import { ProviderError, type OutboundMessage } from './types.ts';
import { startFakeHttp, unusedPort, type RecordedRequest, type ScriptedResponse } from './testing/fakeHttp.ts';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

// One local server plays both Google's token endpoint and FCM.
const google = await startFakeHttp();
after(() => google.close());
let issued = 0;
const fcmScript: ScriptedResponse[] = [];
google.handle(req => {
  if (req.path === '/token') return tokenEndpoint(req);
  assert.equal(req.path, '/v1/projects/shop-prod/messages:send');
  if (req.headers.authorization !== `Bearer ya29.token-${issued}`) return { status: 401, body: { error: { code: 401, status: 'UNAUTHENTICATED' } } };
  if (req.json<{ message: { token: string } }>().message.token === 'tok-dead') return unregistered;
  return fcmScript.shift() ?? { status: 200, body: { name: `projects/shop-prod/messages/${google.requests.length}` } };
});
const unregistered: ScriptedResponse = { status: 404, body: { error: { code: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }] } } };

function tokenEndpoint(req: RecordedRequest): ScriptedResponse {
  const form = req.form();
  assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer');
  const [h, c, sig] = form.get('assertion')!.split('.');
  assert.ok(verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(sig, 'base64url')), 'assertion signed with the service account key');
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'RS256', typ: 'JWT' });
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(claims.iss, 'omnis@shop-prod.iam.gserviceaccount.com');
  assert.equal(claims.scope, FCM_SCOPE);
  assert.equal(claims.aud, `${google.url}/token`);
  assert.equal(claims.exp, (claims.iat as number) + 3600);
  issued++;
  return { status: 200, body: { access_token: `ya29.token-${issued}`, expires_in: 3599, token_type: 'Bearer' } };
}

let clock = 1_767_225_600_000;
const settings = fcmProvider.settings.parse({
  projectId: 'shop-prod', clientEmail: 'omnis@shop-prod.iam.gserviceaccount.com',
  privateKey: pem.replace(/\n/g, '\\n'), // as pasted from service-account JSON
  baseUrl: google.url, tokenUrl: `${google.url}/token`, timeoutMs: 300,
});
const provider = fcmProvider.create(settings, { now: () => clock });

const message = (tokens: string[]): OutboundMessage => ({
  id: 'out_1', idempotencyKey: 'k1', channel: 'push', to: { pushTokens: tokens },
  content: { title: 'Back in stock', body: 'Your size is back', url: 'https://shop.example/p/1', data: { sku: 'p1' } },
});

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try { await p; } catch (err) { assert.ok(err instanceof ProviderError, String(err)); return err; }
  assert.fail('expected a failure');
}

test('gets a token with a signed JWT, then sends the v1 message; the id is the response name', async () => {
  const res = await provider.send(message(['tok-A']));
  assert.match(res.providerMessageId!, /^projects\/shop-prod\/messages\/\d+$/);
  const send = google.requests.at(-1)!;
  assert.equal(send.headers.authorization, 'Bearer ya29.token-1');
  assert.deepEqual(send.json(), {
    message: {
      token: 'tok-A',
      notification: { title: 'Back in stock', body: 'Your size is back' },
      data: { sku: 'p1', omnis_message_id: 'out_1', url: 'https://shop.example/p/1' },
      webpush: { fcm_options: { link: 'https://shop.example/p/1' } },
    },
  });
});

test('the access token is cached until shortly before it expires, then renewed', async () => {
  const before = issued;
  await provider.send(message(['tok-A']));
  assert.equal(issued, before);
  clock += 3599_000 - 30_000; // within the last minute of its life
  await provider.send(message(['tok-A']));
  assert.equal(issued, before + 1);
});

test('a 401 on send renews the token once and retries', async () => {
  const before = issued;
  issued++; // the server now expects a token the provider does not have
  const res = await provider.send(message(['tok-A']));
  assert.ok(res.providerMessageId);
  assert.equal(issued, before + 2);
});

test('UNREGISTERED / 404 → expired_token, not retryable; with several tokens the dead one is reported', async () => {
  const e = await failure(provider.send(message(['tok-dead'])));
  assert.deepEqual([e.retryable, e.opts.code, e.opts.status], [false, 'expired_token', 404]);
  assert.match(e.message, /UNREGISTERED/);

  fcmScript.push({ status: 200, body: { name: 'projects/shop-prod/messages/1' } });
  const res = await provider.send(message(['tok-A', 'tok-dead']));
  assert.equal(res.providerMessageId, 'projects/shop-prod/messages/1');
  assert.deepEqual(res.deadTokens, ['tok-dead']);
});

test('429/503 retryable with Retry-After; 400 INVALID_ARGUMENT not; timeouts and refused retryable', async () => {
  fcmScript.push({ status: 429, headers: { 'retry-after': '20' }, body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'QUOTA_EXCEEDED' }] } } });
  const q = await failure(provider.send(message(['tok-A'])));
  assert.deepEqual([q.retryable, q.opts.retryAfterMs, q.opts.code], [true, 20_000, 'quota_exceeded']);
  fcmScript.push({ status: 503, body: { error: { code: 503, status: 'UNAVAILABLE' } } });
  assert.equal((await failure(provider.send(message(['tok-A'])))).retryable, true);
  fcmScript.push({ status: 400, body: { error: { code: 400, status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INVALID_ARGUMENT' }] } } });
  const bad = await failure(provider.send(message(['tok-A'])));
  assert.deepEqual([bad.retryable, bad.opts.code], [false, 'invalid_argument']);
  fcmScript.push({ status: 200, delayMs: 2000 });
  assert.equal((await failure(provider.send(message(['tok-A'])))).opts.code, 'timeout');

  const port = await unusedPort();
  const down = fcmProvider.create({ ...settings, baseUrl: `http://127.0.0.1:${port}`, tokenUrl: `http://127.0.0.1:${port}/token` }, {});
  const r = await failure(down.send(message(['tok-A'])));
  assert.deepEqual([r.retryable, r.opts.code], [true, 'network']);
});

test('rejected credentials at the token endpoint are not retryable', async () => {
  const tokenOnly = await startFakeHttp(() => ({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } }));
  try {
    const p = fcmProvider.create({ ...settings, baseUrl: tokenOnly.url, tokenUrl: `${tokenOnly.url}/token` }, {});
    const e = await failure(p.send(message(['tok-A'])));
    assert.deepEqual([e.retryable, e.opts.code], [false, 'auth']);
    assert.equal(tokenOnly.requests.length, 1);
  } finally {
    await tokenOnly.close();
  }
});

test('bad settings name the field; the private key is secret', () => {
  assert.throws(() => fcmProvider.create({ ...settings, privateKey: 'not a key' }, {}), /settings\.privateKey/);
  assert.throws(() => fcmProvider.create({ ...settings, clientEmail: 'x' }, {}), /settings\.clientEmail/);
  assert.deepEqual(fcmProvider.secretFields, ['privateKey']);
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { smtpProvider, messageIdFor, type SmtpSettings } from './smtp.ts';
import { ProviderError, type OutboundMessage, type Provider } from './types.ts';
import { unusedPort } from './testing/fakeHttp.ts';
import { startFakeSmtp, startSilentServer } from './testing/fakeSmtp.ts';

const smtp = await startFakeSmtp({ auth: { user: 'omnis', pass: 's3cret' } });
const settings: SmtpSettings = smtpProvider.settings.parse({
  host: '127.0.0.1', port: smtp.port, secure: false, user: 'omnis', pass: 's3cret', from: 'Shop <shop@shop.example>', timeoutMs: 2000,
});
const provider = smtpProvider.create(settings, {});
const opened: Provider[] = [provider];
after(async () => {
  for (const p of opened) await p.close?.();
  await smtp.close();
});

const message: OutboundMessage = {
  id: 'out_1', idempotencyKey: 'run1:step2:prof3', channel: 'email',
  to: { email: 'ann@example.com', name: 'Ann Lee' },
  content: {
    subject: 'Your cart is waiting',
    html: '<p>Hello <b>Ann</b>, your cart is waiting.</p>',
    text: 'Hello Ann, your cart is waiting.',
    headers: { 'List-Unsubscribe': '<https://omnis.example/u/abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  },
};

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try { await p; } catch (err) { assert.ok(err instanceof ProviderError, String(err)); return err; }
  assert.fail('expected a failure');
}

test('delivers to a real SMTP server: auth, envelope, headers, Message-ID, text and html parts', async () => {
  const res = await provider.send(message);
  const expectedId = messageIdFor('run1:step2:prof3', 'shop.example');
  assert.equal(res.providerMessageId, expectedId);
  const mail = smtp.mails.at(-1)!;
  assert.equal(mail.user, 'omnis');
  assert.equal(mail.from, 'shop@shop.example');
  assert.deepEqual(mail.to, ['ann@example.com']);
  const [head, ...rest] = mail.raw.split(/\r\n\r\n/);
  const body = rest.join('\r\n\r\n');
  assert.match(head, /^From: Shop <shop@shop\.example>$/m);
  assert.match(head, /^To: Ann Lee <ann@example\.com>$/m);
  assert.match(head, /^Subject: Your cart is waiting$/m);
  assert.match(head, new RegExp(`^Message-ID: ${expectedId}$`, 'mi'));
  assert.match(head, /^List-Unsubscribe: <https:\/\/omnis\.example\/u\/abc>$/m);
  assert.match(head, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  assert.match(head, /^Content-Type: multipart\/alternative;/m);
  assert.match(body, /Content-Type: text\/plain[\s\S]*Hello Ann, your cart is waiting\./);
  assert.match(body, /Content-Type: text\/html[\s\S]*<p>Hello <b>Ann<\/b>, your cart is waiting\.<\/p>/);
});

test('the same idempotency key gives the same Message-ID; another key another one', async () => {
  const a = await provider.send(message);
  const b = await provider.send(message);
  const c = await provider.send({ ...message, idempotencyKey: 'run1:step2:prof4' });
  assert.equal(a.providerMessageId, b.providerMessageId);
  assert.notEqual(a.providerMessageId, c.providerMessageId);
  assert.match(a.providerMessageId!, /^<[0-9a-f]{32}@shop\.example>$/);
});

test('421 and 451 are retryable, 550 is not', async () => {
  // Fresh providers, so the failure lands on a fresh connection (pooled ones are already greeted).
  const fresh = () => { const p = smtpProvider.create(settings, {}); opened.push(p); return p; };
  smtp.failNext('connect', 421, 'Service not available');
  const e421 = await failure(fresh().send(message));
  assert.equal(e421.retryable, true);
  assert.equal(e421.opts.status, 421);

  smtp.failNext('rcpt', 451, 'Try again later');
  const e451 = await failure(provider.send(message));
  assert.deepEqual([e451.retryable, e451.opts.status], [true, 451]);

  smtp.failNext('rcpt', 550, 'No such user');
  const e550 = await failure(provider.send(message));
  assert.deepEqual([e550.retryable, e550.opts.status], [false, 550]);
  assert.match(e550.message, /No such user/);

  smtp.failNext('data', 552, 'Message too big');
  assert.equal((await failure(provider.send(message))).retryable, false);
  smtp.failNext('data', 452, 'Insufficient storage');
  assert.equal((await failure(provider.send(message))).retryable, true);
});

test('bad credentials (535) are not retryable', async () => {
  const p = smtpProvider.create({ ...settings, pass: 'wrong' }, {});
  opened.push(p);
  const e = await failure(p.send(message));
  assert.deepEqual([e.retryable, e.opts.status], [false, 535]);
});

test('connection refused and a silent server (timeout) are retryable', async () => {
  const port = await unusedPort();
  const refusedProvider = smtpProvider.create({ ...settings, port }, {});
  opened.push(refusedProvider);
  const refused = await failure(refusedProvider.send(message));
  assert.deepEqual([refused.retryable, refused.opts.code], [true, 'network']);

  const silent = await startSilentServer();
  try {
    const slow = smtpProvider.create({ ...settings, port: silent.port, timeoutMs: 200 }, {});
    opened.push(slow);
    const started = Date.now();
    const t = await failure(slow.send(message));
    assert.deepEqual([t.retryable, t.opts.code], [true, 'timeout']);
    assert.ok(Date.now() - started < 2000);
  } finally {
    await silent.close();
  }
});

test('header injection, reserved headers and missing parts fail before any SMTP traffic', async () => {
  const before = smtp.mails.length;
  const bad = (content: OutboundMessage['content']) => failure(provider.send({ ...message, content: { ...message.content, ...content } }));
  assert.equal((await bad({ headers: { 'X-Evil': 'a\r\nBcc: victim@example.com' } })).retryable, false);
  assert.equal((await bad({ headers: { 'Message-ID': '<x@y>' } })).retryable, false);
  assert.equal((await bad({ html: undefined, text: undefined })).opts.code, 'invalid_content');
  assert.equal((await failure(provider.send({ ...message, to: {} }))).opts.code, 'no_recipient');
  assert.equal(smtp.mails.length, before);
});

test('bad settings name the field; pass is secret', () => {
  assert.throws(() => smtpProvider.create({ ...settings, port: 0 }, {}), /settings\.port/);
  assert.throws(() => smtpProvider.create({ ...settings, from: 'nobody' }, {}), /settings\.from/);
  assert.deepEqual(smtpProvider.secretFields, ['pass']);
});

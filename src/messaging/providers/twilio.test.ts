import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { twilioProvider } from './twilio.ts';
import { twilioSignature } from './twilioWebhook.ts';
import { ProviderError, type InboundRequest, type OutboundMessage } from './types.ts';
import { startFakeHttp, unusedPort } from './testing/fakeHttp.ts';

const api = await startFakeHttp();
after(() => api.close());

const SID = `AC${'a1'.repeat(16)}`;
const TOKEN = 'auth-token-secret';
const base = { accountSid: SID, authToken: TOKEN, from: '+15550001111', baseUrl: api.url, timeoutMs: 300, statusCallbackUrl: 'https://omnis.example/hooks/sms', webhookUrl: 'https://omnis.example/hooks/sms' };
const provider = twilioProvider.create(twilioProvider.settings.parse(base), { now: () => 1_767_225_600_000 });

const message: OutboundMessage = {
  id: 'out_1', idempotencyKey: 'run1:step2:prof3', channel: 'sms', to: { phone: '+15559990000' }, content: { body: 'Your order shipped' },
};

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try { await p; } catch (err) { assert.ok(err instanceof ProviderError, String(err)); return err; }
  assert.fail('expected a failure');
}

test('posts a form-encoded message with basic auth and the idempotency token; the id is the sid', async () => {
  api.reply({ status: 201, body: { sid: 'SM0123', status: 'queued' } });
  const res = await provider.send(message);
  assert.equal(res.providerMessageId, 'SM0123');
  const req = api.requests.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.path, `/2010-04-01/Accounts/${SID}/Messages.json`);
  assert.equal(req.headers.authorization, `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
  assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(req.headers['i-twilio-idempotency-token'], 'run1:step2:prof3');
  assert.deepEqual(Object.fromEntries(req.form()), {
    To: '+15559990000', Body: 'Your order shipped', From: '+15550001111', StatusCallback: 'https://omnis.example/hooks/sms',
  });
});

test('a messaging service replaces From', async () => {
  const mg = twilioProvider.create(twilioProvider.settings.parse({ ...base, from: undefined, messagingServiceSid: `MG${'b2'.repeat(16)}` }), {});
  api.reply({ status: 201, body: { sid: 'SM9' } });
  await mg.send(message);
  const form = api.requests.at(-1)!.form();
  assert.equal(form.get('MessagingServiceSid'), `MG${'b2'.repeat(16)}`);
  assert.equal(form.get('From'), null);
});

test('failures: 429/5xx retryable, 4xx not (with Twilio codes), timeouts and refused retryable', async () => {
  api.reply({ status: 429, headers: { 'retry-after': '1' }, body: { code: 20429, message: 'Too Many Requests', status: 429 } });
  const e429 = await failure(provider.send(message));
  assert.deepEqual([e429.retryable, e429.opts.retryAfterMs, e429.opts.code], [true, 1000, 'twilio_20429']);
  api.reply({ status: 503, body: 'upstream' });
  assert.equal((await failure(provider.send(message))).retryable, true);
  api.reply({ status: 400, body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 } });
  const stop = await failure(provider.send(message));
  assert.deepEqual([stop.retryable, stop.opts.code, stop.opts.status], [false, 'unsubscribed', 400]);
  api.reply({ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } });
  assert.equal((await failure(provider.send(message))).opts.code, 'invalid_recipient');
  api.reply({ status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
  assert.equal((await failure(provider.send(message))).retryable, false);
  api.reply({ status: 201, delayMs: 2000 });
  assert.equal((await failure(provider.send(message))).opts.code, 'timeout');
  const port = await unusedPort();
  const down = twilioProvider.create(twilioProvider.settings.parse({ ...base, baseUrl: `http://127.0.0.1:${port}` }), {});
  assert.deepEqual([(await failure(down.send(message))).retryable], [true]);
});

function hook(fields: Record<string, string>, opts: { url?: string; signUrl?: string; token?: string; query?: Record<string, string> } = {}): InboundRequest {
  const params = new URLSearchParams(fields);
  const signUrl = opts.signUrl ?? opts.url ?? base.webhookUrl;
  return {
    headers: { 'x-twilio-signature': twilioSignature(opts.token ?? TOKEN, signUrl, params), 'i-twilio-idempotency-token': 'hook-1' },
    rawBody: Buffer.from(params.toString()),
    query: opts.query ?? {},
  };
}

test('status callbacks: delivered and failed/undelivered; progress statuses ignored', () => {
  const d = provider.parseWebhook!(hook({ MessageSid: 'SM0123', MessageStatus: 'delivered', AccountSid: SID, To: '+15559990000' }));
  assert.deepEqual(d, [{ event: 'SMS Delivered', channel: 'sms', providerMessageId: 'SM0123', timestamp: 1_767_225_600_000, properties: { channel: 'sms', webhookId: 'hook-1' } }]);
  const f = provider.parseWebhook!(hook({ MessageSid: 'SM0124', MessageStatus: 'undelivered', ErrorCode: '30003' }));
  assert.deepEqual([f[0].event, f[0].properties.status, f[0].properties.errorCode], ['SMS Failed', 'undelivered', '30003']);
  assert.equal(provider.parseWebhook!(hook({ MessageSid: 'SM0125', MessageStatus: 'failed' }))[0].event, 'SMS Failed');
  assert.deepEqual(provider.parseWebhook!(hook({ MessageSid: 'SM0126', MessageStatus: 'sent' })), []);
});

test('inbound: STOP-words unsubscribe, START/UNSTOP subscribe, anything else is a reply', () => {
  for (const word of ['STOP', 'stopall', ' Unsubscribe ', 'CANCEL', 'end', 'QUIT']) {
    const [e] = provider.parseWebhook!(hook({ MessageSid: 'SMin', SmsStatus: 'received', From: '+15559990000', To: '+15550001111', Body: word }));
    assert.equal(e.event, 'Unsubscribed', word);
    assert.deepEqual(e.identifier, { type: 'phone', value: '+15559990000' });
    assert.equal(e.providerMessageId, undefined);
    assert.equal(e.properties.keyword, word.trim().toUpperCase());
  }
  for (const word of ['START', 'unstop']) {
    assert.equal(provider.parseWebhook!(hook({ From: '+15559990000', Body: word }))[0].event, 'Subscribed');
  }
  const [r] = provider.parseWebhook!(hook({ MessageSid: 'SMin2', From: '+15559990000', Body: 'Please stop by tomorrow' }));
  assert.equal(r.event, 'SMS Replied');
  assert.equal(r.properties.body, 'Please stop by tomorrow');
  assert.equal(r.properties.inboundMessageId, 'SMin2');
});

test('signature: the URL comes from query.__url or webhookUrl, default port tolerated; bad ones refused', () => {
  const fields = { MessageSid: 'SM1', MessageStatus: 'delivered' };
  const url = 'https://omnis.example/hooks/sms?ws=acme';
  assert.equal(provider.parseWebhook!(hook(fields, { url, query: { __url: url } })).length, 1);
  // Twilio may sign with :443 while the proxy reports the URL without it.
  assert.equal(provider.parseWebhook!(hook(fields, { signUrl: 'https://omnis.example:443/hooks/sms?ws=acme', query: { __url: url } })).length, 1);
  const refused = (req: InboundRequest) => assert.throws(() => provider.parseWebhook!(req), (e: unknown) => e instanceof ProviderError && !e.retryable && e.opts.code === 'bad_signature');
  refused(hook(fields, { token: 'other-token' }));
  refused(hook(fields, { signUrl: 'https://evil.example/hooks/sms' }));
  const tampered = hook(fields);
  tampered.rawBody = Buffer.from(new URLSearchParams({ ...fields, MessageStatus: 'failed' }).toString());
  refused(tampered);
  refused({ ...hook(fields), headers: {} });
  const noUrl = twilioProvider.create(twilioProvider.settings.parse({ ...base, webhookUrl: undefined }), {});
  assert.throws(() => noUrl.parseWebhook!(hook(fields)), /request URL is unknown/);
});

test('twilioSignature matches the documented example', () => {
  // The example Twilio's signature-validation snippets use (TwilioDevEd/api-snippets).
  const params = new URLSearchParams({ CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' });
  assert.equal(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params), 'GvWf1cFY/Q7PnoempGyD5oXAezc=');
});

test('bad settings name the field; no recipient or body fails before calling Twilio', async () => {
  assert.throws(() => twilioProvider.create({ ...twilioProvider.settings.parse(base), accountSid: 'nope' }, {}), /settings\.accountSid/);
  assert.throws(() => twilioProvider.settings.parse({ ...base, from: undefined }), /from or messagingServiceSid/);
  const before = api.requests.length;
  assert.equal((await failure(provider.send({ ...message, to: { email: 'a@b.c' } }))).opts.code, 'no_recipient');
  assert.equal((await failure(provider.send({ ...message, content: {} }))).opts.code, 'invalid_content');
  assert.equal(api.requests.length, before);
  assert.deepEqual(twilioProvider.secretFields, ['authToken']);
});

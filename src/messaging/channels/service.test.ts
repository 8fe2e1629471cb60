import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../../testing/index.ts';
import { migrate } from '../../store/index.ts';
import { OmnisError, VirtualClock } from '../../shared/index.ts';
import { ChannelService, MASK } from './service.ts';
import { secretBox } from './secrets.ts';

const KEY = 'channel-test-secret-key-0123456789';
const SID = `AC${'a1'.repeat(16)}`;
const TOKEN = 'super-secret-auth-token-4711';
const twilio = (over: Record<string, unknown> = {}) => ({ accountSid: SID, authToken: TOKEN, from: '+15550001111', ...over });
const invalidAt = (field: string) => (e: unknown) => e instanceof OmnisError && e.kind === 'invalid' && e.field === field;

forEachStore('channel configuration', kind => {
  let t: TestDb;
  let clock: VirtualClock;
  let channels: ChannelService;
  before(async () => {
    t = await openTestDb(kind);
    await migrate(t.db);
    clock = new VirtualClock(Date.parse('2026-03-02T09:00:00Z'));
    channels = new ChannelService({ db: t.db, clock, secretKey: KEY });
  });
  after(async () => { await channels.close(); await t.close(); });

  test('put validates: provider known, serving the channel, settings by its schema naming settings.<field>', async () => {
    await assert.rejects(channels.put('ws1', 'sms', { provider: 'pigeon', settings: {} }), invalidAt('provider'));
    await assert.rejects(channels.put('ws1', 'sms', { provider: 'smtp', settings: {} }), (e: unknown) => invalidAt('provider')(e) && /does not serve channel sms; use capture, twilio/.test((e as Error).message));
    await assert.rejects(channels.put('ws1', 'sms', { provider: 'twilio', settings: twilio({ accountSid: 'nope' }) }), invalidAt('settings.accountSid'));
    await assert.rejects(channels.put('ws1', 'sms', { provider: 'twilio', settings: twilio({ authToken: undefined }) }), invalidAt('settings.authToken'));
    await assert.rejects(channels.put('ws1', 'email', { provider: 'smtp', settings: { host: 'h', port: 'x', secure: false, from: 'a@b.c' } }), invalidAt('settings.port'));
    await assert.rejects(channels.put('ws1', 'sms', { provider: 'twilio', settings: twilio(), rateLimit: -1 }), invalidAt('rateLimit'));
    await assert.rejects(channels.put('ws1', 'Bad Channel', { provider: 'capture' }), invalidAt('channel'));
    assert.deepEqual(await channels.list('ws1'), [], 'nothing stored by a refused put');
  });

  test('the conformance SMTP config is accepted', async () => {
    const v = await channels.put('ws1', 'email', { provider: 'smtp', settings: { host: '127.0.0.1', port: 2525, secure: false, from: 'shop@example.com' } });
    assert.equal(v.provider, 'smtp');
    assert.equal(v.settings.host, '127.0.0.1');
    assert.deepEqual(v.secrets, { pass: { set: false } });
  });

  test('secrets are sealed at rest and never returned', async () => {
    const v = await channels.put('ws1', 'sms', { provider: 'twilio', settings: twilio(), rateLimit: 5 });
    assert.equal(v.settings.authToken, MASK);
    assert.deepEqual(v.secrets, { authToken: { set: true } });
    assert.equal(v.rateLimit, 5);
    const raw = (await t.db.query(`select * from channel_configs where workspace_id = 'ws1' and channel = 'sms'`))[0];
    assert.ok(!JSON.stringify(raw).includes(TOKEN), 'the plaintext secret is nowhere in the row');
    assert.match(raw.secrets_enc as string, /^v1\./);
    assert.ok(!JSON.stringify(await channels.get('ws1', 'sms')).includes(TOKEN));
    assert.ok(!JSON.stringify(await channels.list('ws1')).includes(TOKEN));
    // A fresh IV per write: the same secret seals differently each time.
    await channels.put('ws1', 'sms', { provider: 'twilio', settings: twilio() });
    const again = (await t.db.query(`select secrets_enc from channel_configs where workspace_id = 'ws1' and channel = 'sms'`))[0];
    assert.notEqual(again.secrets_enc, raw.secrets_enc);
  });

  test('PUT with the mask (or without the secret) keeps the stored secret; the mask alone is refused', async () => {
    await channels.put('ws2', 'sms', { provider: 'twilio', settings: twilio() });
    await channels.put('ws2', 'sms', { provider: 'twilio', settings: twilio({ authToken: MASK, from: '+15550002222' }) });
    const box = secretBox(KEY);
    const row = (await t.db.query(`select secrets_enc from channel_configs where workspace_id = 'ws2' and channel = 'sms'`))[0];
    assert.deepEqual(box.open(row.secrets_enc as string, 'ws2', 'sms'), { authToken: TOKEN });
    await channels.put('ws2', 'sms', { provider: 'twilio', settings: twilio({ authToken: undefined }) });
    assert.deepEqual(box.open((await t.db.query(`select secrets_enc from channel_configs where workspace_id = 'ws2' and channel = 'sms'`))[0].secrets_enc as string, 'ws2', 'sms'), { authToken: TOKEN });
    await assert.rejects(channels.put('ws3', 'sms', { provider: 'twilio', settings: twilio({ authToken: MASK }) }), invalidAt('settings.authToken'));
  });

  test('a sealed secret moved to another workspace or channel does not open (AAD); another key does not either', async () => {
    const box = secretBox(KEY);
    const sealed = box.seal({ authToken: TOKEN }, 'ws1', 'sms');
    assert.deepEqual(box.open(sealed, 'ws1', 'sms'), { authToken: TOKEN });
    assert.throws(() => box.open(sealed, 'ws9', 'sms'), (e: unknown) => e instanceof OmnisError && !(e.message.includes(TOKEN)));
    assert.throws(() => box.open(sealed, 'ws1', 'whatsapp'));
    assert.throws(() => secretBox('another-secret-key-entirely-000').open(sealed, 'ws1', 'sms'));
    assert.throws(() => secretBox('short'), /at least 16/);
  });

  test('providerFor: null when unconfigured, one cached instance per revision, rebuilt on change, gone on remove', async () => {
    assert.equal(await channels.providerFor('ws4', 'push'), null);
    await channels.put('ws4', 'push', { provider: 'capture' });
    const a = await channels.providerFor('ws4', 'push');
    assert.ok(a && 'send' in a);
    assert.equal(await channels.providerFor('ws4', 'push'), a, 'same instance while the config is unchanged');
    await channels.put('ws4', 'push', { provider: 'capture' });
    const b = await channels.providerFor('ws4', 'push');
    assert.notEqual(b, a, 'rebuilt after a put');
    // Another process (another service on the same store) sees the change too.
    const other = new ChannelService({ db: t.db, clock, secretKey: KEY });
    assert.ok(await other.providerFor('ws4', 'push'));
    assert.equal(await channels.remove('ws4', 'push'), true);
    assert.equal(await channels.remove('ws4', 'push'), false);
    assert.equal(await other.providerFor('ws4', 'push'), null);
    assert.equal(await channels.get('ws4', 'push'), null);
    const r = await channels.resolve('ws1', 'sms');
    assert.equal(r?.providerName, 'twilio');
    assert.equal(r?.noIdempotency, true);
    assert.equal(channels.noIdempotency('lob'), false);
  });
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../../testing/index.ts';
import { migrate, type Queryable } from '../../store/index.ts';
import { captureProvider, listCaptured, CAPTURE_CHANNELS } from './capture.ts';
import { ProviderError, type OutboundMessage, type Provider } from './types.ts';

const NOW = Date.parse('2026-04-01T10:00:00Z');

forEachStore('capture provider', kind => {
  let t: TestDb;
  let provider: Provider;
  before(async () => {
    t = await openTestDb(kind);
    await migrate(t.db);
    const factory = captureProvider(t.db);
    provider = factory.create(factory.settings.parse({}), { now: () => NOW, workspaceId: 'ws1' } as never) as Provider;
  });
  after(async () => { await t.close(); });

  const message = (id: string, over: Partial<OutboundMessage> = {}): OutboundMessage => ({
    id, idempotencyKey: id, channel: 'sms', to: { phone: '+15559990000' }, content: { body: `hello ${id}` }, metadata: { journeyId: 'j1' }, ...over,
  });

  test('keeps every message and answers cap_<id>', async () => {
    assert.deepEqual(await provider.send(message('m1')), { providerMessageId: 'cap_m1' });
    await provider.send(message('m2', { channel: 'email', to: { email: 'ada@example.com' }, content: { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi' } }));
    const all = await listCaptured(t.db, 'ws1');
    assert.deepEqual(all.map(c => c.messageId).sort(), ['m1', 'm2']);
    const m1 = all.find(c => c.messageId === 'm1')!;
    assert.deepEqual(m1, {
      messageId: 'm1', providerMessageId: 'cap_m1', workspaceId: 'ws1', channel: 'sms', to: { phone: '+15559990000' },
      content: { body: 'hello m1' }, metadata: { journeyId: 'j1' }, idempotencyKey: 'm1', capturedAt: NOW,
    });
    assert.deepEqual((await listCaptured(t.db, 'ws1', { channel: 'email' })).map(c => c.messageId), ['m2']);
    assert.deepEqual((await listCaptured(t.db, 'ws1', { to: 'ada@example.com' })).map(c => c.messageId), ['m2']);
    assert.deepEqual(await listCaptured(t.db, 'ws-other'), []);
  });

  test('a resend of the same message keeps the first copy and the same id', async () => {
    assert.deepEqual(await provider.send(message('m3')), { providerMessageId: 'cap_m3' });
    assert.deepEqual(await provider.send(message('m3', { content: { body: 'changed' } })), { providerMessageId: 'cap_m3' });
    const m3 = (await listCaptured(t.db, 'ws1')).filter(c => c.messageId === 'm3');
    assert.equal(m3.length, 1);
    assert.equal(m3[0].content.body, 'hello m3');
  });

  test('serves the message channels, refuses others', async () => {
    assert.deepEqual([...CAPTURE_CHANNELS], ['email', 'sms', 'push', 'messenger', 'whatsapp', 'direct_mail', 'webhook', 'in_app']);
    await assert.rejects(provider.send(message('m4', { channel: 'ads' })), (e: unknown) => e instanceof ProviderError && !e.retryable);
    assert.equal(captureProvider(t.db).settings.safeParse({ anything: 1 }).success, false);
  });

  test('sends in flight together are kept by one statement; a failed statement fails each of its sends, and the next ones go through', async () => {
    const statements: string[] = [];
    const counted: Queryable = { query: (sql, params) => { statements.push(sql); return t.db.query(sql, params); } };
    const factory = captureProvider(counted);
    const p = factory.create(factory.settings.parse({}), { now: () => NOW, workspaceId: 'ws-group' } as never) as Provider;
    // The first send starts a statement at once; the seven sent meanwhile (one of them twice) share the next.
    const first = p.send(message('g0'));
    const rest = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g3'].map((id, i) => p.send(message(id, { content: { body: `${id} #${i}` } })));
    assert.deepEqual((await Promise.all([first, ...rest])).map(r => r.providerMessageId), ['cap_g0', 'cap_g1', 'cap_g2', 'cap_g3', 'cap_g4', 'cap_g5', 'cap_g6', 'cap_g3']);
    assert.equal(statements.length, 2, 'one statement for the first send, one for the seven that waited');
    const kept = await listCaptured(t.db, 'ws-group');
    assert.deepEqual(kept.map(c => c.messageId).sort(), ['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6']);
    assert.equal(kept.find(c => c.messageId === 'g3')!.content.body, 'g3 #2', 'of a message sent twice at once, the first copy is kept');

    await t.db.exec('alter table captured_messages rename to captured_messages_away');
    try {
      const failed = await Promise.allSettled([p.send(message('f1')), p.send(message('f2')), p.send(message('f3'))]);
      assert.deepEqual(failed.map(r => r.status), ['rejected', 'rejected', 'rejected']);
    } finally { await t.db.exec('alter table captured_messages_away rename to captured_messages'); }
    assert.deepEqual(await p.send(message('f1')), { providerMessageId: 'cap_f1' });
    assert.deepEqual((await listCaptured(t.db, 'ws-group')).map(c => c.messageId).filter(id => id.startsWith('f')), ['f1']);
  });
});

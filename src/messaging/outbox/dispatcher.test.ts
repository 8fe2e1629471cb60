import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore } from '../../testing/index.ts';
import type { Db } from '../../store/index.ts';
import { denied, granted, openHarness, profile, WS, type Harness } from './testing.ts';

forEachStore('dispatcher with the capture provider', kind => {
  let h: Harness;
  before(async () => {
    h = await openHarness(kind);
    for (const channel of ['email', 'sms', 'push', 'direct_mail', 'in_app', 'webhook']) await h.messaging.channels.put(WS, channel, { provider: 'capture' });
  });
  after(async () => { await h.close(); });
  beforeEach(() => { h.emitted.length = 0; h.policyCalls.length = 0; h.templateLoads.length = 0; });

  test('end to end: rendered at send time, captured, sent with cap_ id, history and a "Message Sent" event', async () => {
    h.profiles.set('p1', profile({ email: granted() }));
    const id = await h.enqueue({ idempotencyKey: 'e2e', profileId: 'p1', journeyId: 'j1', journeyVersion: 2, stepId: 'mail1', runId: 'r1', context: { offer: { code: 'SPRING' } } });
    assert.equal(await h.messaging.dispatcher.runOnce(), 1);
    const m = await h.message(id);
    assert.equal(m.status, 'sent');
    assert.equal(m.provider, 'capture');
    assert.equal(m.providerMessageId, `cap_${id}`);
    assert.equal(m.attempts, 1);
    assert.equal(m.sentAt, h.clock.now());
    assert.deepEqual(m.history.map(x => x.status), ['queued', 'sending', 'sent']);
    assert.equal(m.rendered?.subject, 'Welcome Ada');
    const captured = await h.messaging.listCaptured(WS, { channel: 'email' });
    assert.equal(captured.length, 1);
    assert.equal(captured[0].messageId, id);
    assert.equal(captured[0].to.email, 'ada@example.com');
    assert.match(captured[0].content.html ?? '', /Hi Ada, code SPRING/);
    assert.equal(captured[0].idempotencyKey, id, 'the idempotency key given to the provider is the message id');
    assert.deepEqual(captured[0].metadata, { messageId: id, templateKey: 'welcome', journeyId: 'j1', stepId: 'mail1' });
    assert.equal(h.emitted.length, 1);
    const e = h.emitted[0];
    assert.equal(e.event, 'Message Sent');
    assert.equal(e.type, 'track');
    assert.equal(e.sourceId, 'internal');
    assert.equal(e.anonymousId, 'p1');
    assert.equal(e.context.profileId, 'p1');
    assert.equal(e.channel, 'email');
    assert.deepEqual([e.properties.messageId, e.properties.journeyId, e.properties.stepId, e.properties.templateKey], [id, 'j1', 'mail1', 'welcome']);
  });

  test('a pass reads each template and channel configuration once for all its messages; the next pass reads them again', async () => {
    for (const p of ['once-a', 'once-b', 'once-c']) h.profiles.set(p, profile({ email: granted() }));
    const ids = [];
    for (const p of ['once-a', 'once-b', 'once-c']) ids.push(await h.enqueue({ idempotencyKey: `once-${p}`, profileId: p }));
    const channels = h.messaging.channels;
    const resolve = channels.resolve;
    let resolved = 0;
    channels.resolve = (ws, channel) => { resolved++; return resolve.call(channels, ws, channel); };
    try {
      assert.equal(await h.messaging.dispatcher.runOnce(), 3);
    } finally { channels.resolve = resolve; }
    for (const id of ids) assert.equal((await h.message(id)).status, 'sent');
    assert.deepEqual(h.templateLoads, ['welcome:email']);
    assert.equal(resolved, 1, 'the email channel resolved once');
    const welcome = h.templates.get('welcome:email')!;
    h.templates.set('welcome:email', { ...welcome, subject: 'Changed {{ profile.traits.firstName }}' });
    try {
      const later = await h.enqueue({ idempotencyKey: 'once-later', profileId: 'once-a' });
      assert.equal(await h.messaging.dispatcher.runOnce(), 1);
      assert.equal((await h.message(later)).rendered?.subject, 'Changed Ada');
      assert.deepEqual(h.templateLoads, ['welcome:email', 'welcome:email']);
    } finally { h.templates.set('welcome:email', welcome); }
  });

  test('a pass costs a few statements however many it sends: recipients read at once, decisions and outcomes written together', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      h.profiles.set(`bulk-${i}`, profile({ email: granted() }));
      ids.push(await h.enqueue({ idempotencyKey: `bulk-${i}`, profileId: `bulk-${i}` }));
    }
    // A second message of one profile goes a round later, after the first is recorded as sent.
    h.clock.advance(1);
    ids.push(await h.enqueue({ idempotencyKey: 'bulk-0-again', profileId: 'bulk-0' }));
    h.profileLoads.length = 0;
    const statements: string[] = [];
    const db = h.db as Db & Record<string, unknown>;
    const { query, transaction } = db;
    db.query = ((sql: string, params?: unknown[]) => { statements.push(sql); return query.call(db, sql, params); }) as Db['query'];
    db.transaction = (fn => transaction.call(db, tx => fn(new Proxy(tx, {
      get: (t, k) => (k === 'query' ? (sql: string, params?: unknown[]) => { statements.push(sql); return t.query(sql, params); } : Reflect.get(t, k)),
    })))) as Db['transaction'];
    try {
      assert.equal(await h.messaging.dispatcher.runOnce(), 21);
    } finally { db.query = query; db.transaction = transaction; }
    for (const id of ids) assert.equal((await h.message(id)).status, 'sent');
    assert.deepEqual(h.profileLoads.map(l => [...l].sort()), [ids.slice(0, 20).map((_, i) => `bulk-${i}`).sort(), ['bulk-0']], 'one read per round');
    // The capture provider keeps each message it "sends" with a statement of its own. The outbox's
    // decisions are per round; outcomes are written together as they come back, at worst one
    // write per message when every call returns after the write before it (here about 10 in all;
    // deciding each message in its own transaction, as before, took more than 60).
    const outbox = statements.filter(s => !s.includes('captured_messages'));
    assert.ok(outbox.length <= 30, `the outbox's statements for 21 messages in two rounds: ${outbox.length}`);
  });

  test('nothing is sent before send_at; it goes once the clock gets there', async () => {
    h.profiles.set('p2', profile({ sms: granted() }));
    const id = await h.enqueue({ idempotencyKey: 'later', profileId: 'p2', channel: 'sms', sendAt: h.clock.now() + 3600_000 });
    assert.equal(await h.messaging.dispatcher.runOnce(), 0);
    assert.equal(await h.messaging.dispatcher.nextDueAt(), h.clock.now() + 3600_000);
    h.clock.advance(3600_000);
    await h.messaging.dispatcher.runOnce();
    assert.equal((await h.message(id)).status, 'sent');
  });

  test('suppressed with a reason, never sent: no consent, consent denied, unreachable, unknown profile, unconfigured channel', async () => {
    h.profiles.set('noconsent', profile({}));
    h.profiles.set('denied', profile({ email: denied() }));
    h.profiles.set('bounced', profile({ email: granted() }, { channels: { email: { address: 'x@example.com', reachable: false, reason: 'hard bounce' } } }));
    h.profiles.set('nophone', profile({ sms: granted() }, { channels: {}, traits: {} }));
    h.profiles.set('mailable', profile({ whatsapp: granted() }));
    const cases: [string, Record<string, unknown>, string][] = [
      ['s1', { profileId: 'noconsent' }, 'no consent: email not granted'],
      ['s2', { profileId: 'denied' }, 'no consent: email denied'],
      ['s3', { profileId: 'bounced' }, 'unreachable: email hard bounce'],
      ['s4', { profileId: 'nophone', channel: 'sms' }, 'unreachable: no phone number'],
      ['s5', { profileId: 'ghost' }, 'profile not found'],
      ['s6', { profileId: 'mailable', channel: 'whatsapp' }, 'channel not configured'],
    ];
    const before = (await h.messaging.listCaptured(WS, { limit: 1000 })).length;
    const ids = await Promise.all(cases.map(([key, over]) => h.enqueue({ idempotencyKey: key, ...over })));
    await h.messaging.dispatcher.runOnce();
    for (const [i, [, , reason]] of cases.entries()) {
      const m = await h.message(ids[i]);
      assert.deepEqual([m.status, m.reason], ['suppressed', reason], cases[i][0]);
      assert.equal(m.attempts, 0);
      assert.deepEqual(m.history.map(x => x.status), ['queued', 'sending', 'suppressed']);
    }
    assert.equal((await h.messaging.listCaptured(WS, { limit: 1000 })).length, before);
    assert.deepEqual(h.emitted.map(e => e.event), cases.map(() => 'Message Suppressed'));
    assert.deepEqual(h.emitted.map(e => e.properties.reason).sort(), cases.map(c => c[2]).sort());
    assert.equal(h.policyCalls.length, 0, 'the policy is asked only about messages that could go');
  });

  test('transactional messages ignore marketing consent but still need an address', async () => {
    h.profiles.set('tx', profile({ email: denied() }));
    h.profiles.set('tx-noaddr', profile({}, { channels: {}, traits: {} }));
    const a = await h.enqueue({ idempotencyKey: 't1', profileId: 'tx', purpose: 'transactional' });
    const b = await h.enqueue({ idempotencyKey: 't2', profileId: 'tx-noaddr', purpose: 'transactional' });
    await h.messaging.dispatcher.runOnce();
    assert.equal((await h.message(a)).status, 'sent');
    assert.deepEqual([(await h.message(b)).status, (await h.message(b)).reason], ['suppressed', 'unreachable: no email address']);
  });

  test('the policy suppresses, or delays to a new send_at and is asked again then', async () => {
    h.profiles.set('pp', profile({ email: granted() }));
    h.policy.set('pol-s', { action: 'suppress', reason: 'frequency cap: 1 email per 16 h' });
    const until = h.clock.now() + 8 * 3600_000;
    h.policy.set('pol-d', { action: 'delay', until });
    const s = await h.enqueue({ idempotencyKey: 'pol-s', profileId: 'pp' });
    const d = await h.enqueue({ idempotencyKey: 'pol-d', profileId: 'pp' });
    await h.messaging.dispatcher.runOnce();
    const ms = await h.message(s);
    assert.deepEqual([ms.status, ms.reason, ms.attempts], ['suppressed', 'frequency cap: 1 email per 16 h', 0]);
    const md = await h.message(d);
    assert.deepEqual([md.status, md.sendAt, md.attempts], ['queued', until, 0]);
    assert.deepEqual(md.history.map(x => x.status), ['queued', 'sending', 'queued']);
    h.policy.delete('pol-d');
    h.clock.advance(3600_000);
    assert.equal(await h.messaging.dispatcher.runOnce(), 0, 'not before the delay');
    h.clock.set(until);
    await h.messaging.dispatcher.runOnce();
    assert.equal((await h.message(d)).status, 'sent');
    assert.equal(h.policyCalls.filter(m => m.id === d).length, 2);
  });

  test('a missing template fails the message, naming the template', async () => {
    h.profiles.set('pt', profile({ email: granted() }));
    const id = await h.enqueue({ idempotencyKey: 'no-tpl', profileId: 'pt', templateKey: 'nope' });
    await h.messaging.dispatcher.runOnce();
    const m = await h.message(id);
    assert.equal(m.status, 'failed');
    assert.match(m.reason ?? '', /template: .*no template "nope" for channel email/);
    assert.equal(h.emitted.at(-1)?.event, 'Message Failed');
  });

  test('an outcome that cannot be written after the provider call stays in sending, attempted, for crash recovery, which resends it once', async () => {
    h.profiles.set('lost-write', profile({ email: granted() }));
    const id = await h.enqueue({ idempotencyKey: 'lost-write', profileId: 'lost-write' });
    h.errors.length = 0;
    const db = h.db as Db & Record<string, unknown>;
    const { query } = db;
    // Every write of outcomes fails once the provider has been called.
    db.query = ((sql: string, params?: unknown[]) => (sql.includes('x(id text, status text') ? Promise.reject(new Error('connection lost')) : query.call(db, sql, params))) as Db['query'];
    try {
      assert.equal(await h.messaging.dispatcher.runOnce(), 1);
    } finally { db.query = query; }
    const m = await h.message(id);
    assert.equal(m.status, 'sending');
    assert.ok(m.attemptedAt, 'the provider call is on record');
    assert.match(String((h.errors[0] as Error)?.message), /after the provider call: connection lost/);
    const captured = async () => (await h.messaging.listCaptured(WS, { limit: 1000 })).filter(c => c.messageId === id).length;
    assert.equal(await captured(), 1);
    // The capture provider dedupes on the message id: recovery requeues it and the resend is kept once.
    assert.equal(await h.messaging.dispatcher.recover({ all: true }), 1);
    await h.messaging.dispatcher.runOnce();
    assert.equal((await h.message(id)).status, 'sent');
    assert.equal(await captured(), 1);
    h.errors.length = 0;
  });

  test('direct mail goes to traits.address, push to the tokens, in-app to the profile', async () => {
    h.profiles.set('pm', profile({ direct_mail: granted(), push: granted(), in_app: granted() }));
    h.templates.set('note:in_app', { key: 'note', channel: 'in_app', title: 'Hello', body: 'New arrivals' });
    const ids = [
      await h.enqueue({ idempotencyKey: 'dm', profileId: 'pm', channel: 'direct_mail', templateKey: 'letter' }),
      await h.enqueue({ idempotencyKey: 'push', profileId: 'pm', channel: 'push' }),
      await h.enqueue({ idempotencyKey: 'inapp', profileId: 'pm', channel: 'in_app', templateKey: 'note' }),
    ];
    await h.messaging.dispatcher.runOnce();
    for (const id of ids) assert.equal((await h.message(id)).status, 'sent', id);
    const byId = new Map((await h.messaging.listCaptured(WS, { limit: 1000 })).map(c => [c.messageId, c]));
    assert.deepEqual(byId.get(ids[0])?.to.address, { name: 'Ada Lovelace', line1: '185 Berry St', city: 'San Francisco', state: 'CA', postalCode: '94107', country: 'US' });
    assert.deepEqual(byId.get(ids[1])?.to.pushTokens, ['tok-1']);
    assert.equal(byId.get(ids[2])?.content.body, 'New arrivals');
  });

  test('a journey webhook step renders the request it carries in its context (no stored template)', async () => {
    h.profiles.set('pw', profile({}));
    const id = await h.enqueue({
      idempotencyKey: 'wh', profileId: 'pw', channel: 'webhook', templateKey: 'webhook:notify', purpose: 'transactional',
      context: { webhook: { url: 'https://crm.example/hooks/{{ journey.id }}', method: 'POST', headers: { authorization: 'Bearer t' }, body: { email: '{{ profile.traits.email }}' } }, journey: { id: 'j7' } },
    });
    await h.messaging.dispatcher.runOnce();
    assert.equal((await h.message(id)).status, 'sent');
    const c = (await h.messaging.listCaptured(WS, { channel: 'webhook' }))[0];
    assert.deepEqual(c.content, { url: 'https://crm.example/hooks/j7', body: '{"email":"ada@example.com"}', headers: { authorization: 'Bearer t' } });
  });

  test('an internal error before the provider call puts the message back after the base backoff, no attempt spent', async () => {
    const broken = { ...profile({ email: granted() }) };
    Object.defineProperty(broken, 'consent', { get() { throw new Error('profile store hiccup'); } });
    h.profiles.set('pboom', broken);
    const id = await h.enqueue({ idempotencyKey: 'boom', profileId: 'pboom' });
    const errors = h.errors.length;
    await h.messaging.dispatcher.runOnce();
    const m = await h.message(id);
    assert.deepEqual([m.status, m.attempts, m.nextAttemptAt - h.clock.now()], ['queued', 0, 30_000]);
    assert.match(m.reason ?? '', /internal error: profile store hiccup/);
    assert.equal(h.errors.length, errors + 1, 'reported to onError');
    await h.messaging.cancel(h.db, { workspaceId: WS, profileId: 'pboom' }, 'test over');
  });

  test('start() drains in the background and stop() ends it', async () => {
    h.profiles.set('bg', profile({ email: granted() }));
    await h.messaging.start();
    const id = await h.enqueue({ idempotencyKey: 'bg1', profileId: 'bg' });
    for (let i = 0; i < 200 && (await h.message(id)).status !== 'sent'; i++) await new Promise(r => setTimeout(r, 5));
    assert.equal((await h.message(id)).status, 'sent');
    await h.messaging.dispatcher.stop();
    assert.equal(h.errors.length, 1, 'only the deliberate error of the test before');
  });
});

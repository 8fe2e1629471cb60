import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { VirtualClock } from '../shared/index.ts';

const count = async (t: TestOmnis) => (await t.omnis.db.query<{ n: number }>('select count(*)::int as n from events'))[0].n;

forEachStore('tracking API', kind => {
  let t: TestOmnis;
  before(async () => { t = await startTestOmnis(kind); });
  after(async () => { await t.close(); });

  test('every call type is accepted with Segment shapes', async () => {
    const calls: [string, object][] = [
      ['identify', { userId: 'u1', traits: { plan: 'gold' } }],
      ['track', { userId: 'u1', event: 'Product Viewed', properties: { sku: 'K-1' } }],
      ['page', { anonymousId: 'a1', name: 'Home', properties: { path: '/' } }],
      ['screen', { userId: 'u1', name: 'Cart' }],
      ['group', { userId: 'u1', groupId: 'acme', traits: { employees: 40 } }],
      ['alias', { userId: 'u1', previousId: 'a1' }],
    ];
    for (const [type, body] of calls) {
      const r = await t.track(`/v1/${type}`, body);
      assert.equal(r.status, 200, type);
      assert.deepEqual(r.json, { accepted: 1, rejected: [] }, type);
    }
  });

  test('writeKey in the body, gzip, and any content type', async () => {
    const before = await count(t);
    const r1 = await t.app.inject({ method: 'POST', url: '/v1/track', payload: JSON.stringify({ writeKey: t.writeKey, userId: 'u2', event: 'Body Key' }), headers: { 'content-type': 'text/plain' } });
    assert.equal(r1.statusCode, 200);
    const r2 = await t.track('/v1/batch', gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'u2', event: 'Zipped' }] })), { 'content-encoding': 'gzip', 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(r2.status, 200);
    assert.equal(r2.json.accepted, 1);
    const r3 = await t.app.inject({ method: 'POST', url: '/v1/track', payload: JSON.stringify({ userId: 'u2', event: 'No Type' }), headers: { authorization: 'Basic ' + Buffer.from(`${t.writeKey}:`).toString('base64') } });
    assert.equal(r3.statusCode, 200);
    assert.equal(await count(t), before + 3);
  });

  test('each bad event is rejected alone, naming the field, and nothing of it is stored', async () => {
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 40; i++) { cur.x = {}; cur = cur.x as Record<string, unknown>; }
    const many = Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`p${i}`, i]));
    const before = await count(t);
    const batch = [
      { type: 'track', userId: 'ok-1', event: 'Fine' },
      { type: 'track', event: 'No Ids' },
      { type: 'launch', userId: 'u' },
      { type: 'track', userId: 'u', event: 'Proto', properties: JSON.parse('{"__proto__": {"admin": true}}') },
      { type: 'track', userId: 'u', event: 'Deep', properties: deep },
      { type: 'track', userId: 'u', event: 'Many', properties: many },
      { type: 'track', userId: 'u', event: 'Big', properties: { s: 'x'.repeat(33 * 1024) } },
      { type: 'track', userId: 'u', event: 'Bad Time', timestamp: 'yesterday' },
      { type: 'track', userId: 'u' },
      { type: 'identify', userId: { id: 1 } },
      { type: 'alias', userId: 'u' },
      { type: 'track', userId: 'u', event: 'Props Array', properties: [1, 2] },
      { type: 'track', userId: 'u', event: 'Long Id', messageId: 'm'.repeat(101) },
      'not an object',
      { type: 'track', userId: 'ok-2', event: 'Fine too' },
    ];
    const r = await t.track('/v1/batch', JSON.stringify({ batch }));
    assert.equal(r.status, 200);
    assert.equal(r.json.accepted, 2);
    const errors = Object.fromEntries(r.json.rejected.map((x: { index: number; error: string }) => [x.index, x.error]));
    assert.deepEqual(Object.keys(errors).map(Number), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    assert.match(errors[1], /^userId: every event needs a userId or an anonymousId/);
    assert.match(errors[2], /^type: expected one of/);
    assert.match(errors[3], /^properties\.__proto__: forbidden key/);
    assert.match(errors[4], /^properties(\.x)+: nested deeper than 32/);
    assert.match(errors[5], /^properties: more than 300 properties/);
    assert.match(errors[6], /^event: is \d+ bytes; the limit is 32768/);
    assert.match(errors[7], /^timestamp: expected an ISO-8601 date/);
    assert.match(errors[8], /^event: track calls need an event name/);
    assert.match(errors[9], /^userId: expected a string/);
    assert.match(errors[10], /^previousId: alias calls need a previousId/);
    assert.match(errors[11], /^properties: expected an object, got array/);
    assert.match(errors[12], /^messageId: longer than 100/);
    assert.match(errors[13], /^event: expected an object/);
    assert.equal(await count(t), before + 2);
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  test('request-level errors: malformed JSON 400, invalid UTF-8 400, oversize 413, gzip bomb 413, bad key 401', async () => {
    const before = await count(t);
    let r = await t.track('/v1/track', '{"userId":');
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'body');
    assert.match(r.json.error.message, /malformed JSON/);
    r = await t.track('/v1/track', Buffer.concat([Buffer.from('{"userId":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","event":"x"}')]));
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /not valid UTF-8/);
    r = await t.track('/v1/batch', JSON.stringify({ batch: [{ type: 'track', userId: 'x', event: 'y', properties: { s: 'x'.repeat(520 * 1024) } }] }));
    assert.equal(r.status, 413);
    r = await t.track('/v1/batch', gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'x', event: 'y', properties: { s: 'x'.repeat(2 * 1024 * 1024) } }] })), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 413);
    r = await t.track('/v1/track', Buffer.from('not gzip'), { 'content-encoding': 'gzip' });
    assert.equal(r.status, 400);
    r = await t.track('/v1/batch', JSON.stringify({ batch: 'nope' }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'batch');
    const bad = await t.app.inject({ method: 'POST', url: '/v1/track', payload: '{"userId":"x","event":"y"}', headers: { authorization: 'Basic ' + Buffer.from('nope:').toString('base64') } });
    assert.equal(bad.statusCode, 401);
    const none = await t.app.inject({ method: 'POST', url: '/v1/track', payload: '{"userId":"x","event":"y"}' });
    assert.equal(none.statusCode, 401);
    const admin = await t.app.inject({ method: 'POST', url: '/v1/track', payload: '{"userId":"x","event":"y"}', headers: { authorization: 'Basic ' + Buffer.from(`${t.adminKey}:`).toString('base64') } });
    assert.equal(admin.statusCode, 401, 'admin keys do not ingest');
    assert.equal(await count(t), before);
  });

  test('a revoked write key is refused at once', async () => {
    const created = await t.admin('POST', '/api/v1/keys', { kind: 'write', name: 'pos', source: 'pos', channel: 'pos' });
    assert.equal(created.status, 201);
    const auth = { authorization: 'Basic ' + Buffer.from(`${created.json.secret}:`).toString('base64') };
    let r = await t.app.inject({ method: 'POST', url: '/v1/track', payload: '{"userId":"x","event":"y"}', headers: auth });
    assert.equal(r.statusCode, 200);
    assert.equal((await t.admin('POST', `/api/v1/keys/${created.json.id}/revoke`)).status, 200);
    r = await t.app.inject({ method: 'POST', url: '/v1/track', payload: '{"userId":"x","event":"y"}', headers: auth });
    assert.equal(r.statusCode, 401);
    const list = await t.admin('GET', '/api/v1/keys');
    assert.ok(list.json.data.every((k: Record<string, unknown>) => !('secret' in k) && !('key_hash' in k) && !('keyHash' in k)));
  });

  test('duplicate messageIds are processed once', async () => {
    const e = { type: 'track', userId: 'dup-user', event: 'Once', messageId: 'dup-msg-1' };
    await t.track('/v1/batch', { batch: [e, e] });
    await t.track('/v1/track', e);
    await t.omnis.idle();
    const p = await t.admin('GET', '/api/v1/profiles?identifier=user_id:dup-user');
    const tl = await t.admin('GET', `/api/v1/profiles/${p.json.id}/events`);
    assert.equal(tl.json.events.length, 1);
  });

  test('batch context merges into each item; messageId assigned; channel from context, key, or library', async () => {
    await t.track('/v1/batch', {
      context: { library: { name: 'analytics-python' }, ip: '1.2.3.4', channel: 'marketplace' },
      batch: [
        { type: 'track', userId: 'ctx-user', event: 'A', messageId: 'ctx-a' },
        { type: 'track', userId: 'ctx-user', event: 'B', messageId: 'ctx-b', context: { channel: 'email' } },
      ],
    });
    await t.track('/v1/track', { userId: 'ctx-user', event: 'C', messageId: 'ctx-c' });
    await t.track('/v1/track', { userId: 'ctx-user', event: 'D', context: { channel: 'Browser' } });
    await t.omnis.idle();
    const rows = await t.omnis.db.query<{ name: string; channel: string; body: { context: Record<string, unknown> }; message_id: string }>(
      `select name, channel, body, message_id from events where user_id = 'ctx-user' order by seq`);
    assert.deepEqual(rows.map(r => `${r.name}:${r.channel}`), ['A:marketplace', 'B:email', 'C:web', 'D:web']);
    assert.equal(rows[1].body.context.ip, '1.2.3.4');
    assert.match(rows[3].message_id, /^omnis-/);
    const bad = await t.track('/v1/track', { userId: 'x', event: 'y', context: { channel: 'no such channel!' } });
    assert.match(bad.json.rejected[0].error, /^context\.channel:/);
  });
});

describe('clock skew and rate limits', () => {
  test('timestamp = receivedAt − (sentAt − originalTimestamp)', async () => {
    const clock = new VirtualClock(Date.parse('2026-03-02T12:00:00Z'));
    const t = await startTestOmnis('pglite', { clock });
    try {
      // The device clock is 1 hour fast: it says it sent at 13:00 an event it made at 12:55.
      await t.track('/v1/track', { userId: 'skew', event: 'Skewed', timestamp: '2026-03-02T12:55:00Z', sentAt: '2026-03-02T13:00:00Z' });
      await t.track('/v1/batch', { sentAt: '2026-03-02T13:00:00Z', batch: [{ type: 'track', userId: 'skew', event: 'Batch Skewed', timestamp: '2026-03-02T12:59:00Z' }] });
      await t.track('/v1/track', { userId: 'skew', event: 'No Sent At', timestamp: '2026-02-01T00:00:00Z' });
      await t.omnis.idle();
      const rows = await t.omnis.db.query<{ name: string; ts: Date }>(`select name, ts from events where user_id = 'skew' order by seq`);
      assert.deepEqual(rows.map(r => [r.name, r.ts.toISOString()]), [
        ['Skewed', '2026-03-02T11:55:00.000Z'], ['Batch Skewed', '2026-03-02T11:59:00.000Z'], ['No Sent At', '2026-02-01T00:00:00.000Z']]);
    } finally { await t.close(); }
  });

  test('past the per-key rate limit: 429 with Retry-After, and nothing stored', async () => {
    const clock = new VirtualClock();
    const t = await startTestOmnis('pglite', { clock, rateLimit: 10 });
    try {
      const batch = Array.from({ length: 25 }, (_, i) => ({ type: 'track', userId: 'rl', event: 'E', messageId: `rl-${i}` }));
      assert.equal((await t.track('/v1/batch', { batch })).status, 200); // a full bucket lets one large batch through
      const r = await t.track('/v1/batch', { batch: batch.map(e => ({ ...e, messageId: e.messageId + 'b' })) });
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers['retry-after']) >= 1);
      assert.equal(r.json.error.code, 'rate_limited');
      clock.advance(10_000);
      assert.equal((await t.track('/v1/track', { userId: 'rl', event: 'Later' })).status, 200);
      assert.equal(await count(t), 26);
    } finally { await t.close(); }
  });
});

describe('management API input errors', () => {
  test('an unknown key is named, not just the object that holds it', async () => {
    const t = await startTestOmnis('pglite');
    try {
      const r = await t.admin('POST', '/api/v1/keys', { kind: 'write', nmae: 'typo' });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.field, 'nmae');
      const q = await t.admin('GET', '/api/v1/profiles/p/events?limit=abc');
      assert.equal(q.status, 400);
      assert.equal(q.json.error.field, 'query.limit');
    } finally { await t.close(); }
  });
});

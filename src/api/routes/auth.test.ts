import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { forEachStore, startTestOmnis, signIn as signInAs, asUser, type TestOmnis } from '../../testing/index.ts';
import { DEFAULT_WORKSPACE } from '../../app/index.ts';
import type { VirtualClock } from '../../shared/index.ts';

const PASSWORD = 'correct horse battery';
const HOUR = 3600_000;
const signIn = (t: TestOmnis, email: string, password = PASSWORD, headers: Record<string, string> = {}) => signInAs(t, email, password, headers);

forEachStore('console sign-in, sessions and CSRF', kind => {
  let t: TestOmnis;
  let clock: VirtualClock;
  before(async () => {
    t = await startTestOmnis(kind);
    clock = t.clock as VirtualClock;
    await t.omnis.users.create(DEFAULT_WORKSPACE, { email: 'Ana@Shop.com', name: 'Ana', role: 'marketer', password: PASSWORD });
  });
  after(async () => { await t.close(); });

  test('login: user and CSRF token, an HttpOnly SameSite cookie; email compared trimmed and lower-cased', async () => {
    const s = await signIn(t, '  ANA@shop.com ');
    assert.equal(s.status, 200, JSON.stringify(s.json));
    assert.deepEqual(Object.keys(s.json.user).sort(), ['email', 'id', 'name', 'role', 'workspaceId']);
    assert.deepEqual([s.json.user.email, s.json.user.name, s.json.user.role, s.json.user.workspaceId], ['ana@shop.com', 'Ana', 'marketer', DEFAULT_WORKSPACE]);
    assert.match(s.csrf, /^[A-Za-z0-9_-]{20,}$/);
    const c = s.cookie!;
    assert.equal(c.httpOnly, true);
    assert.match(String(c.sameSite), /^(Lax|Strict)$/);
    assert.equal(c.path, '/');
    assert.equal(c.maxAge, 7 * 24 * 3600);
    assert.ok(!c.secure, 'plain http: no Secure flag');
    const https = await signIn(t, 'ana@shop.com', PASSWORD, { 'x-forwarded-proto': 'https' });
    assert.equal(https.cookie!.secure, true);
    // Only the token's hash is stored.
    const rows = await t.omnis.db.query<{ token_hash: string }>('select token_hash from user_sessions');
    assert.ok(rows.some(r => r.token_hash === createHash('sha256').update(s.token).digest('hex')));
    assert.ok(!rows.some(r => r.token_hash.includes(s.token)));
  });

  test('unknown email and wrong password get the same 401', async () => {
    const unknown = await signIn(t, 'nobody@shop.com');
    const wrong = await signIn(t, 'ana@shop.com', 'not the password');
    assert.deepEqual([unknown.status, wrong.status], [401, 401]);
    assert.equal(unknown.json.error.code, 'unauthorized');
    assert.equal(unknown.json.error.message, wrong.json.error.message);
    assert.equal(unknown.cookie, undefined);
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'ana@shop.com' } });
    assert.deepEqual([missing.statusCode, missing.json().error.field], [400, 'password']);
  });

  test('me: the session user and its CSRF token, 401 without a session', async () => {
    const s = await signIn(t, 'ana@shop.com');
    const me = await asUser(t, s)('GET', '/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.deepEqual(me.json, s.json);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode, 401);
    assert.equal((await asUser(t, { token: 'A'.repeat(43), csrf: '' })('GET', '/api/v1/auth/me')).status, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/segments' })).statusCode, 401);
  });

  test('CSRF: a cookie request that changes something needs x-csrf-token equal to the session\'s', async () => {
    const s = await signIn(t, 'ana@shop.com');
    const call = asUser(t, s);
    const body = { name: 'Everyone who bought', condition: { event: 'Order Completed', count: { op: 'gte', value: 1 } } };
    const none = await call('POST', '/api/v1/segments', body, {});
    assert.equal(none.status, 403);
    assert.deepEqual([none.json.error.code, none.json.error.field], ['forbidden', 'x-csrf-token']);
    assert.match(none.json.error.message, /x-csrf-token/);
    const other = await signIn(t, 'ana@shop.com');
    const wrong = await call('POST', '/api/v1/segments', body, { 'x-csrf-token': other.csrf });
    assert.deepEqual([wrong.status, wrong.json.error.field], [403, 'x-csrf-token']);
    assert.equal((await t.admin('GET', '/api/v1/segments')).json.data.length, 0, 'refused requests changed nothing');
    const ok = await call('POST', '/api/v1/segments', body);
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    assert.equal((await call('GET', '/api/v1/segments', undefined, {})).status, 200, 'reads need no CSRF token');
  });

  test('Bearer admin keys work as before: no CSRF, full access, even next to a session cookie', async () => {
    const created = await t.admin('POST', '/api/v1/keys', { kind: 'write', name: 'pos' });
    assert.equal(created.status, 201);
    const s = await signIn(t, 'ana@shop.com');
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/keys', payload: { kind: 'write' }, headers: { authorization: `Bearer ${t.adminKey}`, cookie: `omnis_session=${s.token}` } });
    assert.equal(r.statusCode, 201, 'the key decides, not the marketer\'s cookie');
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/segments', headers: { authorization: 'Bearer ak_nottherightkeyatall', cookie: `omnis_session=${s.token}` } });
    assert.equal(bad.statusCode, 401);
  });

  test('logout: needs the CSRF token, deletes the session on the server and clears the cookie', async () => {
    const s = await signIn(t, 'ana@shop.com');
    const call = asUser(t, s);
    assert.equal((await call('POST', '/api/v1/auth/logout', {}, {})).status, 403);
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: {}, headers: { cookie: `omnis_session=${s.token}`, 'x-csrf-token': s.csrf } });
    assert.equal(out.statusCode, 204);
    const cleared = out.cookies.find(c => c.name === 'omnis_session')!;
    assert.equal(cleared.value, '');
    assert.ok((cleared.expires && cleared.expires.getTime() < Date.now()) || cleared.maxAge === 0);
    const hash = createHash('sha256').update(s.token).digest('hex');
    assert.equal((await t.omnis.db.query('select 1 from user_sessions where token_hash = $1', [hash])).length, 0);
    assert.equal((await call('GET', '/api/v1/auth/me')).status, 401);
    assert.equal((await call('GET', '/api/v1/segments')).status, 401);
    assert.equal((await call('POST', '/api/v1/auth/logout', {})).status, 204, 'signing out twice is fine');
  });

  test('sessions end after 12 h idle or 7 days in all; last_seen_at is written at most once a minute', async () => {
    const s = await signIn(t, 'ana@shop.com');
    const call = asUser(t, s);
    const hash = createHash('sha256').update(s.token).digest('hex');
    const lastSeen = async () => (await t.omnis.db.query<{ last_seen_at: Date }>('select last_seen_at from user_sessions where token_hash = $1', [hash]))[0].last_seen_at.getTime();
    const t0 = await lastSeen();
    clock.advance(30_000);
    assert.equal((await call('GET', '/api/v1/auth/me')).status, 200);
    assert.equal(await lastSeen(), t0, 'not rewritten within a minute');
    clock.advance(31_000);
    assert.equal((await call('GET', '/api/v1/segments')).status, 200);
    assert.equal(await lastSeen(), clock.now());
    // Used every 11 h, it lives until 7 days after sign-in.
    const start = t0;
    while (clock.now() + 11 * HOUR < start + 7 * 24 * HOUR) {
      clock.advance(11 * HOUR);
      assert.equal((await call('GET', '/api/v1/auth/me')).status, 200, `alive at ${(clock.now() - start) / HOUR} h`);
    }
    clock.set(start + 7 * 24 * HOUR);
    assert.equal((await call('GET', '/api/v1/auth/me')).status, 401, 'past 7 days');
    assert.equal((await t.omnis.db.query('select 1 from user_sessions where token_hash = $1', [hash])).length, 0);

    const idle = await signIn(t, 'ana@shop.com');
    clock.advance(12 * HOUR - 1000);
    assert.equal((await asUser(t, idle)('GET', '/api/v1/auth/me')).status, 200);
    clock.advance(12 * HOUR);
    assert.equal((await asUser(t, idle)('GET', '/api/v1/auth/me')).status, 401, '12 h without use');
  });

  test('repeated failures for an email are throttled (429, Retry-After) even with the right password, then allowed again', async () => {
    await t.omnis.users.create(DEFAULT_WORKSPACE, { email: 'bo@shop.com', role: 'analyst', password: PASSWORD });
    for (let i = 0; i < 5; i++) assert.equal((await signIn(t, 'bo@shop.com', `guess number ${i}`)).status, 401);
    const locked = await signIn(t, 'BO@shop.com');
    assert.equal(locked.status, 429);
    assert.equal(locked.json.error.code, 'rate_limited');
    assert.equal(locked.headers['retry-after'], String(15 * 60));
    assert.equal(locked.cookie, undefined);
    assert.equal((await signIn(t, 'ana@shop.com')).status, 200, 'other emails are not affected');
    clock.advance(15 * 60_000);
    assert.equal((await signIn(t, 'bo@shop.com')).status, 200);
    for (let i = 0; i < 5; i++) await signIn(t, 'ghost@shop.com', 'whatever it is');
    assert.equal((await signIn(t, 'ghost@shop.com')).status, 429, 'unknown emails are throttled alike');
  });
});

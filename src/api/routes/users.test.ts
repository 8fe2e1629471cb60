import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, signIn, asUser, type TestOmnis } from '../../testing/index.ts';
import { DEFAULT_WORKSPACE } from '../../app/index.ts';
import { RULES } from '../../users/index.ts';

const PASSWORD = 'correct horse battery';
const condition = { event: 'Order Completed', count: { op: 'gte', value: 1 } };
const FEB = { from: '2026-02-01', to: '2026-02-28' };

forEachStore('console users and roles', kind => {
  let t: TestOmnis;
  const as: Record<string, ReturnType<typeof asUser>> = {};
  before(async () => {
    t = await startTestOmnis(kind);
    for (const role of ['admin', 'marketer', 'analyst', 'read_only'] as const) {
      await t.omnis.users.create(DEFAULT_WORKSPACE, { email: `${role}@shop.com`, role, password: PASSWORD });
      const s = await signIn(t, `${role}@shop.com`, PASSWORD);
      assert.equal(s.status, 200);
      as[role] = asUser(t, s);
    }
  });
  after(async () => { await t.close(); });

  test('every rule of the permission table names a route that exists', () => {
    for (const r of RULES) {
      const url = `/api/v1${r.pattern.replace(/\*$/, '')}`;
      for (const method of r.methods === '*' ? ['GET'] : r.methods) assert.ok(t.app.hasRoute({ method: method as 'GET', url }), `${method} ${url}`);
    }
  });

  test('the OpenAPI document lists sign-in and users', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const [path, method, tag] of [['/api/v1/auth/login', 'post', 'auth'], ['/api/v1/auth/me', 'get', 'auth'], ['/api/v1/auth/logout', 'post', 'auth'],
      ['/api/v1/users', 'post', 'users'], ['/api/v1/users/{id}', 'patch', 'users'], ['/api/v1/users/{id}', 'delete', 'users']]) {
      assert.deepEqual(doc.paths[path]?.[method]?.tags, [tag], `${method} ${path}`);
    }
    assert.deepEqual(Object.keys(doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema.properties).sort(), ['email', 'password']);
  });

  test('read_only reads and previews, but cannot publish a journey or create a segment', async () => {
    const ro = as.read_only;
    const journey = await as.marketer('POST', '/api/v1/journeys', { name: 'Welcome', trigger: { event: 'Signed Up' }, steps: { end: { type: 'exit' } }, start: 'end' });
    const id = journey.json?.id ?? 'jrn_unknown';
    const publish = await ro('POST', `/api/v1/journeys/${id}/publish`);
    assert.equal(publish.status, 403);
    assert.equal(publish.json.error.code, 'forbidden');
    assert.match(publish.json.error.message, /needs one of the roles admin, marketer; you are read_only/);
    const seg = await ro('POST', '/api/v1/segments', { name: 'Buyers', condition });
    assert.equal(seg.status, 403);
    assert.match(seg.json.error.message, /admin, marketer, analyst/);
    assert.equal((await ro('PUT', '/api/v1/contact-policy', {})).status, 403);
    assert.equal((await ro('DELETE', '/api/v1/profiles/prof_x')).status, 403);
    assert.equal((await ro('GET', '/api/v1/journeys')).status, 200);
    assert.equal((await ro('GET', '/api/v1/segments')).status, 200);
    const preview = await ro('POST', '/api/v1/segments/preview', { condition });
    assert.equal(preview.status, 200, JSON.stringify(preview.json));
    assert.equal((await ro('POST', '/api/v1/funnels', { ...FEB, steps: [{ event: 'A' }], window: '3d' })).status, 200);
    assert.equal((await ro('GET', '/api/v1/users')).status, 403);
  });

  test('marketer changes everything but users, API keys and channel configuration', async () => {
    const m = as.marketer;
    for (const [method, url, body] of [
      ['POST', '/api/v1/users', { email: 'x@shop.com', role: 'admin', password: PASSWORD }],
      ['GET', '/api/v1/users', undefined],
      ['POST', '/api/v1/keys', { kind: 'admin' }],
      ['GET', '/api/v1/keys', undefined],
      ['PUT', '/api/v1/channels/email', { provider: 'capture' }],
      ['DELETE', '/api/v1/channels/email', undefined],
    ] as const) {
      const r = await m(method, url, body);
      assert.equal(r.status, 403, `${method} ${url}`);
      assert.match(r.json.error.message, /needs the admin role; you are marketer/);
    }
    assert.equal((await t.admin('GET', '/api/v1/keys')).json.data.filter((k: { kind: string }) => k.kind === 'admin').length, 1, 'no key was made');
    assert.equal((await m('POST', '/api/v1/segments', { name: 'Buyers', condition })).status, 201);
    assert.equal((await m('GET', '/api/v1/channels')).status, 200);
  });

  test('analyst reads, runs analytics and saves segments, and changes nothing else', async () => {
    const a = as.analyst;
    const f = await a('POST', '/api/v1/funnels', { ...FEB, steps: [{ event: 'A' }, { event: 'B' }], window: '3d' });
    assert.equal(f.status, 200, JSON.stringify(f.json));
    assert.equal((await a('POST', '/api/v1/attribution', FEB)).status, 200);
    assert.equal((await a('POST', '/api/v1/paths', FEB)).status, 200);
    assert.equal((await a('POST', '/api/v1/segments', { name: 'Funnel drop-offs', condition })).status, 201);
    const dropOffs = await a('POST', '/api/v1/analytics/funnels/segment', { ...FEB, steps: [{ event: 'A' }, { event: 'B' }], step: 2, name: 'Did A, never B' });
    assert.equal(dropOffs.status, 201, JSON.stringify(dropOffs.json));
    assert.equal((await as.read_only('POST', '/api/v1/analytics/funnels/segment', { ...FEB, steps: [{ event: 'A' }, { event: 'B' }], step: 2, name: 'x' })).status, 403);
    const j = await a('POST', '/api/v1/journeys', { name: 'x' });
    assert.equal(j.status, 403);
    assert.match(j.json.error.message, /needs one of the roles admin, marketer; you are analyst/);
    assert.equal((await a('PUT', '/api/v1/templates/welcome', {})).status, 403);
    assert.equal((await a('POST', '/api/v1/keys', { kind: 'write' })).status, 403);
  });

  test('admin (signed in) manages users; answers never carry a password hash', async () => {
    const ad = as.admin;
    const created = await ad('POST', '/api/v1/users', { email: ' Cleo@Shop.com', name: 'Cleo', role: 'analyst', password: PASSWORD });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.deepEqual([created.json.email, created.json.role, created.json.disabled], ['cleo@shop.com', 'analyst', false]);
    const list = await ad('GET', '/api/v1/users');
    assert.equal(list.status, 200);
    assert.ok(list.json.data.some((u: { email: string }) => u.email === 'cleo@shop.com'));
    for (const body of [created.json, list.json]) assert.ok(!/scrypt|password/i.test(JSON.stringify(body)), 'no hash, no password field');
    assert.equal((await ad('POST', '/api/v1/keys', { kind: 'write' })).status, 201);
    const dup = await ad('POST', '/api/v1/users', { email: 'CLEO@shop.com', role: 'marketer', password: PASSWORD });
    assert.deepEqual([dup.status, dup.json.error.code, dup.json.error.field], [409, 'conflict', 'email']);
    const patched = await ad('PATCH', `/api/v1/users/${created.json.id}`, { name: 'Cleo P.', role: 'marketer' });
    assert.deepEqual([patched.status, patched.json.name, patched.json.role], [200, 'Cleo P.', 'marketer']);
    assert.equal((await ad('DELETE', `/api/v1/users/${created.json.id}`)).status, 204);
    assert.equal((await ad('GET', `/api/v1/users/${created.json.id}`)).status, 404);
    assert.equal((await ad('PATCH', '/api/v1/users/user_missing', { name: 'x' })).status, 404);
  });

  test('bad input names the field and creates nothing', async () => {
    const before = (await t.admin('GET', '/api/v1/users')).json.data.length;
    for (const [body, field] of [
      [{ email: 'dee@shop.com', role: 'analyst', password: 'short' }, 'password'],
      [{ email: 'not an email', role: 'analyst', password: PASSWORD }, 'email'],
      [{ email: 'dee@shop.com', role: 'owner', password: PASSWORD }, 'role'],
      [{ email: 'dee@shop.com', role: 'analyst' }, 'password'],
      [{ email: 'dee@shop.com', role: 'analyst', password: PASSWORD, admin: true }, 'admin'],
    ] as const) {
      const r = await t.admin('POST', '/api/v1/users', body);
      assert.deepEqual([r.status, r.json.error.code, r.json.error.field], [400, 'invalid', field], JSON.stringify(r.json));
    }
    const short = await t.admin('POST', '/api/v1/users', { email: 'dee@shop.com', role: 'analyst', password: 'short' });
    assert.match(short.json.error.message, /at least 10 characters/);
    const id = (await t.admin('GET', '/api/v1/users')).json.data[0].id;
    for (const [body, field] of [[{ role: 'root' }, 'role'], [{ password: '123' }, 'password'], [{ disabled: 'yes' }, 'disabled'], [{ email: 'x@y.z' }, 'email']] as const) {
      const r = await t.admin('PATCH', `/api/v1/users/${id}`, body);
      assert.deepEqual([r.status, r.json.error.field], [400, field], JSON.stringify(r.json));
    }
    assert.equal((await t.admin('GET', '/api/v1/users')).json.data.length, before);
  });

  test('the last admin can be neither deleted, demoted nor disabled', async () => {
    const users = (await t.admin('GET', '/api/v1/users')).json.data as { id: string; role: string }[];
    const admin = users.find(u => u.role === 'admin')!;
    for (const [method, body, field] of [['PATCH', { role: 'marketer' }, 'role'], ['PATCH', { disabled: true }, 'disabled'], ['DELETE', undefined, undefined]] as const) {
      const r = await t.admin(method, `/api/v1/users/${admin.id}`, body);
      assert.equal(r.status, 409, `${method} ${JSON.stringify(body)}`);
      assert.equal(r.json.error.field, field);
      assert.match(r.json.error.message, /last admin/);
    }
    assert.equal((await as.admin('GET', '/api/v1/users')).status, 200, 'still admin');
    const second = await t.admin('POST', '/api/v1/users', { email: 'second-admin@shop.com', role: 'admin', password: PASSWORD });
    assert.equal((await t.admin('PATCH', `/api/v1/users/${admin.id}`, { role: 'marketer' })).status, 200, 'with another admin it may go');
    assert.equal((await as.admin('GET', '/api/v1/users')).status, 403, 'a new role applies at once to open sessions');
    assert.equal((await t.admin('DELETE', `/api/v1/users/${second.json.id}`)).status, 409, 'now the last one');
    assert.equal((await t.admin('PATCH', `/api/v1/users/${admin.id}`, { role: 'admin' })).status, 200);
    assert.equal((await t.admin('DELETE', `/api/v1/users/${second.json.id}`)).status, 204);
  });

  test('disabling a user or changing their password ends their sessions', async () => {
    const email = 'eve@shop.com';
    const eve = (await t.admin('POST', '/api/v1/users', { email, role: 'marketer', password: PASSWORD })).json;
    const s1 = asUser(t, await signIn(t, email, PASSWORD));
    assert.equal((await s1('GET', '/api/v1/auth/me')).status, 200);
    assert.equal((await t.admin('PATCH', `/api/v1/users/${eve.id}`, { password: 'a brand new passphrase' })).status, 200);
    assert.equal((await s1('GET', '/api/v1/auth/me')).status, 401);
    assert.equal((await signIn(t, email, PASSWORD)).status, 401, 'the old password no longer works');
    const s2 = asUser(t, await signIn(t, email, 'a brand new passphrase'));
    assert.equal((await s2('GET', '/api/v1/segments')).status, 200);
    assert.equal((await t.admin('PATCH', `/api/v1/users/${eve.id}`, { disabled: true })).status, 200);
    assert.equal((await s2('GET', '/api/v1/segments')).status, 401);
    const refused = await signIn(t, email, 'a brand new passphrase');
    assert.equal(refused.status, 401);
    assert.match(refused.json.error.message, /disabled/);
    assert.equal((await t.admin('PATCH', `/api/v1/users/${eve.id}`, { disabled: false })).status, 200);
    assert.equal((await signIn(t, email, 'a brand new passphrase')).status, 200);
    const s3 = asUser(t, await signIn(t, email, 'a brand new passphrase'));
    assert.equal((await t.admin('DELETE', `/api/v1/users/${eve.id}`)).status, 204);
    assert.equal((await s3('GET', '/api/v1/auth/me')).status, 401, 'deleting a user ends their sessions');
  });
});

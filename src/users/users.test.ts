import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate } from '../store/index.ts';
import { VirtualClock } from '../shared/index.ts';
import { UserService } from './service.ts';
import { ensureAdmin, ensureFirstAdmin, FIRST_ADMIN_EMAIL } from './startup.ts';
import { hashPassword, hashParams } from './passwords.ts';
import { allowedRoles, refusal, RULES } from './permissions.ts';

const WS = 'default';

forEachStore('users: start-up admins and password upgrades', kind => {
  let t: TestDb;
  let users: UserService;
  before(async () => {
    t = await openTestDb(kind);
    await migrate(t.db);
    await t.db.query(`insert into workspaces (id, name) values ('default', 'Default'), ('other', 'Other')`);
    users = new UserService(t.db, new VirtualClock());
  });
  after(async () => { await t.close(); });

  test('a workspace without users gets admin@localhost with a one-time password, once', async () => {
    const first = await ensureFirstAdmin(t.db, users, WS);
    assert.ok(first);
    assert.equal(first.email, FIRST_ADMIN_EMAIL);
    assert.ok(first.password.length >= 16);
    const { session } = await users.login(first.email, first.password);
    assert.equal(session.user.role, 'admin');
    assert.equal(await ensureFirstAdmin(t.db, users, WS), null, 'the next start shows nothing');
    assert.equal((await users.list(WS)).length, 1);
  });

  test('OMNIS_ADMIN_EMAIL / PASSWORD: created, then unchanged on every start; a new password replaces the old', async () => {
    assert.equal(await ensureAdmin(t.db, users, WS, ' Ops@Shop.com ', 'first password here'), 'created');
    const { token } = await users.login('ops@shop.com', 'first password here');
    assert.equal(await ensureAdmin(t.db, users, WS, 'ops@shop.com', 'first password here'), 'unchanged');
    assert.ok(await users.session(token), 'a start with the same values keeps sessions');
    assert.equal((await users.list(WS)).filter(u => u.email === 'ops@shop.com').length, 1);
    const ops = (await users.list(WS)).find(u => u.email === 'ops@shop.com')!;
    await users.update(WS, ops.id, { role: 'read_only', disabled: true });
    assert.equal(await ensureAdmin(t.db, users, WS, 'ops@shop.com', 'second password here'), 'updated');
    const now = await users.get(WS, ops.id);
    assert.deepEqual([now.role, now.disabled], ['admin', false]);
    await assert.rejects(users.login('ops@shop.com', 'first password here'), /wrong email or password/);
    assert.ok(await users.login('ops@shop.com', 'second password here'));
    await assert.rejects(ensureAdmin(t.db, users, WS, 'ops@shop.com', 'short'), (e: Error & { field?: string }) => e.field === 'password');
    await users.create('other', { email: 'elsewhere@shop.com', role: 'admin', password: 'elsewhere password' });
    await assert.rejects(ensureAdmin(t.db, users, WS, 'elsewhere@shop.com', 'elsewhere password'), /user of workspace other/);
  });

  test('a hash made with older, weaker parameters is upgraded at the next sign-in', async () => {
    const u = await users.create(WS, { email: 'old@shop.com', role: 'analyst', password: 'an old password' });
    await t.db.query('update users set password_hash = $2 where id = $1', [u.id, await hashPassword('an old password', { ln: 10, r: 8, p: 1 })]);
    await users.login('old@shop.com', 'an old password');
    const row = (await t.db.query<{ password_hash: string }>('select password_hash from users where id = $1', [u.id]))[0];
    assert.deepEqual(hashParams(row.password_hash), { ln: 15, r: 8, p: 1 });
    assert.ok(await users.login('old@shop.com', 'an old password'));
  });
});

test('the permission table', () => {
  assert.equal(refusal('admin', 'DELETE', '/users/:id'), null);
  assert.match(refusal('marketer', 'GET', '/users')!, /needs the admin role/);
  assert.match(refusal('marketer', 'PUT', '/channels/:channel')!, /admin role/);
  assert.equal(refusal('marketer', 'GET', '/channels/:channel'), null);
  assert.equal(refusal('marketer', 'POST', '/journeys/:id/publish'), null);
  assert.match(refusal('read_only', 'POST', '/journeys/:id/publish')!, /admin, marketer; you are read_only/);
  assert.equal(refusal('read_only', 'POST', '/journeys/:id/simulate'), null);
  assert.equal(refusal('read_only', 'HEAD', '/profiles/:id'), null);
  assert.equal(refusal('analyst', 'POST', '/segments'), null);
  assert.ok(refusal('analyst', 'PUT', '/segments/:id'));
  // A route nobody listed: reads for all, changes for admins and marketers.
  assert.deepEqual(allowedRoles('GET', '/brand-new').roles, ['admin', 'marketer', 'analyst', 'read_only']);
  assert.deepEqual(allowedRoles('POST', '/brand-new').roles, ['admin', 'marketer']);
  assert.ok(RULES.every(r => r.roles.includes('admin')), 'admins may do everything');
});

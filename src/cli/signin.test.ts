import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newDataDir, startServerProcess, type ServerProcess } from '../testing/index.ts';

// Starts are slow on a busy machine; the point here is what they print, not how fast.
const START_TIMEOUT = 180_000;
const NO_ENV_ADMIN = { OMNIS_ADMIN_EMAIL: '', OMNIS_ADMIN_PASSWORD: '', DATABASE_URL: '' };

async function banner(s: ServerProcess): Promise<string> {
  // The banner is one write, but may arrive in more than one chunk after "running at".
  for (let i = 0; i < 300 && !/API docs:.*\n/.test(s.output()); i++) await new Promise(r => setTimeout(r, 100));
  return s.output();
}

async function stop(s: ServerProcess) { s.child.kill('SIGTERM'); await s.exited; }

const login = async (url: string, email: string, password: string) =>
  (await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })).status;

describe('omnis serve: console sign-in at start-up', () => {
  test('the first start prints a one-time admin password that works; later starts print none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnis-signin-'));
    const env = { ...NO_ENV_ADMIN, OMNIS_DATA_DIR: dir };
    try {
      const first = await startServerProcess(env, START_TIMEOUT);
      let email = '', password = '';
      try {
        const m = /console sign-in: (\S+) \/ (\S+) \(shown once; change it\)/.exec(await banner(first));
        assert.ok(m, first.output());
        [, email, password] = m;
        assert.equal(await login(first.url, email, password), 200);
        assert.equal(await login(first.url, email, 'not the password'), 401);
      } finally { await stop(first); }
      const second = await startServerProcess(env, START_TIMEOUT);
      try {
        const out = await banner(second);
        assert.ok(!out.includes('console sign-in'), out);
        assert.ok(!out.includes(password));
        assert.equal(await login(second.url, email, password), 200, 'the password stays valid');
      } finally { await stop(second); }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test('OMNIS_ADMIN_EMAIL and OMNIS_ADMIN_PASSWORD ensure that admin on every start, and no one-time password is made', async () => {
    // Not a first start in the sense the test above checks: a migrated folder serves.
    const dir = await newDataDir('omnis-signin-env-');
    const env = { DATABASE_URL: '', OMNIS_DATA_DIR: dir, OMNIS_ADMIN_EMAIL: 'Ops@Shop.com', OMNIS_ADMIN_PASSWORD: 'ops password 2026' };
    try {
      for (const round of [1, 2]) {
        const s = await startServerProcess(env, START_TIMEOUT);
        try {
          const out = await banner(s);
          assert.match(out, /console sign-in: ops@shop\.com \(OMNIS_ADMIN_EMAIL/, out);
          assert.ok(!out.includes('ops password 2026'), 'the password is not printed');
          assert.equal(await login(s.url, 'ops@shop.com', 'ops password 2026'), 200, `start ${round}`);
          assert.equal(await login(s.url, 'admin@localhost', 'anything at all'), 401, 'no admin@localhost was made');
        } finally { await stop(s); }
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

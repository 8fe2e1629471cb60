import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { newDataDir, startServerProcess, postgresProblem, TEST_PG_URL, type ServerProcess } from '../testing/index.ts';

const WK = 'wk_durabilityTestKey0001';
const AK = 'ak_durabilityTestAdminKey0000001';
const basic = 'Basic ' + Buffer.from(`${WK}:`).toString('base64');

/** Sends batches from several writers until stopped; returns the messageIds answered 200. */
function flood(url: string, writers: number) {
  const acked = new Map<string, string[]>();
  let stop = false;
  const loops = Array.from({ length: writers }, async (_, w) => {
    const user = `dur-${w}`;
    const mine: string[] = [];
    acked.set(user, mine);
    for (let b = 0; !stop && b < 10_000; b++) {
      const batch = Array.from({ length: 20 }, (_, i) => ({ type: 'track', userId: user, event: 'Tick', messageId: `${user}-${b}-${i}`, properties: { b, i } }));
      try {
        const r = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
        if (r.status === 200) mine.push(...batch.map(e => e.messageId));
      } catch { return; } // the server died mid-request: that batch was never acknowledged
    }
  });
  return { acked, stop: async () => { stop = true; await Promise.all(loops); } };
}

async function settle(s: ServerProcess) {
  for (let i = 0; i < 300; i++) {
    const h = await (await fetch(`${s.url}/api/v1/health`)).json() as { lag: number };
    if (h.lag === 0) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('pipeline did not catch up');
}

async function timelineIds(s: ServerProcess, user: string): Promise<Set<string>> {
  const p = await (await fetch(`${s.url}/api/v1/profiles?identifier=user_id:${user}`, { headers: { authorization: `Bearer ${AK}` } })).json() as { id?: string };
  const ids = new Set<string>();
  if (!p.id) return ids;
  let cursor = '';
  for (;;) {
    const page = await (await fetch(`${s.url}/api/v1/profiles/${p.id}/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${AK}` } })).json() as { events: { messageId: string }[]; nextCursor: string | null };
    for (const e of page.events) ids.add(e.messageId);
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
}

async function killAndRecover(env: Record<string, string>) {
  const first = await startServerProcess(env);
  const f = flood(first.url, 4);
  await new Promise(r => setTimeout(r, 1500));
  first.child.kill('SIGKILL');
  await f.stop();
  await first.exited;
  const second = await startServerProcess(env);
  try {
    await settle(second);
    let total = 0;
    for (const [user, ids] of f.acked) {
      const stored = await timelineIds(second, user);
      const missing = ids.filter(id => !stored.has(id));
      assert.deepEqual(missing.slice(0, 5), [], `${user}: ${missing.length} acknowledged events lost`);
      total += ids.length;
    }
    assert.ok(total > 100, `only ${total} events were acknowledged before the kill`);
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
}

describe('durability: kill -9 loses no acknowledged event', () => {
  test('embedded PGlite', async () => {
    const dir = await newDataDir('omnis-kill-');
    try {
      await killAndRecover({ OMNIS_DATA_DIR: dir, OMNIS_WRITE_KEY: WK, OMNIS_ADMIN_KEY: AK, DATABASE_URL: '' });
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test('embedded PGlite answering from the accept journal (OMNIS_ACCEPT_JOURNAL=1)', async () => {
    const dir = await newDataDir('omnis-kill-');
    try {
      await killAndRecover({ OMNIS_DATA_DIR: dir, OMNIS_WRITE_KEY: WK, OMNIS_ADMIN_KEY: AK, DATABASE_URL: '', OMNIS_ACCEPT_JOURNAL: '1' });
      assert.ok(existsSync(join(dir, 'journal')), 'the server journaled');
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test('a data folder in use by a live process is refused with a clear message', async () => {
    const dir = await newDataDir('omnis-lock-');
    const env = { OMNIS_DATA_DIR: dir, OMNIS_WRITE_KEY: WK, OMNIS_ADMIN_KEY: AK, DATABASE_URL: '' };
    const first = await startServerProcess(env);
    try {
      await assert.rejects(startServerProcess(env), /another Omnis process \(pid \d+\) is using the data folder/);
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Postgres server', { skip: postgresProblem && !process.env.CI ? `Postgres unreachable: ${postgresProblem}` : false }, async () => {
    const schema = `kill_${randomBytes(5).toString('hex')}`;
    try {
      await killAndRecover({ DATABASE_URL: TEST_PG_URL, OMNIS_DATABASE_SCHEMA: schema, OMNIS_WRITE_KEY: WK, OMNIS_ADMIN_KEY: AK });
    } finally {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  });
});

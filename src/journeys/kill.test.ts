import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { newDataDir, startServerProcess, postgresProblem, TEST_PG_URL, type ServerProcess } from '../testing/index.ts';
import { openStore, type StoreOptions } from '../store/index.ts';
import { createOmnis } from '../app/index.ts';
import { VirtualClock } from '../shared/index.ts';
import { rng } from './acceptance-helpers.ts';

/**
 * Invariant 2 with a real `kill -9`: `omnis serve` (PGlite in a data folder, or Postgres
 * with the pipeline on its own thread) takes a flood of profiles entering a two-message
 * journey and is killed at seeded random moments, three times, mid-ingest, mid-pipeline
 * or mid-send. Each restart resends what was not acknowledged (same messageIds). At the
 * end the time still owed (the journey's wait, the outbox lease of a message a dead
 * process had claimed) is let pass on a virtual clock, in process, on the same data:
 * every profile then has each message exactly once, at the provider too.
 */
const WK = 'wk_killTestWriteKey000001';
const AK = 'ak_killTestAdminKey000000000000001';
const PROFILES = 120;
const PER_BATCH = 10;
const KILLS = 3;

async function call(s: ServerProcess, method: string, path: string, body?: unknown) {
  const r = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${AK}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await r.json().catch(() => null);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

async function configure(s: ServerProcess) {
  await call(s, 'PUT', '/api/v1/channels/email', { provider: 'capture', settings: {} });
  for (const key of ['k1', 'k2']) await call(s, 'POST', '/api/v1/templates', { key, channel: 'email', subject: `${key} {{ profile.traits.firstName }}`, html: `<p>${key}</p>` });
  await call(s, 'PUT', '/api/v1/contact-policy', { caps: [] });
  const j = await call(s, 'POST', '/api/v1/journeys', {
    name: 'Two messages', entry: { event: 'Go' }, start: 'm1',
    steps: { m1: { type: 'send', channel: 'email', template: 'k1', next: 'w' }, w: { type: 'wait', for: '1s', next: 'm2' }, m2: { type: 'send', channel: 'email', template: 'k2', next: 'end' }, end: { type: 'exit' } },
  });
  await call(s, 'POST', `/api/v1/journeys/${j.id}/publish`);
}

const batches = Array.from({ length: PROFILES / PER_BATCH }, (_, b) => Array.from({ length: PER_BATCH }, (_, i) => `kp-${b * PER_BATCH + i}`).flatMap(u => [
  { type: 'identify', userId: u, messageId: `id-${u}`, traits: { email: `${u}@example.com`, firstName: u }, context: { consent: { categoryPreferences: { email: true } } } },
  { type: 'track', userId: u, event: 'Go', messageId: `go-${u}` },
]));

/** Sends the batches not acknowledged yet, in order, until done or the server is gone. */
async function feed(s: ServerProcess, acked: Set<number>) {
  const basic = 'Basic ' + Buffer.from(`${WK}:`).toString('base64');
  for (let b = 0; b < batches.length; b++) {
    if (acked.has(b)) continue;
    try {
      const r = await fetch(`${s.url}/v1/batch`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ batch: batches[b] }) });
      if (r.status === 200) acked.add(b); else return;
    } catch { return; }
  }
}

async function lagZero(s: ServerProcess) {
  for (let i = 0; i < 600; i++) {
    const h = await (await fetch(`${s.url}/api/v1/health`)).json() as { lag: number };
    if (h.lag === 0) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('the pipeline did not catch up');
}

const exited = (s: ServerProcess) => new Promise(r => { if (s.child.exitCode !== null || s.child.signalCode !== null) r(null); else s.child.once('exit', r); });

async function killAndRestart(env: Record<string, string>, store: StoreOptions, seed: number) {
  const random = rng(seed);
  const acked = new Set<number>();
  const kills: string[] = [];
  for (let cycle = 0; cycle < KILLS; cycle++) {
    const s = await startServerProcess(env);
    if (cycle === 0) await configure(s);
    const delay = 100 + Math.floor(random() * 1500);
    const killer = new Promise<void>(r => setTimeout(() => { s.child.kill('SIGKILL'); r(); }, delay));
    await feed(s, acked);
    await killer;
    await exited(s);
    kills.push(`${delay} ms, ${acked.size}/${batches.length} batches acknowledged`);
    if (process.env.OMNIS_CRASH_DEBUG) {
      const db = await openStore(store);
      const rows = await db.query<{ status: string; n: number }>('select status, count(*)::int as n from messages group by status order by status');
      const [{ lag }] = await db.query<{ lag: number }>(`select count(*)::int as lag from events where seq > coalesce((select processed_seq from pipeline_state), 0)`);
      console.log(`killed after ${kills.at(-1)}: messages ${JSON.stringify(rows)}, ${lag} events unprocessed`);
      await db.close();
    }
  }
  const last = await startServerProcess(env);
  await feed(last, acked);
  assert.equal(acked.size, batches.length, 'every batch is acknowledged in the end');
  await lagZero(last);
  last.child.kill('SIGTERM');
  await exited(last);

  // What is still owed needs only time: let ten minutes pass on a virtual clock over the same data.
  const db = await openStore(store);
  const omnis = await createOmnis({ db, clock: new VirtualClock(Date.now() + 600_000), pipeline: 'inline', logError: e => console.error(e) });
  try {
    await omnis.start();
    await omnis.settle();
    const perProfile = await db.query<{ user_id: string; sent: string }>(
      `select i.value as user_id, string_agg(m.template_key || ':' || m.status, ',' order by m.template_key, m.status) as sent
         from messages m join identities i on i.profile_id = m.profile_id and i.type = 'user_id' group by i.value`);
    const wrong = perProfile.filter(p => p.sent !== 'k1:sent,k2:sent');
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} profiles got something else than k1 and k2 once each (kills: ${kills.join('; ')})`);
    assert.equal(perProfile.length, PROFILES, 'every profile got its messages');
    const [c] = await db.query<{ sent: number; captured: number; distinct_captured: number; keys: number; rows: number; runs: number; dead: number }>(
      `select (select count(*)::int from messages where status = 'sent') as sent, (select count(*)::int from captured_messages) as captured,
              (select count(distinct message_id)::int from captured_messages) as distinct_captured,
              (select count(distinct idempotency_key)::int from messages) as keys, (select count(*)::int from messages) as rows,
              (select count(*)::int from journey_runs where status = 'completed') as runs, (select count(*)::int from dead_events) as dead`);
    assert.deepEqual(c, { sent: 2 * PROFILES, captured: 2 * PROFILES, distinct_captured: 2 * PROFILES, keys: 2 * PROFILES, rows: 2 * PROFILES, runs: PROFILES, dead: 0 });
  } finally {
    await omnis.stop();
    await db.close();
  }
}

describe('kill -9 during a journey flood, restart: every message exactly once', () => {
  const base = { OMNIS_WRITE_KEY: WK, OMNIS_ADMIN_KEY: AK, OMNIS_DEMO: '0', OMNIS_SECRET_KEY: 'kill-test-secret-key-0123456789' };

  test('embedded PGlite', { timeout: 300_000 }, async () => {
    const dir = await newDataDir('omnis-kill-journey-');
    try {
      await killAndRestart({ ...base, OMNIS_DATA_DIR: dir, DATABASE_URL: '' }, { dataDir: dir, databaseUrl: '' }, 7);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test('Postgres server (pipeline thread)', { timeout: 300_000, skip: postgresProblem && !process.env.CI ? `Postgres unreachable: ${postgresProblem}` : false }, async () => {
    const schema = `killj_${randomBytes(5).toString('hex')}`;
    try {
      await killAndRestart({ ...base, DATABASE_URL: TEST_PG_URL, OMNIS_DATABASE_SCHEMA: schema }, { databaseUrl: TEST_PG_URL, schema, poolSize: 4 }, 11);
    } finally {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  });
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { forEachStore, newDataDir, TEST_PG_URL, type TestOmnis } from '../testing/index.ts';
import { openStore, type Db, type Tx } from '../store/index.ts';
import { createOmnis, DEFAULT_WORKSPACE, type Omnis } from '../app/index.ts';
import { buildServer } from '../api/index.ts';
import { createKey } from '../ingest/index.ts';
import { VirtualClock } from '../shared/index.ts';
import { rng } from './acceptance-helpers.ts';
// Scenario 1 is test data shared by the scenario tests; it has no index.ts of its own.
// eslint-disable-next-line no-restricted-imports
import { setUpBrand, story, DAY, type Source, type Step } from '../scenarios/mattress.ts';

/**
 * Invariant 2, "a crash never sends twice and never loses a send", tested by crashing.
 * The scenario-1 event stream runs through a whole Omnis (API, pipeline, timers, outbox)
 * whose database handle dies at a seeded random operation: before a statement, or after
 * it took effect but before its caller saw the answer, commits included. Nothing of that
 * Omnis touches the database again (a killed process); a new one is built on the same
 * data (the PGlite folder reopened, or a new pool on the Postgres schema) with its own
 * clock reading the same time, and the story goes on from the first event the client
 * had no answer for (resent with the same messageId, as an SDK retries). At the end the
 * messages, runs and audiences must be those of a run without crashes, each message
 * handed to the provider for exactly one outbox row.
 *
 * OMNIS_CRASH_ITERATIONS (default 8; more for a longer hunt) and OMNIS_CRASH_SEED (default 1) tune it, and
 * OMNIS_CRASH_DEBUG=1 prints each crash. A seed replays its crash points only roughly: the
 * pipeline's idle polling runs on real time, so the operation count shifts a little.
 */
const ITERATIONS = Number(process.env.OMNIS_CRASH_ITERATIONS ?? 8);
const SEED = Number(process.env.OMNIS_CRASH_SEED ?? 1);
const START = Date.parse('2026-03-02T09:00:00Z');
const END = 40 * DAY;
const CRASHES_PER_RUN = 3;

const debug = (s: string) => { if (process.env.OMNIS_CRASH_DEBUG) console.log(s); };

class Crash extends Error { constructor() { super('crashed (test)'); } }

/** A database handle that dies at operation number `crashAt`; commits count as operations. */
class CrashingDb implements Db {
  readonly kind: Db['kind'];
  readonly connection: Db['connection'];
  ops = 0;
  dead = false;
  private crashAt = Infinity;
  private mode: 'before' | 'after' = 'before';
  private kill!: (e: Error) => void;
  /** Rejects when the handle dies: everything waiting on this Omnis is abandoned. */
  readonly died = new Promise<never>((_, reject) => { this.kill = reject; });

  constructor(private real: Db) {
    this.kind = real.kind;
    this.connection = undefined;
    this.died.catch(() => {});
  }

  arm(crashAt: number, mode: 'before' | 'after') { this.crashAt = this.ops + crashAt; this.mode = mode; }

  /** Counts one operation; says whether to die before it, after it, or not at all. */
  private step(): 'before' | 'after' | null {
    if (this.dead) throw new Crash();
    if (++this.ops < this.crashAt) return null;
    this.dead = true;
    queueMicrotask(() => this.kill(new Crash()));
    return this.mode;
  }

  private async op<T>(run: () => Promise<T>): Promise<T> {
    const when = this.step();
    if (when === 'before') throw new Crash();
    const r = await run();
    if (when === 'after' || this.dead) throw new Crash();
    return r;
  }

  query<T>(sql: string, params?: unknown[]): Promise<T[]> { return this.op(() => this.real.query<T>(sql, params)); }
  exec(sql: string): Promise<void> { return this.op(() => this.real.exec(sql)); }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.dead) throw new Crash();
    let crashAfterCommit = false;
    const r = await this.real.transaction(async tx => {
      const wrapped: Tx = { query: (sql, params) => this.op(() => tx.query(sql, params)), exec: sql => this.op(() => tx.exec(sql)) };
      const out = await fn(wrapped);
      const when = this.step();
      if (when === 'before') throw new Crash();
      crashAfterCommit = when === 'after';
      return out;
    });
    if (crashAfterCommit || this.dead) throw new Crash();
    return r;
  }

  async close() {}
}

interface Store { open(): Promise<Db>; drop(): Promise<void> }

function pgliteStore(): Store {
  let dir: Promise<string> | null = null;
  return {
    open: async () => openStore({ dataDir: await (dir ??= newDataDir('omnis-crash-')), databaseUrl: '' }),
    drop: async () => { if (dir) rmSync(await dir, { recursive: true, force: true }); },
  };
}

function postgresStore(): Store {
  const schema = `crash_${randomBytes(5).toString('hex')}`;
  return {
    open: () => openStore({ databaseUrl: TEST_PG_URL, schema, poolSize: 4 }),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try { await c.query(`drop schema if exists ${schema} cascade`); } finally { await c.end(); }
    },
  };
}

/** One Omnis process: its own clock (reading the time the last one died at), API and pipeline. */
interface Life { db: CrashingDb; omnis: Omnis; t: TestOmnis; clock: VirtualClock }

async function boot(real: Db, now: number, errors: string[], adminKey?: string): Promise<Life> {
  const db = new CrashingDb(real);
  const clock = new VirtualClock(now);
  const logError = (e: unknown) => { if (!db.dead && !(e instanceof Crash)) errors.push(String((e as Error)?.stack ?? e)); };
  const omnis = await createOmnis({ db, clock, pipeline: 'inline', logError });
  await omnis.start();
  const app = await buildServer(omnis);
  const key = adminKey ?? (await createKey(db, { workspaceId: DEFAULT_WORKSPACE, kind: 'admin', name: 'test' })).secret;
  const t: TestOmnis = {
    omnis, app, clock, writeKey: '', adminKey: key,
    async track() { throw new Error('use playFrom()'); },
    async admin(method, path, body) {
      const r = await app.inject({ method: method as 'GET', url: path, payload: body === undefined ? undefined : JSON.stringify(body),
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } });
      return { status: r.statusCode, json: JSON.parse(r.body || 'null') };
    },
    async close() { await app.close(); await omnis.stop(); },
  };
  return { db, omnis, t, clock };
}

/**
 * Ends a crashed process's loops so the test can exit. Not awaited, and each loop told on
 * its own: a call it made before the crash may wait forever on the old connection pool,
 * as it would in a killed process, and must not keep the others running.
 */
function bury(life: Life) {
  const pipeline = life.omnis.processor as unknown as { timers: { stop(): Promise<void> }; processor: { stop(): Promise<void> } };
  void Promise.allSettled([life.t.app.close(), life.omnis.messaging.stop(), pipeline.timers.stop(), pipeline.processor.stop()]);
}

/** The dispatcher's default lease: a message a dead process left in `sending` is recovered once it has passed (on PGlite, at start). */
const LEASE_MS = 300_000;

/**
 * mattress.ts's play() over the story steps not yet acknowledged, with one more stop for the clock: the
 * time a message a dead process left in `sending` is recovered (real time would get there
 * by itself; the virtual clock only stops where it is told to).
 */
async function playFrom(t: TestOmnis, keys: Record<Source, string>, steps: Step[], onStep: () => void) {
  const clock = t.clock as VirtualClock;
  const advanceTo = async (at: number) => {
    for (let i = 0; i < 1000; i++) {
      const [{ next }] = await t.omnis.db.query<{ next: Date | null }>(
        `select least((select min(due_at) from timers), (select min(next_attempt_at) from messages where status = 'queued'),
                      (select min(updated_at) + interval '${LEASE_MS / 1000} seconds' from messages where status = 'sending')) as next`);
      if (!next || next.getTime() > at) break;
      clock.set(Math.max(clock.now(), next.getTime()));
      await t.omnis.settle();
    }
    clock.set(Math.max(clock.now(), at));
    await t.omnis.settle();
  };
  for (const s of steps) {
    await advanceTo(START + s.at);
    const auth = 'Basic ' + Buffer.from(`${keys[s.source]}:`).toString('base64');
    const r = await t.app.inject({ method: 'POST', url: `/v1/${s.call}`, payload: JSON.stringify({ ...s.body, timestamp: new Date(START + s.at).toISOString() }), headers: { authorization: auth, 'content-type': 'application/json' } });
    if (r.statusCode !== 200 || JSON.parse(r.body).rejected.length) throw new Error(`${s.call} at +${s.at}: ${r.body}`);
    await t.omnis.settle();
    onStep();
  }
  await advanceTo(START + END);
}

interface Sent { line: string; at: number; recovered: boolean }
interface Outcome { messages: Sent[]; runs: string[]; audiences: string[]; stepLog: string[]; crashes: number; ops: number; history: string[] }

/**
 * Plays scenario 1 to the end; with `random`, up to CRASHES_PER_RUN crashes at operations
 * drawn from [1, maxOps] of each new process.
 */
async function scenario(store: Store, random: (() => number) | null, maxOps: number): Promise<Outcome> {
  let real = await store.open();
  const errors: string[] = [];
  let life = await boot(real, START, errors);
  const adminKey = life.t.adminKey;
  const brand = await setUpBrand(life.t);
  const steps: Step[] = story().map((s, i) => ({ ...s, body: { ...s.body, messageId: `story-${i}` } }));
  let next = 0;
  let crashes = 0;
  let ops = 0;
  for (;;) {
    const current = life;
    if (random && crashes < CRASHES_PER_RUN) current.db.arm(1 + Math.floor(random() * maxOps), random() < 0.5 ? 'before' : 'after');
    const opsBefore = current.db.ops;
    try {
      // A restarted process works off what the last one left (its log backlog, due timers) before time moves on.
      const resume = async () => {
        await current.t.omnis.settle();
        await playFrom(current.t, brand.keys, steps.slice(next), () => { if (life === current) next++; });
      };
      await Promise.race([resume(), current.db.died]);
      ops += current.db.ops - opsBefore;
      break;
    } catch (e) {
      if (!current.db.dead) throw e;
      crashes++;
      debug(`crash ${crashes} at ${new Date(current.clock.now()).toISOString()} after ${current.db.ops - opsBefore} ops; story step ${next}`);
      // The process is gone: nothing it still has in flight reaches the data again.
      bury(current);
      const now = current.clock.now();
      await real.close();
      real = await store.open();
      life = await boot(real, now, errors, adminKey);
    }
  }
  // The story is over: a crash point the run never reached must not fire in the checks below.
  life.db.arm(Infinity, 'before');
  const q = life.db;
  const messages = await q.query<{ line: string; at: Date; recovered: boolean }>(
    `select j.name || ' | ' || m.step_id || ' | ' || m.channel || ' | ' || m.template_key || ' | ' || m.status as line, coalesce(m.sent_at, m.send_at) as at,
            exists (select 1 from message_status_history h where h.message_id = m.id and h.reason like 'recovered%') as recovered
       from messages m join journeys j on j.id = m.journey_id order by 1`);
  const history = await q.query<{ line: string }>(
    `select m.template_key || ' ' || m.channel || ': ' || string_agg(h.status || coalesce(' (' || h.reason || ')', '') || ' @ ' || to_char(h.at at time zone 'UTC', 'MM-DD HH24:MI:SS'), ', ' order by h.id) as line
       from messages m join message_status_history h on h.message_id = m.id group by m.id, m.template_key, m.channel order by 1`);
  const runs = await q.query<{ line: string }>(`select j.name || ' | ' || r.status || ' | ' || coalesce(r.end_reason, '') as line from journey_runs r join journeys j on j.id = r.journey_id order by 1`);
  const audiences = await q.query<{ line: string }>(`select audience || ' | ' || coalesce(removed_reason, 'open') as line from audience_memberships order by 1`);
  // Each step ran once per run: as many entries in the runs' trails as without crashes.
  const stepLog = await q.query<{ line: string }>(
    `select j.name || ' | ' || (e->>0) || ' | ' || (e->>1) || ' | ' || count(*) as line
       from journey_runs r join journeys j on j.id = r.journey_id cross join lateral jsonb_array_elements(r.trail) e
      group by j.name, e->>0, e->>1 order by 1`);
  // The step counters behind the stats are written with the trails: whatever the crashes, they agree.
  const count = (entered: string, left: string) => `' | entered ' || ${entered} || ' | left ' || ${left}`;
  const counters = await q.query<{ line: string }>(
    `select j.name || ' | ' || c.step_id || ${count('c.entered', 'c."left"')} as line from journey_step_counts c join journeys j on j.id = c.journey_id order by 1`);
  const counted = await q.query<{ line: string }>(
    `select j.name || ' | ' || (e->>0) || ${count(`count(*) filter (where e->>1 = 'entered')`, `count(*) filter (where e->>1 = 'left')`)} as line
       from journey_runs r join journeys j on j.id = r.journey_id cross join lateral jsonb_array_elements(r.trail) e
      group by j.name, e->>0 order by 1`);
  // Exactly once at the provider: one captured copy per sent message, none for any other, one outbox row per key.
  const [check] = await q.query<{ sent: number; captured: number; captured_ids: number; orphans: number; keys: number; rows: number; dead: number; stuck: number }>(
    `select (select count(*)::int from messages where status = 'sent') as sent,
            (select count(*)::int from captured_messages) as captured,
            (select count(distinct message_id)::int from captured_messages) as captured_ids,
            (select count(*)::int from captured_messages c left join messages m on m.id = c.message_id where m.status is distinct from 'sent') as orphans,
            (select count(distinct idempotency_key)::int from messages) as keys,
            (select count(*)::int from messages) as rows,
            (select count(*)::int from dead_events) as dead,
            (select count(*)::int from messages where status in ('queued', 'sending')) as stuck`);
  await life.t.close();
  await real.close();
  assert.deepEqual(errors, [], 'no process that stayed alive logged an error');
  assert.equal(check.captured, check.sent, 'every sent message reached the provider once');
  assert.equal(check.captured_ids, check.captured);
  assert.equal(check.orphans, 0, 'nothing reached the provider without being recorded as sent');
  assert.equal(check.keys, check.rows, 'one outbox row per idempotency key');
  assert.equal(check.dead, 0, 'no event was dead-lettered');
  assert.equal(check.stuck, 0, 'nothing is left queued or sending');
  assert.ok(counters.length > 0, 'the story moved runs through steps');
  assert.deepEqual(counters.map(l => l.line), counted.map(l => l.line), 'the step counters agree with the trails');
  return { messages: messages.map(m => ({ line: m.line, at: m.at.getTime(), recovered: m.recovered })), runs: runs.map(r => r.line), audiences: audiences.map(a => a.line), stepLog: stepLog.map(l => l.line), crashes, ops, history: history.map(h => h.line) };
}

forEachStore('crash anywhere, restart: nothing skipped, nothing sent twice (scenario 1)', kind => {
  const stores: Store[] = [];
  const fresh = () => { const s = kind === 'pglite' ? pgliteStore() : postgresStore(); stores.push(s); return s; };
  after(async () => { for (const s of stores) await s.drop().catch(() => {}); });
  let baseline: Outcome;
  let crashes = 0;

  test('the run without crashes', { timeout: 300_000 }, async () => {
    baseline = await scenario(fresh(), null, 0);
    assert.equal(baseline.crashes, 0);
    assert.ok(baseline.messages.filter(m => m.line.endsWith('| sent')).length >= 9, baseline.messages.map(m => m.line).join('\n'));
  });

  for (let i = 0; i < ITERATIONS; i++) {
    const seed = SEED * 1000 + i;
    test(`crashes at random points, seed ${seed}`, { timeout: 300_000 }, async () => {
      assert.ok(baseline, 'the baseline ran');
      const got = await scenario(fresh(), rng(seed), baseline.ops);
      crashes += got.crashes;
      debug(`seed ${seed}: ${got.crashes} crashes, ${got.messages.filter(m => m.recovered).length} messages recovered from "sending"`);
      const why = got.history.join('\n');
      assert.deepEqual(got.messages.map(m => m.line), baseline.messages.map(m => m.line), why);
      assert.deepEqual(got.runs, baseline.runs, why);
      assert.deepEqual(got.audiences, baseline.audiences, why);
      assert.deepEqual(got.stepLog, baseline.stepLog, why);
      // On time; a message a crash left claimed goes when its lease ends (on PGlite, at once).
      for (const [i, m] of got.messages.entries()) {
        const late = m.at - baseline.messages[i].at;
        assert.ok(late === 0 || (m.recovered && late > 0 && late <= LEASE_MS), `${m.line} at ${new Date(m.at).toISOString()}, ${late} ms late\n${why}`);
      }
    });
  }

  test('the runs did crash', () => { assert.ok(crashes >= ITERATIONS, `${crashes} crashes in ${ITERATIONS} runs`); });
});

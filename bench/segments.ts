/**
 * Real-time segments, per storage driver (env BENCH_DRIVERS, default "postgres,pglite"):
 *
 * 1. Full compute of a behavioural segment (Product Viewed ≥ 3 in 30d and plan = pro) over
 *    BENCH_PROFILES profiles (default 1,000,000) and 10 events each, loaded with batched
 *    INSERTs generated in SQL. Production path: `segments.create`, then wait for `ready`
 *    while the pipeline's compute job runs in chunks. Baseline: one hand-written SQL query
 *    for that segment on the same rows, run just before and just after. Then the compute job
 *    itself re-run on BENCH_BREAKDOWN_CHUNKS chunks (default 20) in a rolled-back transaction,
 *    to show where a chunk's time goes (settle in SQL, load, evaluate, write), next to the whole answer in SQL.
 * 2. Incremental cost: BENCH_INCR_EVENTS events (default 10,000) of BENCH_INCR_USERS users
 *    (default 2,000) appended to the log and drained by the pipeline, in a workspace with 100
 *    segments (trait, event-in-window, nested, computed) and 20 computed traits and in one
 *    without, alternately for BENCH_INCR_ROUNDS rounds (default 3) of fresh traffic, after one
 *    round (reported apart) that also loads every profile's history for the new definitions.
 * 3. Latency: a profile's 3rd Product Viewed sent over HTTP at BENCH_LAT_RATE events/s
 *    (default 50) for BENCH_LAT_EVENTS profiles (default 500); from the HTTP 200 to the
 *    membership row being visible (polled), and server-side from received_at to entered_at.
 *
 * Run alone: BENCH_PROFILES=20000 node --import tsx bench/index.ts segments (BENCH_PARTS=full or
 * incremental runs one part)
 */
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createOmnis, DEFAULT_WORKSPACE, ensureWorkspace, type Omnis } from '../src/app/index.ts';
import { buildServer } from '../src/api/index.ts';
import { createKey } from '../src/ingest/index.ts';
import { migrate, openStore, type Db, type Tx } from '../src/store/index.ts';
import { segmentComputeJob, DefinitionCache, COMPUTE_JOB, type Condition } from '../src/segments/index.ts';
import { systemClock, type OmnisEvent } from '../src/shared/index.ts';
import { BENCH_JOURNAL, benchJournalDir } from './stores.ts';
import { declareParts, envCount, envList, partPicked, DRIVER_NAMES } from './env.ts';

const PROFILES = envCount('BENCH_PROFILES', 1_000_000);
const INCR_EVENTS = envCount('BENCH_INCR_EVENTS', 10_000);
const INCR_ROUNDS = envCount('BENCH_INCR_ROUNDS', 3);
const INCR_USERS = envCount('BENCH_INCR_USERS', 2_000);
const LAT_EVENTS = envCount('BENCH_LAT_EVENTS', 500);
const LAT_RATE = envCount('BENCH_LAT_RATE', 50);
const BREAKDOWN_CHUNKS = envCount('BENCH_BREAKDOWN_CHUNKS', 20);
const DRIVERS = envList('BENCH_DRIVERS', DRIVER_NAMES);
/** Which parts to run: full, incremental (the latter includes latency). Default: both. */
const PG_URL = process.env.OMNIS_TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
const WS = DEFAULT_WORKSPACE;
const DAY = 86_400_000;
const CHUNK = 10_000; // the compute job's default chunk (profiles per id range)

const BEHAVIOURAL: Condition = { all: [{ event: 'Product Viewed', count: { op: 'gte', value: 3 }, within: '30d' }, { trait: 'plan', op: 'eq', value: 'pro' }] };

// ---------------------------------------------------------------------------------- helpers

export const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN; };
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const n = (x: number) => Math.round(x).toLocaleString('en');
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it is truthy; throws after `timeoutMs` (so a stuck run still cleans up). */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${secs(timeoutMs)} waiting for ${what}`);
    await sleep(everyMs);
  }
}

// Stores in use, so Ctrl-C still drops them.
const open = new Set<() => Promise<void>>();
let trapped = false;
function onInterrupt() {
  if (trapped) return;
  trapped = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void Promise.allSettled([...open].map(f => f())).finally(() => process.exit(130)); });
}

/** A fresh Postgres schema or PGlite folder, dropped afterwards whatever happens (an error, Ctrl-C). */
export async function withStore<T>(driver: 'postgres' | 'pglite', fn: (db: Db) => Promise<T>): Promise<T> {
  onInterrupt();
  let db: Db | null = null;
  let done: Promise<void> | null = null;
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const dir = driver === 'pglite' ? mkdtempSync(join(tmpdir(), 'omnis-bench-')) : '';
  const cleanup = () => done ??= (async () => {
    if (driver === 'postgres') await db?.query(`drop schema if exists ${schema} cascade`).catch(e => console.error(`could not drop schema ${schema}:`, e));
    await db?.close().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  })();
  open.add(cleanup);
  try {
    db = driver === 'postgres' ? await openStore({ databaseUrl: PG_URL, schema, poolSize: 8 }) : await openStore({ dataDir: dir, databaseUrl: '', thread: BENCH_JOURNAL });
    return await fn(db);
  } finally {
    await cleanup();
    open.delete(cleanup);
  }
}

export interface Running { omnis: Omnis; url: string; auth: string }

/** A whole Omnis (pipeline, dispatcher, HTTP API on loopback), stopped afterwards whatever happens. */
export async function withOmnis<T>(db: Db, fn: (r: Running) => Promise<T>): Promise<T> {
  const journalDir = benchJournalDir(db);
  const omnis = await createOmnis({ db, rateLimit: 10_000_000, logError: e => console.error(e), journalDir });
  await omnis.start();
  try {
    const app = await buildServer(omnis);
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const key = (await createKey(db, { workspaceId: WS, kind: 'write', source: 'web', channel: 'web' })).secret;
      return await fn({ omnis, url, auth: 'Basic ' + Buffer.from(`${key}:`).toString('base64') });
    } finally { await app.close(); }
  } finally {
    await omnis.stop();
    if (journalDir) rmSync(journalDir, { recursive: true, force: true });
  }
}

// Sends one request body every `intervalMs` from its own thread (off the server's event loop)
// and answers with the wall-clock time each 200 came back.
const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, auth, bodies, intervalMs } = workerData;
(async () => {
  const done = new Array(bodies.length), accept = new Array(bodies.length), failed = [];
  const t0 = Date.now() + 20;
  const inflight = [];
  for (let i = 0; i < bodies.length; i++) {
    const wait = t0 + i * intervalMs - Date.now();
    if (wait > 0) await new Promise(r => setTimeout(r, wait));
    const sent = Date.now();
    inflight.push(fetch(url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: bodies[i] }).then(async r => {
      const text = await r.text();
      if (r.status !== 200 || JSON.parse(text).rejected.length) throw new Error(r.status + ' ' + text.slice(0, 300));
      done[i] = Date.now();
      accept[i] = done[i] - sent;
    }).catch(e => { done[i] = NaN; failed.push(String((e && e.cause && e.cause.message) || (e && e.message) || e)); }));
  }
  await Promise.all(inflight);
  parentPort.postMessage({ done, accept: accept.filter(x => x !== undefined), failed });
})().catch(e => parentPort.postMessage({ error: String((e && e.stack) || e) }));`;

/**
 * POSTs each batch to /v1/batch at a steady pace; resolves with the time each one was answered
 * 200 (`done`, NaN for a request that failed), how long each successful request took
 * (`accept`), and the failures' errors.
 */
export function sendSteady(url: string, auth: string, batches: object[][], intervalMs: number): Promise<{ done: number[]; accept: number[]; failed: string[] }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SENDER, { eval: true, workerData: { url: `${url}/v1/batch`, auth, intervalMs, bodies: batches.map(b => JSON.stringify({ batch: b })) } });
    w.once('message', (m: { done: number[]; accept: number[]; failed: string[]; error?: string }) => { void w.terminate(); if (m.error) reject(new Error(m.error)); else resolve(m); });
    w.once('error', reject);
  });
}

/**
 * Polls rows past a watermark (an identity column only the pipeline writes, one transaction
 * at a time, so ids become visible in order) and records when each key was first seen: the
 * time the poll that saw it returned, an upper bound on when its row became visible.
 */
export function watch(db: Db, sql: string, params: unknown[], everyMs: number, from: number, wanted: (k: string) => boolean) {
  const seen = new Map<string, number>();
  let mark = from, stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const rows = await db.query<{ id: number; k: string }>(sql, [mark, ...params]);
      const at = Date.now();
      for (const r of rows) { mark = Math.max(mark, Number(r.id)); if (wanted(r.k) && !seen.has(r.k)) seen.set(r.k, at); }
      await sleep(everyMs);
    }
  })();
  return { seen, async stop() { stopped = true; await loop; } };
}

/**
 * Polls a count every `everyMs` and dates each newly counted row by the poll that first
 * counted it: for rows updated in place, which have no increasing id to watch. `seen` holds one
 * time per counted row.
 */
export function watchCount(db: Db, sql: string, params: unknown[], everyMs: number) {
  const seen: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const [{ c }] = await db.query<{ c: number }>(sql, params);
      const at = Date.now();
      while (seen.length < c) seen.push(at);
      await sleep(everyMs);
    }
  })();
  return { seen, async stop() { stopped = true; await loop; } };
}

const event = (o: Partial<OmnisEvent> & Pick<OmnisEvent, 'messageId' | 'type'>, now: number): OmnisEvent => ({
  event: null, userId: null, anonymousId: null, channel: 'web', timestamp: now, receivedAt: now, sourceId: null, properties: {}, traits: {}, context: {}, ...o,
});

async function appendAll(omnis: Omnis, events: OmnisEvent[], ws = WS) {
  for (let i = 0; i < events.length; i += 1000) await omnis.log.append(ws, events.slice(i, i + 1000));
}

// ------------------------------------------------------------------------- 1. full compute

/** Profile i gets 10 events over 90 days, none within 3 h of the 30-day edge (so the window cannot move an answer mid-run). */
const LOAD_SQL = [
  `insert into profiles (id, workspace_id, traits, created_at, updated_at)
   select 'bp' || lpad(i::text, 9, '0'), '${WS}', jsonb_build_object('plan', case when abs(hashint8(i)) % 2 = 0 then 'pro' else 'free' end,
          'city', (array['New York', 'Chicago', 'Austin', 'Seattle'])[1 + abs(hashint8(i + 7)) % 4]), to_timestamp($3 / 1000.0), to_timestamp($3 / 1000.0)
     from generate_series($1::bigint, $2::bigint - 1) i`,
  `insert into identities (workspace_id, type, value, profile_id, first_seen)
   select '${WS}', 'anonymous_id', 'bp' || lpad(i::text, 9, '0'), 'bp' || lpad(i::text, 9, '0'), to_timestamp($3 / 1000.0) from generate_series($1::bigint, $2::bigint - 1) i`,
  `with g as (
     select i, j, abs(hashint8(i * 10 + j)) as h, 60 + abs(hashint8(i * 10 + j + 1000000000000)) % (90 * 86400) as o
       from generate_series($1::bigint, $2::bigint - 1) i, generate_series(0, 9) j
   ), ins as (
     insert into events (workspace_id, message_id, type, name, channel, user_id, anonymous_id, ts, received_at, source_id, body)
     select '${WS}', 'b-' || i || '-' || j, case when h % 10 in (4, 5) then 'page' else 'track' end,
            (array['Product Viewed', 'Product Viewed', 'Product Viewed', 'Product Viewed', 'Product', 'Product', 'Product Added', 'Product Added', 'Order Completed', 'Products Searched'])[1 + h % 10],
            'web', null, 'bp' || lpad(i::text, 9, '0'), t, t, null,
            jsonb_build_object('properties', jsonb_build_object('sku', 'SKU-' || (h / 10) % 500, 'price', 100 + (h / 7) % 900,
              'category', (array['mattress', 'pillow', 'bed', 'sheet'])[1 + (h / 3) % 4]), 'traits', '{}'::jsonb, 'context', '{}'::jsonb)
       from g, lateral (select to_timestamp($3 / 1000.0) - make_interval(secs => case when abs(o - 30 * 86400) < 10800 then o + 21600 else o end) as t) x
     returning seq, ts, anonymous_id, name
   )
   insert into profile_events (profile_id, ts, seq, name) select anonymous_id, ts, seq, coalesce(name, '') from ins`,
];

const BASELINE_SQL = `
  select count(*)::int as n from (
    select pe.profile_id from profile_events pe join events e on e.seq = pe.seq
     where e.workspace_id = $2 and e.name = 'Product Viewed'
       and pe.ts > to_timestamp($1 / 1000.0) - interval '30 days' and pe.ts <= to_timestamp($1 / 1000.0)
     group by pe.profile_id having count(*) >= 3) c
  join profiles p on p.id = c.profile_id
  where p.traits->>'plan' = 'pro' and p.merged_into is null`;

async function fullCompute(driver: 'postgres' | 'pglite', say: (s: string) => void) {
  await withStore(driver, async db => {
    await migrate(db);
    const now = Date.now();
    const t0 = performance.now();
    const step = 10_000;
    for (let a = 0; a < PROFILES; a += step) for (const sql of LOAD_SQL) await db.query(sql, [a, Math.min(PROFILES, a + step), now]);
    // As if the pipeline had processed what was loaded.
    await db.query(`insert into pipeline_state (stream, processed_seq) select 'main', coalesce(max(seq), 0) from events`);
    for (const t of ['profiles', 'identities', 'events', 'profile_events']) await db.query(`analyze ${t}`);
    const loadMs = performance.now() - t0;
    say(`loaded ${n(PROFILES)} profiles, ${n(PROFILES * 10)} events (batched INSERTs generated in SQL) in ${secs(loadMs)}`);

    const baseline = async () => { const s = performance.now(); const [{ n: c }] = await db.query<{ n: number }>(BASELINE_SQL, [Date.now(), WS]); return { ms: performance.now() - s, count: c }; };
    const before = await baseline();
    await withOmnis(db, async ({ omnis }) => {
      const s = performance.now();
      const seg = await omnis.segments.create(WS, { name: 'PV 3+ in 30d, pro', condition: BEHAVIOURAL });
      await waitFor('the segment to be ready', async () => (await db.query<{ status: string }>('select status from segments where id = $1', [seg.id]))[0].status === 'ready',
        24 * 3600_000, PROFILES > 100_000 ? 200 : 20);
      const prodMs = performance.now() - s;
      const after = await baseline();
      const [{ n: size }] = await db.query<{ n: number }>('select count(*)::int as n from segment_members where segment_id = $1', [seg.id]);
      const baseMs = (before.ms + after.ms) / 2;
      say(`baseline, one hand-written SQL query: ${secs(before.ms)} before, ${secs(after.ms)} after; ${n(before.count)} members`);
      say(`production full compute (segments.create → ready, pipeline job in chunks of ${CHUNK}): ${secs(prodMs)} = ${(prodMs / baseMs).toFixed(1)}× baseline (target ≤ 2×); ${n(size)} members${size === after.count ? ', same as the baseline' : ` — baseline says ${n(after.count)}: DISAGREE`}`);
      const chunks = Math.ceil(PROFILES / CHUNK);
      say(`  ${n(PROFILES / (prodMs / 1000))} profiles/s, ${(prodMs / chunks).toFixed(1)} ms per chunk of ${CHUNK}`);
      await breakdown(db, Math.min(BREAKDOWN_CHUNKS, chunks)); // once to warm the cache like the compute's own chunks
      const b = await breakdown(db, Math.min(BREAKDOWN_CHUNKS, chunks));
      const share = (x: number) => `${(x / b.chunks).toFixed(1)} ms (${Math.round((100 * x) / b.chunk)}%)`;
      say(`  where a chunk's time goes (the job re-run on ${b.chunks} chunks, rolled back): ${(b.chunk / b.chunks).toFixed(1)} ms per chunk = settling in SQL ${share(b.settle)} (${n(b.evaluated / b.chunks)} of ${n(CHUNK)} profiles left to the evaluator), loading their states ${share(b.load)} (${n(b.rows / b.chunks)} events), writing memberships and recheck timers ${share(b.write)}, the id range ${share(b.ids)}, job bookkeeping ${share(b.job)}, evaluation in JS ${share(b.evaluate)}`);
      const us = (ms: number, profiles: number) => `${((ms * 1000) / profiles).toFixed(1)} µs/profile`;
      say(`  per profile: production ${us(prodMs, PROFILES)} (job re-run ${us(b.chunk, b.chunks * CHUNK)}); baseline ${us(baseMs, PROFILES)}; the whole answer in SQL per range of ${n(CHUNK)} ids ${us(b.range, b.ranges * CHUNK)}`);
    });
  });
}

/** Total length of the union of [start, end] intervals (queries on one connection may overlap in flight). */
function covered(spans: [number, number][]): number {
  let total = 0, until = -Infinity;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (b <= until) continue;
    total += b - Math.max(a, until);
    until = b;
  }
  return total;
}

/**
 * Runs the production compute job itself over its first chunks for a copy of the segment, in
 * a transaction rolled back at the end, timing its statements by what they do: job
 * bookkeeping (job row, definitions stamp, progress), selecting the chunk's ids, loading
 * states, writing memberships and recheck timers; the rest of a chunk is evaluation in JS.
 * Then the alternative: the same answer in SQL, per chunk of ids and per range of ids.
 */
async function breakdown(db: Db, chunks: number) {
  const t = { chunk: 0, job: 0, ids: 0, settle: 0, load: 0, write: 0, evaluate: 0, rows: 0, evaluated: 0, chunks: 0, range: 0, ranges: 0 };
  const rollback = new Error('rollback');
  await db.transaction(async tx => {
    const spans: Record<'job' | 'ids' | 'settle' | 'load' | 'write', [number, number][]> = { job: [], ids: [], settle: [], load: [], write: [] };
    const kind = (sql: string) => /pipeline_jobs|update segments|max\(updated_at\)/.test(sql) ? 'job'
      : /^\s*select max\(id\)/.test(sql) ? 'ids' : /^\s*select p\.id from profiles p/.test(sql) ? 'settle' : /^\s*select/i.test(sql) ? 'load' : 'write';
    const timed: Tx = {
      exec: sql => tx.exec(sql),
      async query<T>(sql: string, params?: unknown[]) {
        const s = performance.now();
        const rows = await tx.query<T>(sql, params);
        spans[kind(sql)].push([s, performance.now()]);
        if (kind(sql) === 'load' && sql.includes('profile_events')) t.rows += rows.length;
        if (kind(sql) === 'settle') t.evaluated += rows.length;
        return rows;
      },
    };
    const now = Date.now();
    await tx.query(`insert into segments (id, workspace_id, name, condition, created_at, updated_at) values ('seg_breakdown', $1, 'breakdown', $2, now(), now())`, [WS, JSON.stringify(BEHAVIOURAL)]);
    await tx.query(`insert into pipeline_jobs (id, workspace_id, kind, state, created_at) values ('job_breakdown', $1, $2, $3, to_timestamp(0))`,
      [WS, COMPUTE_JOB, JSON.stringify({ segmentId: 'seg_breakdown', cursor: '', done: 0, total: PROFILES })]);
    const job = segmentComputeJob({ defs: new DefinitionCache(), clock: systemClock, chunk: CHUNK });
    for (let c = 0; c < chunks; c++) {
      for (const k of Object.values(spans)) k.length = 0;
      const s = performance.now();
      if (!(await job(timed))) break;
      const all = performance.now() - s;
      const [job_, ids, settle, load, write] = [spans.job, spans.ids, spans.settle, spans.load, spans.write].map(covered);
      Object.assign(t, { chunk: t.chunk + all, job: t.job + job_, ids: t.ids + ids, settle: t.settle + settle, load: t.load + load, write: t.write + write, evaluate: t.evaluate + Math.max(0, all - job_ - ids - settle - load - write) });
      t.chunks++;
    }
    let cursor = '';
    for (let c = 0; c < t.chunks; c++) {
      const s = performance.now();
      const [hi] = await tx.query<{ id: string }>('select id from profiles where workspace_id = $1 and id > $2 order by id offset $3 limit 1', [WS, cursor, CHUNK - 1]);
      const to = hi?.id ?? '\uffff';
      await tx.query(`select pe.profile_id from profile_events pe join events e on e.seq = pe.seq join profiles p on p.id = pe.profile_id
                       where pe.profile_id > $1 and pe.profile_id <= $2 and pe.ts > to_timestamp($3 / 1000.0) - interval '30 days' and pe.ts <= to_timestamp($3 / 1000.0)
                         and e.name = 'Product Viewed' and p.traits->>'plan' = 'pro' group by pe.profile_id having count(*) >= 3`, [cursor, to, now]);
      t.range += performance.now() - s;
      t.ranges++;
      if (!hi) break;
      cursor = to;
    }
    throw rollback;
  }).catch(e => { if (e !== rollback) throw e; });
  return t;
}

// ------------------------------------------------------------- 2. incremental cost, 3. latency

const CITIES = ['New York', 'Chicago', 'Austin', 'Seattle', 'Boston'];
const CATS = ['mattress', 'pillow', 'bed', 'sheet'];

/** 20 computed traits over the events the bench sends. */
const TRAITS: Record<string, unknown>[] = [
  { name: 'pv_7d', kind: 'count', event: 'Product Viewed', within: '7d' },
  { name: 'pv_30d', kind: 'count', event: 'Product Viewed', within: '30d' },
  { name: 'pv_90d', kind: 'count', event: 'Product Viewed', within: '90d' },
  { name: 'pv_mattress_30d', kind: 'count', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 'mattress' }], within: '30d' },
  { name: 'pv_pillow_30d', kind: 'count', event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 'pillow' }], within: '30d' },
  { name: 'pv_pricey_30d', kind: 'count', event: 'Product Viewed', where: [{ property: 'price', op: 'gte', value: 700 }], within: '30d' },
  { name: 'spend_30d', kind: 'sum', event: 'Order Completed', property: 'revenue', within: '30d' },
  { name: 'spend_365d', kind: 'sum', event: 'Order Completed', property: 'revenue', within: '365d' },
  { name: 'max_order', kind: 'max', event: 'Order Completed', property: 'revenue' },
  { name: 'min_added_price', kind: 'min', event: 'Product Added', property: 'price' },
  { name: 'last_sku', kind: 'last', event: 'Product Viewed', property: 'sku' },
  { name: 'first_order_at', kind: 'first', event: 'Order Completed' },
  { name: 'top_category_30d', kind: 'most_frequent', event: 'Product Viewed', property: 'category', within: '30d' },
  { name: 'skus_30d', kind: 'distinct_count', event: 'Product Viewed', property: 'sku', within: '30d' },
  { name: 'added_7d', kind: 'count', event: 'Product Added', within: '7d' },
  { name: 'added_30d', kind: 'count', event: 'Product Added', within: '30d' },
  { name: 'orders_365d', kind: 'count', event: 'Order Completed', within: '365d' },
  { name: 'added_value_30d', kind: 'sum', event: 'Product Added', property: 'price', within: '30d' },
  { name: 'any_7d', kind: 'count', event: '*', within: '7d' },
  { name: 'last_revenue', kind: 'last', event: 'Order Completed', property: 'revenue' },
];

/** The i-th of 25 segments of a kind; nested ones may name earlier segments' ids. */
function segmentCondition(kind: 'trait' | 'event' | 'nested' | 'computed', i: number, earlier: string[]): Condition {
  const trait: Condition[] = [
    { trait: 'plan', op: 'eq', value: ['pro', 'free', 'team'][i % 3] }, { trait: 'city', op: 'eq', value: CITIES[i % 5] },
    { trait: 'age', op: 'gte', value: 20 + i }, { trait: 'email', op: 'exists' }, { trait: 'city', op: 'in', value: [CITIES[i % 5], CITIES[(i + 2) % 5]] },
  ];
  const ev = (k: number): Condition => ({
    event: ['Product Viewed', 'Product Added', 'Order Completed'][k % 3], count: { op: 'gte', value: 1 + (k % 4) }, within: ['1d', '7d', '30d'][k % 3],
    ...(k % 2 ? { where: [{ property: 'category', op: 'eq', value: CATS[k % 4] }] } : {}),
  } as Condition);
  if (kind === 'trait') return trait[i % 5];
  if (kind === 'event') return ev(i);
  if (kind === 'computed') {
    const t = TRAITS[i % 20] as { name: string; kind: string };
    const c: Condition = ['last', 'first', 'most_frequent'].includes(t.kind) ? { computed: t.name, op: 'exists' } : { computed: t.name, op: 'gte', value: 1 + (i % 3) };
    return i % 2 ? { all: [c, trait[i % 5]] } : c;
  }
  if (i === 0) return BEHAVIOURAL;
  if (i % 3 === 0 && earlier.length) return { all: [trait[i % 5], { any: [{ segment: earlier[i % earlier.length] }, { segment: earlier[(i * 7) % earlier.length] }] }] };
  return { all: [trait[i % 5], { any: [ev(i), ev(i + 1)] }, { not: { trait: 'city', op: 'eq', value: CITIES[(i + 1) % 5] } }] };
}

/** M events of U users: identifies with traits, product views, adds, orders and pages over the last 20 days. */
function incrementalEvents(tag: string, m: number, users: number, now: number): OmnisEvent[] {
  // Each round its own traffic (a repeat of the same events would change fewer memberships).
  let seed = 12345;
  for (const ch of tag) seed = (seed * 31 + ch.charCodeAt(0)) & 0x7fffffff;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const out: OmnisEvent[] = [];
  for (let i = 0; i < m; i++) {
    const u = Math.floor(rnd() * users), r = rnd(), ts = now - Math.floor(rnd() * 20 * DAY);
    const base = { messageId: `${tag}-${i}`, userId: `u-${u}`, timestamp: ts };
    const props = { sku: `SKU-${u % 97}`, price: 100 + Math.floor(rnd() * 900), category: CATS[Math.floor(rnd() * 4)] };
    if (r < 0.1) out.push(event({ ...base, type: 'identify', traits: { plan: ['pro', 'free', 'team'][u % 3], city: CITIES[u % 5], age: 18 + (u % 60), email: `u${u}@example.com` } }, now));
    else if (r < 0.5) out.push(event({ ...base, type: 'track', event: 'Product Viewed', properties: props }, now));
    else if (r < 0.65) out.push(event({ ...base, type: 'track', event: 'Product Added', properties: props }, now));
    else if (r < 0.75) out.push(event({ ...base, type: 'track', event: 'Order Completed', properties: { order_id: `${tag}-o${i}`, revenue: props.price, products: [props] } }, now));
    else out.push(event({ ...base, type: 'page', event: 'Product', properties: { path: `/p/${u % 97}` } }, now));
  }
  return out;
}

async function incremental(driver: 'postgres' | 'pglite', say: (s: string) => void) {
  await withStore(driver, db => withOmnis(db, async run => {
    const { omnis } = run;
    // Two workspaces, the same kind of traffic: one with the definitions, one without (built-in
    // traits only), drained in alternation so a busy machine's drift hits both alike.
    const PLAIN = 'bench_plain';
    await ensureWorkspace(db, PLAIN, 'no definitions');
    const drain = async (ws: string, tag: string) => {
      const s = performance.now();
      await appendAll(omnis, incrementalEvents(tag, INCR_EVENTS, INCR_USERS, Date.now()), ws);
      await omnis.idle();
      return (performance.now() - s) / INCR_EVENTS;
    };
    await drain(PLAIN, 'warm'); // creates the users' profiles, warms the JIT and the caches
    await drain(WS, 'warm');

    const s = performance.now();
    for (const t of TRAITS) await omnis.segments.createTrait(WS, t);
    const segIds: string[] = [];
    let behavioural = '';
    for (const kind of ['trait', 'event', 'nested', 'computed'] as const) {
      for (let i = 0; i < 25; i++) {
        const seg = await omnis.segments.create(WS, { name: `${kind} ${i}`, condition: segmentCondition(kind, i, segIds.slice(0, 50)) });
        segIds.push(seg.id);
        if (kind === 'nested' && i === 0) behavioural = seg.id;
      }
    }
    await waitFor('100 segments to be ready', async () => (await db.query<{ n: number }>(`select count(*)::int as n from segments where status <> 'ready'`))[0].n === 0, 3600_000, 50);
    say(`100 segments + 20 computed traits created and computed over ${n(INCR_USERS)} profiles in ${secs(performance.now() - s)}`);
    // The first events after the definitions exist also fill the pipeline's history of every
    // profile (the segment stage had nothing to read before): reported, not counted.
    const first = [await drain(PLAIN, 'first'), await drain(WS, 'first')];
    say(`first round after creating them: ${first[0].toFixed(3)} ms/event without, ${first[1].toFixed(3)} ms/event with the definitions`);

    const changes = async () => (await db.query<{ c: number }>(`select count(*)::int as c from events where workspace_id = $1 and name in ('Segment Entered', 'Segment Exited')`, [WS]))[0].c;
    const changesBefore = await changes();
    const plain: number[] = [], defined: number[] = [];
    for (let r = 0; r < INCR_ROUNDS; r++) { plain.push(await drain(PLAIN, `a${r}`)); defined.push(await drain(WS, `b${r}`)); }
    const churn = (await changes() - changesBefore) / (INCR_ROUNDS * INCR_EVENTS);
    const med = (xs: number[]) => pct(xs, 50);
    const list = (xs: number[]) => xs.map(x => x.toFixed(3)).join(', ');
    say(`pipeline per event (append + drain of ${n(INCR_EVENTS)} events of ${n(INCR_USERS)} users, ${INCR_ROUNDS} alternating rounds): without definitions (built-in traits only) ${med(plain).toFixed(3)} ms (${list(plain)}); with 100 segments + 20 computed traits ${med(defined).toFixed(3)} ms (${list(defined)})`);
    say(`  added by the definitions: ${(med(defined) - med(plain)).toFixed(3)} ms/event = ${(med(defined) / med(plain)).toFixed(2)}× (target < 0.2 ms/event added); each event caused ${churn.toFixed(2)} Segment Entered/Exited events, which go through the pipeline too`);
    say(await latency(db, run, behavioural, driver));
  }));
}

/** Profiles one Product Viewed short of the behavioural segment get it over HTTP at a steady rate. */
async function latency(db: Db, run: Running, segmentId: string, driver: string): Promise<string> {
  const now = Date.now();
  const setup: OmnisEvent[] = [];
  for (let i = 0; i < LAT_EVENTS; i++) {
    setup.push(event({ messageId: `lat-${i}-id`, type: 'identify', userId: `lat-${i}`, traits: { plan: 'pro' } }, now));
    for (const k of [1, 2]) setup.push(event({ messageId: `lat-${i}-pv${k}`, type: 'track', event: 'Product Viewed', userId: `lat-${i}`, timestamp: now - k * 3600_000, properties: { sku: 'SKU-1', category: 'bed', price: 300 } }, now));
  }
  await appendAll(run.omnis, setup);
  await run.omnis.idle();
  const profileOf = new Map((await db.query<{ value: string; profile_id: string }>(`select value, profile_id from identities where type = 'user_id' and value like 'lat-%'`)).map(r => [r.profile_id, r.value]));
  const everyMs = driver === 'pglite' ? 5 : 2;
  const [{ mark }] = await db.query<{ mark: number }>('select coalesce(max(id), 0)::float8 as mark from segment_history');
  const w = watch(db, `select id, profile_id as k from segment_history where id > $1 and segment_id = $2 order by id`, [segmentId], everyMs, mark, k => profileOf.has(k));
  let done: number[], accept: number[], failed: string[];
  try {
    const batches = Array.from({ length: LAT_EVENTS }, (_, i) => [{ type: 'track', event: 'Product Viewed', userId: `lat-${i}`, messageId: `lat-${i}-pv3`, properties: { sku: 'SKU-1', category: 'bed', price: 300 } }]);
    ({ done, accept, failed } = await sendSteady(run.url, run.auth, batches, 1000 / LAT_RATE));
    const expected = done.filter(x => !Number.isNaN(x)).length;
    await waitFor('every latency profile to enter', async () => w.seen.size >= expected, 120_000, 20);
  } finally { await w.stop(); }
  const polled: number[] = [];
  for (const [pid, at] of w.seen) { const u = profileOf.get(pid); const d = u ? done[Number(u.slice(4))] : NaN; if (!Number.isNaN(d)) polled.push(at - d); }
  const server = (await db.query<{ d: number }>(
    `select extract(epoch from (h.entered_at - e.received_at)) * 1000 as d from events e join identities i on i.type = 'user_id' and i.value = e.user_id
       join segment_history h on h.profile_id = i.profile_id and h.segment_id = $1 where e.message_id like 'lat-%-pv3'`, [segmentId])).map(r => Number(r.d));
  return `segment entry latency at ${LAT_RATE} events/s with the 100 segments live (${polled.length} profiles): HTTP 200 → membership row visible (polled every ${everyMs} ms) p50 ${pct(polled, 50).toFixed(1)} ms, p99 ${pct(polled, 99).toFixed(1)} ms, max ${Math.max(...polled).toFixed(1)} ms (target p99 < 50 ms); server-side received_at → entered_at p50 ${pct(server, 50).toFixed(1)} ms, p99 ${pct(server, 99).toFixed(1)} ms; the HTTP requests themselves p50 ${pct(accept, 50).toFixed(1)} ms, p99 ${pct(accept, 99).toFixed(1)} ms${failed.length ? `; ${failed.length} requests FAILED (${failed[0]})` : ''}`;
}

const PARTS = declareParts({ full: fullCompute, incremental });

export default async function bench(report: (line: string) => void) {
  for (const driver of DRIVERS) {
    const say = (s: string) => report(`segments [${driver}] ${s}`);
    for (const [name, part] of Object.entries(PARTS)) {
      if (!partPicked(name)) continue;
      try { await part(driver, say); } catch (e) { say(`FAILED: ${(e as Error).stack ?? e}`); process.exitCode = 1; }
    }
  }
}

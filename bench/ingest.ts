import { Worker } from 'node:worker_threads';
import { rmSync } from 'node:fs';
import { createOmnis, DEFAULT_WORKSPACE } from '../src/app/index.ts';
import { buildServer } from '../src/api/index.ts';
import { createKey } from '../src/ingest/index.ts';
import { type Db } from '../src/store/index.ts';
import type { OmnisEvent } from '../src/shared/index.ts';
import { INSERT_EVENTS_SQL_FOR_BENCH } from './sql.ts';
import { benchJournalDir, eachStore } from './stores.ts';
import { envCount } from './env.ts';

/**
 * Issue 2's figures, per storage driver:
 * - end-to-end events/s: HTTP batches in → every profile updated (lag 0), against a
 *   baseline measured in the same run on the same database: plain batched INSERTs of the
 *   same events into a table shaped like the event log;
 * - accept latency p50/p99 at a steady 5,000 events/s.
 */
const EVENTS = envCount('BENCH_EVENTS', 100_000);
const USERS = 10_000;
const BATCH = 500;

function makeEvents(n: number, tag: string) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const u = i % USERS;
    const kind = i % 10;
    const base = { messageId: `${tag}-${i}`, anonymousId: `anon-${tag}-${u}`, timestamp: new Date(Date.UTC(2026, 2, 1) + i * 1000).toISOString() };
    if (kind === 0) out.push({ ...base, type: 'identify', userId: `user-${tag}-${u}`, traits: { email: `u${u}.${tag}@example.com`, plan: ['free', 'pro'][u % 2], city: 'New York' } });
    else if (kind < 4) out.push({ ...base, type: 'page', name: 'Product', properties: { path: `/p/${i % 500}`, referrer: 'https://google.com' } });
    else out.push({ ...base, type: 'track', event: ['Product Viewed', 'Product Added', 'Order Completed'][kind % 3], properties: { sku: `SKU-${i % 500}`, price: 100 + (i % 900), category: 'mattress' } });
  }
  return out;
}
/** Journal folders made for this run (BENCH_JOURNAL), removed at its end. */
const journals: string[] = [];
const journalFor = (db: Db) => { const d = benchJournalDir(db); if (d) journals.push(d); return d; };
const chunk = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

function runLoad(data: object): Promise<{ startedAt: number; elapsedMs: number; latencies: number[] }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./load.mjs', import.meta.url), { workerData: data });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

async function baseline(db: Db, events: ReturnType<typeof makeEvents>): Promise<number> {
  await db.exec('drop table if exists bench_baseline; create table bench_baseline (like events including defaults including identity); alter table bench_baseline add unique (workspace_id, message_id)');
  const rows = events.map(e => ({ w: 'default', m: e.messageId, t: e.type, n: (e as { event?: string }).event ?? null, c: 'web', u: (e as { userId?: string }).userId ?? null, a: e.anonymousId, ts: Date.parse(e.timestamp), r: Date.now(), s: null, b: { properties: (e as { properties?: object }).properties ?? {}, traits: (e as { traits?: object }).traits ?? {}, context: {} } }));
  const t0 = performance.now();
  for (const c of chunk(rows, BATCH)) await db.query(INSERT_EVENTS_SQL_FOR_BENCH, [JSON.stringify(c)]);
  const s = (performance.now() - t0) / 1000;
  await db.exec('drop table bench_baseline');
  return events.length / s;
}

async function one(name: string, open: () => Promise<{ db: Db; cleanup: () => Promise<void> }>, report: (l: string) => void): Promise<void> {
  const { db, cleanup } = await open();
  try {
    const omnis = await createOmnis({ db, rateLimit: 10_000_000, logError: e => console.error(e), batchSize: envCount('BENCH_BATCH'), journalDir: journalFor(db) });
    await omnis.start();
    const app = await buildServer(omnis);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const writeKey = (await createKey(db, { workspaceId: DEFAULT_WORKSPACE, kind: 'write', source: 'web', channel: 'web' })).secret;

    const base = await baseline(db, makeEvents(EVENTS, 'base'));

    // Warm up the JIT and the connection pool.
    await runLoad({ url, writeKey, batches: chunk(makeEvents(5000, 'warm'), BATCH), mode: 'burst' });
    await omnis.idle();

    const events = makeEvents(EVENTS, 'e2e');
    // Timed from the first request the load generator sends (its own start and encoding are not the server's work).
    const load = await runLoad({ url, writeKey, batches: chunk(events, BATCH), mode: 'burst', concurrency: 4 });
    const t0 = load.startedAt - performance.timeOrigin;
    const acceptedAt = t0 + load.elapsedMs;
    await omnis.idle();
    const e2eSec = (performance.now() - t0) / 1000;
    const e2e = EVENTS / e2eSec;
    const accept = EVENTS / ((acceptedAt - t0) / 1000);

    // Steady 5,000 events/s: 50 events every 10 ms for 10 s.
    const steady = makeEvents(50_000, 'steady');
    const lat = await runLoad({ url, writeKey, warm: chunk(makeEvents(1000, 'steady-warm'), 50), batches: chunk(steady, 50), mode: 'steady', intervalMs: 10 });
    await omnis.idle();
    const [{ n: profiles }] = await db.query<{ n: number }>('select count(*)::int as n from profiles where merged_into is null');

    report(`ingest [${name}] baseline plain batched INSERT: ${Math.round(base).toLocaleString('en')} events/s`);
    report(`ingest [${name}] end to end (HTTP batch in → profile updated): ${Math.round(e2e).toLocaleString('en')} events/s = ${(e2e / base).toFixed(2)}× baseline (accept only: ${Math.round(accept).toLocaleString('en')} events/s)`);
    report(`ingest [${name}] accept latency at 5,000 events/s (batches of 50): p50 ${pct(lat.latencies, 50).toFixed(1)} ms, p99 ${pct(lat.latencies, 99).toFixed(1)} ms over ${lat.latencies.length} requests`);
    report(`ingest [${name}] ${profiles.toLocaleString('en')} live profiles after ${(EVENTS * 2 + 56_000).toLocaleString('en')} events`);
    await app.close();
    await omnis.stop();
    const alone = await pipelineAlone(db);
    report(`ingest [${name}] pipeline alone (${EVENTS.toLocaleString('en')} events of new users already in the log, nothing else running): ${Math.round(alone).toLocaleString('en')} events/s = ${(alone / base).toFixed(2)}× baseline`);
    // Last: the events it appends stay unprocessed.
    const bare = await acceptAlone(db, journalFor(db));
    report(`ingest [${name}] baseline for the accept latency: the same steady 5,000 events/s with no pipeline running (appends only): p50 ${pct(bare, 50).toFixed(1)} ms, p99 ${pct(bare, 99).toFixed(1)} ms`);
  } finally {
    await cleanup();
    for (const d of journals.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Accept latency at the steady rate with nothing but the API and the appends: what the pipeline beside them adds. */
async function acceptAlone(db: Db, journalDir: string | undefined): Promise<number[]> {
  const omnis = await createOmnis({ db, worker: false, rateLimit: 10_000_000, logError: e => console.error(e), journalDir });
  await omnis.start();
  const app = await buildServer(omnis);
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const writeKey = (await createKey(db, { workspaceId: DEFAULT_WORKSPACE, kind: 'write', source: 'web', channel: 'web' })).secret;
    return (await runLoad({ url, writeKey, warm: chunk(makeEvents(5000, 'bare-warm'), 50), batches: chunk(makeEvents(50_000, 'bare'), 50), mode: 'steady', intervalMs: 10 })).latencies;
  } finally { await app.close(); await omnis.stop(); }
}

/**
 * The pipeline's own rate, without the HTTP API beside it on the same cores: the events are
 * appended first (by an Omnis that runs no pipeline), then a fresh one drains them.
 */
async function pipelineAlone(db: Db): Promise<number> {
  const writer = await createOmnis({ db, worker: false, logError: e => console.error(e) });
  const now = Date.now();
  const events: OmnisEvent[] = makeEvents(EVENTS, 'alone').map(e => ({
    event: null, userId: null, previousId: null, properties: {}, traits: {}, context: {}, ...e,
    timestamp: Date.parse(e.timestamp), receivedAt: now, channel: 'web', sourceId: null,
  }) as OmnisEvent);
  for (const c of chunk(events, 2000)) await writer.log.append(DEFAULT_WORKSPACE, c);
  const omnis = await createOmnis({ db, logError: e => console.error(e) });
  await omnis.start();
  const t0 = performance.now();
  await omnis.idle();
  const rate = EVENTS / ((performance.now() - t0) / 1000);
  await omnis.stop();
  return rate;
}

export default async function bench(report: (line: string) => void) {
  await eachStore('ingest', one, report);
}

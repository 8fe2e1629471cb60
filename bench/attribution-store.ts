/**
 * Attribution over stored events, per storage driver: N generated events (env
 * BENCH_ATTR_EVENTS, default 1,000,000; 10,000,000 works given the time and the disk)
 * written straight into events + profile_events with batched INSERTs (HTTP ingest would
 * take hours at 10M), then each report timed end to end, SQL included, against a baseline
 * in the same run on the same rows: one plain scan, `select count(*), sum(revenue)` over the
 * events the reports read, the least any report over them can cost.
 *
 * Reports classify events into touchpoints once (analytics_touches) and reuse that; the
 * first report after loading pays for it, and that cost is timed on its own. The report
 * figures are the best of two runs once that is done.
 *
 * Events look like an omnichannel shop's: 4 to 36 per profile (20 on average) over 90
 * days; page views (Google ads with gclid, search, social and internal referrers, direct),
 * product views and adds (not touchpoints), email, SMS and push engagement, Facebook and
 * Google ad events, store visits, and orders on the web and at the POS, likelier after ads
 * and email.
 *
 * Run alone: BENCH_ATTR_EVENTS=200000 node --import tsx bench/attribution-store.ts
 * (BENCH_ATTR_DRIVERS=pglite or postgres runs one driver.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { migrate, openStore, type Db } from '../src/store/index.ts';
import { funnelReport, getTaxonomy, pathReport, refreshTouches, storeAttribution, type ModelName } from '../src/analytics/index.ts';
import { seededRandom } from '../src/analytics/index.ts';
import { envCount, envList, DRIVER_NAMES } from './env.ts';

const EVENTS = envCount('BENCH_ATTR_EVENTS', 1_000_000);
const DRIVERS = envList('BENCH_ATTR_DRIVERS', DRIVER_NAMES);
const WS = 'bench';
const BATCH = 5000;
const START = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const SPAN_DAYS = 90;
/** The reports cover the last 60 days with a 30-day lookback: the scan reads all 90. */
const RANGE = { from: START + 30 * DAY, to: START + SPAN_DAYS * DAY };
const LOOKBACK = 30 * DAY;

type Row = { m: string; t: string; n: string | null; c: string; a: string; ts: number; b: object };

const INSERT_SQL = `
  with ins as (
    insert into events (workspace_id, message_id, type, name, channel, user_id, anonymous_id, ts, received_at, source_id, body)
    select '${WS}', x.m, x.t, x.n, x.c, null, x.a, to_timestamp(x.ts / 1000.0), to_timestamp(x.ts / 1000.0), null, x.b
      from jsonb_to_recordset($1::jsonb) as x(m text, t text, n text, c text, a text, ts float8, b jsonb)
    returning seq, ts, anonymous_id, name
  )
  insert into profile_events (profile_id, ts, seq, name) select anonymous_id, ts, seq, coalesce(name, '') from ins`;

export default async function bench(report: (line: string) => void): Promise<void> {
  const pgUrl = process.env.OMNIS_TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
  if (DRIVERS.includes('postgres')) {
    await one('postgres', async () => {
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      const db = await openStore({ databaseUrl: pgUrl, schema, poolSize: 2 });
      return { db, cleanup: async () => { await db.query(`drop schema ${schema} cascade`); await db.close(); } };
    }, report).catch(e => report(`attribution-store [postgres] skipped: ${(e as Error).message}`));
  }
  if (DRIVERS.includes('pglite')) {
    await one('pglite', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'omnis-bench-attr-'));
      const db = await openStore({ dataDir: dir, databaseUrl: '' });
      return { db, cleanup: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
    }, report);
  }
}

async function one(name: string, open: () => Promise<{ db: Db; cleanup: () => Promise<void> }>, report: (l: string) => void): Promise<void> {
  const { db, cleanup } = await open();
  const say = (s: string) => report(`attribution-store [${name}] ${s}`);
  try {
    await migrate(db);
    const t0 = performance.now();
    const { events, profiles } = await load(db);
    // As if the pipeline had processed them: reports read only what it has.
    await db.query(`insert into pipeline_state (stream, processed_seq) select 'main', max(seq) from events
                    on conflict (stream) do update set processed_seq = excluded.processed_seq`);
    await db.query('analyze events');
    await db.query('analyze profile_events');
    say(`loaded ${events.toLocaleString('en')} events of ${profiles.toLocaleString('en')} profiles in ${secs(performance.now() - t0)} (${Math.round(events / ((performance.now() - t0) / 1000)).toLocaleString('en')} events/s)`);

    const base = await best(() => db.query(
      `select count(*), sum(coalesce((body #>> '{properties,revenue}')::float8, 0))
         from events where workspace_id = $1 and ts >= to_timestamp($2::float8 / 1000.0) and ts < to_timestamp($3::float8 / 1000.0)`,
      [WS, RANGE.from - LOOKBACK, RANGE.to]));
    say(`baseline: select count(*), sum(revenue) over the range's events: ${secs(base.ms)}`);

    const t1 = performance.now();
    const caught = await refreshTouches(db, WS, await getTaxonomy(db, WS));
    const classifyMs = performance.now() - t1;
    await db.query('analyze analytics_touches');
    say(`classifying every event once (first report after load or a rules change): ${secs(classifyMs)} = ${ratio(classifyMs, base.ms)}, ${Math.round(events / (classifyMs / 1000)).toLocaleString('en')} events/s, ${caught.touches.toLocaleString('en')} touchpoints`);

    const models: ModelName[] = ['first', 'last', 'last_non_direct', 'linear', 'position', 'markov', 'shapley'];
    const attr = await best(() => storeAttribution(db, WS, { range: RANGE, lookbackMs: LOOKBACK, models, nulls: true }));
    const r = attr.result;
    say(`attribution, ${models.length} models (journeys summed in SQL): ${secs(attr.ms)} = ${ratio(attr.ms, base.ms)}; ${r.totals.conversions.toLocaleString('en')} conversions, ${r.totals.nulls.toLocaleString('en')} null journeys`);
    const timed = await best(() => storeAttribution(db, WS, { range: RANGE, lookbackMs: LOOKBACK, models: ['time_decay', 'markov'], order: 2, nulls: true }), 1);
    say(`attribution, time decay + markov order 2 (one row per journey): ${secs(timed.ms)} = ${ratio(timed.ms, base.ms)}`);
    const split = await best(() => storeAttribution(db, WS, { range: RANGE, lookbackMs: LOOKBACK, models: ['linear', 'markov'], breakdown: 'traits.city' }), 1);
    say(`attribution, linear + markov by traits.city (${split.result.breakdown?.groups.length} groups): ${secs(split.ms)} = ${ratio(split.ms, base.ms)}`);
    const paths = await best(() => pathReport(db, WS, { range: RANGE, lookbackMs: LOOKBACK }), 1);
    say(`paths report: ${secs(paths.ms)} = ${ratio(paths.ms, base.ms)}; ${paths.result.sankey.links.length} Sankey links`);
    const funnel = await best(() => funnelReport(db, WS, {
      range: RANGE, windowMs: 14 * DAY,
      steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }], includeProfiles: true,
    }), 1);
    say(`funnel, 3 steps with drop-off ids: ${secs(funnel.ms)} = ${ratio(funnel.ms, base.ms)}; entered ${funnel.result.steps.map(s => s.entered).join(' → ')}`);
    const last = r.models.find(m => m.model === 'markov')!;
    say(`markov shares: ${last.channels.slice(0, 8).map(c => `${c.channel} ${(100 * c.conversions / r.totals.conversions).toFixed(1)}%`).join(', ')}; offline ${(100 * last.offline.conversions / r.totals.conversions).toFixed(1)}%`);
  } finally { await cleanup(); }
}

async function load(db: Db): Promise<{ events: number; profiles: number }> {
  const random = seededRandom(7);
  let batch: Row[] = [];
  let events = 0;
  let profile = 0;
  const profileRows: { id: string; city: string }[] = [];
  const flush = async () => {
    if (batch.length) await db.query(INSERT_SQL, [JSON.stringify(batch)]);
    if (profileRows.length) {
      await db.query(`insert into profiles (id, workspace_id, traits, created_at, updated_at)
        select x.id, '${WS}', jsonb_build_object('city', x.city), now(), now() from jsonb_to_recordset($1::jsonb) as x(id text, city text)`, [JSON.stringify(profileRows)]);
    }
    batch = [];
    profileRows.length = 0;
  };
  while (events < EVENTS) {
    const pid = `p${profile++}`;
    profileRows.push({ id: pid, city: CITIES[Math.floor(random() * CITIES.length)] });
    for (const row of journey(pid, random, Math.min(EVENTS - events, 4 + Math.floor(random() * 33)))) {
      batch.push(row);
      events++;
    }
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return { events, profiles: profile };
}

const CITIES = ['New York', 'Chicago', 'Austin', 'Seattle', 'Boston', 'Denver', 'Miami', 'Portland'];

/** One profile's events in time order: touches and behaviour, orders more likely after email and search. */
function* journey(pid: string, random: () => number, count: number): Generator<Row> {
  const times = Array.from({ length: count }, () => START + random() * SPAN_DAYS * DAY).sort((a, b) => a - b);
  let boost = 0;
  for (let i = 0; i < count; i++) {
    const ts = Math.round(times[i]);
    const m = `${pid}-${i}`;
    const u = random();
    if (u < 0.12) { boost += 0.02; yield { m, t: 'page', n: 'Home', c: 'web', a: pid, ts, b: { properties: { url: `https://shop.example/?utm_source=google&utm_medium=cpc&gclid=${m}`, referrer: 'https://www.google.com/' } } }; }
    else if (u < 0.2) yield { m, t: 'page', n: 'Home', c: 'web', a: pid, ts, b: { properties: { url: 'https://shop.example/', referrer: 'https://www.google.com/search?q=mattress' } } };
    else if (u < 0.26) yield { m, t: 'page', n: 'Home', c: 'web', a: pid, ts, b: { properties: { url: 'https://shop.example/', referrer: 'https://l.instagram.com/' } } };
    else if (u < 0.32) yield { m, t: 'page', n: 'Home', c: 'web', a: pid, ts, b: { properties: { url: 'https://shop.example/' } } };
    else if (u < 0.46) yield { m, t: 'page', n: 'Product', c: 'web', a: pid, ts, b: { properties: { url: `https://shop.example/p/${i}`, referrer: 'https://shop.example/' } } };
    else if (u < 0.62) yield { m, t: 'track', n: random() < 0.7 ? 'Product Viewed' : 'Product Added', c: 'web', a: pid, ts, b: { properties: { sku: `SKU-${i % 50}`, price: 100 } } };
    else if (u < 0.74) { boost += 0.03; yield { m, t: 'track', n: random() < 0.6 ? 'Email Opened' : 'Email Link Clicked', c: 'email', a: pid, ts, b: { properties: { campaign: 'spring' } } }; }
    else if (u < 0.78) yield { m, t: 'track', n: 'SMS Link Clicked', c: 'sms', a: pid, ts, b: { properties: {} } };
    else if (u < 0.81) yield { m, t: 'track', n: 'Push Opened', c: 'app', a: pid, ts, b: { properties: {} } };
    else if (u < 0.9) yield { m, t: 'track', n: random() < 0.8 ? 'Ad Impression' : 'Ad Clicked', c: 'ads', a: pid, ts, b: { properties: { platform: random() < 0.6 ? 'facebook' : 'google' } } };
    else if (u < 0.93) yield { m, t: 'track', n: 'Store Visited', c: 'pos', a: pid, ts, b: { properties: { store: 'NYC' } } };
    else if (u < 0.95 + boost) yield { m, t: 'track', n: 'Order Completed', c: random() < 0.25 ? 'pos' : 'web', a: pid, ts, b: { properties: { revenue: 50 + Math.round(random() * 950) } } };
    else yield { m, t: 'page', n: 'Cart', c: 'web', a: pid, ts, b: { properties: { url: 'https://shop.example/cart', referrer: 'https://shop.example/p/1' } } };
  }
}

async function best<T>(run: () => Promise<T>, times = 2): Promise<{ ms: number; result: T }> {
  let ms = Infinity;
  let result: T | undefined;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    result = await run();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, result: result! };
}

const secs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const ratio = (v: number, base: number) => `${(v / base).toFixed(1)}× the baseline`;


if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bench(line => console.log(line));
}

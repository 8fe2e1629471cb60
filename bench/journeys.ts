/**
 * Journeys, per storage driver (env BENCH_DRIVERS, default "postgres,pglite"), on the system clock:
 *
 * 1. Event → message in the outbox: 50 live journeys (entry event → immediate send → exit);
 *    trigger events sent over HTTP at BENCH_JRN_RATE events/s (default 1,000, in batches of
 *    10) for BENCH_JRN_SECONDS (default 10). From each HTTP 200 to its `messages` row being
 *    visible (polled), and server-side from the event's received_at to the message's created_at.
 * 2. Runs held per GB: BENCH_RUNS runs (default 20,000) entered through the engine (an event
 *    each, appended to the log), each waiting on a timer; the growth of journey_runs +
 *    timers (pg_total_relation_size) per run.
 * 3. Timer lateness: BENCH_TIMERS runs (default 100,000) written with SQL, each waiting at a
 *    `wait 1m` step on its timer, all timers due at one instant. Per timer: due → the run's
 *    'left' row (its recorded time, and when it became visible, polled); the total drain time;
 *    and how much the event log and profile histories grew per fired timer.
 * 4. The same crowd (BENCH_CROWD_TIMERS runs, default 20,000) waking into a branch step (on
 *    an event within 30 days), into a split whose paths lead into that branch, or into an
 *    audience step, before the exit: what reading the branches' data, or adding to an
 *    audience, costs the drain.
 *
 * 5. Goals reached in crowds: BENCH_RUNS runs (default 20,000) entered through the engine, each in
 *    an audience and waiting a day; then an 'Order Completed' event for every one (appended
 *    in chunks of 1,000) converts them all: processing rate, against the same number of events
 *    for the same people that move no run, processed just before.
 *
 * 6. Marketing sends in a crowd: BENCH_SENDS consented customers (default 5,000) enter a journey
 *    that sends them a marketing email at once; from the append of their events to every
 *    message sent (capture provider): the contact policy checked, the message rendered and sent.
 *
 * On PGlite (one connection) a reader's query waits for the pipeline's transactions, so polled
 * times there are when any reader could see the row, not when it was written.
 *
 * Run alone: BENCH_TIMERS=10000 BENCH_RUNS=5000 node --import tsx bench/index.ts journeys
 * (BENCH_PARTS=outbox,runs,timers,branch,split,audience,goal,sends picks parts)
 */
import type { Db } from '../src/store/index.ts';
import { DEFAULT_WORKSPACE } from '../src/app/index.ts';
import type { OmnisEvent } from '../src/shared/index.ts';
import { pct, sendSteady, waitFor, watch, watchCount, withOmnis, withStore, type Running } from './segments.ts';
import { declareParts, envCount, envList, partPicked, DRIVER_NAMES } from './env.ts';

const RATE = envCount('BENCH_JRN_RATE', 1000);
const SECONDS = envCount('BENCH_JRN_SECONDS', 10);
const PER_REQUEST = 10;
const JOURNEYS = 50;
const USERS = 2000;
const RUNS = envCount('BENCH_RUNS', 20_000);
const TIMERS = envCount('BENCH_TIMERS', 100_000);
const CROWD_TIMERS = envCount('BENCH_CROWD_TIMERS', 20_000);
const SENDS = envCount('BENCH_SENDS', 5_000);
const DRIVERS = envList('BENCH_DRIVERS', DRIVER_NAMES);
const WS = DEFAULT_WORKSPACE;

const n = (x: number) => Math.round(x).toLocaleString('en');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const dist = (xs: number[], unit = 'ms') => `p50 ${pct(xs, 50).toFixed(1)} ${unit}, p99 ${pct(xs, 99).toFixed(1)} ${unit}, max ${Math.max(...xs).toFixed(1)} ${unit}`;

const track = (messageId: string, userId: string, name: string, properties: Record<string, string> = {}): OmnisEvent => {
  const now = Date.now();
  return { messageId, type: 'track', event: name, userId, anonymousId: null, channel: 'web', timestamp: now, receivedAt: now, sourceId: null, properties, traits: {}, context: {} };
};

async function appendAll(run: Running, events: OmnisEvent[]) {
  for (let i = 0; i < events.length; i += 1000) await run.omnis.log.append(WS, events.slice(i, i + 1000));
  await run.omnis.idle();
}

async function publish(run: Running, def: Record<string, unknown>): Promise<string> {
  const j = await run.omnis.journeys.create(WS, def);
  await run.omnis.journeys.publish(WS, j.id);
  return j.id;
}

// ------------------------------------------------------------------ 1. event → outbox latency

async function outboxLatency(db: Db, run: Running, driver: string, say: (s: string) => void) {
  // Messages really go out (to the capture provider), so the dispatcher and its feedback events run as in production.
  await run.omnis.messaging.channels.put(WS, 'email', { provider: 'capture' });
  await run.omnis.templates.create(WS, { key: 'bench', channel: 'email', subject: 'Hello', html: '<p>Hello {{ profile.traits.email }}, {{ event.name }}</p>' });
  const ids: string[] = [];
  for (let k = 0; k < JOURNEYS; k++) {
    ids.push(await publish(run, {
      name: `Trigger ${k}`, entry: { event: `Trigger ${k}` }, reentry: 'after_exit', start: 'send',
      steps: { send: { type: 'send', channel: 'email', template: 'bench', purpose: 'transactional', next: 'end' }, end: { type: 'exit' } },
    }));
  }
  // The users' profiles exist beforehand; a first round of triggers warms the JIT and the caches.
  await appendAll(run, Array.from({ length: USERS }, (_, u) => ({ ...track(`jw-id-${u}`, `ju-${u}`, ''), type: 'identify' as const, event: null, traits: { email: `ju${u}@example.com` } })));
  const b0 = performance.now();
  const warm = Array.from({ length: 2000 }, (_, i) => track(`jw-${i}`, `ju-${i % USERS}`, `Trigger ${i % JOURNEYS}`, { k: `jw-${i}` }));
  for (let i = 0; i < warm.length; i += 1000) await run.omnis.log.append(WS, warm.slice(i, i + 1000));
  // Not omnis.idle(): the dispatcher's feedback events keep the backlog busy.
  await waitFor('the warm-up messages', async () => (await db.query<{ c: number }>('select count(*)::int as c from messages'))[0].c >= warm.length, 300_000, 20);
  const burst = warm.length / ((performance.now() - b0) / 1000);

  const total = RATE * SECONDS;
  const batches: object[][] = [];
  for (let i = 0; i < total; i += PER_REQUEST) {
    batches.push(Array.from({ length: Math.min(PER_REQUEST, total - i) }, (_, j) => {
      const e = i + j;
      return { type: 'track', event: `Trigger ${(e * 7) % JOURNEYS}`, userId: `ju-${(e * 13) % USERS}`, messageId: `jl-${e}`, properties: { k: `jl-${e}` } };
    }));
  }
  const [{ mark }] = await db.query<{ mark: number }>('select coalesce(max(id), 0)::float8 as mark from message_status_history');
  const everyMs = driver === 'pglite' ? 5 : 2;
  const w = watch(db, `select h.id, m.context #>> '{event,properties,k}' as k from message_status_history h join messages m on m.id = h.message_id
                        where h.id > $1 and h.status = 'queued' order by h.id`, [], everyMs, mark, k => k?.startsWith('jl-'));
  let done: number[], accept: number[], failed: string[];
  const started = Date.now();
  try {
    ({ done, accept, failed } = await sendSteady(run.url, run.auth, batches, (1000 * PER_REQUEST) / RATE));
    const expected = done.reduce((a, d, i) => a + (Number.isNaN(d) ? 0 : batches[i].length), 0);
    await waitFor('every accepted trigger to reach the outbox', async () => w.seen.size >= expected, 300_000, 50);
  } finally { await w.stop(); }
  const elapsed = Date.now() - started;
  const [{ sent }] = await db.query<{ sent: number }>(`select count(*)::int as sent from messages where sent_at >= to_timestamp($1::float8 / 1000)`, [started]);
  const polled = [...w.seen].map(([k, at]) => at - done[Math.floor(Number(k.slice(3)) / PER_REQUEST)]).filter(x => !Number.isNaN(x));
  const server = (await db.query<{ d: number }>(
    `select extract(epoch from (m.created_at - e.received_at)) * 1000 as d from messages m join events e on e.workspace_id = m.workspace_id and e.message_id = m.context #>> '{event,properties,k}'
      where m.context #>> '{event,properties,k}' like 'jl-%'`)).map(r => Number(r.d));
  say(`event → outbox at ${n(RATE)} events/s (batches of ${PER_REQUEST}) for ${SECONDS} s with ${JOURNEYS} live journeys: ${n(polled.length)} messages for ${n(total)} events; HTTP 200 → messages row visible (polled every ${everyMs} ms) ${dist(polled)} (target p99 < 100 ms); server-side received_at → created_at ${dist(server)}; the HTTP requests themselves ${dist(accept)}${failed.length ? `; ${failed.length} requests FAILED (${failed[0]})` : ''}`);
  say(`  pipeline throughput on a burst of 2,000 triggers (append → every message in the outbox): ${n(burst)} events/s; the dispatcher sent ${n(sent)} messages (capture provider) in those ${secs(elapsed)}: ${n(sent / (elapsed / 1000))} messages/s`);
  for (const id of ids) await run.omnis.journeys.setStatus(WS, id, 'archive');
}

// ----------------------------------------------------------------------- 2. runs held per GB

const TABLES = ['journey_runs', 'timers'];
const sizesEach = async (db: Db) => (await db.query<Record<string, number>>(`select ${TABLES.map(t => `pg_total_relation_size('${t}')::float8 as ${t}`).join(', ')}`))[0];

async function runsPerGb(db: Db, run: Running, _driver: string, say: (s: string) => void) {
  const id = await publish(run, {
    name: 'Hold', entry: { event: 'Hold' }, start: 'wait',
    steps: {
      wait: { type: 'wait', for: '1d', next: 'again' }, again: { type: 'wait', for: '1d', next: 'send' },
      send: { type: 'send', channel: 'email', template: 'hold', next: 'end' }, end: { type: 'exit' },
    },
  });
  const before = await sizesEach(db);
  const s = performance.now();
  await appendAll(run, Array.from({ length: RUNS }, (_, i) => track(`hold-${i}`, `hold-${i}`, 'Hold')));
  const ms = performance.now() - s;
  const after = await sizesEach(db);
  const [{ c }] = await db.query<{ c: number }>(`select count(*)::int as c from journey_runs where journey_id = $1 and status = 'active'`, [id]);
  const per = TABLES.map(t => (after[t] - before[t]) / c);
  const bytes = per.reduce((a, b) => a + b, 0);
  say(`runs held: ${n(c)} runs entered through the engine (each waiting on a timer) in ${secs(ms)}; ${n(bytes)} bytes per run (journey_runs ${n(per[0])}, timers ${n(per[1])}, indexes included) ≈ ${n(2 ** 30 / bytes)} runs per GiB`);
  // The runs move on to the next wait step, staying active: what most steps of a journey do to a run's row.
  await db.query(`update timers set due_at = now() where payload->>'what' = 'wait'`);
  await waitFor('the runs to reach their second wait', async () => (await db.query<{ c: number }>(
    `select count(*)::int as c from journey_runs where journey_id = $1 and step = 'again'`, [id]))[0].c >= c, 600_000, 20);
  // From the first run's move to the last (recorded times): the timer loop's look (up to a second) is left out.
  const [{ span }] = await db.query<{ span: number }>(
    `select max((e->>2)::float8) - min((e->>2)::float8) as span from journey_runs r cross join lateral jsonb_array_elements(r.trail) e
      where r.journey_id = $1 and e->>0 = 'again' and e->>1 = 'entered'`, [id]);
  say(`  the same runs moved on to a second wait step, their timers falling due together: the first to the last move took ${secs(Number(span))} = ${n(c / (Number(span) / 1000))} runs/s`);
}

// ------------------------------------------------------------------------ 5. goals in crowds

async function goalCrowd(db: Db, run: Running, _driver: string, say: (s: string) => void) {
  const id = await publish(run, {
    name: 'Goal crowd', entry: { event: 'Goal Bench' }, goal: { event: 'Order Completed', within: '7d' }, start: 'ads',
    steps: {
      ads: { type: 'audience', action: 'add', audience: 'retarget-bench', platforms: ['facebook'], next: 'w' },
      w: { type: 'wait', for: '1d', next: 'end' }, end: { type: 'exit' },
    },
  });
  const users = Array.from({ length: RUNS }, (_, i) => `goal-${i}`);
  await appendAll(run, users.map(u => track(`gb-${u}`, u, 'Goal Bench')));
  const timed = async (name: string) => {
    const s = performance.now();
    await appendAll(run, users.map(u => track(`${name}-${u}`, u, name, { revenue: '100' })));
    return performance.now() - s;
  };
  const idleMs = await timed('Order Viewed');
  const goalMs = await timed('Order Completed');
  const [{ c }] = await db.query<{ c: number }>(`select count(*)::int as c from journey_runs where journey_id = $1 and status = 'converted'`, [id]);
  const [{ m }] = await db.query<{ m: number }>(`select count(*)::int as m from audience_memberships where audience = 'retarget-bench' and removed_reason = 'goal reached'`);
  say(`goals in a crowd: ${n(RUNS)} runs (each in an audience, waiting a day), then an 'Order Completed' event for each: ${n(c)} converted and ${n(m)} audience memberships ended in ${secs(goalMs)} = ${n(RUNS / (goalMs / 1000))} events/s; the same number of events for the same people moving no run: ${secs(idleMs)} = ${n(RUNS / (idleMs / 1000))} events/s (${(goalMs / idleMs).toFixed(2)}× that)`);
}

// ------------------------------------------------------------------------ 6. marketing sends in a crowd

async function marketingSends(db: Db, run: Running, _driver: string, say: (s: string) => void) {
  await run.omnis.messaging.channels.put(WS, 'email', { provider: 'capture' });
  await run.omnis.templates.create(WS, { key: 'promo', channel: 'email', subject: 'Hello', html: '<p>Hello {{ profile.traits.email }}</p>' });
  const users = Array.from({ length: SENDS }, (_, i) => `promo-${i}`);
  await appendAll(run, users.map(u => ({
    ...track(`id-${u}`, u, ''), type: 'identify' as const, event: null, traits: { email: `${u}@example.com` }, context: { consent: { categoryPreferences: { email: true } } },
  })));
  await publish(run, { name: 'Promo', entry: { event: 'Promo' }, start: 's', steps: { s: { type: 'send', channel: 'email', template: 'promo', next: 'end' }, end: { type: 'exit' } } });
  const s = performance.now();
  for (let i = 0; i < SENDS; i += 1000) await run.omnis.log.append(WS, users.slice(i, i + 1000).map(u => track(`go-${u}`, u, 'Promo')));
  await waitFor(`${n(SENDS)} messages to be sent`, async () => (await db.query<{ c: number }>(
    `select count(*)::int as c from messages where template_key = 'promo' and status not in ('queued', 'sending')`))[0].c >= SENDS, 3600_000, 50);
  const ms = performance.now() - s;
  const st = await db.query<{ status: string; c: number }>(`select status, count(*)::int as c from messages where template_key = 'promo' group by 1 order by 1`);
  say(`marketing sends in a crowd: ${n(SENDS)} consented customers enter a journey that emails them at once; append → every message out of the outbox (capture provider) in ${secs(ms)} = ${n(SENDS / (ms / 1000))} messages/s (${st.map(r => `${n(r.c)} ${r.status}`).join(', ')})`);
}

// ------------------------------------------------------------------------ 3. timer lateness

const TIMER_SQL = [
  `insert into profiles (id, workspace_id, traits, created_at, updated_at)
   select 'tp' || lpad(i::text, 9, '0'), '${WS}', '{}', to_timestamp($3::float8 / 1000), to_timestamp($3::float8 / 1000) from generate_series($1::bigint, $2::bigint - 1) i`,
  `insert into journey_runs (id, workspace_id, journey_id, version, profile_id, status, step, waiting, holdout, entered_at, revenue, trail)
   select 'trun_' || i, '${WS}', $4, 1, 'tp' || lpad(i::text, 9, '0'), 'active', 'wait', jsonb_build_object('kind', 'timer', 'timerId', 'j:trun_' || i || ':wait:' || $3::bigint),
          false, to_timestamp($3::float8 / 1000), 0, jsonb_build_array(jsonb_build_array('wait', 'entered', $3::bigint)) from generate_series($1::bigint, $2::bigint - 1) i`,
  `insert into timers (id, workspace_id, profile_id, due_at, kind, payload)
   select 'j:trun_' || i || ':wait:' || $3::bigint, '${WS}', 'tp' || lpad(i::text, 9, '0'), to_timestamp($3::float8 / 1000) + interval '1 day', 'journey',
          jsonb_build_object('kind', 'journey', 'what', 'wait', 'runId', 'trun_' || i, 'timerId', 'j:trun_' || i || ':wait:' || $3::bigint)
     from generate_series($1::bigint, $2::bigint - 1) i`,
];

const BRANCH = { type: 'branch', cases: [{ if: { event: 'Review Submitted', within: '30d' }, next: 'end' }], else: 'end' };
/** What the runs' wait leads into before the exit: its words in the report, the first step, the steps. */
const INTO: Record<string, { says: string; first: string; steps: Record<string, unknown> }> = {
  exit: { says: '', first: 'end', steps: {} },
  branch: { says: ' that leads into a branch step (an event within 30 days; these profiles have none) before the exit', first: 'then', steps: { then: BRANCH } },
  audience: {
    says: ' that leads into an audience step (added for 7 days) before the exit', first: 'then',
    steps: { then: { type: 'audience', action: 'add', audience: 'retarget', platforms: ['facebook'], for: '7d', next: 'end' } },
  },
  split: {
    says: ' that leads into a 50/50 split whose paths both lead into that branch step before the exit', first: 'ab',
    steps: { ab: { type: 'split', paths: [{ percent: 50, next: 'then' }, { percent: 50, next: 'then' }] }, then: BRANCH },
  },
};

async function timerLateness(db: Db, run: Running, driver: string, say: (s: string) => void, into = 'exit') {
  const count = into === 'exit' ? TIMERS : CROWD_TIMERS;
  const id = await publish(run, {
    name: 'Timers', entry: { event: 'Timer Bench' }, start: 'wait',
    steps: { wait: { type: 'wait', for: '1m', next: INTO[into].first }, ...INTO[into].steps, end: { type: 'exit' } },
  });
  const entered = Date.now();
  const s = performance.now();
  for (let a = 0; a < count; a += 10_000) for (const sql of TIMER_SQL) await db.query(sql, [a, Math.min(count, a + 10_000), entered, id].slice(0, sql.includes('$4') ? 4 : 3));
  for (const t of ['profiles', 'journey_runs', 'timers']) await db.query(`analyze ${t}`);
  const createMs = performance.now() - s;

  const lead = 3000 + count / 20;
  const due = Date.now() + lead;
  await db.query(`update timers set due_at = to_timestamp($1::float8 / 1000) where id like 'j:trun_%'`, [due]);
  const setLate = Date.now() - due;
  const logBefore = await logBytes(db);
  const everyMs = driver === 'pglite' ? 20 : 10;
  // Runs are updated in place, so the poll counts the completed ones (an index-only scan) and
  // dates each newly counted run by the poll that first counted it; coarser than the recorded times.
  const w = watchCount(db, `select count(*)::int as c from journey_runs where journey_id = $1 and version = 1 and status = 'completed'`, [id], driver === 'pglite' ? 100 : 50);
  // Live events while the timers drain: one every 200 ms from the due time on, each timed from
  // its append to its row in the profile's history (written when the pipeline has processed it).
  const pings = new Map<string, number>();
  const [{ pseq }] = await db.query<{ pseq: number }>('select coalesce(max(seq), 0)::float8 as pseq from profile_events');
  const p = watch(db, `select pe.seq as id, e.message_id as k from profile_events pe join events e on e.seq = pe.seq where pe.seq > $1 order by pe.seq`, [], everyMs, pseq, k => k.startsWith('ping-'));
  let draining = true;
  const pinger = (async () => {
    while (Date.now() < due) await new Promise(r => setTimeout(r, 5));
    for (let i = 0; draining; i++) {
      pings.set(`ping-${i}`, Date.now());
      await run.omnis.log.append(WS, [track(`ping-${i}`, `pinger-${i % 10}`, 'Ping')]);
      await new Promise(r => setTimeout(r, 200));
    }
  })();
  let drained = 0;
  try {
    await waitFor(`${n(count)} runs to move on`, async () => w.seen.length >= count, 3600_000 + lead, 50);
    drained = Math.max(...w.seen);
  } finally { draining = false; await pinger; await w.stop(); }
  try { await waitFor('the live events to be processed', async () => p.seen.size >= pings.size, 60_000, 20); } finally { await p.stop(); }
  const live = [...pings].filter(([, at]) => at <= drained).map(([k, at]) => p.seen.get(k)! - at);
  const visible = w.seen.map(t => t - due);
  const logAfter = await logBytes(db);
  const recorded = (await db.query<{ d: number }>(
    `select (e->>2)::float8 - $2::float8 as d from journey_runs r cross join lateral jsonb_array_elements(r.trail) e
      where r.journey_id = $1 and e->>0 = 'wait' and e->>1 = 'left'`, [id, due])).map(r => Number(r.d));
  const [{ c }] = await db.query<{ c: number }>(`select count(*)::int as c from journey_runs where journey_id = $1 and status = 'completed'`, [id]);
  say(`timer lateness, ${n(count)} runs waiting at "wait 1m"${INTO[into].says} (written with SQL in ${secs(createMs)}), every timer due at one instant${setLate > 0 ? ` (the due time was set ${setLate} ms late)` : ''}: ${n(c)} runs completed`);
  say(`  due → run moved on, 'left' time recorded: ${dist(recorded)}; visible (polled): ${dist(visible)} (target p99 < 1000 ms)`);
  say(`  live events appended during the drain (one every 200 ms): append → processed (profile history row visible) ${dist(live)} over ${live.length} events`);
  say(`  total drain ${secs(drained - due)} after the due time = ${n(count / ((drained - due) / 1000))} timers/s; the event log and profile histories (events, profile_events) grew ${n((logAfter - logBefore) / count)} bytes per fired timer`);
  if (into !== 'exit') return;
  const floorMs = await timerFloor(db, id);
  say(`  baseline: the same rows written by hand-written set-based SQL in one transaction (${n(TIMERS)} timers deleted, runs completed with 3 trail entries each): ${secs(floorMs)}; the drain took ${((drained - due) / floorMs).toFixed(1)}× that`);
}

/** The event log and the profiles' event histories, indexes included. */
const logBytes = async (db: Db) => Number((await db.query<{ b: number }>(`select (pg_total_relation_size('events') + pg_total_relation_size('profile_events'))::float8 as b`))[0].b);

/**
 * What moving the runs on must write at least, as plain set-based SQL on a second set of
 * runs in the same database: no engine, no event log, no profile reads.
 */
async function timerFloor(db: Db, journeyId: string): Promise<number> {
  const entered = Date.now();
  for (let a = TIMERS; a < 2 * TIMERS; a += 10_000) for (const sql of TIMER_SQL) await db.query(sql, [a, Math.min(2 * TIMERS, a + 10_000), entered, journeyId].slice(0, sql.includes('$4') ? 4 : 3));
  for (const t of ['profiles', 'journey_runs', 'timers']) await db.query(`analyze ${t}`);
  const s = performance.now();
  await db.transaction(async tx => {
    await tx.query(`create temp table fired on commit drop as
                    with d as (delete from timers where id like 'j:trun_%' returning payload->>'runId' as run_id, profile_id) select * from d`);
    await tx.query(`update journey_runs r set status = 'completed', step = null, waiting = null, ended_at = now(),
                           trail = r.trail || jsonb_build_array(jsonb_build_array('wait', 'left', $1::bigint), jsonb_build_array('end', 'entered', $1::bigint), jsonb_build_array('end', 'left', $1::bigint))
                      from fired f where r.id = f.run_id`, [Date.now()]);
  });
  return performance.now() - s;
}

const into = (shape: string) => (db: Db, run: Running, driver: string, say: (s: string) => void) => timerLateness(db, run, driver, say, shape);
const PARTS = declareParts({ outbox: outboxLatency, runs: runsPerGb, timers: timerLateness, branch: into('branch'), split: into('split'), audience: into('audience'), goal: goalCrowd, sends: marketingSends });

export default async function bench(report: (line: string) => void) {
  for (const driver of DRIVERS) {
    const say = (s: string) => report(`journeys [${driver}] ${s}`);
    for (const [name, part] of Object.entries(PARTS)) {
      if (!partPicked(name)) continue;
      try {
        await withStore(driver, db => withOmnis(db, run => part(db, run, driver, say)));
      } catch (e) { say(`FAILED: ${(e as Error).stack ?? e}`); process.exitCode = 1; }
    }
  }
}

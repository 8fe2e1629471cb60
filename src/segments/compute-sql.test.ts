/**
 * A full compute settles in SQL the profiles it is sure about (condition/sql.ts) and
 * evaluates the rest in JS. For random profiles (odd traits included), events around `now`
 * and conditions, on both drivers:
 * 1. wherever the SQL expression is true or false, the evaluator gives that answer with no
 *    recheck (so skipping the profile changes nothing);
 * 2. the compute job leaves exactly the memberships, membership history and recheck timers
 *    that evaluating every profile in JS leaves.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { forEachStore, openTestDb, type TestDb } from '../testing/index.ts';
import { migrate, ms, type Tx } from '../store/index.ts';
import { VirtualClock } from '../shared/index.ts';
import { parseCondition, compile, conditionSql, type Condition } from './condition/index.ts';
import { DefinitionCache } from './definitions.ts';
import { segmentComputeJob } from './compute-job.ts';
import { evaluateProfiles } from './evaluate-profiles.ts';
import { loadStates } from './load.ts';
import { COMPUTE_JOB } from './service.ts';

const MIN = 60_000, HOUR = 60 * MIN;
const NOW = Date.parse('2026-03-01T12:00:00Z');
const NAMES = ['A', 'B', 'Email Delivered', 'Email Opened'] as const;
const RUNS = Number(process.env.FC_RUNS ?? 40);

// ---- generators ------------------------------------------------------------------

const scalar = fc.constantFrom<unknown>('pro', 'free', 'PRO', 5, '5', ' 5 ', 5.5, 0, -3, 1e301, true, false, null, '2026-03-01', 'abc');
const traitValue = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.constant({ k: 'pro' }) });
const traitsArb = fc.record({ plan: traitValue, age: traitValue, nested: fc.oneof(fc.record({ k: traitValue }), fc.array(fc.record({ k: traitValue }), { maxLength: 2 }), scalar) }, { requiredKeys: [] });

const eventArb = fc.record({
  name: fc.constantFrom<string | null>(...NAMES, null, '$timer'),
  channel: fc.constantFrom('web', 'email', 'internal'),
  // Mostly past, some ahead of now (they count from their timestamp on), a few on window edges.
  at: fc.oneof(fc.integer({ min: -30, max: 6 }).map(h => NOW + h * HOUR), fc.constantFrom(NOW - HOUR, NOW - HOUR + 1, NOW - 24 * HOUR, NOW, NOW + 1)),
  x: fc.integer({ min: 0, max: 3 }),
  mid: fc.constantFrom('m0', 'm1', 'm2'),
});

const profileArb = fc.record({
  traits: traitsArb,
  consent: fc.constantFrom({}, { email: { status: 'granted' } }, { email: { status: 'denied' } }, { email: 'granted' }),
  channels: fc.constantFrom({}, { email: { reachable: true } }, { email: { reachable: false } }, { email: [] }),
  events: fc.array(eventArb, { maxLength: 8 }),
  member: fc.boolean(),
  inOther: fc.boolean(),
});

const DURATIONS = ['30m', '1h', '2h', '1d', '3d'];
const compareArb = fc.oneof(
  fc.record({ op: fc.constantFrom('eq', 'neq'), value: scalar }),
  fc.record({ op: fc.constantFrom('in', 'not_in'), value: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ op: fc.constantFrom('gt', 'gte', 'lt', 'lte'), value: fc.constantFrom<unknown>(0, 5, 5.5, '5', '2026-01-01', 'abc') }),
  fc.record({ op: fc.constant('between'), value: fc.constantFrom<unknown>([0, 5], [5, 6], [-1, 0.5], ['2026-01-01', '2026-12-31']) }),
  fc.record({ op: fc.constantFrom('exists', 'not_exists', 'contains', 'starts_with') }).map(c => (c.op === 'contains' || c.op === 'starts_with' ? { ...c, value: 'pr' } : c)),
  fc.record({ op: fc.constant('eq'), value: fc.constantFrom('pro', 'PRO'), ignoreCase: fc.constant(true) }),
);
const countArb = fc.oneof(
  fc.record({ op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'), value: fc.integer({ min: 0, max: 3 }) }),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })).map(([a, k]) => ({ op: 'between', value: [a, a + k] })),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const eventLeaf = fc.record({
  event: fc.constantFrom(...NAMES, '*'),
  channel: maybe(fc.constantFrom('web', 'email', 'internal')),
  where: maybe(fc.constant([{ property: 'x', op: 'gte', value: 2 }])),
  count: maybe(countArb),
  mode: fc.oneof(
    fc.constant({}),
    fc.constantFrom(...DURATIONS).map(within => ({ within })),
    fc.constantFrom({ ago: { from: '1d', to: '1h' } }, { ago: { from: '3d', to: '2h' } }),
    fc.integer({ min: 1, max: 3 }).map(last => ({ last })),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(...NAMES)).map(([last, of]) => ({ last, of })),
    fc.constantFrom(...NAMES, '*').map(event => ({ since: { event } })),
  ),
}).map(({ mode, ...rest }) => strip({ ...rest, ...mode }));
const staticLeaf = fc.oneof(
  fc.tuple(fc.constantFrom('plan', 'age', 'nested.k', 'nested.0.k'), compareArb).map(([trait, c]) => ({ trait, ...c })),
  fc.constantFrom<unknown>({ consent: 'email' }, { reachable: 'email' }, { segment: 'seg_other' }, { sample: { percent: 50, salt: 's' } }, { computed: 'score', op: 'gte', value: 2 }),
);
const { cond: condArb } = fc.letrec<{ cond: unknown }>(tie => ({
  cond: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'cond' },
    eventLeaf, eventLeaf, staticLeaf, staticLeaf,
    fc.array(tie('cond'), { maxLength: 3 }).map(all => ({ all })),
    fc.array(tie('cond'), { maxLength: 3 }).map(any => ({ any })),
    tie('cond').map(not => ({ not })),
  ),
}));

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Generated comparisons the schema refuses (e.g. `in` with a non-array) are left out. */
function parsed(raw: unknown): Condition | null {
  try { return parseCondition(raw, 'condition', { knownSegments: () => true }); } catch { return null; }
}

// ---- the database side -------------------------------------------------------------

interface P { traits: object; consent: object; channels: object; events: { name: string | null; channel: string; at: number; x: number; mid: string }[]; member: boolean; inOther: boolean }

async function setup(tx: Tx, ws: string, cond: Condition, profiles: P[]): Promise<string[]> {
  const ids = profiles.map((_, i) => `${ws}_p${i}`);
  await tx.query(`insert into segments (id, workspace_id, name, condition, created_at, updated_at) values ($1, $2, 'under test', $3, now(), now()), ('seg_other', $2, 'other', '{"trait": "plan", "op": "exists"}', now(), now())`,
    [`${ws}_seg`, ws, JSON.stringify(cond)]);
  for (const [i, p] of profiles.entries()) {
    await tx.query(`insert into profiles (id, workspace_id, traits, consent, channels, computed, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, now(), now())`,
      [ids[i], ws, JSON.stringify(p.traits), JSON.stringify(p.consent), JSON.stringify(p.channels), JSON.stringify({ score: i % 4 })]);
    if (p.member) {
      await tx.query(`insert into segment_members (segment_id, profile_id, since) values ($1, $2, to_timestamp($3 / 1000.0))`, [`${ws}_seg`, ids[i], NOW - HOUR]);
      await tx.query(`insert into segment_history (segment_id, profile_id, entered_at) values ($1, $2, to_timestamp($3 / 1000.0))`, [`${ws}_seg`, ids[i], NOW - HOUR]);
    }
    if (p.inOther) await tx.query(`insert into segment_members (segment_id, profile_id, since) values ('seg_other', $1, now())`, [ids[i]]);
    for (const [j, e] of p.events.entries()) {
      await tx.query(`with e as (insert into events (workspace_id, message_id, type, name, channel, ts, received_at, body)
          values ($1, $2, $3, $4, $5, to_timestamp($6 / 1000.0), now(), $7) returning seq, ts)
        insert into profile_events (profile_id, ts, seq, name) select $8, ts, seq, coalesce($4, '') from e`,
        [ws, `${ids[i]}-${j}`, e.name === null ? 'identify' : 'track', e.name, e.channel, e.at, JSON.stringify({ properties: { x: e.x, messageId: e.mid } }), ids[i]]);
    }
  }
  return ids;
}

/** Memberships, history and timers the workspace ends up with, in a comparable form. */
async function outcome(tx: Tx, ws: string) {
  const members = await tx.query<{ profile_id: string }>('select profile_id from segment_members where segment_id = $1 order by 1', [`${ws}_seg`]);
  const history = await tx.query<{ profile_id: string; entered_at: Date; exited_at: Date | null }>('select profile_id, entered_at, exited_at from segment_history where segment_id = $1 order by 1, 2', [`${ws}_seg`]);
  const timers = await tx.query<{ id: string; due_at: Date }>('select id, due_at from timers where workspace_id = $1 order by 1', [ws]);
  return {
    members: members.map(r => r.profile_id),
    history: history.map(r => [r.profile_id, ms(r.entered_at), r.exited_at && ms(r.exited_at)]),
    timers: timers.map(r => [r.id, ms(r.due_at)]),
  };
}

const ROLLBACK = new Error('rolled back on purpose');
async function rolledBack<T>(t: TestDb, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let out!: T;
  await t.db.transaction(async tx => { out = await fn(tx); throw ROLLBACK; }).catch(e => { if (e !== ROLLBACK) throw e; });
  return out;
}

forEachStore('a full compute settles in SQL only what the evaluator would answer the same', kind => {
  let t: TestDb;
  let run = 0;
  before(async () => { t = await openTestDb(kind); await migrate(t.db); });
  after(async () => { await t.close(); });

  test('where the SQL expression is sure, the evaluator agrees and schedules no recheck', async () => {
    let sure = 0;
    await fc.assert(fc.asyncProperty(condArb, fc.array(profileArb, { minLength: 1, maxLength: 5 }), async (raw, profiles) => {
      const cond = parsed(raw);
      fc.pre(cond !== null);
      const ws = `w${++run}`;
      await rolledBack(t, async tx => {
        const ids = await setup(tx, ws, cond, profiles as P[]);
        const params: unknown[] = [ids];
        const d = conditionSql(cond, NOW, v => `$${params.push(v)}`);
        const rows = await tx.query<{ id: string; sure: boolean | null }>(
          `select p.id, (${d.expr}) as sure from profiles p left join (
             select profile_id${d.counts.map(c => `, count(*) filter (where ${c.filter}) as ${c.alias}`).join('')} from profile_events group by profile_id) c on c.profile_id = p.id
           where p.id = any($1::text[])`, params);
        const states = await loadStates(tx, ids, null, null);
        for (const r of rows) {
          if (r.sure === null) continue;
          sure++;
          const st = states.get(r.id)!;
          const got = compile(cond).evaluate({ profile: { id: st.id, traits: st.traits, channels: st.channels, consent: st.consent, lastLocation: st.lastLocation }, computed: st.computed, segments: st.segments, events: st.events }, NOW);
          assert.deepEqual(got, { match: r.sure, recheckAt: null }, `${JSON.stringify(cond)} on ${r.id}: SQL says ${r.sure}`);
        }
      });
    }), { numRuns: RUNS * 3 });
    assert.ok(sure > 0, 'some answers were settled in SQL');
  });

  test('the compute job leaves the memberships, history and timers that evaluating everyone in JS leaves', async () => {
    const clock = new VirtualClock(NOW);
    await fc.assert(fc.asyncProperty(condArb, fc.array(profileArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 4 }), async (raw, profiles, chunk) => {
      const cond = parsed(raw);
      fc.pre(cond !== null);
      const ws = `w${++run}`;
      const viaJob = await rolledBack(t, async tx => {
        await setup(tx, ws, cond, profiles as P[]);
        await tx.query(`insert into pipeline_jobs (id, workspace_id, kind, state, created_at) values ($1, $2, $3, $4, now())`,
          [`${ws}_job`, ws, COMPUTE_JOB, JSON.stringify({ segmentId: `${ws}_seg`, cursor: '', done: 0, total: profiles.length })]);
        const job = segmentComputeJob({ defs: new DefinitionCache(), clock, chunk });
        for (let i = 0; await job(tx); i++) assert.ok(i <= profiles.length + 2, 'the job ends');
        const [{ status, progress }] = await tx.query<{ status: string; progress: { done: number } }>('select status, progress from segments where id = $1', [`${ws}_seg`]);
        assert.deepEqual([status, progress.done], ['ready', profiles.length]);
        return outcome(tx, ws);
      });
      const viaJs = await rolledBack(t, async tx => {
        const ids = await setup(tx, ws, cond, profiles as P[]);
        const defs = await new DefinitionCache().get(tx, ws);
        await evaluateProfiles(tx, ws, ids, defs, { now: NOW, segments: defs.segments.filter(s => s.id === `${ws}_seg`), traits: [], emit: null, tag: 'compute' });
        return outcome(tx, ws);
      });
      assert.deepEqual(viaJob, viaJs, JSON.stringify(cond));
    }), { numRuns: RUNS });
  });
});

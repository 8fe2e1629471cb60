import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, profileOf, type TestOmnis } from '../../testing/index.ts';
import { DEFAULT_WORKSPACE } from '../../app/index.ts';
import { parseRange } from '../range.ts';
import { funnelReport, type FunnelQuery } from './index.ts';

const at = (day: number, h: number, m = 0) => new Date(Date.UTC(2026, 1, day, h, m)).toISOString();
const viewed = (u: string, ts: string) => ({ type: 'track', userId: u, event: 'Product Viewed', timestamp: ts });
const added = (u: string, ts: string, category = 'Sofa') => ({ type: 'track', userId: u, event: 'Product Added', properties: { category }, timestamp: ts });
const ordered = (u: string, ts: string) => ({ type: 'track', userId: u, event: 'Order Completed', properties: { revenue: 10 }, timestamp: ts });

/**
 * Viewed → Added (a sofa) → Ordered within 2 days of viewing, in February:
 *   u1 all three (30 min, then 2 h)          u2 views and adds (1 h); orders after the window
 *   u3 adds a chair (no), a sofa (2 h), orders next day (24 h)
 *   u4 only views                             u5 adds before viewing: order counts, so step 1 only
 *   u6 viewed in January too; enters at its February view, adds 10 min later
 */
const EVENTS = [
  { type: 'identify', userId: 'u1', traits: { tier: 'gold' }, timestamp: at(1, 9) },
  viewed('u1', at(1, 10)), added('u1', at(1, 10, 30)), ordered('u1', at(1, 12, 30)),
  { type: 'identify', userId: 'u2', traits: { tier: 'gold' }, timestamp: at(2, 9) },
  viewed('u2', at(2, 10)), added('u2', at(2, 11)), ordered('u2', at(5, 10)),
  viewed('u3', at(3, 10)), added('u3', at(3, 10, 5), 'Chair'), added('u3', at(3, 12)), ordered('u3', at(4, 12)),
  viewed('u4', at(4, 10)),
  added('u5', at(5, 10)), viewed('u5', at(5, 11)),
  viewed('u6', '2026-01-20T10:00:00Z'), viewed('u6', at(10, 10)), added('u6', at(10, 10, 10)),
];

const STEPS: FunnelQuery['steps'] = [
  { event: 'Product Viewed' },
  { event: 'Product Added', where: [{ property: 'category', op: 'eq', value: 'sofa' }] },
  { event: 'Order Completed' },
];

forEachStore('funnels', kind => {
  let t: TestOmnis;
  const ids: Record<string, string> = {};
  const run = (q: Partial<FunnelQuery> = {}) => funnelReport(t.omnis.db, DEFAULT_WORKSPACE, { steps: STEPS, windowMs: 2 * 86_400_000, range: parseRange('2026-02-01', '2026-02-28'), ...q });

  before(async () => {
    t = await startTestOmnis(kind);
    assert.equal((await t.track('/v1/batch', { batch: EVENTS })).json.accepted, EVENTS.length);
    await t.omnis.idle();
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) ids[u] = (await profileOf(t, u)).id;
  });
  after(async () => { await t.close(); });

  test('entered, conversion, drop-off and median time per step, by hand', async () => {
    const r = await run({ includeProfiles: true });
    assert.deepEqual(r.steps.map(s => s.entered), [6, 4, 2]);
    assert.deepEqual(r.steps.map(s => s.conversionFromPrevious), [1, 4 / 6, 2 / 4]);
    assert.deepEqual(r.steps.map(s => s.conversionFromFirst), [1, 4 / 6, 2 / 6]);
    assert.deepEqual(r.steps.map(s => s.dropOff), [0, 2, 2]);
    // step 2 took 1800, 3600, 7200 and 600 s; step 3 took 7200 and 86400 s
    assert.deepEqual(r.steps.map(s => s.medianSecondsFromPrevious), [null, 2700, 46800]);
    assert.deepEqual(r.steps[0].dropOffProfileIds, []);
    assert.deepEqual(new Set(r.steps[1].dropOffProfileIds), new Set([ids.u4, ids.u5]));
    assert.deepEqual(new Set(r.steps[2].dropOffProfileIds), new Set([ids.u2, ids.u6]));
  });

  test('a longer window lets u2 finish; drop-off ids are capped', async () => {
    const r = await run({ windowMs: 7 * 86_400_000, includeProfiles: true, maxProfiles: 1 });
    assert.deepEqual(r.steps.map(s => s.entered), [6, 4, 3]);
    assert.deepEqual(r.steps.map(s => s.dropOffProfileIds?.length), [0, 1, 1]);
    assert.equal((await run()).steps[0].dropOffProfileIds, undefined);
  });

  test('breakdown by a profile trait and by the channel of step 1', async () => {
    const r = await run({ breakdown: 'traits.tier' });
    const groups = Object.fromEntries(r.breakdown!.groups.map(g => [g.value, g.steps.map(s => s.entered)]));
    assert.deepEqual(groups, { gold: [2, 2, 1], '(none)': [4, 2, 1] });
    const byChannel = await run({ breakdown: 'channel' });
    assert.deepEqual(byChannel.breakdown!.groups.map(g => [g.value, g.steps[0].entered]), [['web', 6]]);
  });

  test('a step filtered by channel, and a funnel within a segment', async () => {
    const onPos = await run({ steps: [STEPS[0], { ...STEPS[1], channel: 'pos' }] });
    assert.deepEqual(onPos.steps.map(s => s.entered), [6, 0]);
    // Segment membership is the segments module's; written here directly as its table holds it.
    const now = new Date().toISOString();
    await t.omnis.db.query(`insert into segments (id, workspace_id, name, condition, created_at, updated_at) values ('seg_t', $1, 't', '{}', $2, $2)`, [DEFAULT_WORKSPACE, now]);
    await t.omnis.db.query(`insert into segment_members (segment_id, profile_id, since) values ('seg_t', $1, $3), ('seg_t', $2, $3)`, [ids.u1, ids.u4, now]);
    const r = await run({ segmentId: 'seg_t' });
    assert.deepEqual(r.steps.map(s => s.entered), [2, 1, 1]);
  });
});

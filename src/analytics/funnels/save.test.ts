import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, profileOf, type TestOmnis } from '../../testing/index.ts';

const at = (day: number, h: number) => new Date(Date.UTC(2026, 1, day, h)).toISOString();
const ev = (u: string, event: string, ts: string) => ({ type: 'track', userId: u, event, timestamp: ts });

/** Viewed → Added → Ordered: u1 all, u2 and u3 view and add, u4 and u5 and u6 only view. */
const EVENTS = [
  ev('u1', 'Product Viewed', at(1, 10)), ev('u1', 'Product Added', at(1, 11)), ev('u1', 'Order Completed', at(1, 12)),
  ev('u2', 'Product Viewed', at(2, 10)), ev('u2', 'Product Added', at(2, 11)),
  ev('u3', 'Product Viewed', at(3, 10)), ev('u3', 'Product Added', at(3, 11)),
  ev('u4', 'Product Viewed', at(4, 10)), ev('u5', 'Product Viewed', at(4, 10)), ev('u6', 'Product Viewed', at(5, 10)),
];
const STEPS = [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }];
const FUNNEL = { from: '2026-02-01', to: '2026-02-28', steps: STEPS, window: '2d' };

forEachStore('funnel drop-offs saved as a segment', kind => {
  let t: TestOmnis;
  const ids: Record<string, string> = {};
  before(async () => {
    t = await startTestOmnis(kind);
    assert.equal((await t.track('/v1/batch', { batch: EVENTS })).json.accepted, EVENTS.length);
    await t.omnis.idle();
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) ids[u] = (await profileOf(t, u)).id;
  });
  after(async () => { await t.close(); });

  const members = async (segmentId: string) => {
    await t.omnis.idle();
    const seg = (await t.admin('GET', `/api/v1/segments/${segmentId}`)).json;
    const list = (await t.admin('GET', `/api/v1/segments/${segmentId}/members?limit=1000`)).json.data.map((m: { profileId: string }) => m.profileId);
    return { size: seg.size as number, status: seg.status as string, ids: new Set(list) };
  };

  test('the segment holds exactly who dropped off at the step', async () => {
    const funnel = (await t.admin('POST', '/api/v1/funnels', FUNNEL)).json;
    assert.deepEqual(funnel.steps.map((s: { dropOff: number }) => s.dropOff), [0, 3, 2]);

    const r2 = await t.admin('POST', '/api/v1/analytics/funnels/segment', { ...FUNNEL, step: 2, name: 'Viewed, never added' });
    assert.equal(r2.status, 201, JSON.stringify(r2.json));
    assert.equal(r2.json.profiles, 3);
    const m2 = await members(r2.json.segment.id);
    assert.equal(m2.status, 'ready');
    assert.equal(m2.size, 3);
    assert.deepEqual(m2.ids, new Set([ids.u4, ids.u5, ids.u6]));

    const r3 = await t.admin('POST', '/api/v1/analytics/funnels/segment', { ...FUNNEL, step: 3, name: 'Added, never ordered' });
    const m3 = await members(r3.json.segment.id);
    assert.equal(m3.size, funnel.steps[2].dropOff);
    assert.deepEqual(m3.ids, new Set([ids.u2, ids.u3]));
    // Each save is its own list: the first segment did not grow.
    assert.equal((await members(r2.json.segment.id)).size, 3);
  });

  test('a bad step or name is refused, naming the field, and creates nothing', async () => {
    const before = (await t.admin('GET', '/api/v1/segments')).json.data.length;
    const r1 = await t.admin('POST', '/api/v1/analytics/funnels/segment', { ...FUNNEL, step: 4, name: 'x' });
    assert.equal(r1.status, 400);
    assert.equal(r1.json.error.field, 'step');
    const r2 = await t.admin('POST', '/api/v1/analytics/funnels/segment', { ...FUNNEL, step: 1, name: 'x' });
    assert.equal(r2.json.error.field, 'step');
    const r3 = await t.admin('POST', '/api/v1/analytics/funnels/segment', { ...FUNNEL, step: 2, name: ' ' });
    assert.equal(r3.json.error.field, 'name');
    assert.equal((await t.admin('GET', '/api/v1/segments')).json.data.length, before);
  });

  test('revenue per day and channel, with empty days as zero', async () => {
    await t.track('/v1/batch', { batch: [
      { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: 30 }, timestamp: at(3, 9) },
      { type: 'track', userId: 'u2', event: 'Order Completed', properties: { total: '12.5' }, timestamp: at(3, 15) },
      { type: 'track', userId: 'u2', event: 'Order Completed', properties: { revenue: 'n/a' }, timestamp: at(5, 15) },
    ] });
    await t.omnis.idle();
    const r = await t.admin('GET', '/api/v1/analytics/revenue?from=2026-02-01&to=2026-02-05&interval=day');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.series.map((s: { period: string }) => s.period), ['2026-02-01', '2026-02-02', '2026-02-03', '2026-02-04', '2026-02-05']);
    assert.deepEqual(r.json.series.map((s: { revenue: number }) => s.revenue), [0, 0, 42.5, 0, 0]);
    assert.deepEqual(r.json.series.map((s: { conversions: number }) => s.conversions), [1, 0, 2, 0, 1]);
    assert.deepEqual(r.json.series[2].byChannel, { web: 42.5 });
    assert.deepEqual(r.json.totals, { conversions: 4, revenue: 42.5 });
    const bad = await t.admin('GET', '/api/v1/analytics/revenue?from=2020-01-01&to=2026-02-05');
    assert.equal(bad.json.error.field, 'interval');
  });
});

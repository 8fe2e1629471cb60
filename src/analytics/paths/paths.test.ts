import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../../testing/index.ts';
import { DEFAULT_WORKSPACE } from '../../app/index.ts';
import { parseRange } from '../range.ts';
import { pathReport, type PathReport } from './index.ts';

const day = (d: number) => new Date(Date.UTC(2026, 1, d, 10)).toISOString();
const email = (u: string, d: number) => ({ type: 'track', userId: u, event: 'Email Link Clicked', timestamp: day(d) });
const search = (u: string, d: number) => ({ type: 'page', userId: u, properties: { url: 'https://shop.example/?gclid=g' }, timestamp: day(d) });
const order = (u: string, d: number, revenue: number) => ({ type: 'track', userId: u, event: 'Order Completed', properties: { revenue }, timestamp: day(d) });

/**
 *   p1, p2  email > paid_search > order (100, 50)      p3  paid_search > email > order (70)
 *   p4      email                                      p5  email > paid_search
 *   p6      organic_search > email > paid_search > sms > order (30)
 */
const EVENTS = [
  email('p1', 1), search('p1', 2), order('p1', 3, 100),
  email('p2', 1), search('p2', 2), order('p2', 3, 50),
  search('p3', 1), email('p3', 2), order('p3', 3, 70),
  email('p4', 1),
  email('p5', 1), search('p5', 2),
  { type: 'page', userId: 'p6', properties: { url: 'https://shop.example/', referrer: 'https://duckduckgo.com/' }, timestamp: day(1) },
  email('p6', 2), search('p6', 3), { type: 'track', userId: 'p6', event: 'SMS Link Clicked', timestamp: day(4) }, order('p6', 5, 30),
];

forEachStore('paths', kind => {
  let t: TestOmnis;
  let r: PathReport;
  before(async () => {
    t = await startTestOmnis(kind);
    assert.equal((await t.track('/v1/batch', { batch: EVENTS })).json.accepted, EVENTS.length);
    await t.omnis.idle();
    r = await pathReport(t.omnis.db, DEFAULT_WORKSPACE, { range: parseRange('2026-02-01', '2026-02-28'), lookbackMs: 30 * 86_400_000, maxSteps: 3 });
  });
  after(async () => { await t.close(); });

  test('top paths with counts and conversion rates; long journeys keep their last steps', () => {
    assert.deepEqual(r.totals, { journeys: 6, conversions: 4, value: 250, conversionRate: 4 / 6 });
    assert.deepEqual(r.topPaths.map(p => [p.channels.join('>'), p.truncated, p.journeys, p.conversions, p.value, p.conversionRate]), [
      ['email>paid_search', false, 3, 2, 150, 2 / 3],
      ['email>paid_search>sms', true, 1, 1, 30, 1],
      ['paid_search>email', false, 1, 1, 70, 1],
      ['email', false, 1, 0, 0, 0],
    ]);
  });

  test('Sankey links step by step, ending in conversion or drop-off, and every flow is conserved', () => {
    const links = Object.fromEntries(r.sankey.links.map(l => [`${l.source} -> ${l.target}`, l.value]));
    assert.deepEqual(links, {
      '1:email -> 2:paid_search': 3,
      '2:paid_search -> converted': 2,
      '2:paid_search -> dropped': 1,
      '1:paid_search -> 2:email': 1,
      '2:email -> converted': 1,
      '1:email -> dropped': 1,
      '1:organic_search -> 2:email': 1,
      '2:email -> 3:paid_search': 1,
      '3:paid_search -> converted': 1,
    });
    const ids = new Set(r.sankey.nodes.map(n => n.id));
    for (const l of r.sankey.links) assert.ok(ids.has(l.source) && ids.has(l.target));
    for (const n of r.sankey.nodes.filter(x => x.step !== null && x.step > 1)) {
      const inflow = r.sankey.links.filter(l => l.target === n.id).reduce((s, l) => s + l.value, 0);
      const outflow = r.sankey.links.filter(l => l.source === n.id).reduce((s, l) => s + l.value, 0);
      assert.equal(inflow, outflow, n.id);
    }
    const ends = (id: string) => r.sankey.links.filter(l => l.target === id).reduce((s, l) => s + l.value, 0);
    assert.deepEqual([ends('converted'), ends('dropped')], [4, 2]);
  });

  test('where journeys stall, start and end', () => {
    assert.deepEqual(r.stalls, [{ channel: 'email', journeys: 1, share: 0.5 }, { channel: 'paid_search', journeys: 1, share: 0.5 }]);
    assert.deepEqual(r.starts.map(s => [s.channel, s.journeys, s.conversions]), [['email', 4, 2], ['organic_search', 1, 1], ['paid_search', 1, 1]]);
    assert.deepEqual(r.ends.map(s => [s.channel, s.journeys, s.conversions]), [['paid_search', 3, 2], ['email', 2, 1], ['sms', 1, 1]]);
  });
});

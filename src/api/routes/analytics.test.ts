import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { forEachStore, startTestOmnis, type TestOmnis } from '../../testing/index.ts';
import { buildServer } from '../index.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Credit = { channel: string; offline: boolean; conversions: number; value: number; removalEffect?: number; spend?: number; roas?: number | null; costPerConversion?: number | null };

/**
 * A cross-channel February. Converting journeys (the lookback is 30 days):
 *   Ana   paid_search > email > facebook_ads > store   1000  (bought in the showroom: the POS order is a store touch)
 *   Ben   organic_search > email                        200
 *   Cleo  email (UTM page, then an email click 10 minutes later: one visit)  300
 *   Eve   store (a POS order, nothing before)            500
 *   Fay   email (her January touch led to her January order, not this one)   100
 *   Gil   direct (his only touch is older than the lookback)                   50
 * Non-converting: Ben's later direct visit; Dan's store visit then a Facebook-click visit.
 */
const STORY = [
  { type: 'identify', anonymousId: 'a-ana', userId: 'ana', traits: { city: 'Austin' }, timestamp: '2026-02-02T09:59:00Z' },
  { type: 'page', anonymousId: 'a-ana', properties: { url: 'https://shop.example/?utm_source=google&utm_medium=cpc' }, timestamp: '2026-02-02T10:00:00Z' },
  { type: 'track', userId: 'ana', event: 'Email Link Clicked', properties: { campaign: 'spring' }, timestamp: '2026-02-05T10:00:00Z' },
  { type: 'track', userId: 'ana', event: 'Ad Clicked', properties: { platform: 'Facebook' }, timestamp: '2026-02-08T10:00:00Z' },
  { type: 'track', userId: 'ana', event: 'Order Completed', properties: { total: 1000, store: 'Showroom' }, context: { channel: 'pos' }, timestamp: '2026-02-10T15:00:00Z' },
  { type: 'identify', userId: 'ben', traits: { city: 'Boston' }, timestamp: '2026-02-03T09:00:00Z' },
  { type: 'page', userId: 'ben', properties: { url: 'https://shop.example/' }, context: { page: { referrer: 'https://www.google.com/search?q=sofa' } }, timestamp: '2026-02-03T10:00:00Z' },
  { type: 'page', userId: 'ben', properties: { url: 'https://shop.example/sofas', referrer: 'https://shop.example/' }, timestamp: '2026-02-03T10:02:00Z' },
  { type: 'track', userId: 'ben', event: 'Email Link Clicked', timestamp: '2026-02-06T10:00:00Z' },
  { type: 'track', userId: 'ben', event: 'Order Completed', properties: { revenue: 200 }, timestamp: '2026-02-07T10:00:00Z' },
  { type: 'page', userId: 'ben', properties: { url: 'https://shop.example/' }, timestamp: '2026-02-20T10:00:00Z' },
  { type: 'page', userId: 'cleo', properties: { url: 'https://shop.example/?utm_source=newsletter&utm_medium=email' }, timestamp: '2026-02-12T10:00:00Z' },
  { type: 'track', userId: 'cleo', event: 'Email Link Clicked', timestamp: '2026-02-12T10:10:00Z' },
  { type: 'track', userId: 'cleo', event: 'Order Completed', properties: { revenue: '300' }, timestamp: '2026-02-14T10:00:00Z' },
  { type: 'track', userId: 'dan', event: 'Store Visited', context: { channel: 'pos' }, timestamp: '2026-02-15T10:00:00Z' },
  { type: 'page', userId: 'dan', properties: { url: 'https://shop.example/?fbclid=abc' }, timestamp: '2026-02-16T10:00:00Z' },
  { type: 'track', userId: 'eve', event: 'Order Completed', properties: { total: 500 }, context: { channel: 'pos' }, timestamp: '2026-02-20T12:00:00Z' },
  { type: 'page', userId: 'fay', properties: { url: 'https://shop.example/?utm_source=google&utm_medium=cpc' }, timestamp: '2026-01-10T10:00:00Z' },
  { type: 'track', userId: 'fay', event: 'Order Completed', properties: { revenue: 80 }, timestamp: '2026-01-12T10:00:00Z' },
  { type: 'track', userId: 'fay', event: 'Email Opened', timestamp: '2026-02-03T10:00:00Z' },
  { type: 'track', userId: 'fay', event: 'Order Completed', properties: { revenue: 100 }, timestamp: '2026-02-04T10:00:00Z' },
  { type: 'page', userId: 'gil', properties: { url: 'https://shop.example/?gclid=xyz' }, timestamp: '2025-12-01T10:00:00Z' },
  { type: 'track', userId: 'gil', event: 'Order Completed', properties: { revenue: 50 }, timestamp: '2026-02-02T10:00:00Z' },
];
const FEB = { from: '2026-02-01', to: '2026-02-28' };

/** credits by channel, rounded to 1e-9 so hand sums compare exactly */
const byChannel = (channels: Credit[]) => Object.fromEntries(channels.filter(c => c.conversions > 1e-12 || c.value > 1e-9).map(c => [c.channel, [round(c.conversions), round(c.value)]]));
const round = (v: number) => Math.round(v * 1e9) / 1e9;
const sum = (channels: Credit[], k: 'conversions' | 'value') => channels.reduce((s, c) => s + c[k], 0);

forEachStore('analytics API', kind => {
  let t: TestOmnis;
  let app: FastifyInstance;
  const admin = async (method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: Json }> => {
    const r = await app.inject({ method: method as 'GET', url, payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: { authorization: `Bearer ${t.adminKey}`, ...(body === undefined ? {} : { 'content-type': contentType }) } });
    return { status: r.statusCode, json: r.body ? JSON.parse(r.body) : undefined };
  };
  const attribution = (body: object) => admin('POST', '/api/v1/attribution', { ...FEB, lookback: '30d', ...body });

  before(async () => {
    t = await startTestOmnis(kind);
    app = await buildServer(t.omnis);
    const r = await t.track('/v1/batch', { batch: STORY });
    assert.deepEqual(r.json, { accepted: STORY.length, rejected: [] });
    await t.omnis.idle();
  });
  after(async () => { await app.close(); await t.close(); });

  describe('the cross-channel story', () => {
    test('rule-based models give the credits worked out by hand; the showroom shows as offline', async () => {
      const r = await attribution({ models: ['first', 'last', 'linear', 'position'] });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual(r.json.totals, { conversions: 6, value: 2150, nulls: 2 });
      const [first, last, linear, position] = r.json.models;
      assert.deepEqual(byChannel(first.channels), { paid_search: [1, 1000], organic_search: [1, 200], email: [2, 400], store: [1, 500], direct: [1, 50] });
      assert.deepEqual(byChannel(last.channels), { store: [2, 1500], email: [3, 600], direct: [1, 50] });
      assert.deepEqual(byChannel(linear.channels), {
        paid_search: [0.25, 250], email: [2.75, 750], facebook_ads: [0.25, 250], store: [1.25, 750], organic_search: [0.5, 100], direct: [1, 50],
      });
      assert.deepEqual(byChannel(position.channels), {
        paid_search: [0.4, 400], email: [2.6, 600], facebook_ads: [0.1, 100], store: [1.4, 900], organic_search: [0.5, 100], direct: [1, 50],
      });
      for (const m of r.json.models) {
        assert.equal(m.channels.find((c: Credit) => c.channel === 'store').offline, true);
        assert.equal(m.channels.find((c: Credit) => c.channel === 'email').offline, false);
      }
      assert.deepEqual([first.offline, last.offline, linear.offline, position.offline].map(s => [round(s.conversions), round(s.value)]), [[1, 500], [2, 1500], [1.25, 750], [1.4, 900]]);
      assert.deepEqual([round(linear.online.conversions), round(linear.online.value)], [4.75, 1400]);
    });

    test('Markov (with and without nulls, order 1 and 2), Shapley and time decay add up to the conversions and revenue', async () => {
      for (const body of [{ models: ['markov', 'shapley', 'time_decay', 'last_non_direct'] }, { models: ['markov'], nulls: true }, { models: ['markov'], order: 2, nulls: true }]) {
        const r = await attribution(body);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        for (const m of r.json.models) {
          assert.ok(Math.abs(sum(m.channels, 'conversions') - 6) < 1e-9, `${m.model} conversions ${sum(m.channels, 'conversions')}`);
          assert.ok(Math.abs(sum(m.channels, 'value') - 2150) < 1e-6, `${m.model} value ${sum(m.channels, 'value')}`);
          for (const c of m.channels as Credit[]) {
            assert.ok(c.conversions >= 0 && c.value >= 0, `${m.model} ${c.channel}`);
            if (m.model === 'markov') assert.ok(c.removalEffect! >= 0 && c.removalEffect! <= 1);
          }
          assert.ok(Math.abs(m.online.conversions + m.offline.conversions - 6) < 1e-9);
          // Only Ana's and Eve's journeys reach the store: it can never take more than both.
          assert.ok(m.offline.conversions > 0 && m.offline.conversions <= 2 + 1e-9, `${m.model} offline ${m.offline.conversions}`);
        }
      }
      // Only Gil's journey has direct: removing it loses his conversion and nothing else.
      const markov = (await attribution({ models: ['markov'] })).json.models[0];
      assert.equal(round(markov.channels.find((c: Credit) => c.channel === 'direct').removalEffect), round(1 / 6));
    });

    test('a breakdown by a profile trait reports each city on its own', async () => {
      const r = await attribution({ models: ['last'], breakdown: 'traits.city' });
      assert.equal(r.status, 200);
      const groups = Object.fromEntries(r.json.breakdown.groups.map((g: Json) => [g.value, [g.totals, byChannel(g.models[0].channels)]]));
      assert.deepEqual(groups.Austin, [{ conversions: 1, value: 1000, nulls: 0 }, { store: [1, 1000] }]);
      assert.deepEqual(groups.Boston, [{ conversions: 1, value: 200, nulls: 1 }, { email: [1, 200] }]);
      assert.deepEqual(groups['(none)'][0], { conversions: 4, value: 950, nulls: 1 });
      const byStore = await attribution({ models: ['first'], breakdown: 'properties.store' });
      assert.deepEqual(byStore.json.breakdown.groups.find((g: Json) => g.value === 'Showroom').totals, { conversions: 1, value: 1000, nulls: 0 });
    });

    test('a conversion event and value field of the request replace the defaults', async () => {
      const r = await attribution({ models: ['last'], conversion: { event: 'Email Link Clicked' } });
      assert.equal(r.status, 200);
      assert.equal(r.json.totals.conversions, 3);
      assert.equal(r.json.totals.value, 0);
      const valued = await attribution({ models: ['first'], conversion: { value: 'properties.total' } });
      assert.equal(valued.json.totals.value, 1500);
    });
  });

  test('spend imported as JSON and CSV gives ROAS and cost per conversion; a re-import replaces', async () => {
    let r = await admin('POST', '/api/v1/spend', [
      { date: '2026-02-02', channel: 'paid_search', amount: 60, currency: 'usd', campaign: 'brand' },
      { date: '2026-02-09', channel: 'paid_search', amount: 40, campaign: 'brand' },
      { date: '2026-03-05', channel: 'paid_search', amount: 999 },
    ]);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(r.json, { rows: 3, inserted: 3, replaced: 0 });
    r = await admin('POST', '/api/v1/spend', 'date,channel,amount,campaign\n2026-02-08,facebook_ads,50,spring\n\n2026-02-10,display,30,\n', 'text/csv');
    assert.equal(r.status, 201, JSON.stringify(r.json));
    r = await admin('POST', '/api/v1/spend', { csv: 'date;channel;spend\n2026-02-01;email;25\n' });
    assert.equal(r.status, 201);
    r = await admin('POST', '/api/v1/spend', { csv: 'date,channel,amount\n2026-02-01,email,20\n' });
    assert.deepEqual(r.json, { rows: 1, inserted: 0, replaced: 1 });

    const linear = (await attribution({ models: ['linear'] })).json;
    const c = Object.fromEntries(linear.models[0].channels.map((x: Credit) => [x.channel, x]));
    assert.deepEqual([c.paid_search.spend, c.paid_search.roas, c.paid_search.costPerConversion], [100, 2.5, 400]);
    assert.deepEqual([c.facebook_ads.spend, c.facebook_ads.roas, c.facebook_ads.costPerConversion], [50, 5, 200]);
    assert.deepEqual([c.email.spend, round(c.email.roas)], [20, 37.5]);
    assert.deepEqual([c.display.spend, c.display.conversions, c.display.roas, c.display.costPerConversion], [30, 0, 0, null]);
    assert.equal(linear.totals.spend, 200);

    const listed = await admin('GET', '/api/v1/spend?from=2026-02-01&to=2026-02-28');
    assert.equal(listed.json.data.length, 5);
    const bad = await admin('POST', '/api/v1/spend', 'date,channel,amount\n2026-02-01,email,20\n2026-02-02,email,-3\n', 'text/csv');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'line 3.amount');
    const badJson = await admin('POST', '/api/v1/spend', [{ date: '2026-02-31x', channel: 'email', amount: 1 }]);
    assert.equal(badJson.json.error.field, 'rows.0.date');
  });

  test('funnels and paths answer over HTTP', async () => {
    const f = await admin('POST', '/api/v1/funnels', { ...FEB, steps: [{ event: 'Email Link Clicked' }, { event: 'Order Completed' }], window: '3d', includeProfiles: true });
    assert.equal(f.status, 200, JSON.stringify(f.json));
    assert.deepEqual(f.json.steps.map((s: Json) => [s.entered, s.dropOff, s.dropOffProfileIds.length]), [[3, 0, 0], [2, 1, 1]]);
    const p = await admin('POST', '/api/v1/paths', { ...FEB, maxSteps: 2 });
    assert.equal(p.status, 200, JSON.stringify(p.json));
    assert.deepEqual(p.json.totals, { journeys: 8, conversions: 6, value: 2150, conversionRate: 0.75 });
    assert.deepEqual(p.json.topPaths[0], { channels: ['email'], truncated: false, journeys: 2, conversions: 2, value: 400, conversionRate: 1 });
    assert.ok(p.json.topPaths.some((x: Json) => x.truncated && x.channels.join('>') === 'facebook_ads>store'));
  });

  test('editing the taxonomy changes how events are classified', async () => {
    const got = await admin('GET', '/api/v1/analytics/taxonomy');
    assert.equal(got.json.isDefault, true);
    const rules = [{ if: { field: 'event', op: 'eq', value: 'Email Link Clicked' }, channel: 'crm' }, ...got.json.rules];
    const put = await admin('PUT', '/api/v1/analytics/taxonomy', { rules, channels: { ...got.json.channels, crm: { offline: true } } });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const last = (await attribution({ models: ['last'] })).json.models[0];
    assert.deepEqual(byChannel(last.channels), { store: [2, 1500], crm: [2, 500], email: [1, 100], direct: [1, 50] });
    assert.equal(last.channels.find((c: Credit) => c.channel === 'crm').offline, true);
    const preview = await admin('GET', '/api/v1/analytics/touchpoints?from=2026-02-05&to=2026-02-05');
    assert.deepEqual(preview.json.data.map((e: Json) => [e.name, e.touchpoint]), [['Email Link Clicked', 'crm']]);

    const reset = await admin('PUT', '/api/v1/analytics/taxonomy', {});
    assert.deepEqual([reset.json.isDefault, reset.json.rules.length], [true, got.json.rules.length]);
    assert.equal((await admin('GET', '/api/v1/analytics/taxonomy')).json.isDefault, true);
    assert.deepEqual(byChannel((await attribution({ models: ['last'] })).json.models[0].channels), { store: [2, 1500], email: [3, 600], direct: [1, 50] });
  });

  test('bad input is refused naming the field', async () => {
    const cases: [string, string, object, string][] = [
      ['POST', '/api/v1/attribution', { ...FEB, models: ['last', 'magic'] }, 'models.1'],
      ['POST', '/api/v1/attribution', { from: '2026-02-30', to: '2026-02-28' }, 'from'],
      ['POST', '/api/v1/attribution', { from: 'yesterday', to: '2026-02-28' }, 'from'],
      ['POST', '/api/v1/attribution', { from: '2026-03-01', to: '2026-02-28' }, 'to'],
      ['POST', '/api/v1/attribution', { ...FEB, lookback: '30 days' }, 'lookback'],
      ['POST', '/api/v1/attribution', { ...FEB, breakdown: 'nope.x' }, 'breakdown'],
      ['POST', '/api/v1/attribution', { ...FEB, colour: 'red' }, 'colour'],
      ['POST', '/api/v1/funnels', { ...FEB, steps: [{ event: 'A' }], window: '7 days' }, 'window'],
      ['POST', '/api/v1/funnels', { ...FEB, steps: [] }, 'steps'],
      ['POST', '/api/v1/funnels', { ...FEB, steps: [{ event: 'A', where: [{ property: 'x', op: 'like', value: 1 }] }] }, 'steps.0.where.0.op'],
      ['POST', '/api/v1/funnels', { ...FEB, steps: [{ event: 'A', where: [{ property: 'x', op: 'matches', value: '(' }] }] }, 'steps.0.where.0.value'],
      ['POST', '/api/v1/paths', { ...FEB, maxSteps: 0 }, 'maxSteps'],
      ['PUT', '/api/v1/analytics/taxonomy', { rules: [{ if: { field: 'colour', op: 'eq', value: 1 }, channel: 'x' }] }, 'rules.0.if.field'],
      ['PUT', '/api/v1/analytics/taxonomy', { rules: [{ if: { field: 'url', op: 'matches', value: '[' }, channel: 'x' }] }, 'rules.0.if.value'],
      ['PUT', '/api/v1/analytics/taxonomy', { rules: [{ if: [{ field: 'url', op: 'in', value: 'a' }], channel: 'x' }] }, 'rules.0.if.0.value'],
      ['PUT', '/api/v1/analytics/taxonomy', { rules: [{ if: { field: 'url', op: 'exists' }, channel: 'Paid Search' }] }, 'rules.0.channel'],
      ['PUT', '/api/v1/analytics/taxonomy', { sessionGap: 'soon' }, 'sessionGap'],
    ];
    for (const [method, url, body, field] of cases) {
      const r = await admin(method, url, body);
      assert.equal(r.status, 400, `${url} ${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.field, field, `${url} ${JSON.stringify(body)}: ${JSON.stringify(r.json.error)}`);
    }
    assert.equal((await admin('POST', '/api/v1/funnels', { ...FEB, steps: [{ event: 'A' }], segmentId: 'seg_missing' })).status, 404);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/attribution', payload: FEB })).statusCode, 401);
  });
});

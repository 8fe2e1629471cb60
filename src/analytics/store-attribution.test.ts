import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { DEFAULT_WORKSPACE } from '../app/index.ts';
import { parseRange } from './range.ts';
import { storeAttribution, type AttributionQuery } from './store-attribution.ts';
import { MODEL_NAMES } from './attribution/index.ts';

const q = (more: Partial<AttributionQuery> = {}): AttributionQuery => ({ range: parseRange('2026-02-01', '2026-02-28'), lookbackMs: 30 * 86_400_000, models: ['last'], ...more });

forEachStore('attribution over stored events', kind => {
  let t: TestOmnis;
  before(async () => { t = await startTestOmnis(kind); });
  after(async () => { await t.close(); });

  test('an empty workspace gives every model with nothing to credit', async () => {
    const r = await storeAttribution(t.omnis.db, DEFAULT_WORKSPACE, q({ models: [...MODEL_NAMES], nulls: true }));
    assert.deepEqual(r.totals, { conversions: 0, value: 0, nulls: 0 });
    assert.deepEqual(r.models.map(m => [m.model, m.channels.length]), MODEL_NAMES.map(m => [m, 0]));
  });

  test('touches of two profiles found to be one person credit the survivor\'s order', async () => {
    await t.track('/v1/batch', { batch: [
      { type: 'page', anonymousId: 'x1', properties: { url: 'https://shop.example/?gclid=1' }, timestamp: '2026-02-01T10:00:00Z' },
      { type: 'track', userId: 'zed', event: 'Order Completed', properties: { revenue: 40 }, timestamp: '2026-02-03T10:00:00Z' },
      { type: 'identify', userId: 'zed', anonymousId: 'x1', timestamp: '2026-02-04T10:00:00Z' },
      ...['Austin', 'Boston', 'Chicago'].map((city, i) => ({ type: 'identify', userId: `c${i}`, traits: { city }, timestamp: '2026-02-05T10:00:00Z' })),
      ...[0, 1, 2].map(i => ({ type: 'track', userId: `c${i}`, event: 'Order Completed', properties: { revenue: 10 }, timestamp: `2026-02-0${6 + i}T10:00:00Z` })),
      { type: 'track', userId: 'c0', event: 'Order Completed', properties: { revenue: 10 }, timestamp: '2026-02-09T10:00:00Z' },
    ] });
    await t.omnis.idle();
    const r = await storeAttribution(t.omnis.db, DEFAULT_WORKSPACE, q({ models: ['first'] }));
    const first = Object.fromEntries(r.models[0].channels.map(c => [c.channel, c.conversions]));
    assert.deepEqual(first, { paid_search: 1, direct: 4 });
    const timed = await storeAttribution(t.omnis.db, DEFAULT_WORKSPACE, q({ models: ['time_decay', 'first'] }));
    assert.deepEqual(timed.models[1].channels, r.models[0].channels);
  });

  test('breakdown values past the cap are summed as (other)', async () => {
    const r = await storeAttribution(t.omnis.db, DEFAULT_WORKSPACE, q({ breakdown: 'traits.city', maxGroups: 2 }));
    assert.deepEqual(r.breakdown!.groups.map(g => [g.value, g.totals.conversions]), [['Austin', 2], ['(none)', 1], ['(other)', 2]]);
  });
});

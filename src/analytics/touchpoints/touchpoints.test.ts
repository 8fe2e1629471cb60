import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../../testing/index.ts';
import { DEFAULT_WORKSPACE } from '../../app/index.ts';
import { OmnisError } from '../../shared/index.ts';
import { parseRange } from '../range.ts';
import { classifyEvents, defaultTaxonomy, getTaxonomy, parseTaxonomy, refreshTouches, setTaxonomy } from './index.ts';

const TS = '2026-02-10T10:00:00Z';
const page = (properties: object, context: object = {}) => ({ type: 'page', properties, context });
const track = (event: string, properties: object = {}, context: object = {}) => ({ type: 'track', event, properties, context });

/** What the default taxonomy calls each event: [event, touchpoint channel (null: not a touchpoint), offline]. */
const CASES: [object, string | null, boolean][] = [
  [page({ url: 'https://shop.example/' }, { campaign: { source: 'Google', medium: 'CPC', name: 'brand' } }), 'paid_search', false],
  [page({ url: 'https://shop.example/', utm_medium: 'Email', utm_source: 'newsletter' }), 'email', false],
  [page({ url: 'https://shop.example/?utm_source=facebook&utm_medium=paid_social' }), 'paid_social', false],
  [page({ url: 'https://shop.example/?utm_source=ig&utm_medium=cpc' }), 'paid_social', false],
  [page({ url: 'https://shop.example/p?x=1&gclid=abc' }), 'paid_search', false],
  [page({ url: 'https://shop.example/?wbraid=w1' }), 'paid_search', false],
  [page({ url: 'https://shop.example/?fbclid=f1' }), 'paid_social', false],
  [page({ url: 'https://shop.example/?ttclid=t1' }), 'paid_social', false],
  [page({}, { page: { url: 'https://shop.example/', referrer: 'https://www.bing.com/search?q=x' } }), 'organic_search', false],
  [page({ url: 'https://shop.example/', referrer: 'https://m.facebook.com/' }), 'organic_social', false],
  [page({ url: 'https://shop.example/', referrer: 'https://blog.example.org/post' }), 'referral', false],
  [page({ url: 'https://shop.example/b', referrer: 'https://www.shop.example/a' }), null, false],
  [page({ url: 'https://shop.example/' }), 'direct', false],
  [page({ url: 'https://shop.example/' }, { campaign: { medium: 'display' } }), 'display', false],
  [page({ url: 'https://shop.example/?utm_medium=affiliate&utm_source=x' }), 'affiliate', false],
  [page({ url: 'https://shop.example/?utm_source=partner&utm_medium=weird' }), 'other', false],
  [page({ url: 'https://shop.example/?utm_source=twitter' }), 'organic_social', false],
  [track('Email Opened'), 'email', false],
  [track('SMS Replied'), 'sms', false],
  [track('Push Opened'), 'push', false],
  [track('Messenger Message Received'), 'messenger', false],
  [track('Ad Impression', { platform: 'TikTok' }), 'tiktok_ads', false],
  [track('Ad Clicked'), 'ads', false],
  [track('Audience Synced', { platform: 'Google' }, { channel: 'ads' }), 'google_ads', false],
  [track('Direct Mail Delivered'), 'direct_mail', true],
  [track('Store Visited'), 'store', true],
  [track('Loyalty Card Scanned', {}, { channel: 'pos' }), 'store', true],
  [track('Order Completed', { total: 5 }, { channel: 'marketplace' }), 'marketplace', false],
  [track('Order Completed', { total: 5 }), null, false],
  [track('Product Viewed', { url: 'https://shop.example/?gclid=1' }), null, false],
  [{ type: 'identify', traits: { email: 'x@example.com' } }, null, false],
];

describe('taxonomy validation', () => {
  const field = (input: unknown) => { try { parseTaxonomy(input); return null; } catch (e) { return (e as OmnisError).field; } };
  test('{} is the default taxonomy; bad rules name their place', () => {
    assert.deepEqual(parseTaxonomy({}), defaultTaxonomy());
    assert.equal(field({ rules: [{ if: { field: 'query.gclid', op: 'exists' }, channel: 'x' }, { if: [{ field: 'type', op: 'eq', value: 'page' }, { field: 'utm.nope', op: 'exists' }], channel: 'y' }] }), 'rules.1.if.1.field');
    assert.equal(field({ rules: [{ if: { field: 'type', op: 'gt', value: 'a' }, channel: 'x' }] }), 'rules.0.if.value');
    assert.equal(field({ rules: [{ if: { field: 'type', op: 'exists', value: 1 }, channel: 'x' }] }), 'rules.0.if.value');
    assert.equal(field({ rules: [{ if: { field: 'type', op: 'exists' }, channel: 'x', channelFrom: { field: 'nope' } }] }), 'rules.0.channelFrom.field');
    assert.equal(field({ channels: { store: { offline: 'yes' } } }), 'channels.store');
    assert.equal(field({ conversion: { event: '' } }), 'conversion.event');
    assert.equal(field({ rules: {} }), 'rules');
  });
});

forEachStore('touchpoints', kind => {
  let t: TestOmnis;
  before(async () => {
    t = await startTestOmnis(kind);
    const batch = CASES.map(([e], i) => ({ ...e, userId: `u${i}`, messageId: `case-${i}`, timestamp: TS }));
    assert.equal((await t.track('/v1/batch', { batch })).json.accepted, CASES.length);
    await t.omnis.idle();
  });
  after(async () => { await t.close(); });

  test('the default taxonomy names web visits, messages, ads, offline and marketplace touches', async () => {
    const got = await classifyEvents(t.omnis.db, DEFAULT_WORKSPACE, defaultTaxonomy(), parseRange('2026-02-10', '2026-02-10'), 1000);
    const byId = new Map(got.map(e => [e.messageId, e]));
    CASES.forEach(([e, channel, offline], i) => {
      const c = byId.get(`case-${i}`);
      assert.ok(c, `case ${i} missing`);
      assert.deepEqual([c.touchpoint, c.offline], [channel, offline], `case ${i}: ${JSON.stringify(e)}`);
    });
  });

  test('touches are classified once, incrementally, and again from scratch when the rules change', async () => {
    const db = t.omnis.db;
    const count = async () => Number((await db.query<{ n: number }>('select count(*)::int as n from analytics_touches where workspace_id = $1', [DEFAULT_WORKSPACE]))[0].n);
    let tax = await getTaxonomy(db, DEFAULT_WORKSPACE);
    const first = await refreshTouches(db, DEFAULT_WORKSPACE, tax, 7);
    assert.equal(first.rebuilt, true);
    const touches = CASES.filter(c => c[1] !== null).length;
    assert.equal(first.touches, touches);
    assert.equal(await count(), touches);
    assert.deepEqual(await refreshTouches(db, DEFAULT_WORKSPACE, tax), { touches: 0, rebuilt: false, throughSeq: first.throughSeq });

    await t.track('/v1/batch', { batch: [{ type: 'track', userId: 'late', event: 'Email Opened', timestamp: TS }, { type: 'track', userId: 'late', event: 'Product Viewed', timestamp: TS }] });
    await t.omnis.idle();
    const more = await refreshTouches(db, DEFAULT_WORKSPACE, tax);
    assert.deepEqual([more.touches, more.rebuilt], [1, false]);

    tax = await setTaxonomy(db, DEFAULT_WORKSPACE, { rules: [{ if: { field: 'event', op: 'contains', value: 'email' }, channel: 'crm' }] }, Date.parse(TS));
    const rebuilt = await refreshTouches(db, DEFAULT_WORKSPACE, tax);
    assert.deepEqual([rebuilt.touches, rebuilt.rebuilt], [2, true]);
    assert.deepEqual((await db.query<{ channel: string }>('select distinct channel from analytics_touches where workspace_id = $1', [DEFAULT_WORKSPACE])).map(r => r.channel), ['crm']);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_TRAITS, favoriteCategory, lastPurchaseAt, lifetimeValue, orderCount, preferredChannel, preferredSize } from './builtins.ts';
import { DAY, NOW, ev, sorted } from './testing.ts';
import type { EvalEvent } from '../condition/index.ts';

const at = (days: number) => NOW - days * DAY;
const val = (t: { compute: (e: readonly EvalEvent[], n: number) => { value: unknown } }, events: EvalEvent[], now = NOW) => t.compute(sorted(events), now).value;

test('lifetime_value: revenue, else total, else products; refunds subtract; resent orders count once', () => {
  const events = [
    ev('Order Completed', at(30), { order_id: 'o1', revenue: 90, total: 100 }),
    ev('Order Completed', at(20), { order_id: 'o2', total: '250.10' }, { channel: 'pos' }),
    ev('Order Completed', at(20), { order_id: 'o2', total: '250.10' }),
    ev('Order Completed', at(10), { order_id: 'o3', products: [{ price: 10, quantity: 2 }, { price: 5 }] }),
    ev('Order Completed', at(9), { total: 1 }),
    ev('Order Refunded', at(5), { order_id: 'o3' }),
    ev('Order Refunded', at(4), { order_id: 'o1', total: 30 }),
  ];
  assert.equal(val(lifetimeValue, events), 90 + 250.1 + 25 + 1 - 25 - 30);
  assert.equal(val(lifetimeValue, events, at(15)), 340.1);
  assert.equal(val(lifetimeValue, []), 0);
  assert.equal(val(orderCount, events), 4);
  assert.equal(val(lastPurchaseAt, events), new Date(at(9)).toISOString());
  assert.equal(val(lastPurchaseAt, []), null);
  assert.deepEqual(orderCount.compute(sorted(events), at(25)), { value: 1, recheckAt: at(20) }, 'the next order is a re-check time');
});

test('preferred_channel: where they open, click and reply most; ties go to the most recent', () => {
  const events = [
    ev('Email Opened', at(10), {}, { channel: 'email' }),
    ev('Email Link Clicked', at(9), {}, { channel: 'email' }),
    ev('Push Opened', at(8), {}, { channel: 'push' }),
    ev('SMS Replied', at(7), {}, { channel: 'server' }),        // channel from the name
    ev('Messenger Message Received', at(6), {}, { channel: 'messenger' }),
    ev('Product Viewed', at(5)), ev('Product Viewed', at(4)), ev('Product Viewed', at(3)),   // browsing is not messaging
    ev('Email Delivered', at(2), {}, { channel: 'email' }), ev('Email Delivered', at(2), {}, { channel: 'email' }),
  ];
  assert.equal(val(preferredChannel, events), 'email');
  const tie = [ev('Push Opened', at(3), {}, { channel: 'push' }), ev('SMS Replied', at(2), {}, { channel: 'sms' }), ev('Push Opened', at(1.5), {}, { channel: 'push' }), ev('SMS Replied', at(1), {}, { channel: 'sms' })];
  assert.equal(val(preferredChannel, tie), 'sms');
  assert.equal(val(preferredChannel, [ev('Product Viewed', at(1))]), null);
  assert.equal(preferredChannel.relevant('WhatsApp Message Read'), true);
  assert.equal(preferredChannel.relevant('Order Completed'), false);
});

test('favorite_category: views, adds and every product of orders', () => {
  const events = [
    ev('Product Viewed', at(5), { category: 'mattress' }),
    ev('Product Added', at(4), { category: 'mattress' }),
    ev('Order Completed', at(3), { products: [{ category: 'pillows' }, { category: 'pillows' }, { category: 'pillows' }] }),
    ev('Product List Viewed', at(2), { category: 'sheets' }),
    ev('Product List Viewed', at(2), { category: 'sheets' }),
    ev('Product List Viewed', at(2), { category: 'sheets' }),
    ev('Product List Viewed', at(2), { category: 'sheets' }),
  ];
  assert.equal(val(favoriteCategory, events), 'pillows');
  assert.equal(val(favoriteCategory, events.slice(0, 2)), 'mattress');
  assert.equal(val(favoriteCategory, []), null);
});

test('preferred_size: searches in size M and POS purchases teach the size memory (SCENARIOS §4)', () => {
  const searches = [
    ev('Products Searched', at(10), { query: 'shirts', filters: { size: 'M' } }),
    ev('Products Searched', at(9), { query: 'shirts', size: 'm' }),
    ev('Product List Filtered', at(8), { filters: [{ type: 'size', value: ' M ' }, { type: 'color', value: 'blue' }] }),
    ev('Product Viewed', at(7), { size: 'L' }),
  ];
  assert.equal(val(preferredSize, searches), 'M');
  const posPurchases = [
    ev('Order Completed', at(3), { products: [{ size: 'L' }, { size: 'L' }] }, { channel: 'pos' }),
    ev('Order Completed', at(2), { products: [{ size: 'L', category: 'shirts' }] }, { channel: 'pos' }),
  ];
  assert.equal(val(preferredSize, [...searches, ...posPurchases]), 'L');
  assert.equal(val(preferredSize, [ev('Product Added', at(1), { size: 42 })]), '42');
  assert.equal(val(preferredSize, [ev('Product Added', at(1), { size: '' })]), null);
});

test('every built-in has a distinct name and ignores events stamped after now', () => {
  assert.equal(new Set(BUILTIN_TRAITS.map(t => t.name)).size, 6);
  const future = [ev('Order Completed', NOW + DAY, { total: 5, products: [{ category: 'x', size: 'S' }] }), ev('Email Opened', NOW + DAY, {}, { channel: 'email' })];
  for (const t of BUILTIN_TRAITS) {
    const r = t.compute(future, NOW);
    assert.ok(r.value === null || r.value === 0, t.name);
    assert.equal(r.recheckAt, NOW + DAY, t.name);
  }
});

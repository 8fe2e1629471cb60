import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeTrait, computeTraits, compileComputedTrait } from './compute.ts';
import { parseComputedTrait } from './schema.ts';
import { lifetimeValue } from './builtins.ts';
import { DAY, HOUR, NOW, ev, sorted } from './testing.ts';

const orders = sorted([
  ev('Order Completed', NOW - 40 * DAY, { total: 100, products: [{ price: 60, brand: 'acme' }, { price: 40, brand: 'zed' }] }),
  ev('Order Completed', NOW - 20 * DAY, { total: '50.5', products: [{ price: 50.5, brand: 'acme' }] }, { channel: 'pos' }),
  ev('Order Completed', NOW - 5 * DAY, { total: 0.1, products: [{ price: 0.1, brand: 'zed' }] }),
  ev('Order Completed', NOW - 2 * DAY, { total: 0.2, coupon: 'X', products: [{ price: 0.2, brand: 'zed' }] }),
  ev('Product Viewed', NOW - DAY, { brand: 'acme' }),
]);
const def = (d: object) => parseComputedTrait({ name: 't', event: 'Order Completed', ...d });
const value = (d: object, now = NOW) => computeTrait(def(d), orders, now).value;

test('count, with where, channel and within', () => {
  assert.equal(value({ kind: 'count' }), 4);
  assert.equal(value({ kind: 'count', channel: 'pos' }), 1);
  assert.equal(value({ kind: 'count', where: [{ property: 'coupon', op: 'exists' }] }), 1);
  assert.deepEqual(computeTrait(def({ kind: 'count', within: '30d' }), orders, NOW), { value: 3, recheckAt: NOW - 20 * DAY + 30 * DAY });
  assert.equal(computeTrait(parseComputedTrait({ name: 'all_events', kind: 'count', event: '*' }), orders, NOW).value, 5);
});

test('sum, min and max read numbers, numeric strings and arrays', () => {
  assert.equal(value({ kind: 'sum', property: 'total' }), 150.8);
  assert.equal(value({ kind: 'sum', property: 'total', within: '7d' }), 0.3, 'no float noise');
  assert.equal(value({ kind: 'sum', property: 'products.price' }), 150.8);
  assert.equal(value({ kind: 'sum', property: 'missing' }), 0);
  assert.equal(value({ kind: 'min', property: 'products.price' }), 0.1);
  assert.equal(value({ kind: 'max', property: 'total' }), 100);
  assert.equal(value({ kind: 'max', property: 'missing' }), null);
});

test('first and last: the property, or the time as ISO', () => {
  assert.equal(value({ kind: 'first' }), new Date(NOW - 40 * DAY).toISOString());
  assert.equal(value({ kind: 'last' }), new Date(NOW - 2 * DAY).toISOString());
  assert.equal(value({ kind: 'last', property: 'total' }), 0.2);
  assert.equal(value({ kind: 'first', property: 'coupon' }), 'X', 'the first event that has it');
  assert.equal(value({ kind: 'first', property: 'total', within: '10d' }), 0.1);
  assert.equal(value({ kind: 'last', property: 'nothing' }), null);
});

test('most_frequent and distinct_count', () => {
  assert.equal(value({ kind: 'most_frequent', property: 'products.brand' }), 'zed');
  assert.equal(value({ kind: 'most_frequent', property: 'products.brand', within: '30d' }), 'zed');
  assert.equal(value({ kind: 'distinct_count', property: 'products.brand' }), 2);
  assert.equal(value({ kind: 'distinct_count', property: 'total' }), 4);
  // A tie goes to the most recent value.
  const tie = sorted([ev('V', 1, { c: 'a' }), ev('V', 2, { c: 'b' })]);
  assert.equal(computeTrait(parseComputedTrait({ name: 'x', kind: 'most_frequent', event: 'V', property: 'c' }), tie, NOW).value, 'b');
});

test('recheckAt: when the oldest counted event leaves the window, or a later-stamped event arrives', () => {
  const d = def({ kind: 'sum', property: 'total', within: '10d' });
  assert.deepEqual(computeTrait(d, orders, NOW), { value: 0.3, recheckAt: NOW - 5 * DAY + 10 * DAY });
  assert.deepEqual(computeTrait(d, orders, NOW + 5 * DAY), { value: 0.2, recheckAt: NOW - 2 * DAY + 10 * DAY });
  assert.deepEqual(computeTrait(d, orders, NOW + 8 * DAY), { value: 0, recheckAt: null });
  assert.deepEqual(computeTrait(def({ kind: 'count' }), orders, NOW - 3 * DAY), { value: 3, recheckAt: NOW - 2 * DAY });
  assert.deepEqual(computeTrait(def({ kind: 'count' }), orders, NOW), { value: 4, recheckAt: null });
});

test('computeTraits runs several and keeps the earliest re-check; compiling is cached', () => {
  const d = def({ kind: 'count', within: '3d' });
  const r = computeTraits([compileComputedTrait(d), lifetimeValue], orders, NOW);
  assert.deepEqual(r, { values: { t: 1, lifetime_value: 150.8 }, recheckAt: NOW - 2 * DAY + 3 * DAY });
  assert.equal(compileComputedTrait(d), compileComputedTrait(d));
  assert.equal(compileComputedTrait(d).relevant('Order Completed'), true);
  assert.equal(compileComputedTrait(d).relevant('Product Viewed'), false);
  // "*" leaves Omnis's own events out, unless it counts that channel.
  const all = compileComputedTrait(parseComputedTrait({ name: 'all', kind: 'count', event: '*' }));
  const mine = compileComputedTrait(parseComputedTrait({ name: 'mine', kind: 'count', event: '*', channel: 'internal' }));
  assert.deepEqual([all.relevant('Segment Entered', 'internal'), all.relevant('Page', 'web'), all.relevant('Segment Entered')], [false, true, true]);
  assert.deepEqual([mine.relevant('Segment Entered', 'internal'), mine.relevant('Page', 'web')], [true, false]);
  assert.equal(compileComputedTrait(d).lookback, 3 * DAY);
  assert.equal(computeTraits([], orders, NOW + HOUR).recheckAt, null);
});

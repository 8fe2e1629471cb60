import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseComputedTrait } from './schema.ts';

function refuses(input: unknown, field: string, message?: RegExp) {
  assert.throws(() => parseComputedTrait(input), (e: unknown) => {
    const err = e as { kind: string; field: string; message: string };
    assert.equal(err.kind, 'invalid');
    assert.equal(err.field, field, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

test('accepts each kind and returns the definition unchanged', () => {
  const defs = [
    { name: 'orders_30d', kind: 'count', event: 'Order Completed', within: '30d' },
    { name: 'spend', kind: 'sum', event: 'Order Completed', property: 'total' },
    { name: 'cheapest', kind: 'min', event: 'Order Completed', property: 'products.price' },
    { name: 'priciest', kind: 'max', event: 'Order Completed', property: 'products.price', where: [{ property: 'currency', op: 'eq', value: 'USD' }] },
    { name: 'first_seen_at', kind: 'first', event: '*' },
    { name: 'last_city', kind: 'last', event: 'Order Completed', property: 'shipping.city', channel: 'pos' },
    { name: 'top_brand', kind: 'most_frequent', event: 'Product Viewed', property: 'brand' },
    { name: 'brands', kind: 'distinct_count', event: 'Product Viewed', property: 'brand', within: '90d' },
  ];
  for (const d of defs) assert.deepEqual(parseComputedTrait(d), d);
});

test('refuses bad definitions naming the field', () => {
  refuses('x', 'computedTrait');
  refuses({ kind: 'count', event: 'A' }, 'computedTrait.name', /name is required/);
  refuses({ name: 'Bad Name', kind: 'count', event: 'A' }, 'computedTrait.name', /snake_case/);
  refuses({ name: 'lifetime_value', kind: 'count', event: 'A' }, 'computedTrait.name', /built-in/);
  refuses({ name: 'x', kind: 'avg', event: 'A' }, 'computedTrait.kind', /unknown kind "avg"; expected one of count, sum, min, max, first, last, most_frequent, distinct_count/);
  refuses({ name: 'x', kind: 'sum', event: 'A' }, 'computedTrait.property', /"sum" needs a property/);
  refuses({ name: 'x', kind: 'distinct_count', event: 'A' }, 'computedTrait.property', /needs a property/);
  refuses({ name: 'x', kind: 'count', event: 'A', property: 'p' }, 'computedTrait.property', /filter them with "where"/);
  refuses({ name: 'x', kind: 'count', event: '' }, 'computedTrait.event', /must not be empty/);
  refuses({ name: 'x', kind: 'count', event: 'A', within: '3 days' }, 'computedTrait.within', /expected a duration/);
  refuses({ name: 'x', kind: 'count', event: 'A', where: [{ property: 'p', op: 'in', value: [] }] }, 'computedTrait.where.0.value', /non-empty array/);
  refuses({ name: 'x', kind: 'count', event: 'A', ago: { from: '2d', to: '1d' } }, 'computedTrait.ago', /unknown field "ago"; a computed trait takes name, kind, event/);
  assert.throws(() => parseComputedTrait({ name: 'x', kind: 'sum', event: 'A' }, 'traits.3'), { field: 'traits.3.property' });
});

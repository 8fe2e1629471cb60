/** SCENARIOS.md §9: the segments marketers actually write, in the condition language. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from './evaluate.ts';
import { parseCondition } from './schema.ts';
import { DAY, HOUR, NOW, ev, input } from './testing.ts';
import type { EvalEvent } from './types.ts';
import type { JsonObject } from '../../shared/index.ts';

const segment = (c: unknown) => parseCondition(c);
const traits = (t: JsonObject) => input({ traits: t });

test('"40-something men, office workers, living in Hangzhou"', () => {
  const s = segment({ all: [
    { trait: 'age', op: 'between', value: [40, 49] },
    { trait: 'gender', op: 'eq', value: 'male', ignoreCase: true },
    { trait: 'occupation', op: 'in', value: ['office worker', 'clerk', 'accountant', 'manager'], ignoreCase: true },
    { trait: 'address.city', op: 'eq', value: 'Hangzhou', ignoreCase: true },
  ] });
  const him = { age: 44, gender: 'Male', occupation: 'Office worker', address: { city: 'Hangzhou' } };
  assert.deepEqual(evaluate(s, traits(him), NOW), { match: true, recheckAt: null });
  assert.equal(evaluate(s, traits({ ...him, age: 39 }), NOW).match, false);
  assert.equal(evaluate(s, traits({ ...him, age: '45' }), NOW).match, true, 'an age imported as text still counts');
  assert.equal(evaluate(s, traits({ ...him, gender: 'female' }), NOW).match, false);
  assert.equal(evaluate(s, traits({ ...him, occupation: 'farmer' }), NOW).match, false);
  assert.equal(evaluate(s, traits({ ...him, address: { city: 'Shanghai' } }), NOW).match, false);
  assert.equal(evaluate(s, traits({ age: 44, gender: 'male', occupation: 'clerk' }), NOW).match, false, 'no city');
});

test('"women in their 20s working remotely with small children"', () => {
  const s = segment({ all: [
    { trait: 'age', op: 'between', value: [20, 29] },
    { trait: 'gender', op: 'eq', value: 'female', ignoreCase: true },
    { trait: 'work.remote', op: 'eq', value: true },
    { trait: 'children.age', op: 'lte', value: 5 },
  ] });
  const her = { age: 27, gender: 'female', work: { remote: true }, children: [{ age: 8 }, { age: 3 }] };
  assert.equal(evaluate(s, traits(her), NOW).match, true, 'any child 5 or younger');
  assert.equal(evaluate(s, traits({ ...her, children: [{ age: 8 }] }), NOW).match, false);
  assert.equal(evaluate(s, traits({ ...her, children: [] }), NOW).match, false);
  assert.equal(evaluate(s, traits({ ...her, work: { remote: false } }), NOW).match, false);
  assert.equal(evaluate(s, traits({ ...her, age: 30 }), NOW).match, false);
});

test('"visited the T-shirt page or the home page in the last 14 days and did not buy"', () => {
  const s = segment({ all: [
    { event: '*', type: 'page', where: [{ property: 'path', op: 'in', value: ['/', '/t-shirts'] }], within: '14d' },
    { event: 'Order Completed', count: { op: 'eq', value: 0 }, within: '14d' },
  ] });
  const page = (path: string, t: number): EvalEvent => ev(null, t, { path }, { type: 'page' });
  const visit = NOW - 10 * DAY;
  const visited = input({}, [page('/t-shirts', visit)]);
  assert.deepEqual(evaluate(s, visited, NOW), { match: true, recheckAt: visit + 14 * DAY }, 'leaves exactly when the visit is 14 days old');
  assert.equal(evaluate(s, visited, visit + 14 * DAY).match, false);
  assert.equal(evaluate(s, input({}, [page('/', NOW - DAY)]), NOW).match, true);
  assert.equal(evaluate(s, input({}, [page('/shoes', NOW - DAY)]), NOW).match, false);
  assert.equal(evaluate(s, input({}, [page('/t-shirts', NOW - 15 * DAY)]), NOW).match, false);
  const bought = NOW - 2 * DAY;
  const buyer = input({}, [page('/t-shirts', visit), ev('Order Completed', bought)]);
  assert.equal(evaluate(s, buyer, NOW).match, false);
  // An order 20 days ago is outside the window: the recent visitor is in again.
  assert.equal(evaluate(s, input({}, [ev('Order Completed', NOW - 20 * DAY), page('/', NOW - DAY)]), NOW).match, true);
});

test('"bought a coffee machine 25–35 days ago and have not bought beans since"', () => {
  const machines = [{ property: 'products.category', op: 'eq', value: 'coffee machines' }];
  const beansOnly = [{ property: 'products.category', op: 'eq', value: 'beans' }];
  const s = segment({ all: [
    { event: 'Order Completed', where: machines, ago: { from: '35d', to: '25d' } },
    { event: 'Order Completed', where: beansOnly, count: { op: 'eq', value: 0 }, since: { event: 'Order Completed', where: machines } },
  ] });
  const order = (t: number, ...categories: string[]) => ev('Order Completed', t, { products: categories.map(category => ({ category })) });
  const bought = NOW - 20 * DAY;
  const p = input({}, [order(bought, 'coffee machines', 'beans')]);
  assert.deepEqual(evaluate(s, p, NOW), { match: false, recheckAt: bought + 25 * DAY }, 'enters 25 days after buying');
  assert.deepEqual(evaluate(s, p, bought + 25 * DAY), { match: true, recheckAt: bought + 35 * DAY });
  assert.equal(evaluate(s, p, bought + 35 * DAY).match, false);
  const rebought = input({}, [order(bought, 'coffee machines'), order(bought + 10 * DAY, 'beans')]);
  assert.equal(evaluate(s, rebought, bought + 30 * DAY).match, false);
  assert.equal(evaluate(s, input({}, [order(bought, 'grinders')]), bought + 30 * DAY).match, false);
});

test('"opened none of the last 5 emails, but used the app this week"', () => {
  const s = segment({ all: [
    { event: 'Email Opened', of: 'Email Delivered', channel: 'email', last: 5, count: { op: 'eq', value: 0 } },
    { event: '*', channel: 'app', within: '7d' },
  ] });
  const mails = Array.from({ length: 6 }, (_, i) => ev('Email Delivered', NOW - (30 - 4 * i) * DAY, { messageId: `m${i}` }, { channel: 'email' }));
  const appUse = NOW - 2 * DAY;
  const p = input({}, [...mails, ev('Application Opened', appUse, {}, { channel: 'app' })]);
  assert.deepEqual(evaluate(s, p, NOW), { match: true, recheckAt: appUse + 7 * DAY });
  const opener = input({}, [...mails, ev('Email Opened', NOW - 5 * DAY, { messageId: 'm5' }, { channel: 'email' }), ev('Screen Viewed', NOW - HOUR, {}, { channel: 'app' })]);
  assert.equal(evaluate(s, opener, NOW).match, false);
  assert.equal(evaluate(s, input({}, [...mails, ev('Product Viewed', NOW - DAY)]), NOW).match, false, 'web, not the app');
  assert.equal(evaluate(s, input({}, [...mails, ev('Application Opened', NOW - 8 * DAY, {}, { channel: 'app' })]), NOW).match, false, 'not this week');
});

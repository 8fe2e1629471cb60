import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OmnisError } from '../../shared/index.ts';
import { parseCondition, conditionSchema } from './schema.ts';
import { dependsOn, findSegmentCycle } from './refs.ts';
import type { Condition } from './types.ts';

/** Asserts parseCondition refuses `input` naming `path`, with a message matching `message`. */
function refuses(input: unknown, path: string, message?: RegExp) {
  assert.throws(() => parseCondition(input), (e: unknown) => {
    assert.ok(e instanceof OmnisError, `expected OmnisError, got ${String(e)}`);
    assert.equal(e.kind, 'invalid');
    assert.equal(e.field, path, `wrong path for ${JSON.stringify(input).slice(0, 200)}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const ISSUE_EXAMPLES: unknown[] = [
  { all: [{ trait: 'age', op: 'gte', value: 18 }] },
  { any: [{ consent: 'email' }, { reachable: 'sms' }] },
  { not: { segment: 'seg_1' } },
  { trait: 'age', op: 'between', value: [40, 49] },
  { event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 't-shirts' }], count: { op: 'gte', value: 1 }, within: '14d' },
  { event: 'Order Completed', count: { op: 'eq', value: 0 }, within: '14d' },
  { event: 'Order Completed', where: [{ property: 'products.category', op: 'eq', value: 'coffee machines' }], ago: { from: '35d', to: '25d' } },
  { event: 'Email Opened', channel: 'email', count: { op: 'eq', value: 0 }, last: 5 },
  { event: 'Email Opened', of: 'Email Delivered', channel: 'email', count: { op: 'eq', value: 0 }, last: 5 },
  { computed: 'favorite_category', op: 'eq', value: 'mattress' },
  { near: { lat: 40.72, lng: -74.0 }, km: 15 },
  { near: { lat: 40.72, lng: -74.0 }, km: 15, at: 'address' },
  { near: { lat: 40.72, lng: -74.0 }, km: 15, at: 'last_location' },
  { consent: 'email' },
  { reachable: 'sms' },
  { segment: 'SEGMENT_ID' },
  { sample: { percent: 10, salt: 'exp-1' } },
  { event: '*', type: 'page', where: [{ property: 'path', op: 'starts_with', value: '/t-shirts' }], within: '2w' },
  { trait: 'address.city', op: 'eq', value: 'hangzhou', ignoreCase: true },
  { trait: 'email', op: 'exists' },
  { trait: 'birthday', op: 'lt', value: '2000-01-01' },
  { trait: 'plan', op: 'not_in', value: ['free', null] },
  { event: 'Order Completed', count: { op: 'between', value: [2, 5] } },
  { all: [] },
  { event: 'Order Completed', where: [{ property: 'products.category', op: 'eq', value: 'beans' }], count: { op: 'eq', value: 0 }, since: { event: 'Order Completed', where: [{ property: 'products.category', op: 'eq', value: 'coffee machines' }] } },
];

test('accepts every shape of the issue and returns it unchanged', () => {
  for (const c of ISSUE_EXAMPLES) {
    assert.deepEqual(parseCondition(c), c);
    assert.deepEqual(parseCondition(parseCondition(c)), c, 'parsing is idempotent');
    assert.ok(conditionSchema.safeParse(c).success, `conditionSchema accepts ${JSON.stringify(c)}`);
  }
});

test('refuses bad shapes, naming the JSON path of the first problem', () => {
  refuses('x', 'condition', /expected a condition object, got string/);
  refuses([], 'condition', /got an array/);
  refuses({}, 'condition', /one of all, any, not, trait, event/);
  refuses({ foo: 1 }, 'condition', /got "foo"/);
  refuses({ trait: 'a', event: 'b' }, 'condition.event', /found "trait" and "event"/);
  refuses({ all: [{ trait: 'age', op: 'nope', value: 1 }] }, 'condition.all.0.op', /unknown operator "nope"; expected one of eq, neq, gt/);
  refuses({ all: [{ trait: 'age', value: 1 }] }, 'condition.all.0.op', /op is required/);
  refuses({ any: [{ consent: 'email' }, { not: { trait: 'x', op: 'eq' } }] }, 'condition.any.1.not.value', /"eq" needs a value/);
  refuses({ all: 'x' }, 'condition.all', /must be an array of conditions/);
  refuses({ all: [1] }, 'condition.all.0', /expected a condition object, got number 1/);
  refuses({ trait: 'a', op: 'eq', value: 1, extra: 2 }, 'condition.extra', /unknown field "extra"; a "trait" condition takes trait, op, value, ignoreCase/);
  refuses({ trait: '', op: 'exists' }, 'condition.trait', /must not be empty/);
  refuses({ trait: 'a..b', op: 'exists' }, 'condition.trait', /dotted path/);
  refuses({ trait: 7, op: 'exists' }, 'condition.trait', /expected trait, got number 7/);
  refuses({ trait: 'a', op: 'eq', value: 1, ignoreCase: 'yes' }, 'condition.ignoreCase');
});

test('refuses values that do not fit the operator', () => {
  refuses({ trait: 'a', op: 'exists', value: 1 }, 'condition.value', /"exists" takes no value/);
  refuses({ trait: 'a', op: 'not_exists', value: null }, 'condition.value', /takes no value/);
  refuses({ trait: 'a', op: 'eq', value: [1] }, 'condition.value', /"eq" needs a value/);
  refuses({ trait: 'a', op: 'neq', value: { x: 1 } }, 'condition.value', /"neq" needs a value/);
  refuses({ trait: 'a', op: 'gt', value: 'abc' }, 'condition.value', /"gt" needs a number, a numeric string or an ISO date/);
  refuses({ trait: 'a', op: 'lte', value: true }, 'condition.value');
  refuses({ trait: 'a', op: 'between', value: [1] }, 'condition.value', /"between" needs \[low, high\]/);
  refuses({ trait: 'a', op: 'between', value: 5 }, 'condition.value', /"between" needs/);
  refuses({ trait: 'a', op: 'between', value: [1, 'x'] }, 'condition.value.1', /expected a number/);
  refuses({ trait: 'a', op: 'between', value: [1, '2024-01-01'] }, 'condition.value', /both bounds/);
  refuses({ trait: 'a', op: 'between', value: [9, 1] }, 'condition.value.1', /low bound is above/);
  refuses({ trait: 'a', op: 'in', value: 'x' }, 'condition.value', /"in" needs a non-empty array/);
  refuses({ trait: 'a', op: 'not_in', value: [] }, 'condition.value', /"not_in" needs a non-empty array/);
  refuses({ trait: 'a', op: 'in', value: ['a', ['b']] }, 'condition.value.1', /expected a string, number, boolean or null/);
  refuses({ trait: 'a', op: 'contains', value: null }, 'condition.value', /"contains" needs/);
  refuses({ trait: 'a', op: 'starts_with', value: 1 }, 'condition.value', /"starts_with" needs a string/);
  refuses({ computed: 'x', op: 'gte' }, 'condition.value', /"gte" needs/);
});

test('refuses bad event conditions', () => {
  refuses({ event: '' }, 'condition.event', /must not be empty/);
  refuses({ event: 'X', within: '14x' }, 'condition.within', /expected a duration like "30m", "14d" or "2w" \(units s m h d w\), got string "14x"/);
  refuses({ event: 'X', within: 14 }, 'condition.within', /expected a duration/);
  refuses({ event: 'X', within: '0d' }, 'condition.within', /longer than zero/);
  refuses({ event: 'X', within: '14d', last: 3 }, 'condition.last', /only one of "within", "ago", "last" and "since"/);
  refuses({ event: 'X', within: '14d', ago: { from: '2d', to: '1d' } }, 'condition.ago', /only one of/);
  refuses({ event: 'X', ago: '3d' }, 'condition.ago', /expected \{"from": duration, "to": duration\}/);
  refuses({ event: 'X', ago: { from: '25d', to: '35d' } }, 'condition.ago.from', /further back/);
  refuses({ event: 'X', ago: { from: '25d', to: '25d' } }, 'condition.ago.from', /further back/);
  refuses({ event: 'X', ago: { from: '2x', to: '1d' } }, 'condition.ago.from', /expected a duration/);
  refuses({ event: 'X', ago: { from: '2d' } }, 'condition.ago.to', /expected a duration/);
  refuses({ event: 'X', ago: { from: '2d', to: '1d', x: 1 } }, 'condition.ago.x', /unknown field "x"/);
  refuses({ event: 'X', count: { op: 'gte', value: -1 } }, 'condition.count.value', /not negative/);
  refuses({ event: 'X', count: { op: 'gte', value: 1.5 } }, 'condition.count.value', /non-negative integer/);
  refuses({ event: 'X', count: { op: 'in', value: 1 } }, 'condition.count.op', /unknown count operator "in"; expected one of eq, neq, gt, gte, lt, lte, between/);
  refuses({ event: 'X', count: { op: 'between', value: 1 } }, 'condition.count.value', /"between" needs \[low, high\]/);
  refuses({ event: 'X', count: { op: 'between', value: [3, 1] } }, 'condition.count.value.1', /low bound/);
  refuses({ event: 'X', count: { op: 'eq', value: [1, 2] } }, 'condition.count.value', /one non-negative integer/);
  refuses({ event: 'X', count: { value: 1 } }, 'condition.count.op', /op is required/);
  refuses({ event: 'X', last: 0 }, 'condition.last', /at least 1/);
  refuses({ event: 'X', last: 2.5 }, 'condition.last', /whole number/);
  refuses({ event: 'X', last: 5000 }, 'condition.last', /at most 1000/);
  refuses({ event: 'X', of: 'Y' }, 'condition.of', /only goes with "last"/);
  refuses({ event: 'X', since: { event: 'Y' }, within: '3d' }, 'condition.since', /only one of/);
  refuses({ event: 'X', since: 'Y' }, 'condition.since', /expected \{"event": name, "where": \[...\]\}/);
  refuses({ event: 'X', since: { event: 'Y', where: [{ property: 'a', op: 'eq' }] } }, 'condition.since.where.0.value', /"eq" needs a value/);
  refuses({ event: 'X', since: { event: 'Y', count: { op: 'eq', value: 1 } } }, 'condition.since.count', /unknown field "count"/);
  refuses({ event: 'X', last: 5, of: '*' }, 'condition.of', /names one event/);
  refuses({ event: 'X', type: 'click' }, 'condition.type', /type must be one of identify, track, page/);
  refuses({ event: 'X', channel: '' }, 'condition.channel', /must not be empty/);
  refuses({ event: 'X', where: { property: 'a' } }, 'condition.where', /array of property filters/);
  refuses({ event: 'X', where: [{ property: 'a', op: 'eq', value: 1 }, { op: 'eq', value: 1 }] }, 'condition.where.1.property', /property is required/);
  refuses({ event: 'X', where: [{ property: 'a', op: 'exists', value: 1 }] }, 'condition.where.0.value', /takes no value/);
  refuses({ event: 'X', where: [{ property: 'a', op: 'exists', foo: 1 }] }, 'condition.where.0.foo', /unknown field "foo"/);
  refuses({ event: 'X', withn: '14d' }, 'condition.withn', /unknown field "withn"; a "event" condition takes event, type, channel, where, count, within, ago, last, of, since/);
});

test('refuses bad near, sample, consent, reachable and segment conditions', () => {
  refuses({ near: { lat: 100, lng: 0 }, km: 1 }, 'condition.near.lat', /between -90 and 90/);
  refuses({ near: { lat: 10, lng: -181 }, km: 1 }, 'condition.near.lng', /between -180 and 180/);
  refuses({ near: { lat: 10 }, km: 1 }, 'condition.near.lng', /lng is required/);
  refuses({ near: [40, -74], km: 1 }, 'condition.near', /expected \{"lat": number, "lng": number\}/);
  refuses({ near: { lat: 10, lng: 0 }, km: 0 }, 'condition.km', /greater than 0/);
  refuses({ near: { lat: 10, lng: 0 }, km: -3 }, 'condition.km', /greater than 0/);
  refuses({ near: { lat: 10, lng: 0 } }, 'condition.km', /km is required/);
  refuses({ near: { lat: 10, lng: 0 }, km: 1, at: 'work' }, 'condition.at', /"address" or "last_location"/);
  refuses({ sample: { percent: 101, salt: 'x' } }, 'condition.sample.percent', /between 0 and 100/);
  refuses({ sample: { percent: -1, salt: 'x' } }, 'condition.sample.percent', /between 0 and 100/);
  refuses({ sample: { percent: 10 } }, 'condition.sample.salt', /salt is required/);
  refuses({ sample: 10 }, 'condition.sample');
  refuses({ consent: '' }, 'condition.consent', /must not be empty/);
  refuses({ reachable: 3 }, 'condition.reachable');
  refuses({ segment: null }, 'condition.segment');
});

test('limits nesting depth and size', () => {
  let deep: unknown = { consent: 'email' };
  for (let i = 0; i < 15; i++) deep = { not: deep };
  assert.ok(parseCondition(deep), '16 levels are fine');
  refuses({ not: deep }, `condition${'.not'.repeat(16)}`, /deeper than 16 levels/);
  refuses({ any: Array.from({ length: 201 }, () => ({ consent: 'x' })) }, 'condition.any', /at most 200/);
  const wide = { all: Array.from({ length: 10 }, () => ({ any: Array.from({ length: 150 }, () => ({ consent: 'x' })) })) };
  refuses(wide, 'condition.all.6.any.92', /at most 1000 parts/);
});

test('the field prefix is the caller\'s', () => {
  assert.throws(() => parseCondition({ trait: 'a', op: 'x' }, 'segment.condition'), { field: 'segment.condition.op' });
  assert.throws(() => parseCondition({ trait: 'a', op: 'x' }, 'journeys.0.trigger'), { field: 'journeys.0.trigger.op' });
});

test('checks segment references when given the callbacks', () => {
  const known = new Set(['a', 'b', 'c']);
  const c = { all: [{ segment: 'a' }, { not: { segment: 'zz' } }] };
  assert.doesNotThrow(() => parseCondition(c));
  assert.throws(() => parseCondition(c, 'condition', { knownSegments: id => known.has(id) }), { field: 'condition.all.1.not.segment', message: /unknown segment "zz"/ });

  const stored: Record<string, Condition> = { a: { segment: 'b' }, b: { any: [{ consent: 'x' }, { segment: 'c' }] }, c: { trait: 'x', op: 'exists' } };
  const resolveSegment = (id: string) => stored[id];
  assert.doesNotThrow(() => parseCondition({ segment: 'a' }, 'condition', { segmentId: 'new', resolveSegment }));
  assert.throws(() => parseCondition({ all: [{ consent: 'x' }, { segment: 'c' }] }, 'condition', { segmentId: 'c', resolveSegment }), { field: 'condition.all.1.segment', message: /a segment cannot|segment cycle: c → c/ });
  assert.throws(() => parseCondition({ any: [{ segment: 'a' }] }, 'condition', { segmentId: 'c', resolveSegment }), { field: 'condition.any.0.segment', message: /segment cycle: c → a → b → c/ });

  assert.deepEqual(dependsOn({ all: [{ segment: 'a' }, { any: [{ segment: 'b' }, { not: { segment: 'a' } }] }] }), ['a', 'b']);
  assert.equal(findSegmentCycle('a', resolveSegment), null);
  stored.c = { segment: 'a' };
  assert.deepEqual(findSegmentCycle('a', resolveSegment), ['a', 'b', 'c', 'a']);
});

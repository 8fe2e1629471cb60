import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, compile } from './evaluate.ts';
import { parseCondition } from './schema.ts';
import { indexEvents } from './node.ts';
import { requirements } from './refs.ts';
import { sampleBucket, fnv1a } from './sample.ts';
import { distanceKm, lastKnownLocation } from './geo.ts';
import { DAY, HOUR, NOW, ev, input } from './testing.ts';
import type { EvalInput } from './types.ts';

const run = (c: unknown, inp: EvalInput, now = NOW) => evaluate(parseCondition(c), inp, now);

test('trait conditions read dotted paths in profile.traits', () => {
  const inp = input({ traits: { age: 44, gender: 'male', address: { city: 'Hangzhou' }, kids: [3, 6] } });
  assert.deepEqual(run({ trait: 'age', op: 'between', value: [40, 49] }, inp), { match: true, recheckAt: null });
  assert.equal(run({ trait: 'address.city', op: 'eq', value: 'Hangzhou' }, inp).match, true);
  assert.equal(run({ trait: 'address.zip', op: 'exists' }, inp).match, false);
  assert.equal(run({ trait: 'kids', op: 'lt', value: 5 }, inp).match, true);
});

test('an event condition without count means at least one, without window means ever', () => {
  const c = { event: 'Order Completed' };
  assert.deepEqual(run(c, input({}, [ev('Order Completed', NOW - 400 * DAY)])), { match: true, recheckAt: null });
  assert.deepEqual(run(c, input({}, [ev('Product Viewed', NOW - DAY)])), { match: false, recheckAt: null });
  assert.deepEqual(run(c, input()), { match: false, recheckAt: null });
});

test('within: matches inside the window and reports the exact moment the last event falls out', () => {
  const c = { event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 't-shirts' }], count: { op: 'gte', value: 1 }, within: '14d' };
  const seen = NOW - 10 * DAY;
  const inp = input({}, [ev('Product Viewed', seen, { category: 't-shirts' }), ev('Product Viewed', NOW - DAY, { category: 'shoes' })]);
  assert.deepEqual(run(c, inp), { match: true, recheckAt: seen + 14 * DAY });
  assert.deepEqual(run(c, inp, seen + 14 * DAY - 1), { match: true, recheckAt: seen + 14 * DAY });
  assert.deepEqual(run(c, inp, seen + 14 * DAY), { match: false, recheckAt: null });
  // With two matching views the profile stays until the later one expires: one re-check, not two.
  const later = NOW - 2 * DAY;
  const two = input({}, [ev('Product Viewed', seen, { category: 't-shirts' }), ev('Product Viewed', later, { category: 't-shirts' })]);
  assert.deepEqual(run(c, two), { match: true, recheckAt: later + 14 * DAY });
});

test('count eq 0 within a window: enters when the last order expires', () => {
  const c = { event: 'Order Completed', count: { op: 'eq', value: 0 }, within: '14d' };
  const bought = NOW - 3 * DAY;
  assert.deepEqual(run(c, input({}, [ev('Order Completed', bought)])), { match: false, recheckAt: bought + 14 * DAY });
  assert.deepEqual(run(c, input()), { match: true, recheckAt: null });
});

test('count thresholds flip exactly when enough events have left', () => {
  const c = { event: 'Page Viewed', count: { op: 'gte', value: 3 }, within: '1d' };
  const ts = [NOW - 20 * HOUR, NOW - 10 * HOUR, NOW - 5 * HOUR, NOW - HOUR];
  const inp = input({}, ts.map(t => ev('Page Viewed', t)));
  // 4 in the window; it drops to 2 when the second-oldest leaves.
  assert.deepEqual(run(c, inp), { match: true, recheckAt: ts[1] + DAY });
  const between = { event: 'Page Viewed', count: { op: 'between', value: [1, 2] }, within: '1d' };
  assert.deepEqual(run(between, inp), { match: false, recheckAt: ts[1] + DAY });
});

test('ago: events enter at t + to and leave at t + from', () => {
  const c = { event: 'Order Completed', ago: { from: '35d', to: '25d' } };
  const t = NOW - 20 * DAY;
  const inp = input({}, [ev('Order Completed', t)]);
  assert.deepEqual(run(c, inp), { match: false, recheckAt: t + 25 * DAY });
  assert.deepEqual(run(c, inp, t + 25 * DAY), { match: true, recheckAt: t + 35 * DAY });
  assert.deepEqual(run(c, inp, t + 30 * DAY), { match: true, recheckAt: t + 35 * DAY });
  assert.deepEqual(run(c, inp, t + 35 * DAY - 1), { match: true, recheckAt: t + 35 * DAY });
  assert.deepEqual(run(c, inp, t + 35 * DAY), { match: false, recheckAt: null });
  assert.deepEqual(run(c, inp, t + 25 * DAY - 1), { match: false, recheckAt: t + 25 * DAY });
});

test('events stamped after now have not happened yet, and count from their timestamp', () => {
  const future = NOW + HOUR;
  const inp = input({}, [ev('Order Completed', future)]);
  assert.deepEqual(run({ event: 'Order Completed' }, inp), { match: false, recheckAt: future });
  assert.deepEqual(run({ event: 'Order Completed', within: '1d' }, inp), { match: false, recheckAt: future });
  assert.deepEqual(run({ event: 'Order Completed', within: '1d' }, inp, future), { match: true, recheckAt: future + DAY });
  assert.deepEqual(run({ event: 'Order Completed', last: 1 }, inp), { match: false, recheckAt: future });
});

test('channel and type restrict the events; "*" matches every name', () => {
  const inp = input({}, [
    ev('Order Completed', NOW - DAY, {}, { channel: 'pos' }),
    ev('Home', NOW - DAY, { path: '/' }, { type: 'page' }),
    ev(null, NOW - HOUR, { path: '/t-shirts/red' }, { type: 'page' }),
  ]);
  assert.equal(run({ event: 'Order Completed', channel: 'pos' }, inp).match, true);
  assert.equal(run({ event: 'Order Completed', channel: 'web' }, inp).match, false);
  assert.equal(run({ event: 'Home', type: 'page' }, inp).match, true);
  assert.equal(run({ event: 'Home', type: 'screen' }, inp).match, false);
  assert.equal(run({ event: '*', type: 'page', where: [{ property: 'path', op: 'starts_with', value: '/t-shirts' }] }, inp).match, true);
  assert.equal(run({ event: '*', count: { op: 'eq', value: 3 } }, inp).match, true);
});

test('where filters on dotted properties, through product lists', () => {
  const order = ev('Order Completed', NOW - DAY, { total: 320, products: [{ category: 'coffee machines', price: 300 }, { category: 'beans', price: 20 }] });
  const inp = input({}, [order]);
  assert.equal(run({ event: 'Order Completed', where: [{ property: 'products.category', op: 'eq', value: 'beans' }] }, inp).match, true);
  assert.equal(run({ event: 'Order Completed', where: [{ property: 'total', op: 'gt', value: 500 }] }, inp).match, false);
  assert.equal(run({ event: 'Order Completed', where: [{ property: 'total', op: 'gt', value: 100 }, { property: 'products.category', op: 'eq', value: 'tea' }] }, inp).match, false, 'every filter must pass');
});

test('last N: among the last N events of that name, count those passing where', () => {
  const orders = [500, 20, 30, 40].map((total, i) => ev('Order Completed', NOW - (10 - i) * DAY, { total }));
  const inp = input({}, orders);
  const bigInLast3 = { event: 'Order Completed', where: [{ property: 'total', op: 'gt', value: 100 }], last: 3 };
  assert.deepEqual(run(bigInLast3, inp), { match: false, recheckAt: null });
  assert.equal(run({ ...bigInLast3, last: 4 }, inp).match, true);
  assert.equal(run({ event: 'Order Completed', last: 2, count: { op: 'eq', value: 2 } }, inp).match, true, 'no where: min(N, count)');
  assert.equal(run({ event: 'Order Completed', last: 10, count: { op: 'eq', value: 4 } }, inp).match, true);
});

test('last N of X: how many of the last N messages got the event, matched by messageId', () => {
  const delivered = (id: string, t: number) => ev('Email Delivered', t, { messageId: id }, { channel: 'email' });
  const opened = (id: string, t: number) => ev('Email Opened', t, { messageId: id }, { channel: 'email' });
  const noneOfLast5 = { event: 'Email Opened', of: 'Email Delivered', channel: 'email', last: 5, count: { op: 'eq', value: 0 } };
  const mails = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((id, i) => delivered(id, NOW - (20 - i) * DAY));
  // m1 was opened, but it is the 6th most recent email: it does not count.
  assert.equal(run(noneOfLast5, input({}, [...mails, opened('m1', NOW - 19 * DAY)])).match, true);
  assert.equal(run(noneOfLast5, input({}, [...mails, opened('m4', NOW - 10 * DAY)])).match, false);
  // An open on another channel, or of another message, is not an open of these emails.
  assert.equal(run(noneOfLast5, input({}, [...mails, { ...opened('m4', NOW - 10 * DAY), channel: 'push' }])).match, true);
  assert.equal(run(noneOfLast5, input({}, [...mails, opened('zz', NOW - 10 * DAY)])).match, true);
  // Two opens of one email count once.
  const twice = input({}, [...mails, opened('m5', NOW - 9 * DAY), opened('m5', NOW - 8 * DAY), opened('m6', NOW - 7 * DAY)]);
  assert.equal(run({ ...noneOfLast5, count: { op: 'eq', value: 2 } }, twice).match, true);
  // A new delivery stamped later is a re-check time.
  assert.deepEqual(run(noneOfLast5, input({}, [...mails, delivered('m7', NOW + HOUR)])), { match: true, recheckAt: NOW + HOUR });
});

test('since: counts events strictly after the latest anchor event', () => {
  const machine = (t: number) => ev('Order Completed', t, { products: [{ category: 'coffee machines' }] });
  const beans = (t: number, withMachine = false) => ev('Order Completed', t, { products: [{ category: 'beans' }, ...(withMachine ? [{ category: 'coffee machines' }] : [])] });
  const c = { event: 'Order Completed', where: [{ property: 'products.category', op: 'eq', value: 'beans' }], count: { op: 'eq', value: 0 }, since: { event: 'Order Completed', where: [{ property: 'products.category', op: 'eq', value: 'coffee machines' }] } };
  assert.deepEqual(run(c, input({}, [beans(NOW - 40 * DAY), machine(NOW - 30 * DAY)])), { match: true, recheckAt: null }, 'beans before the machine do not count');
  assert.equal(run(c, input({}, [machine(NOW - 30 * DAY), beans(NOW - 20 * DAY)])).match, false);
  assert.equal(run(c, input({}, [beans(NOW - 30 * DAY, true)])).match, true, 'beans in the same order as the machine are not "since"');
  assert.equal(run(c, input({}, [machine(NOW - 30 * DAY), beans(NOW - 20 * DAY), machine(NOW - 10 * DAY)])).match, true, 'the latest anchor counts');
  assert.equal(run(c, input({}, [beans(NOW - 20 * DAY)])).match, true, 'no anchor: nothing counted');
  assert.deepEqual(run(c, input({}, [machine(NOW - 30 * DAY), beans(NOW + DAY)])), { match: true, recheckAt: NOW + DAY });
});

test('computed, consent, reachable, segment', () => {
  const inp = input({
    consent: { email: { status: 'granted', at: 1, source: 'web' }, sms: { status: 'denied', at: 1, source: 'web' } },
    channels: { email: { address: 'a@b.c', reachable: true }, sms: { phone: '+1', reachable: false }, whatsapp: { reachable: true } },
  }, [], { computed: { favorite_category: 'mattress', lifetime_value: 1200 }, segments: new Set(['vip']) });
  assert.equal(run({ computed: 'favorite_category', op: 'eq', value: 'mattress' }, inp).match, true);
  assert.equal(run({ computed: 'lifetime_value', op: 'gte', value: 1000 }, inp).match, true);
  assert.equal(run({ computed: 'preferred_size', op: 'exists' }, inp).match, false);
  assert.equal(run({ consent: 'email' }, inp).match, true);
  assert.equal(run({ consent: 'sms' }, inp).match, false);
  assert.equal(run({ consent: 'location' }, inp).match, false);
  assert.equal(run({ consent: 'constructor' }, inp).match, false);
  assert.equal(run({ reachable: 'email' }, inp).match, true);
  assert.equal(run({ reachable: 'sms' }, inp).match, false);
  assert.equal(run({ reachable: 'push' }, inp).match, false);
  assert.equal(run({ reachable: 'whatsapp' }, inp).match, true);
  assert.equal(run({ segment: 'vip' }, inp).match, true);
  assert.equal(run({ segment: 'churned' }, inp).match, false);
});

test('near: home address first, else last known location; "at" picks one', () => {
  const showroom = { lat: 40.72, lng: -74.0 };
  const brooklyn = { lat: 40.68, lng: -73.94 };   // ~6 km away
  const boston = { lat: 42.36, lng: -71.06, at: NOW };
  assert.ok(Math.abs(distanceKm(showroom.lat, showroom.lng, brooklyn.lat, brooklyn.lng) - 6.5) < 1);
  const c = { near: showroom, km: 15 };
  assert.equal(run(c, input({ traits: { address: brooklyn } })).match, true);
  assert.equal(run(c, input({ traits: { address: { latitude: '40.68', longitude: '-73.94' } } })).match, true);
  assert.equal(run(c, input({ lastLocation: { ...brooklyn, at: NOW } })).match, true);
  assert.equal(run(c, input({ traits: { address: { city: 'NYC' } }, lastLocation: { ...brooklyn, at: NOW } })).match, true, 'no coordinates at home: last location');
  assert.equal(run(c, input({ traits: { address: brooklyn }, lastLocation: boston })).match, true, 'home wins');
  assert.equal(run({ ...c, at: 'last_location' }, input({ traits: { address: brooklyn }, lastLocation: boston })).match, false);
  assert.equal(run({ ...c, at: 'address' }, input({ lastLocation: { ...brooklyn, at: NOW } })).match, false);
  assert.equal(run(c, input()).match, false);
  assert.deepEqual(lastKnownLocation([ev('A', 1, {}, { context: { location: { latitude: 1, longitude: 2 } } }), ev('B', 2)]), { lat: 1, lng: 2, at: 1 });
});

test('sample: deterministic FNV-1a bucket of salt and profile id', () => {
  // FNV-1a 32 test vectors.
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(fnv1a('foobar'), 0xbf9cf968);
  // UTF-8, surrogate pairs and lone surrogates hash like TextEncoder's bytes.
  for (const s of ['héllo', '杭州', '😀x', 'a\ud800b']) {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    assert.equal(fnv1a(s), h, s);
  }
  const c = parseCondition({ sample: { percent: 10, salt: 'exp-1' } });
  let n = 0;
  for (let i = 0; i < 10_000; i++) {
    const r = evaluate(c, input({ id: `prof_${i}` }), NOW);
    assert.equal(r.match, sampleBucket('exp-1', `prof_${i}`) < 10);
    if (r.match) n++;
  }
  assert.ok(n > 900 && n < 1100, `about 10%: ${n}`);
  const twenty = parseCondition({ sample: { percent: 20, salt: 'exp-1' } });
  for (let i = 0; i < 1000; i++) {
    const inp = input({ id: `prof_${i}` });
    if (evaluate(c, inp, NOW).match) assert.equal(evaluate(twenty, inp, NOW).match, true, 'samples nest');
  }
  assert.equal(run({ sample: { percent: 0, salt: 's' } }, input()).match, false);
  assert.equal(run({ sample: { percent: 100, salt: 's' } }, input()).match, true);
});

test('all/any/not combine matches and re-check times', () => {
  const recent = NOW - 10 * DAY;   // leaves a 14d window at NOW + 4d
  const older = NOW - 12 * DAY;    // leaves at NOW + 2d
  const inp = input({ traits: { vip: true } }, [ev('A', older), ev('B', recent)]);
  const a = { event: 'A', within: '14d' }, b = { event: 'B', within: '14d' };
  assert.deepEqual(run({ all: [a, b] }, inp), { match: true, recheckAt: older + 14 * DAY }, 'true all: the first to flip');
  assert.deepEqual(run({ any: [a, b] }, inp), { match: true, recheckAt: recent + 14 * DAY }, 'true any: the last to flip');
  assert.deepEqual(run({ not: a }, inp), { match: false, recheckAt: older + 14 * DAY });
  assert.deepEqual(run({ all: [a, { trait: 'vip', op: 'eq', value: false }] }, inp), { match: false, recheckAt: null }, 'a static false ends it');
  assert.deepEqual(run({ any: [a, { trait: 'vip', op: 'eq', value: true }] }, inp), { match: true, recheckAt: null }, 'a static true ends it');
  const notA = { not: a }, notB = { not: b };
  assert.deepEqual(run({ all: [notA, notB] }, inp), { match: false, recheckAt: recent + 14 * DAY }, 'false all: when the last false child flips');
  assert.deepEqual(run({ any: [notA, notB] }, inp), { match: false, recheckAt: older + 14 * DAY }, 'false any: the first to flip');
  assert.deepEqual(run({ all: [] }, inp), { match: true, recheckAt: null });
  assert.deepEqual(run({ any: [] }, inp), { match: false, recheckAt: null });
});

test('an event index gives the same answers as the plain list', () => {
  const events = [ev('A', NOW - 3 * DAY, { x: 1 }), ev('B', NOW - 2 * DAY), ev('A', NOW - DAY, { x: 2 }, { channel: 'app' }), ev('Email Delivered', NOW - DAY, { messageId: 'm' }), ev('Email Opened', NOW - HOUR, { messageId: 'm' })];
  const conds = [
    { event: 'A', within: '2d' }, { event: 'A', channel: 'app' }, { event: '*', count: { op: 'gte', value: 5 } },
    { event: 'A', last: 1, where: [{ property: 'x', op: 'eq', value: 2 }] }, { event: 'Email Opened', of: 'Email Delivered', last: 3 },
    { event: 'Missing', count: { op: 'eq', value: 0 } },
  ];
  for (const c of conds) {
    const plain = input({}, events);
    assert.deepEqual(run(c, { ...plain, eventsByName: indexEvents(plain.events) }), run(c, plain), JSON.stringify(c));
  }
});

test('compile caches per condition object', () => {
  const c = parseCondition({ event: 'A' });
  assert.equal(compile(c), compile(c));
  assert.equal(compile(c).requirements.events instanceof Set, true);
});

test('requirements tell the incremental path what can change the answer and how far back to load', () => {
  const r = requirements(parseCondition({ all: [
    { trait: 'age', op: 'gt', value: 1 }, { event: 'A', within: '14d' }, { not: { event: 'B', ago: { from: '35d', to: '25d' } } },
    { computed: 'ltv.total', op: 'gt', value: 1 }, { segment: 's1' }, { consent: 'email' }, { reachable: 'sms' }, { near: { lat: 1, lng: 1 }, km: 1, at: 'last_location' },
  ] }));
  assert.deepEqual([...(r.events as Set<string>)], ['A', 'B']);
  assert.equal(r.lookback, 35 * DAY);
  assert.deepEqual([r.traits, r.consent, r.channels, r.location, r.timeDriven], [true, true, true, true, true]);
  assert.deepEqual([...r.computed], ['ltv']);
  assert.deepEqual([...r.segments], ['s1']);
  assert.equal(requirements(parseCondition({ event: 'A' })).lookback, null);
  assert.equal(requirements(parseCondition({ event: 'A', last: 5, of: 'C' })).lookback, null);
  assert.deepEqual([...(requirements(parseCondition({ event: 'A', last: 5, of: 'C' })).events as Set<string>)], ['A', 'C']);
  assert.equal(requirements(parseCondition({ any: [{ event: 'A' }, { event: '*', type: 'page' }] })).events, 'any');
  // "*" reads Omnis's own events (Segment Entered...) only when it asks for their channel.
  assert.deepEqual([{ event: '*' }, { event: '*', channel: 'internal' }, { event: 'Segment Entered' }, { event: 'A', since: { event: '*', channel: 'internal' } }]
    .map(c => requirements(parseCondition(c)).internal), [false, true, false, true]);
  const none = requirements(parseCondition({ consent: 'email' }));
  assert.deepEqual([none.lookback, none.timeDriven, (none.events as Set<string>).size], [0, false, 0]);
  assert.deepEqual([requirements(parseCondition({ near: { lat: 1, lng: 1 }, km: 1 })).traits, requirements(parseCondition({ near: { lat: 1, lng: 1 }, km: 1, at: 'address' })).location], [true, false]);
});

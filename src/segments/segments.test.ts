import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, profileOf, type TestOmnis } from '../testing/index.ts';
import type { VirtualClock } from '../shared/index.ts';

const DAY = 86_400_000;

forEachStore('segments and computed traits through the pipeline', kind => {
  let t: TestOmnis;
  let clock: VirtualClock;
  before(async () => { t = await startTestOmnis(kind); clock = t.clock as VirtualClock; });
  after(async () => { await t.close(); });
  const iso = (offsetMs = 0) => new Date(clock.now() + offsetMs).toISOString();
  const waitReady = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      await t.omnis.settle();
      const s = (await t.admin('GET', `/api/v1/segments/${id}`)).json;
      if (s.status === 'ready') return s;
      await new Promise(r => setTimeout(r, 10));
    }
    throw new Error('segment never became ready');
  };

  test('"viewed t-shirts in the last 14 days and did not buy": computed over existing profiles, kept current, left when the window expires', async () => {
    await t.track('/v1/batch', { batch: [
      { type: 'track', userId: 'ts-1', event: 'Product Viewed', properties: { category: 't-shirts' }, timestamp: iso(-3 * DAY) },
      { type: 'track', userId: 'ts-2', event: 'Product Viewed', properties: { category: 't-shirts' }, timestamp: iso(-2 * DAY) },
      { type: 'track', userId: 'ts-2', event: 'Order Completed', properties: { total: 20 }, timestamp: iso(-1 * DAY) },
      { type: 'track', userId: 'ts-3', event: 'Product Viewed', properties: { category: 'shoes' }, timestamp: iso(-1 * DAY) },
    ] });
    await t.omnis.idle();
    const condition = { all: [
      { event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 't-shirts' }], count: { op: 'gte', value: 1 }, within: '14d' },
      { event: 'Order Completed', count: { op: 'eq', value: 0 }, within: '14d' },
    ] };
    const pv = await t.admin('POST', '/api/v1/segments/preview', { condition });
    assert.equal(pv.status, 200);
    assert.equal(pv.json.count, 1);
    const created = await t.admin('POST', '/api/v1/segments', { name: 'T-shirt browsers', condition });
    assert.equal(created.status, 201);
    const seg = await waitReady(created.json.id);
    assert.equal(seg.size, 1);
    const members = (await t.admin('GET', `/api/v1/segments/${seg.id}/members`)).json.data.map((m: { profileId: string }) => m.profileId);
    assert.deepEqual(members, [(await profileOf(t, 'ts-1')).id]);

    // Incremental: ts-3 views a t-shirt now and enters at once, with a Segment Entered event on its timeline.
    await t.track('/v1/track', { userId: 'ts-3', event: 'Product Viewed', properties: { category: 't-shirts' }, timestamp: iso() });
    await t.omnis.settle();
    const p3 = await profileOf(t, 'ts-3');
    assert.deepEqual(p3.segments.map((s: { id: string }) => s.id), [seg.id]);
    const tl = (await t.admin('GET', `/api/v1/profiles/${p3.id}/events`)).json.events;
    assert.ok(tl.some((e: { event: string; properties: { segmentId: string } }) => e.event === 'Segment Entered' && e.properties.segmentId === seg.id));

    // ts-1's view was 3 days ago: it leaves exactly when it is 14 days old, by timer, with no event.
    clock.advance(11 * DAY - 60_000);
    await t.omnis.settle();
    assert.equal((await profileOf(t, 'ts-1')).segments.length, 1, 'still in one minute before the window closes');
    clock.advance(120_000);
    await t.omnis.settle();
    assert.equal((await profileOf(t, 'ts-1')).segments.length, 0, 'left when the view fell out of the 14-day window');
    const tl1 = (await t.admin('GET', `/api/v1/profiles/${(await profileOf(t, 'ts-1')).id}/events`)).json.events;
    assert.ok(tl1.some((e: { event: string }) => e.event === 'Segment Exited'));
    assert.ok(!tl1.some((e: { event: string }) => e.event === '$timer'), 'timers stay out of the timeline');
  });

  test('traits, nested segments, computed traits on the profile, and an edit while events stream in', async () => {
    const office = await t.admin('POST', '/api/v1/segments', { name: 'Hangzhou office workers in their 40s', condition: { all: [
      { trait: 'age', op: 'between', value: [40, 49] }, { trait: 'job', op: 'eq', value: 'office worker' }, { trait: 'address.city', op: 'eq', value: 'Hangzhou' }] } });
    const nested = await t.admin('POST', '/api/v1/segments', { name: 'Big spenders among them', condition: { all: [
      { segment: office.json.id }, { computed: 'lifetime_value', op: 'gte', value: 100 }] } });
    await waitReady(office.json.id);
    await waitReady(nested.json.id);
    await t.track('/v1/identify', { userId: 'hz-1', traits: { age: 44, job: 'office worker', address: { city: 'Hangzhou' } } });
    await t.track('/v1/identify', { userId: 'hz-2', traits: { age: 52, job: 'office worker', address: { city: 'Hangzhou' } } });
    await t.omnis.settle();
    assert.deepEqual((await profileOf(t, 'hz-1')).segments.map((s: { id: string }) => s.id), [office.json.id]);
    assert.deepEqual((await profileOf(t, 'hz-2')).segments, []);
    await t.track('/v1/track', { userId: 'hz-1', event: 'Order Completed', properties: { total: 150, products: [{ category: 'mattress', size: 'queen' }] } });
    await t.omnis.settle();
    const p = await profileOf(t, 'hz-1');
    assert.equal(p.computed.lifetime_value, 150);
    assert.equal(p.computed.order_count, 1);
    assert.deepEqual(p.segments.map((s: { id: string }) => s.id).sort(), [office.json.id, nested.json.id].sort());

    // Edit the age range while identifies keep arriving: the recompute and the stream agree.
    const edit = t.admin('PUT', `/api/v1/segments/${office.json.id}`, { condition: { all: [
      { trait: 'age', op: 'between', value: [50, 59] }, { trait: 'job', op: 'eq', value: 'office worker' }, { trait: 'address.city', op: 'eq', value: 'Hangzhou' }] } });
    const stream = t.track('/v1/identify', { userId: 'hz-3', traits: { age: 55, job: 'office worker', address: { city: 'Hangzhou' } } });
    await Promise.all([edit, stream]);
    const s = await waitReady(office.json.id);
    const ids = (await t.admin('GET', `/api/v1/segments/${s.id}/members`)).json.data.map((m: { profileId: string }) => m.profileId).sort();
    assert.deepEqual(ids, [(await profileOf(t, 'hz-2')).id, (await profileOf(t, 'hz-3')).id].sort());
    assert.equal(s.version, 2);

    const ct = await t.admin('POST', '/api/v1/computed-traits', { name: 'orders_30d', kind: 'count', event: 'Order Completed', within: '30d' });
    assert.equal(ct.status, 201);
    await t.track('/v1/track', { userId: 'hz-1', event: 'Order Completed', properties: { total: 10 } });
    await t.omnis.settle();
    assert.equal((await profileOf(t, 'hz-1')).computed.orders_30d, 2);
    const csv = await t.app.inject({ method: 'GET', url: `/api/v1/segments/${office.json.id}/members?format=csv`, headers: { authorization: `Bearer ${t.adminKey}` } });
    assert.equal(csv.body.trim().split("\n").length, 3, csv.body);
    assert.equal((await profileOf(t, "hz-1")).segments.length, 0, "hz-1 (44) left both: the office segment by the edit, the nested one with it");
  });

  test('a segment reading another changes in the same batch as the one it reads', async () => {
    const a = await t.admin('POST', '/api/v1/segments', { name: 'Silver', condition: { trait: 'tier', op: 'eq', value: 'silver' } });
    // B reads no trait, so the identify alone would not make it look again.
    const b = await t.admin('POST', '/api/v1/segments', { name: 'Silver, no refunds', condition: { all: [{ segment: a.json.id }, { event: 'Refund Requested', count: { op: 'eq', value: 0 } }] } });
    assert.equal(b.status, 201, JSON.stringify(b.json));
    await waitReady(a.json.id);
    await waitReady(b.json.id);
    await t.track('/v1/identify', { userId: 'silver-1', traits: { tier: 'silver' } });
    await t.omnis.settle();
    const entered = await t.omnis.db.query<{ message_id: string; segment: string }>(
      `select message_id, body->'properties'->>'segmentId' as segment from events where name = 'Segment Entered' and body->'properties'->>'segmentId' = any($1::text[])`,
      [[a.json.id, b.json.id]]);
    assert.equal(entered.length, 2);
    // The emitted ids end with the seq of the batch that decided them.
    const batchOf = (id: string) => entered.find(e => e.segment === id)!.message_id.split(':').pop();
    assert.equal(batchOf(b.json.id), batchOf(a.json.id));
  });

  test('a held profile entering a segment and one reading it: the entries it emits leave its memberships as decided (one entry each)', async () => {
    const a = await t.admin('POST', '/api/v1/segments', { name: 'Bronze', condition: { trait: 'tier', op: 'eq', value: 'bronze' } });
    const b = await t.admin('POST', '/api/v1/segments', { name: 'Bronze, nested', condition: { segment: a.json.id } });
    await waitReady(a.json.id);
    await waitReady(b.json.id);
    // The pipeline holds the profile (and its memberships: none) from a first event.
    await t.track('/v1/identify', { userId: 'bronze-1', traits: { city: 'Lyon' } });
    await t.omnis.settle();
    await t.track('/v1/identify', { userId: 'bronze-1', traits: { tier: 'bronze' } });
    await t.omnis.settle();
    // Its Segment Entered events go through the segment stage in the same transaction; then a later event.
    await t.track('/v1/identify', { userId: 'bronze-1', traits: { city: 'Paris' } });
    await t.omnis.settle();
    const changes = await t.omnis.db.query<{ segment: string; name: string }>(
      `select body->'properties'->>'segmentId' as segment, name from events where name in ('Segment Entered', 'Segment Exited')
          and body->'properties'->>'segmentId' = any($1::text[]) order by seq`, [[a.json.id, b.json.id]]);
    assert.deepEqual(changes.map(c => `${c.segment === a.json.id ? 'A' : 'B'} ${c.name}`), ['A Segment Entered', 'B Segment Entered']);
    assert.deepEqual((await profileOf(t, 'bronze-1')).segments.map((s: { id: string }) => s.id).sort(), [a.json.id, b.json.id].sort());
  });

  test('a new profile\'s emitted events are evaluated over the events that caused them', async () => {
    const trait = await t.admin('POST', '/api/v1/computed-traits', { name: 'everything', kind: 'count', event: '*' });
    assert.equal(trait.status, 201, JSON.stringify(trait.json));
    const seg = await t.admin('POST', '/api/v1/segments', { name: 'Signed up', condition: { event: 'Signed Up', count: { op: 'gte', value: 1 } } });
    await waitReady(seg.json.id);
    await t.track('/v1/track', { userId: 'new-1', event: 'Signed Up', timestamp: iso() });
    await t.omnis.settle();
    const p = await profileOf(t, 'new-1');
    assert.deepEqual(p.segments.map((s: { id: string }) => s.id), [seg.json.id]);
    // The Segment Entered it caused is processed in the same transaction, in a second round that
    // recomputes "*" traits: its history still holds Signed Up ("*" leaves Omnis's own events out).
    assert.equal(p.computed.everything, 1);
    // The profile the batch created is found again by that second round (not yet written): the entry is on its timeline.
    const tl = (await t.admin('GET', `/api/v1/profiles/${p.id}/events`)).json.events;
    assert.deepEqual(tl.map((e: { event: string }) => e.event), ['Segment Entered', 'Signed Up']);
    await t.admin('DELETE', `/api/v1/computed-traits/everything`);
  });

  test('a segment over Omnis\'s own events enters on the Segment Entered its profile just got', async () => {
    const y = await t.admin('POST', '/api/v1/segments', { name: 'Trial started', condition: { event: 'Trial Started', count: { op: 'gte', value: 1 } } });
    const x = await t.admin('POST', '/api/v1/segments', { name: 'In anything', condition: { event: '*', channel: 'internal', where: [{ property: 'segmentId', op: 'eq', value: y.json.id }] } });
    assert.equal(x.status, 201, JSON.stringify(x.json));
    await waitReady(y.json.id);
    await waitReady(x.json.id);
    await t.track('/v1/track', { userId: 'trial-1', event: 'Trial Started', timestamp: iso() });
    await t.omnis.settle();
    assert.deepEqual((await profileOf(t, 'trial-1')).segments.map((s: { id: string }) => s.id).sort(), [x.json.id, y.json.id].sort());
  });

  test('memberships the recompute changed are what later events start from (one exit, not two)', async () => {
    const seg = await t.admin('POST', '/api/v1/segments', { name: 'Gold tier', condition: { trait: 'tier', op: 'eq', value: 'gold' } });
    await waitReady(seg.json.id);
    await t.track('/v1/identify', { userId: 'tier-1', traits: { tier: 'gold' } });
    await t.omnis.settle();
    const p = await profileOf(t, 'tier-1');
    assert.deepEqual(p.segments.map((s: { id: string }) => s.id), [seg.json.id]);
    // The edit drops the profile in the recompute; the next event must not drop it again.
    await t.admin('PUT', `/api/v1/segments/${seg.json.id}`, { condition: { trait: 'tier', op: 'eq', value: 'platinum' } });
    await waitReady(seg.json.id);
    assert.deepEqual((await profileOf(t, 'tier-1')).segments, []);
    await t.track('/v1/identify', { userId: 'tier-1', traits: { city: 'Oslo' } });
    await t.omnis.settle();
    const changes = await t.omnis.db.query<{ name: string }>(
      `select name from events where name in ('Segment Entered', 'Segment Exited') and body->'properties'->>'segmentId' = $1 order by seq`, [seg.json.id]);
    assert.deepEqual(changes.map(c => c.name), ['Segment Entered']);
    const history = await t.omnis.db.query<{ exited: boolean }>('select exited_at is not null as exited from segment_history where segment_id = $1', [seg.json.id]);
    assert.deepEqual(history.map(h => h.exited), [true]);
  });

  test('a re-check timer that fired sooner than the pipeline last scheduled it is scheduled again', async () => {
    const seg = await t.admin('POST', '/api/v1/segments', { name: 'Coupon lookers', condition: { event: 'Coupon Viewed', count: { op: 'gte', value: 1 }, within: '2d' } });
    await waitReady(seg.json.id);
    await t.track('/v1/track', { userId: 'coupon-1', event: 'Coupon Viewed', timestamp: iso() });
    await t.omnis.settle();
    const p = await profileOf(t, 'coupon-1');
    assert.deepEqual(p.segments.map((s: { id: string }) => s.id), [seg.json.id]);
    const due = async () => (await t.omnis.db.query<{ due: number }>(`select extract(epoch from due_at) * 1000 as due from timers where id = $1`, [`segments:${p.id}`])).map(r => Number(r.due));
    const [expiry] = await due();
    assert.ok(expiry > clock.now() + DAY, 'the re-check is when the view leaves the window');
    // Another writer (timers keep the earliest) left the row due sooner than the pipeline wrote it.
    await t.omnis.db.query(`update timers set due_at = to_timestamp($2 / 1000.0) where id = $1`, [`segments:${p.id}`, clock.now() + 3600_000]);
    clock.advance(3600_000 + 60_000);
    await t.omnis.settle();
    assert.deepEqual(await due(), [expiry], 'the early timer fired; the same re-check is written again, not taken for the one still waiting');
    clock.advance(2 * DAY);
    await t.omnis.settle();
    assert.deepEqual((await profileOf(t, 'coupon-1')).segments, [], 'left when the view fell out of the window');
  });

  test('invalid conditions are refused with the JSON path; cycles and unknown segments too', async () => {
    let r = await t.admin('POST', '/api/v1/segments', { name: 'bad', condition: { all: [{ trait: 'x', op: 'nope', value: 1 }] } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'condition.all.0.op');
    r = await t.admin('POST', '/api/v1/segments', { name: 'bad', condition: { segment: 'seg_missing' } });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /unknown segment/);
    const a = await t.admin('POST', '/api/v1/segments', { name: 'a', condition: { trait: 'x', op: 'exists' } });
    const b = await t.admin('POST', '/api/v1/segments', { name: 'b', condition: { segment: a.json.id } });
    r = await t.admin('PUT', `/api/v1/segments/${a.json.id}`, { condition: { segment: b.json.id } });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /segment cycle/);
    r = await t.admin('POST', '/api/v1/computed-traits', { name: 'x', kind: 'sum', event: 'Order Completed' });
    assert.equal(r.status, 400);
    assert.equal((await t.admin('DELETE', `/api/v1/segments/${a.json.id}`)).status, 409, 'b still refers to a');
  });
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { segmentPaths } from './index.ts';

forEachStore('segment preview reach and usage', kind => {
  let t: TestOmnis;
  before(async () => {
    t = await startTestOmnis(kind);
    // 6 pro customers: 4 with an email (one of which bounced), 3 with a phone; 2 free ones.
    const people = [
      { userId: 'p1', traits: { plan: 'pro', email: 'p1@example.com', phone: '+1 212 555 0101', name: 'Pia One' } },
      { userId: 'p2', traits: { plan: 'pro', email: 'p2@example.com' } },
      { userId: 'p3', traits: { plan: 'pro', email: 'p3@example.com', phone: '+1 212 555 0103' } },
      { userId: 'p4', traits: { plan: 'pro', email: 'p4@example.com' } },
      { userId: 'p5', traits: { plan: 'pro', phone: '+1 212 555 0105' } },
      { userId: 'p6', traits: { plan: 'pro' } },
      { userId: 'f1', traits: { plan: 'free', email: 'f1@example.com', phone: '+1 212 555 0111' } },
      { userId: 'f2', traits: { plan: 'free', email: 'f2@example.com' } },
    ];
    await t.track('/v1/batch', { batch: people.map(p => ({ type: 'identify', ...p })) });
    await t.track('/v1/track', { userId: 'p4', event: 'Email Bounced', properties: { bounceType: 'hard' }, context: { channel: 'email' } });
    await t.omnis.idle();
  });
  after(async () => { await t.close(); });

  const preview = async (condition: unknown) => {
    const r = await t.admin('POST', '/api/v1/segments/preview', { condition });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  test('preview counts matches reachable per channel, agreeing with the reachable condition', async () => {
    const pro = { trait: 'plan', op: 'eq', value: 'pro' };
    const pv = await preview(pro);
    assert.equal(pv.count, 6);
    for (const ch of ['email', 'sms', 'push']) {
      const both = await preview({ all: [pro, { reachable: ch }] });
      assert.equal(pv.reachable[ch], both.count, `reachable.${ch}`);
    }
    assert.deepEqual([pv.reachable.email, pv.reachable.sms, pv.reachable.push], [3, 3, 0], 'the bounced address is not reachable');
  });

  test('preview names a few sample profiles by name, email, phone and user id', async () => {
    const pv = await preview({ trait: 'name', op: 'eq', value: 'Pia One' });
    assert.equal(pv.count, 1);
    assert.deepEqual(pv.sampleProfiles, [{ id: pv.sample[0], name: 'Pia One', email: 'p1@example.com', phone: '+12125550101', userId: 'p1' }]);
  });

  test('usage lists segments and journeys (entry and branch, draft or published) that reference a segment', async () => {
    const base = (await t.admin('POST', '/api/v1/segments', { name: 'Pro', condition: { trait: 'plan', op: 'eq', value: 'pro' } })).json;
    const other = (await t.admin('POST', '/api/v1/segments', { name: 'Unrelated', condition: { trait: 'plan', op: 'eq', value: 'free' } })).json;
    const nested = (await t.admin('POST', '/api/v1/segments', { name: 'Pro on email', condition: { all: [{ reachable: 'email' }, { not: { any: [{ segment: base.id }] } }] } })).json;
    const entry = (await t.admin('POST', '/api/v1/journeys', {
      name: 'Welcome pros', entry: { segment: base.id }, start: 'done', steps: { done: { type: 'exit' } },
    })).json;
    const branch = (await t.admin('POST', '/api/v1/journeys', {
      name: 'Branch on pro', entry: { event: 'Signed Up' }, start: 'b',
      steps: { b: { type: 'branch', cases: [{ if: { segment: base.id }, next: 'done' }], else: 'done' }, done: { type: 'exit' } },
    })).json;
    await t.admin('POST', '/api/v1/journeys', { name: 'Other', entry: { segment: other.id }, start: 'done', steps: { done: { type: 'exit' } } });
    assert.equal((await t.admin('POST', `/api/v1/journeys/${entry.id}/publish`)).status, 200);

    const r = await t.admin('GET', `/api/v1/segments/${base.id}/usage`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.segments, [{ id: nested.id, name: 'Pro on email', paths: ['condition.all.1.not.any.0.segment'] }]);
    assert.deepEqual(r.json.journeys.map((j: { id: string; status: string; paths: string[] }) => [j.id, j.status, j.paths]), [
      [branch.id, 'draft', ['draft.steps.b.cases.0.if.segment']],
      [entry.id, 'active', ['published.entry.segment', 'draft.entry.segment']],
    ]);
    const none = await t.admin('GET', `/api/v1/segments/${nested.id}/usage`);
    assert.deepEqual(none.json, { segments: [], journeys: [] });
    const missing = await t.admin('GET', '/api/v1/segments/seg_nope/usage');
    assert.equal(missing.status, 404);
  });

  test('members come with name, email, phone and user id, a page at a time', async () => {
    const seg = (await t.admin('POST', '/api/v1/segments', { name: 'Pro with email', condition: { all: [{ trait: 'plan', op: 'eq', value: 'pro' }, { reachable: 'email' }] } })).json;
    for (let i = 0; i < 200 && (await t.admin('GET', `/api/v1/segments/${seg.id}`)).json.status !== 'ready'; i++) { await t.omnis.settle(); await new Promise(r => setTimeout(r, 10)); }
    const first = (await t.admin('GET', `/api/v1/segments/${seg.id}/members?limit=2`)).json;
    const second = (await t.admin('GET', `/api/v1/segments/${seg.id}/members?limit=2&cursor=${first.nextCursor}`)).json;
    assert.equal(second.nextCursor, null);
    const rows = [...first.data, ...second.data].map((m: { name: string | null; email: string; phone: string | null; userId: string }) => [m.userId, m.email, m.phone, m.name]);
    assert.deepEqual(rows.sort(), [
      ['p1', 'p1@example.com', '+12125550101', 'Pia One'], ['p2', 'p2@example.com', null, null], ['p3', 'p3@example.com', '+12125550103', null],
    ]);
  });

  test('segmentPaths finds every {"segment": id} and nothing else', () => {
    assert.deepEqual(segmentPaths({ any: [{ segment: 'a' }, { trait: 'segment', op: 'eq', value: 'a' }, { segment: 'b' }] }, 'a'), ['any.0.segment']);
    assert.deepEqual(segmentPaths(null, 'a'), []);
  });
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, startTestOmnis, type TestOmnis } from '../testing/index.ts';

forEachStore('finding a profile by any identifier', kind => {
  let t: TestOmnis;
  before(async () => {
    t = await startTestOmnis(kind);
    await t.track('/v1/identify', {
      userId: 'u-881', traits: { email: 'Dana.Reyes@Example.com', phone: '+1 (646) 555-0199', firstName: 'Dana', lastName: 'Reyes' },
      context: { externalIds: [{ type: 'loyalty_id', id: '7700123', collection: 'users', encoding: 'none' }] },
    });
    await t.track('/v1/identify', { userId: '7700123', traits: { email: 'someone.else@example.com' } });
    await t.track('/v1/identify', { userId: 'u-2', traits: { email: 'other@example.com' } });
    await t.omnis.idle();
  });
  after(async () => { await t.close(); });
  const search = async (q: string) => {
    const r = await t.admin('GET', `/api/v1/profiles/search?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json.data as { profileId: string; matched: { type: string; value: string }; name: string | null; identities: { type: string }[] }[];
  };

  test('email and phone are normalised the way ingest stores them', async () => {
    const [byEmail] = await search('  dana.reyes@EXAMPLE.com ');
    assert.deepEqual(byEmail.matched, { type: 'email', value: 'dana.reyes@example.com' });
    assert.equal(byEmail.name, 'Dana Reyes');
    assert.deepEqual(byEmail.identities.map(i => i.type).sort(), ['email', 'loyalty_id', 'phone', 'user_id']);
    const byPhone = await search('(646) 555 0199');
    assert.deepEqual(byPhone.map(h => [h.profileId, h.matched.value]), [[byEmail.profileId, '+16465550199']]);
  });

  test('a value held under two types finds both profiles; type:value narrows to one', async () => {
    const both = await search('7700123');
    assert.deepEqual(both.map(h => h.matched.type).sort(), ['loyalty_id', 'user_id']);
    assert.equal(new Set(both.map(h => h.profileId)).size, 2);
    const loyalty = await search('loyalty_id:7700123');
    assert.equal(loyalty.length, 1);
    assert.equal(loyalty[0].name, 'Dana Reyes');
  });

  test('no match is an empty list; an empty query names the field', async () => {
    assert.deepEqual(await search('nobody@example.com'), []);
    const r = await t.admin('GET', '/api/v1/profiles/search?q=%20%20');
    assert.equal(r.status, 400);
    assert.equal(r.json.error.field, 'q');
  });
});

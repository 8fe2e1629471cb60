import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, type GraphView } from './resolve.ts';
import { compileRules, DEFAULT_RULES, parseIdentityRules } from './rules.ts';
import { extractIdentifiers, normalizeIdentifier } from './normalize.ts';
import type { Identity, OmnisEvent } from '../shared/index.ts';

const rules = compileRules(DEFAULT_RULES);
const id = (s: string): Identity => { const i = s.indexOf(':'); return { type: s.slice(0, i), value: s.slice(i + 1) }; };

function graph(profiles: Record<string, { created: number; ids: string[] }>): GraphView {
  const owner = new Map<string, string>();
  for (const [p, v] of Object.entries(profiles)) for (const s of v.ids) owner.set(s, p);
  return {
    profileOf: i => owner.get(`${i.type}:${i.value}`),
    identitiesOf: p => (profiles[p]?.ids ?? []).map(id),
    createdAt: p => profiles[p].created,
  };
}

test('unknown identifiers make a new profile holding all of them', () => {
  const r = resolve([id('anonymous_id:a'), id('email:x@y.co')], graph({}), rules);
  assert.equal(r.profileId, null);
  assert.deepEqual(r.add.map(i => i.type).sort(), ['anonymous_id', 'email']);
});

test('two profiles met by one event merge into the older one', () => {
  const g = graph({ p1: { created: 2, ids: ['anonymous_id:a'] }, p0: { created: 1, ids: ['email:x@y.co'] } });
  const r = resolve([id('anonymous_id:a'), id('email:x@y.co'), id('phone:+12125550100')], g, rules);
  assert.equal(r.profileId, 'p0');
  assert.deepEqual(r.mergeFrom.map(m => m.profileId), ['p1']);
  assert.deepEqual(r.add, [id('phone:+12125550100')]);
  assert.deepEqual(r.conflicts, []);
});

test('a second user_id is never merged: the lowest-priority identifier that would link them is left out', () => {
  const g = graph({ p1: { created: 1, ids: ['user_id:u1', 'anonymous_id:shared-tablet'] } });
  const r = resolve([id('user_id:u2'), id('anonymous_id:shared-tablet')], g, rules);
  assert.equal(r.profileId, null, 'u2 gets its own profile');
  assert.deepEqual(r.add, [id('user_id:u2')]);
  assert.equal(r.conflicts.length, 1);
  assert.deepEqual(r.conflicts[0].leftOut, id('anonymous_id:shared-tablet'));
  assert.equal(r.conflicts[0].otherProfileId, 'p1');
  assert.match(r.conflicts[0].reason, /2 user_id values \(limit 1\)/);
});

test('limits per type come from the rules', () => {
  const strict = compileRules(parseIdentityRules({ limits: { email: 1 } }));
  const g = graph({ p1: { created: 1, ids: ['user_id:u1', 'email:a@x.co'] } });
  const r = resolve([id('user_id:u1'), id('email:b@x.co')], g, strict);
  assert.equal(r.profileId, 'p1');
  assert.deepEqual(r.add, []);
  assert.deepEqual(r.conflicts.map(c => c.leftOut), [id('email:b@x.co')]);
  assert.equal(resolve([id('user_id:u1'), id('email:b@x.co')], g, rules).add.length, 1, 'default allows 5 emails');
});

test('normalisation: email lower-cased, phone E.164, blocked placeholders ignored, externalIds typed', () => {
  assert.deepEqual(normalizeIdentifier('email', '  Ana@Example.COM ', rules), id('email:ana@example.com'));
  assert.deepEqual(normalizeIdentifier('phone', '(212) 555-0142', rules), id('phone:+12125550142'));
  assert.deepEqual(normalizeIdentifier('phone', '+44 20 7946 0958', rules), id('phone:+442079460958'));
  assert.equal(normalizeIdentifier('phone', 'call me', rules), null);
  assert.equal(normalizeIdentifier('email', 'not-an-email', rules), null);
  for (const v of ['null', 'undefined', 'anonymous', '0', '-1', '000-000', '', 'NULL']) assert.equal(normalizeIdentifier('user_id', v, rules), null, v);
  const e = {
    messageId: 'm', type: 'track', event: 'X', userId: 'null', anonymousId: 'a-1', channel: 'pos', timestamp: 0, receivedAt: 0, sourceId: null,
    properties: {}, traits: {}, context: { traits: { email: 'B@B.co' }, externalIds: [{ id: 'L-1', type: 'Loyalty ID' }, { id: '555', type: 'pos-customer-id' }] },
  } as OmnisEvent;
  assert.deepEqual(extractIdentifiers(e, rules).map(i => `${i.type}:${i.value}`), ['anonymous_id:a-1', 'email:b@b.co', 'loyalty_id:L-1', 'pos_customer_id:555']);
});

test('bad rules are refused naming the field', () => {
  assert.throws(() => parseIdentityRules({ limits: { email: 0 } }), /identity\.limits\.email/);
  assert.throws(() => parseIdentityRules({ blocked: ['/[/'] }), /identity\.blocked\.0/);
  assert.throws(() => parseIdentityRules({ nope: 1 }), /identity/);
});

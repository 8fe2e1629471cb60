import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJourney } from './parse.ts';
import { around, cartJourney, refuses } from './testing.ts';
import type { JourneyDefinition } from './types.ts';

const with_ = (patch: Record<string, unknown>) => ({ ...cartJourney(), ...patch });
const withStep = (id: string, step: unknown) => {
  const j = cartJourney();
  return { ...j, steps: { ...(j.steps as object), [id]: step } };
};

test('parses the issue journey, one of every step type, and fills in defaults', () => {
  const def = parseJourney(cartJourney());
  assert.deepEqual(Object.values(def.steps).map(s => s.type).sort(), ['audience', 'branch', 'exit', 'send', 'send', 'split', 'update', 'wait', 'wait', 'wait_event', 'webhook']);
  assert.equal(def.steps.email1.type === 'send' && def.steps.email1.purpose, 'marketing');
  assert.deepEqual(def.entry, { event: 'Product Added', where: [] });
  assert.deepEqual(def.steps.until, { type: 'wait', until: { local_time: '10:00', days: ['sat', 'sun'] }, next: 'done' });
  assert.deepEqual(def.steps.check.type === 'branch' && def.steps.check.cases[1], { if: { segment: 'seg_vip' }, next: 'set' });
  assert.deepEqual(parseJourney(def), def, 'parsing is idempotent');
  assert.deepEqual(parseJourney(JSON.parse(JSON.stringify(def))), def, 'a stored definition round-trips');
});

test('defaults: reentry never, priority 0, goal within 30d, no goal or exit when left out', () => {
  const def = parseJourney({ name: 'n', entry: { segment: 'seg_1' }, goal: { event: 'Order Completed' }, start: 'a', steps: { a: { type: 'exit' } } });
  const expected: JourneyDefinition = { name: 'n', entry: { segment: 'seg_1' }, reentry: 'never', priority: 0, goal: { event: 'Order Completed', within: '30d' }, start: 'a', steps: { a: { type: 'exit' } } };
  assert.deepEqual(def, expected);
  const bare = parseJourney({ name: 'n', entry: { event: 'E' }, start: 'a', steps: { a: { type: 'exit' } } });
  assert.equal('goal' in bare || 'exit' in bare || 'description' in bare, false);
});

test('accepts every variant of each step type', () => {
  const ok = (step: Record<string, unknown>, extra: Record<string, unknown> = {}) => parseJourney(around(step, extra)).steps.s;
  assert.deepEqual(ok({ type: 'wait', until: { at: '2026-11-27T09:00:00-05:00' }, next: 'end' }), { type: 'wait', until: { at: '2026-11-27T09:00:00-05:00' }, next: 'end' });
  assert.deepEqual(ok({ type: 'wait', until: { local_time: '23:59' }, next: 'end' }), { type: 'wait', until: { local_time: '23:59' }, next: 'end' });
  assert.equal(ok({ type: 'send', channel: 'best', template: 'welcome', purpose: 'transactional', next: 'end' }).type, 'send');
  assert.deepEqual(ok({ type: 'send', channel: ['push', 'sms', 'email'], template: { push: 'p', sms: 's', email: 'e' }, next: 'end' }),
    { type: 'send', channel: ['push', 'sms', 'email'], template: { push: 'p', sms: 's', email: 'e' }, purpose: 'marketing', next: 'end' });
  assert.equal(ok({ type: 'send', channel: 'direct_mail', template: 'showroom-invite', offer: { showroom: 'NYC', nested: [1, { a: null }] }, next: 'end' }).type, 'send');
  assert.deepEqual(ok({ type: 'audience', action: 'remove', audience: 'retarget-cart', next: 'end' }), { type: 'audience', action: 'remove', audience: 'retarget-cart', next: 'end' });
  assert.equal(ok({ type: 'audience', action: 'add', audience: 'a', offer: { discount: 150 }, next: 'end' }).type, 'audience');
  assert.equal(ok({ type: 'wait_event', events: [{ event: 'A', next: 'end' }, { event: 'B', channel: 'messenger', next: 'x' }], timeout: '31d', on_timeout: 'end' }, { x: { type: 'exit' } }).type, 'wait_event');
  assert.equal(ok({ type: 'split', paths: [{ percent: 33.33, next: 'end' }, { percent: 33.33, next: 'end' }, { percent: 33.34, next: 'end' }] }).type, 'split');
  assert.equal(ok({ type: 'split', paths: [{ percent: 90, next: 'end', holdout: false }, { percent: 10, holdout: true }] }).type, 'split');
  assert.equal(ok({ type: 'update', traits: { vip: true, tier: 'gold', old: null }, next: 'end' }).type, 'update');
  assert.equal(ok({ type: 'webhook', url: 'http://localhost:8080/x', method: 'PUT', headers: { 'X-Key': 'k' }, body: { a: 1 }, next: 'end' }).type, 'webhook');
  assert.equal(ok({ type: 'branch', cases: [{ if: { event: 'Review Submitted', where: [{ property: 'rating', op: 'gte', value: 4 }], within: '30d' }, next: 'end' }], else: 'end' }).type, 'branch');
  const ent = parseJourney({ ...around({ type: 'exit' }), steps: { s: { type: 'exit' } }, entry: { event: 'Product Added', channel: 'web', where: [{ property: 'category', op: 'eq', value: 'mattress' }] } });
  assert.deepEqual(ent.entry, { event: 'Product Added', channel: 'web', where: [{ property: 'category', op: 'eq', value: 'mattress' }] });
});

test('top-level errors name their field', () => {
  refuses(() => parseJourney(null), undefined, /expected a journey object/);
  refuses(() => parseJourney([]), undefined, /expected a journey object/);
  refuses(() => parseJourney(with_({ name: undefined })), 'name', /name is required/);
  refuses(() => parseJourney(with_({ name: '' })), 'name', /must not be empty/);
  refuses(() => parseJourney(with_({ color: 'red' })), 'color', /unknown field "color"; a journey takes name, description, entry/);
  refuses(() => parseJourney(with_({ description: 5 })), 'description', /string/);
  refuses(() => parseJourney(with_({ reentry: 'sometimes' })), 'reentry', /"never", "after_exit" or \{"after": duration\}/);
  refuses(() => parseJourney(with_({ reentry: { after: '30 days' } })), 'reentry.after', /expected a duration/);
  refuses(() => parseJourney(with_({ goal: { event: 'Order Completed', within: 'soon' } })), 'goal.within', /expected a duration/);
  refuses(() => parseJourney(with_({ goal: { event: 'Order Completed', within: '800d' } })), 'goal.within', /at most 730d/);
  refuses(() => parseJourney(with_({ goal: { within: '30d' } })), 'goal.event', /event name is required/);
  refuses(() => parseJourney(with_({ goal: { event: 'O', where: [{ property: 'total', op: 'gt' }] } })), 'goal.where.0.value', /"gt" needs a number/);
  refuses(() => parseJourney(with_({ exit: { event: 'Unsubscribed' } })), 'exit', /exit must be an array/);
  refuses(() => parseJourney(with_({ exit: [{ event: 'Unsubscribed', when: 1 }] })), 'exit.0.when', /unknown field "when"/);
  refuses(() => parseJourney(with_({ priority: 101 })), 'priority', /0 to 100/);
  refuses(() => parseJourney(with_({ priority: 2.5 })), 'priority', /whole number/);
  refuses(() => parseJourney(with_({ start: undefined })), 'start', /start is required/);
  refuses(() => parseJourney(with_({ start: 'nope' })), 'start', /step "nope" does not exist; steps are "wait1", "email1"/);
});

const without = (key: string) => { const j = cartJourney(); delete j[key]; return j; };

test('missing required fields are named', () => {
  refuses(() => parseJourney(without('name')), 'name', /name is required/);
  refuses(() => parseJourney(without('entry')), 'entry', /entry is required/);
  refuses(() => parseJourney(without('start')), 'start', /start is required/);
  refuses(() => parseJourney(without('steps')), 'steps', /steps is required/);
  refuses(() => parseJourney(around({ type: 'send', template: 't', next: 'end' })), 'steps.s.channel', /channel is required/);
  refuses(() => parseJourney(around({ type: 'send', channel: 'sms', next: 'end' })), 'steps.s.template', /template is required/);
  refuses(() => parseJourney(around({ type: 'branch', cases: [{ next: 'end' }], else: 'end' })), 'steps.s.cases.0.if', /expected a condition object, got nothing/);
});

test('entry errors name their field', () => {
  refuses(() => parseJourney(with_({ entry: undefined })), 'entry', /entry is required/);
  refuses(() => parseJourney(with_({ entry: 'Product Added' })), 'entry', /\{"event": name, "where": \[\.\.\.\]\} or \{"segment": id\}/);
  refuses(() => parseJourney(with_({ entry: { where: [] } })), 'entry', /\{"event": name/);
  refuses(() => parseJourney(with_({ entry: { segment: '' } })), 'entry.segment', /must not be empty/);
  refuses(() => parseJourney(with_({ entry: { segment: 's', where: [] } })), 'entry.where', /unknown field "where"/);
  refuses(() => parseJourney(with_({ entry: { event: 'A', where: [{ property: 'x', op: 'nope', value: 1 }] } })), 'entry.where.0.op', /unknown operator "nope"/);
  refuses(() => parseJourney(with_({ entry: { event: 'A', where: {} } })), 'entry.where', /array of property filters/);
  refuses(() => parseJourney(with_({ entry: { event: 'A', channel: '' } })), 'entry.channel', /must not be empty/);
  refuses(() => parseJourney(with_({ entry: { event: 'A', within: '1d' } })), 'entry.within', /unknown field "within"/);
});

test('steps container errors', () => {
  refuses(() => parseJourney(with_({ steps: undefined })), 'steps', /steps is required/);
  refuses(() => parseJourney(with_({ steps: [] })), 'steps', /object of step id/);
  refuses(() => parseJourney(with_({ steps: {} })), 'steps', /at least one step/);
  refuses(() => parseJourney(with_({ steps: { 'bad id': { type: 'exit' } } })), 'steps', /step id "bad id" must be 1–64 letters/);
  refuses(() => parseJourney(with_({ steps: { ['x'.repeat(65)]: { type: 'exit' } } })), 'steps', /must be 1–64/);
  refuses(() => parseJourney(JSON.parse('{"name":"n","entry":{"event":"E"},"start":"__proto__","steps":{"__proto__":{"type":"exit"}}}')), 'steps', /__proto__/);
  const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`s${i}`, { type: 'exit' }]));
  refuses(() => parseJourney(with_({ start: 's0', steps: many })), 'steps', /at most 200 steps, this one has 201/);
  const max = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`s${i}`, i < 199 ? { type: 'wait', for: '1m', next: `s${i + 1}` } : { type: 'exit' }]));
  assert.equal(Object.keys(parseJourney(with_({ start: 's0', steps: max })).steps).length, 200);
  refuses(() => parseJourney(withStep('email1', 'send')), 'steps.email1', /expected a step object/);
  refuses(() => parseJourney(withStep('email1', { channel: 'email' })), 'steps.email1.type', /type is required; expected one of wait, wait_event, send/);
  refuses(() => parseJourney(withStep('email1', { type: 'sms' })), 'steps.email1.type', /unknown step type "sms"/);
});

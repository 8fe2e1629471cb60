import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJourney } from './parse.ts';
import { referencedSegments, referencedTemplates, templateFor, validateForPublish } from './publish.ts';
import { around, cartJourney, refuses } from './testing.ts';
import type { SendChannel } from './types.ts';

const TEMPLATES = new Set(['email:cart-100', 'email:review', 'messenger:review', 'sms:s', 'push:p']);
const templateExists = (key: string, channel: SendChannel) => TEMPLATES.has(`${channel}:${key}`);

test('publishing the issue journey checks every template on every channel it sends on', () => {
  const seen: string[] = [];
  const def = validateForPublish(cartJourney(), { templateExists: (k, c) => { seen.push(`${c}:${k}`); return templateExists(k, c); } });
  assert.deepEqual(def, parseJourney(cartJourney()));
  assert.deepEqual(seen, ['email:cart-100', 'email:review', 'messenger:review']);
});

test('a missing template is named by step and channel', () => {
  const j = cartJourney();
  refuses(() => validateForPublish(j, { templateExists: (k, c) => c !== 'messenger' && templateExists(k, c) }), 'steps.ask.template', /template "review" does not exist for channel "messenger"/);
  const perChannel = around({ type: 'send', channel: ['sms', 'push'], template: { sms: 's', push: 'missing' }, next: 'end' });
  refuses(() => validateForPublish(perChannel, { templateExists }), 'steps.s.template.push', /"missing" does not exist for channel "push"/);
});

test('a draft may leave template and audience empty; publishing may not', () => {
  const draft = around({ type: 'send', channel: 'email', template: '', next: 'a' }, { a: { type: 'audience', action: 'add', audience: ' ', next: 'end' } });
  assert.ok(parseJourney(draft));
  refuses(() => validateForPublish(draft, { templateExists: () => true }), 'steps.s.template', /choose a template before publishing/);
  const noAudience = around({ type: 'audience', action: 'remove', audience: '', next: 'end' });
  refuses(() => validateForPublish(noAudience, { templateExists }), 'steps.s.audience', /choose an audience before publishing/);
  const emptyPerChannel = around({ type: 'send', channel: 'sms', template: { sms: '' }, next: 'end' });
  refuses(() => validateForPublish(emptyPerChannel, { templateExists: () => true }), 'steps.s.template.sms', /choose a template/);
});

test('"best" needs the template on at least one channel', () => {
  const best = around({ type: 'send', channel: 'best', template: 'p', next: 'end' });
  assert.ok(validateForPublish(best, { templateExists }));
  refuses(() => validateForPublish(around({ type: 'send', channel: 'best', template: 'nope', next: 'end' }), { templateExists }), 'steps.s.template', /"nope" does not exist on any channel/);
});

test('publishing refuses a parse error first, and unknown segments when it can check them', () => {
  refuses(() => validateForPublish({ ...cartJourney(), priority: -1 }, { templateExists }), 'priority', /0 to 100/);
  const segmentExists = (id: string) => id === 'seg_vip';
  assert.ok(validateForPublish(cartJourney(), { templateExists, segmentExists }));
  refuses(() => validateForPublish({ ...cartJourney(), entry: { segment: 'seg_gone' } }, { templateExists, segmentExists }), 'entry.segment', /unknown segment "seg_gone"/);
  const j = cartJourney();
  (j.steps as Record<string, unknown>).check = { type: 'branch', cases: [{ if: { all: [{ consent: 'email' }, { not: { segment: 'seg_x' } }] }, next: 'ask' }], else: 'ab' };
  refuses(() => validateForPublish(j, { templateExists, segmentExists }), 'steps.check.cases.0.if.all.1.not.segment', /unknown segment "seg_x"/);
});

test('referencedSegments and referencedTemplates list what a journey uses', () => {
  const def = parseJourney(cartJourney());
  assert.deepEqual(referencedSegments(def), ['seg_vip']);
  assert.deepEqual(referencedSegments(parseJourney({ ...cartJourney(), entry: { segment: 'seg_vip' } })), ['seg_vip'], 'each once');
  assert.deepEqual(referencedSegments(parseJourney({ ...cartJourney(), entry: { segment: 'seg_cart' } })), ['seg_cart', 'seg_vip']);
  assert.deepEqual(referencedTemplates(def), [
    { step: 'email1', channel: 'email', key: 'cart-100' },
    { step: 'ask', channel: 'email', key: 'review' },
    { step: 'ask', channel: 'messenger', key: 'review' },
  ]);
  const per = parseJourney(around({ type: 'send', channel: ['sms', 'push'], template: { sms: 's', push: 'p' }, next: 'end' }));
  assert.deepEqual(referencedTemplates(per), [{ step: 's', channel: 'sms', key: 's' }, { step: 's', channel: 'push', key: 'p' }]);
  const s = per.steps.s;
  assert.ok(s.type === 'send');
  assert.equal(templateFor(s, 'push'), 'p');
  assert.equal(templateFor(s, 'email'), undefined);
});

import { test } from 'node:test';
import { parseJourney } from './parse.ts';
import { around, refuses } from './testing.ts';

/** Asserts the journey around `step` is refused at `steps.s.<sub>`. */
const bad = (step: Record<string, unknown>, sub: string, message: RegExp, extra: Record<string, unknown> = {}) =>
  refuses(() => parseJourney(around(step, extra)), sub ? `steps.s.${sub}` : 'steps.s', message);

test('wait: exactly one of for/until, each well formed', () => {
  bad({ type: 'wait', next: 'end' }, 'for', /exactly one of "for".*or "until"/);
  bad({ type: 'wait', for: '1h', until: { local_time: '10:00' }, next: 'end' }, 'until', /exactly one of/);
  bad({ type: 'wait', for: '1 hour', next: 'end' }, 'for', /expected a duration like "30m"/);
  bad({ type: 'wait', for: '0s', next: 'end' }, 'for', /longer than zero/);
  bad({ type: 'wait', for: '105w', next: 'end' }, 'for', /at most 730d/);
  bad({ type: 'wait', for: '1h' }, 'next', /next is required.*"exit"/);
  bad({ type: 'wait', for: '1h', next: 3 }, 'next', /step id/);
  bad({ type: 'wait', until: '10:00', next: 'end' }, 'until', /\{"local_time": "10:00"/);
  bad({ type: 'wait', until: { time: '10:00' }, next: 'end' }, 'until', /\{"local_time": "10:00"/);
  bad({ type: 'wait', until: { local_time: '24:00' }, next: 'end' }, 'until.local_time', /HH:MM/);
  bad({ type: 'wait', until: { local_time: '9:00' }, next: 'end' }, 'until.local_time', /HH:MM/);
  bad({ type: 'wait', until: { local_time: '10:00', days: [] }, next: 'end' }, 'until.days', /at least one day/);
  bad({ type: 'wait', until: { local_time: '10:00', days: ['saturday'] }, next: 'end' }, 'until.days.0', /days are sun, mon/);
  bad({ type: 'wait', until: { local_time: '10:00', days: ['sat', 'sat'] }, next: 'end' }, 'until.days', /twice/);
  bad({ type: 'wait', until: { local_time: '10:00', tz: 'UTC' }, next: 'end' }, 'until.tz', /unknown field "tz"/);
  bad({ type: 'wait', until: { at: '2026-11-27T09:00:00' }, next: 'end' }, 'until.at', /with a zone/);
  bad({ type: 'wait', until: { at: '2026-02-30T09:00:00Z' }, next: 'end' }, 'until.at', /ISO date-time/);
  bad({ type: 'wait', until: { at: '2026-11-27T09:00:00Z', local_time: '10:00' }, next: 'end' }, 'until.local_time', /unknown field/);
});

test('wait_event: events, timeout, on_timeout', () => {
  const ok = { type: 'wait_event', events: [{ event: 'A', next: 'end' }], timeout: '7d', on_timeout: 'end' };
  bad({ ...ok, events: [] }, 'events', /at least one event/);
  bad({ ...ok, events: 'A' }, 'events', /must be an array/);
  bad({ ...ok, events: [{ event: 'A' }] }, 'events.0.next', /next is required/);
  bad({ ...ok, events: [{ next: 'end' }] }, 'events.0.event', /event name is required/);
  bad({ ...ok, events: [{ event: 'A', where: [{ property: 'size', op: 'in', value: [] }], next: 'end' }] }, 'events.0.where.0.value', /non-empty array/);
  bad({ ...ok, events: [{ event: 'A', count: { op: 'gte', value: 1 }, next: 'end' }] }, 'events.0.count', /unknown field "count"/);
  bad({ ...ok, timeout: undefined }, 'timeout', /expected a duration/);
  bad({ ...ok, on_timeout: undefined }, 'on_timeout', /on_timeout is required/);
  bad({ ...ok, events: Array.from({ length: 21 }, () => ({ event: 'A', next: 'end' })) }, 'events', /at most 20/);
});

test('send: channels, templates, purpose, offer, fallback', () => {
  const ok = { type: 'send', channel: 'email', template: 't', next: 'end' };
  bad({ ...ok, channel: undefined }, 'channel', /channel is required/);
  bad({ ...ok, channel: 'fax' }, 'channel', /unknown channel "fax"; expected one of email, sms/);
  bad({ ...ok, channel: [] }, 'channel', /lists no channels/);
  bad({ ...ok, channel: ['email', 'best'] }, 'channel.1', /unknown channel "best"/);
  bad({ ...ok, channel: ['email', 'email'] }, 'channel.1', /listed twice/);
  bad({ ...ok, channel: 5 }, 'channel', /channel name, "best", or a list/);
  bad({ ...ok, template: undefined }, 'template', /template is required/);
  bad({ ...ok, template: 5 }, 'template', /template must be a template key/);
  bad({ ...ok, template: {} }, 'template', /names no channel/);
  bad({ ...ok, template: { fax: 'x' } }, 'template.fax', /unknown channel "fax"/);
  bad({ ...ok, template: { email: 1 } }, 'template.email', /template must be a template key/);
  bad({ ...ok, channel: ['email', 'sms'], template: { email: 'e' } }, 'template.sms', /no template for channel "sms"/);
  bad({ ...ok, template: { email: 'e', sms: 's' } }, 'template.sms', /does not send on "sms"/);
  bad({ ...ok, purpose: 'promo' }, 'purpose', /"marketing" or "transactional"/);
  bad({ ...ok, offer: 'ten off' }, 'offer', /JSON object/);
  bad({ ...ok, offer: { a: Number.NaN } }, 'offer', /JSON object/);
  bad({ ...ok, fallback_after: '3d' }, 'fallback_after', /list of at least two channels/);
  bad({ ...ok, channel: ['email'], fallback_after: '3d' }, 'fallback_after', /at least two/);
  bad({ ...ok, channel: ['email', 'sms'], fallback_after: 'later' }, 'fallback_after', /expected a duration/);
  bad({ ...ok, subject: 'hi' }, 'subject', /unknown field "subject"; a "send" step takes type, channel, template/);
});

test('audience: action, platforms, for, frequency cap', () => {
  const ok = { type: 'audience', action: 'add', audience: 'a', next: 'end' };
  bad({ ...ok, action: 'replace' }, 'action', /"add" or "remove"/);
  bad({ ...ok, audience: undefined }, 'audience', /audience name/);
  bad({ ...ok, platforms: ['myspace'] }, 'platforms.0', /platforms are facebook, instagram/);
  bad({ ...ok, platforms: [] }, 'platforms', /at least one platform/);
  bad({ ...ok, platforms: ['facebook', 'facebook'] }, 'platforms', /twice/);
  bad({ ...ok, for: 'a week' }, 'for', /expected a duration/);
  bad({ ...ok, frequency_cap: { max: 0, per: '1d' } }, 'frequency_cap.max', /at least 1/);
  bad({ ...ok, frequency_cap: { max: 3 } }, 'frequency_cap.per', /expected a duration/);
  bad({ ...ok, frequency_cap: 3 }, 'frequency_cap', /\{"max": number, "per": duration\}/);
  bad({ ...ok, action: 'remove', for: '7d' }, 'for', /only goes with "action": "add"/);
  bad({ ...ok, action: 'remove', frequency_cap: { max: 3, per: '1d' } }, 'frequency_cap', /only goes with "action": "add"/);
});

test('branch: cases with conditions, else', () => {
  const ok = { type: 'branch', cases: [{ if: { consent: 'email' }, next: 'end' }], else: 'end' };
  bad({ ...ok, cases: [] }, 'cases', /at least one case/);
  bad({ ...ok, else: undefined }, 'else', /else is required/);
  bad({ ...ok, cases: [{ next: 'end' }] }, 'cases.0.if', /expected a condition object, got nothing/);
  bad({ ...ok, cases: [{ if: { all: [{ trait: 'age', op: 'gte' }] }, next: 'end' }] }, 'cases.0.if.all.0.value', /"gte" needs a number/);
  bad({ ...ok, cases: [ok.cases[0], { if: { all: [{ trait: 'age', op: 'older' }] }, next: 'end' }] }, 'cases.1.if.all.0.op', /unknown operator "older"/);
  bad({ ...ok, cases: [{ if: { trait: 'a', event: 'b' }, next: 'end' }] }, 'cases.0.if.event', /a condition has one kind/);
  bad({ ...ok, cases: [{ if: { consent: 'email' } }] }, 'cases.0.next', /next is required/);
});

test('split: percents add up to 100, holdout paths have no next', () => {
  const p = (...paths: unknown[]) => ({ type: 'split', paths });
  bad(p({ percent: 45, next: 'end' }, { percent: 45, next: 'end' }, { percent: 5, holdout: true }), 'paths', /percents add up to 95, not 100/);
  bad(p({ percent: 60, next: 'end' }, { percent: 50, next: 'end' }), 'paths', /add up to 110, not 100/);
  bad(p({ percent: 100, next: 'end' }), 'paths', /at least two paths/);
  bad(p({ percent: 0, next: 'end' }, { percent: 100, next: 'end' }), 'paths.0.percent', /above 0/);
  bad(p({ percent: 33.333, next: 'end' }, { percent: 66.667, next: 'end' }), 'paths.0.percent', /two decimals/);
  bad(p({ percent: '50', next: 'end' }, { percent: 50, next: 'end' }), 'paths.0.percent', /must be a number/);
  bad(p({ percent: 90, next: 'end' }, { percent: 10, holdout: true, next: 'end' }), 'paths.1.next', /holdout path receives nothing.*remove "next"/);
  bad(p({ percent: 90, next: 'end' }, { percent: 10 }), 'paths.1.next', /next is required \(or "holdout": true/);
  bad(p({ percent: 90, next: 'end' }, { percent: 10, holdout: 'yes' }), 'paths.1.holdout', /true or false/);
});

test('update, webhook and exit', () => {
  bad({ type: 'update', traits: {}, next: 'end' }, 'traits', /at least one trait/);
  bad({ type: 'update', traits: [], next: 'end' }, 'traits', /JSON object/);
  bad({ type: 'update', next: 'end' }, 'traits', /traits is required/);
  bad({ type: 'update', traits: { '': 1 }, next: 'end' }, 'traits', /1–200 characters/);
  bad({ type: 'webhook', url: 'not a url', next: 'end' }, 'url', /absolute http/);
  bad({ type: 'webhook', url: 'ftp://example.com/x', next: 'end' }, 'url', /http:\/\/ or https:\/\//);
  bad({ type: 'webhook', next: 'end' }, 'url', /url is required/);
  bad({ type: 'webhook', url: 'https://x.test', method: 'GET', next: 'end' }, 'method', /POST, PUT or PATCH/);
  bad({ type: 'webhook', url: 'https://x.test', headers: { a: 1 }, next: 'end' }, 'headers.a', /strings/);
  bad({ type: 'exit', next: 'end' }, 'next', /unknown field "next"; an "exit" step takes type/);
});

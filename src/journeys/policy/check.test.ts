import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPolicy } from './check.ts';
import { parsePolicy } from './schema.ts';
import type { Candidate, SentMessage } from './types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const NY = 'America/New_York';
/** Wednesday 2026-03-04, 12:00 in New York. */
const NOW = at('2026-03-04T17:00:00Z');

const cand = (over: Partial<Candidate> = {}): Candidate => ({ channel: 'email', purpose: 'marketing', journeyId: 'cart', priority: 5, ...over });
const sent = (t: number, over: Partial<SentMessage> = {}): SentMessage => ({ channel: 'email', at: t, journeyId: 'other', priority: 0, purpose: 'marketing', ...over });
const SEND = { action: 'send' };

test('caps are rolling windows: a message counts while now − per < sent at', () => {
  const p = parsePolicy({ caps: [{ channel: 'any', max: 3, per: '7d' }] });
  const two = [sent(NOW - DAY), sent(NOW - 2 * DAY, { channel: 'sms' })];
  assert.deepEqual(checkPolicy(p, cand(), two, NY, NOW), SEND);
  const edge = [...two, sent(NOW - 7 * DAY)];
  assert.deepEqual(checkPolicy(p, cand(), edge, NY, NOW), SEND, 'exactly 7d ago has left the window');
  const inside = [...two, sent(NOW - 7 * DAY + 1)];
  const d = checkPolicy(p, cand(), inside, NY, NOW);
  assert.equal(d.action, 'suppress');
  assert.equal(d.action === 'suppress' && d.reason, 'cap:any:3/7d');
  assert.match(d.action === 'suppress' ? d.detail : '', /already 3 marketing message\(s\) on all channels in the last 7d; the cap is 3/);
  // One millisecond later the oldest has left: the window rolls, it does not reset at midnight.
  assert.deepEqual(checkPolicy(p, cand(), inside, NY, NOW + 1), SEND);
  // A message stamped after now (clock skew) still counts.
  assert.equal(checkPolicy(p, cand(), [...two, sent(NOW + HOUR)], NY, NOW).action, 'suppress');
});

test('a channel cap counts only that channel; a tagged cap only that tag; transactional history never', () => {
  const p = parsePolicy({ caps: [{ channel: 'email', max: 1, per: '1d' }, { channel: 'sms', max: 2, per: '30d', tag: 'promo' }] });
  assert.deepEqual(checkPolicy(p, cand(), [sent(NOW - HOUR, { channel: 'sms' })], NY, NOW), SEND);
  assert.deepEqual(checkPolicy(p, cand(), [sent(NOW - HOUR, { purpose: 'transactional' })], NY, NOW), SEND);
  assert.deepEqual(checkPolicy(p, cand(), [sent(NOW - HOUR)], NY, NOW), { action: 'suppress', reason: 'cap:email:1/1d', detail: 'already 1 marketing message(s) on email in the last 1d; the cap is 1' });
  const promos = [sent(NOW - 20 * DAY, { channel: 'sms', tags: ['promo'] }), sent(NOW - 10 * DAY, { channel: 'sms', tags: ['promo', 'x'] }), sent(NOW - DAY, { channel: 'sms' })];
  assert.deepEqual(checkPolicy(p, cand({ channel: 'sms' }), promos, NY, NOW), SEND, 'an untagged candidate is not under the tagged cap');
  const d = checkPolicy(p, cand({ channel: 'sms', tags: ['promo'] }), promos, NY, NOW);
  assert.equal(d.action === 'suppress' && d.reason, 'cap:sms#promo:2/30d');
  assert.deepEqual(checkPolicy(p, cand({ channel: 'sms', tags: ['promo'] }), promos.slice(1), NY, NOW), SEND);
});

test('transactional sends are exempt from caps, quiet hours and priority', () => {
  const p = parsePolicy({ caps: [{ channel: 'any', max: 1, per: '7d' }], quietHours: { start: '00:00', end: '23:59' }, journeyPriority: 'per_day' });
  const history = [sent(NOW - HOUR, { journeyId: 'vip', priority: 100 })];
  assert.deepEqual(checkPolicy(p, cand({ purpose: 'transactional' }), history, NY, NOW), SEND);
  assert.equal(checkPolicy(p, cand(), history, NY, NOW).action, 'suppress');
});

test('quiet hours crossing midnight in New York: delay to the local end', () => {
  const p = parsePolicy({ quietHours: { start: '21:00', end: '08:00', action: 'delay', channels: ['sms', 'push'] } });
  const sms = cand({ channel: 'sms' });
  assert.deepEqual(checkPolicy(p, sms, [], NY, at('2026-03-05T03:00:00Z')), { action: 'delay', until: at('2026-03-05T13:00:00Z'), reason: 'quiet_hours', detail: 'quiet hours 21:00–08:00 in America/New_York; held until 08:00 local' });
  assert.equal(checkPolicy(p, sms, [], NY, at('2026-03-05T11:00:00Z')).action, 'delay'); // 06:00
  assert.deepEqual(checkPolicy(p, sms, [], NY, at('2026-03-05T02:00:00Z')), { action: 'delay', until: at('2026-03-05T13:00:00Z'), reason: 'quiet_hours', detail: 'quiet hours 21:00–08:00 in America/New_York; held until 08:00 local' }); // 21:00 exactly
  assert.deepEqual(checkPolicy(p, sms, [], NY, at('2026-03-05T01:59:00Z')), SEND); // 20:59
  assert.deepEqual(checkPolicy(p, sms, [], NY, at('2026-03-05T13:00:00Z')), SEND); // 08:00 exactly: the window has ended
  assert.deepEqual(checkPolicy(p, cand({ channel: 'email' }), [], NY, at('2026-03-05T03:00:00Z')), SEND, 'email is not a quiet channel here');
});

test('quiet hours in Tokyo and Kolkata, and skip', () => {
  const p = parsePolicy({ quietHours: { start: '21:00', end: '08:00' } });
  const d = checkPolicy(p, cand(), [], 'Asia/Tokyo', at('2026-03-04T13:00:00Z')); // 22:00 JST
  assert.equal(d.action === 'delay' && d.until, at('2026-03-04T23:00:00Z'));
  const k = checkPolicy(p, cand(), [], 'Asia/Kolkata', at('2026-03-04T20:00:00Z')); // 01:30 IST
  assert.equal(k.action === 'delay' && k.until, at('2026-03-05T02:30:00Z'));
  assert.deepEqual(checkPolicy(p, cand(), [], 'Asia/Kolkata', at('2026-03-04T12:00:00Z')), SEND); // 17:30 IST
  const skip = parsePolicy({ quietHours: { start: '21:00', end: '08:00', action: 'skip' } });
  assert.deepEqual(checkPolicy(skip, cand(), [], 'Asia/Tokyo', at('2026-03-04T13:00:00Z')), { action: 'suppress', reason: 'quiet_hours', detail: 'quiet hours 21:00–08:00 in Asia/Tokyo; the policy skips such sends' });
  // A window inside one day.
  const lunch = parsePolicy({ quietHours: { start: '12:00', end: '14:00' } });
  assert.equal(checkPolicy(lunch, cand(), [], NY, NOW).action, 'delay');
  assert.deepEqual(checkPolicy(lunch, cand(), [], NY, NOW + 2 * HOUR), SEND);
  assert.deepEqual(checkPolicy(lunch, cand(), [], NY, NOW - HOUR), SEND);
});

test('quiet hours across DST changes end at the right instant', () => {
  const p = parsePolicy({ quietHours: { start: '21:00', end: '08:00' } });
  const until = (tz: string, now: string) => { const d = checkPolicy(p, cand(), [], tz, at(now)); return d.action === 'delay' ? new Date(d.until).toISOString() : d.action; };
  assert.equal(until(NY, '2026-03-08T03:00:00Z'), '2026-03-08T12:00:00.000Z'); // 22:00 EST → 08:00 EDT, 9 hours
  assert.equal(until(NY, '2026-11-01T02:00:00Z'), '2026-11-01T13:00:00.000Z'); // 22:00 EDT → 08:00 EST, 11 hours
  assert.equal(until('Europe/Berlin', '2026-03-28T21:00:00Z'), '2026-03-29T06:00:00.000Z'); // 22:00 CET → 08:00 CEST
  assert.equal(until('Europe/Berlin', '2026-10-24T20:00:00Z'), '2026-10-25T07:00:00.000Z'); // 22:00 CEST → 08:00 CET
  // An end inside New York's repeated hour: during the second 01:15 the window ends at the second 01:30.
  const odd = parsePolicy({ quietHours: { start: '21:00', end: '01:30' } });
  const d = checkPolicy(odd, cand(), [], NY, at('2026-11-01T06:15:00Z'));
  assert.equal(d.action === 'delay' && new Date(d.until).toISOString(), '2026-11-01T06:30:00.000Z');
  // An end inside the skipped hour: the first valid instant after the gap.
  const gap = parsePolicy({ quietHours: { start: '21:00', end: '02:30' } });
  const g = checkPolicy(gap, cand(), [], NY, at('2026-03-08T06:30:00Z')); // 01:30 EST
  assert.equal(g.action === 'delay' && new Date(g.until).toISOString(), '2026-03-08T07:00:00.000Z');
});

test('the time zone falls back to the policy default, then UTC', () => {
  const p = parsePolicy({ quietHours: { start: '21:00', end: '08:00', defaultTimezone: 'Asia/Tokyo' } });
  const now = at('2026-03-04T13:00:00Z'); // 22:00 Tokyo, 08:00 New York, 13:00 UTC
  assert.equal(checkPolicy(p, cand(), [], null, now).action, 'delay');
  assert.equal(checkPolicy(p, cand(), [], 'Not/AZone', now).action, 'delay');
  assert.deepEqual(checkPolicy(p, cand(), [], NY, now), SEND);
  const utc = parsePolicy({ quietHours: { start: '21:00', end: '08:00' } });
  assert.deepEqual(checkPolicy(utc, cand(), [], undefined, now), SEND);
  assert.equal(checkPolicy(utc, cand(), [], undefined, at('2026-03-04T22:00:00Z')).action, 'delay');
});

test('journey priority per local day: a lower-priority journey waits for tomorrow', () => {
  const p = parsePolicy({ journeyPriority: 'per_day' });
  const winback = sent(at('2026-03-04T14:00:00Z'), { journeyId: 'winback', priority: 8 }); // 09:00 Wed in New York
  assert.deepEqual(checkPolicy(p, cand(), [winback], NY, NOW), { action: 'suppress', reason: 'priority:winback', detail: 'journey "winback" (priority 8) already contacted this profile today (America/New_York); this journey has priority 5' });
  assert.deepEqual(checkPolicy(p, cand({ priority: 8 }), [winback], NY, NOW), SEND, 'equal priority');
  assert.deepEqual(checkPolicy(p, cand({ priority: 9 }), [winback], NY, NOW), SEND, 'higher priority');
  assert.deepEqual(checkPolicy(p, cand({ journeyId: 'winback', priority: 1 }), [winback], NY, NOW), SEND, 'same journey');
  assert.deepEqual(checkPolicy(p, cand(), [{ ...winback, purpose: 'transactional' }], NY, NOW), SEND, 'transactional history');
  assert.deepEqual(checkPolicy(p, cand(), [winback], NY, at('2026-03-05T05:00:00Z')), SEND, '00:00 Thursday in New York is a new day');
  assert.deepEqual(checkPolicy(parsePolicy({}), cand(), [winback], NY, NOW), SEND, 'priority off');
  // The highest of several is named.
  const vip = sent(at('2026-03-04T15:00:00Z'), { journeyId: 'vip', priority: 9 });
  const d = checkPolicy(p, cand(), [winback, vip], NY, NOW);
  assert.equal(d.action === 'suppress' && d.reason, 'priority:vip');
});

test('"the same day" is the profile\'s local day, not the UTC day', () => {
  const p = parsePolicy({ journeyPriority: 'per_day' });
  const evening = sent(at('2026-03-05T02:00:00Z'), { journeyId: 'winback', priority: 8 }); // Wed 21:00 New York, Thu in UTC
  const night = at('2026-03-05T06:00:00Z'); // Thu 01:00 New York
  assert.deepEqual(checkPolicy(p, cand(), [evening], NY, night), SEND);
  assert.equal(checkPolicy(p, cand(), [evening], 'UTC', night).action, 'suppress');
  assert.equal(checkPolicy(p, cand(), [evening], 'Asia/Kolkata', night).action, 'suppress');
  // Same UTC day, different Kolkata days: 18:00Z is 23:30 Wednesday there, 19:00Z is 00:30 Thursday.
  const wedIst = sent(at('2026-03-04T18:00:00Z'), { journeyId: 'winback', priority: 8 });
  assert.deepEqual(checkPolicy(p, cand(), [wedIst], 'Asia/Kolkata', at('2026-03-04T19:00:00Z')), SEND);
  assert.equal(checkPolicy(p, cand(), [wedIst], 'UTC', at('2026-03-04T19:00:00Z')).action, 'suppress');
});

test('caps come before priority, priority before quiet hours', () => {
  const p = parsePolicy({ caps: [{ channel: 'any', max: 1, per: '1d' }], quietHours: { start: '00:00', end: '23:59' }, journeyPriority: 'per_day' });
  const high = sent(NOW - HOUR, { journeyId: 'vip', priority: 9 });
  const capped = checkPolicy(p, cand(), [high], NY, NOW);
  assert.equal(capped.action === 'suppress' && capped.reason, 'cap:any:1/1d');
  const noCap = { ...p, caps: [] };
  const prio = checkPolicy(noCap, cand(), [high], NY, NOW);
  assert.equal(prio.action === 'suppress' && prio.reason, 'priority:vip');
  assert.equal(checkPolicy(noCap, cand(), [], NY, NOW).action, 'delay');
});

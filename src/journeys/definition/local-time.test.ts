import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { localDate, localMinuteOfDay, localParts, nextLocalTime, offsetAt, zonedInstant, isTimeZone } from './local-time.ts';
import { refuses } from './testing.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
const next = (now: string, tz: string, local_time: string, days?: ('sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat')[]) =>
  iso(nextLocalTime(at(now), tz, days ? { local_time, days } : { local_time }));

test('America/New_York, spring forward 2026-03-08: a skipped time is the end of the gap', () => {
  const tz = 'America/New_York';
  assert.equal(next('2026-03-08T05:00:00Z', tz, '02:30'), '2026-03-08T07:00:00.000Z'); // 03:00 EDT
  assert.equal(next('2026-03-08T05:00:00Z', tz, '02:00'), '2026-03-08T07:00:00.000Z');
  assert.equal(next('2026-03-08T05:00:00Z', tz, '03:00'), '2026-03-08T07:00:00.000Z');
  assert.equal(next('2026-03-08T05:00:00Z', tz, '01:59'), '2026-03-08T06:59:00.000Z'); // still EST
  assert.equal(next('2026-03-07T16:00:00Z', tz, '10:00'), '2026-03-08T14:00:00.000Z'); // 23 hours later
  assert.equal(next('2026-03-07T14:00:00Z', tz, '10:00'), '2026-03-07T15:00:00.000Z'); // EST the day before
});

test('America/New_York, fall back 2026-11-01: a repeated time is its first occurrence, once a day', () => {
  const tz = 'America/New_York';
  assert.equal(next('2026-11-01T04:00:00Z', tz, '01:30'), '2026-11-01T05:30:00.000Z'); // 01:30 EDT
  // Past the first 01:30 (now 01:45 EDT), the second 01:30 (EST) does not count again that day.
  assert.equal(next('2026-11-01T05:45:00Z', tz, '01:30'), '2026-11-02T06:30:00.000Z');
  assert.equal(next('2026-11-01T05:45:00Z', tz, '10:00'), '2026-11-01T15:00:00.000Z'); // 25-hour day, EST
  assert.equal(next('2026-10-31T15:00:00Z', tz, '10:00'), '2026-11-01T15:00:00.000Z'); // 25 hours later
});

test('Europe/Berlin, 2026-03-29 and 2026-10-25', () => {
  const tz = 'Europe/Berlin';
  assert.equal(next('2026-03-28T23:30:00Z', tz, '02:30'), '2026-03-29T01:00:00.000Z'); // 03:00 CEST
  assert.equal(next('2026-03-28T12:00:00Z', tz, '10:00'), '2026-03-29T08:00:00.000Z');
  assert.equal(next('2026-03-28T08:00:00Z', tz, '10:00'), '2026-03-28T09:00:00.000Z');
  assert.equal(next('2026-10-24T23:00:00Z', tz, '02:30'), '2026-10-25T00:30:00.000Z'); // first 02:30, CEST
  assert.equal(next('2026-10-25T00:45:00Z', tz, '02:30'), '2026-10-26T01:30:00.000Z');
  assert.equal(next('2026-10-24T12:00:00Z', tz, '10:00'), '2026-10-25T09:00:00.000Z'); // CET
});

test('Asia/Kolkata (+05:30): the first instant at or after now', () => {
  const tz = 'Asia/Kolkata';
  assert.equal(offsetAt(at('2026-06-01T00:00:00Z'), tz), 5.5 * 3_600_000);
  assert.equal(next('2026-06-01T00:00:00Z', tz, '10:00'), '2026-06-01T04:30:00.000Z');
  assert.equal(next('2026-06-01T04:30:00Z', tz, '10:00'), '2026-06-01T04:30:00.000Z', 'exactly now counts');
  assert.equal(next('2026-06-01T04:30:00.001Z', tz, '10:00'), '2026-06-02T04:30:00.000Z');
  assert.equal(next('2026-06-01T19:00:00Z', tz, '00:15'), '2026-06-02T18:45:00.000Z'); // now is 00:30 local
});

test('a day filter picks the next allowed local day, across a DST change', () => {
  const tz = 'America/New_York';
  // 2026-03-04 is a Wednesday.
  assert.equal(next('2026-03-04T12:00:00Z', tz, '10:00', ['sat', 'sun']), '2026-03-07T15:00:00.000Z');
  assert.equal(next('2026-03-07T15:00:01Z', tz, '10:00', ['sat', 'sun']), '2026-03-08T14:00:00.000Z');
  assert.equal(next('2026-03-04T16:00:00Z', tz, '10:00', ['wed']), '2026-03-11T14:00:00.000Z', 'a week on, now on EDT');
  assert.equal(next('2026-03-04T14:00:00Z', tz, '10:00', ['wed']), '2026-03-04T15:00:00.000Z');
  // The local day decides, not the UTC day: 22:00 Sunday in New York is Monday in UTC.
  assert.equal(next('2026-03-09T01:00:00Z', tz, '22:30', ['sun']), '2026-03-09T02:30:00.000Z');
  assert.equal(next('2026-06-01T04:00:00Z', 'Asia/Kolkata', '09:00', ['tue']), '2026-06-02T03:30:00.000Z');
});

test('odd zones: a skipped whole day (Samoa 2011) and a 30-minute shift (Lord Howe)', () => {
  // Pacific/Apia skipped 2011-12-30 entirely; 10:00 that day is the gap's end, midnight of the 31st.
  assert.equal(iso(zonedInstant(2011, 12, 30, 10, 0, 'Pacific/Apia')), '2011-12-30T10:00:00.000Z');
  assert.deepEqual(localParts(zonedInstant(2011, 12, 30, 10, 0, 'Pacific/Apia'), 'Pacific/Apia'), { year: 2011, month: 12, day: 31, hour: 0, minute: 0, second: 0, weekday: 'sat' });
  // Lord Howe springs from 02:00 to 02:30 on 2026-10-04.
  const t = zonedInstant(2026, 10, 4, 2, 15, 'Australia/Lord_Howe');
  assert.equal(localMinuteOfDay(t, 'Australia/Lord_Howe'), 150);
});

test('local parts and dates', () => {
  assert.deepEqual(localParts(at('2026-03-09T01:00:00Z'), 'America/New_York'), { year: 2026, month: 3, day: 8, hour: 21, minute: 0, second: 0, weekday: 'sun' });
  assert.equal(localDate(at('2026-03-09T01:00:00Z'), 'America/New_York'), '2026-03-08');
  assert.equal(localDate(at('2026-03-09T01:00:00Z'), 'UTC'), '2026-03-09');
  assert.equal(isTimeZone('Europe/Berlin'), true);
  assert.equal(isTimeZone('Mars/Olympus'), false);
  assert.equal(isTimeZone(null), false);
});

test('bad input is refused by field', () => {
  refuses(() => nextLocalTime(0, 'Mars/Olympus', { local_time: '10:00' }), 'timezone', /unknown time zone "Mars\/Olympus"/);
  refuses(() => nextLocalTime(0, 'UTC', { local_time: '25:00' }), 'local_time', /HH:MM/);
  refuses(() => nextLocalTime(0, 'UTC', { local_time: '10:00', days: [] }), 'days', /at least one day/);
});

test('property: the answer is at or after now, within 8 days, and reads the wanted time (or ends a gap)', () => {
  const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney', 'America/Santiago', 'UTC', 'Pacific/Chatham'];
  fc.assert(fc.property(
    fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') }),
    fc.constantFrom(...zones), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }),
    fc.subarray(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const, { minLength: 1 }),
    (now, tz, h, m, days) => {
      const local_time = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
      const t = nextLocalTime(now, tz, { local_time, days });
      assert.ok(t >= now && t - now <= 8 * 86_400_000);
      const p = localParts(t, tz);
      const reads = p.hour * 60 + p.minute === h * 60 + m;
      // Otherwise the time was skipped: a minute earlier the clock read something before it.
      if (!reads) assert.ok(localMinuteOfDay(t - 60_000, tz) < h * 60 + m || localDate(t - 60_000, tz) !== localDate(t, tz));
      assert.ok(days.includes(p.weekday));
    },
  ), { numRuns: 300 });
});

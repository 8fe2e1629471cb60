import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OmnisError } from '../../shared/index.ts';
import { DEFAULT_POLICY, parsePolicy, policySchema } from './schema.ts';

const EXAMPLE = {
  caps: [{ channel: 'any', max: 3, per: '7d' }, { channel: 'email', max: 1, per: '1d' }, { channel: 'sms', max: 4, per: '30d', tag: 'promo' }],
  quietHours: { start: '21:00', end: '08:00', action: 'delay', channels: ['sms', 'push'], defaultTimezone: 'America/New_York' },
  journeyPriority: 'per_day',
};

function refuses(input: unknown, path: string | undefined, message: RegExp) {
  assert.throws(() => parsePolicy(input), (e: unknown) => {
    assert.ok(e instanceof OmnisError);
    assert.equal(e.kind, 'invalid');
    assert.equal(e.field, path, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('parses the issue example unchanged, and fills defaults', () => {
  assert.deepEqual(parsePolicy(EXAMPLE), EXAMPLE);
  assert.deepEqual(parsePolicy({}), { caps: [], journeyPriority: 'off' });
  assert.deepEqual(parsePolicy({ quietHours: { start: '22:00', end: '07:30' } }).quietHours, { start: '22:00', end: '07:30', action: 'delay' });
  assert.ok(policySchema.safeParse(EXAMPLE).success);
});

test('the default policy is valid, documented in numbers, and cannot be changed by accident', () => {
  assert.deepEqual(parsePolicy(JSON.parse(JSON.stringify(DEFAULT_POLICY))), DEFAULT_POLICY);
  assert.deepEqual(DEFAULT_POLICY.caps, [{ channel: 'any', max: 5, per: '7d' }, { channel: 'any', max: 2, per: '1d' }]);
  assert.equal(DEFAULT_POLICY.journeyPriority, 'per_day');
  assert.throws(() => { (DEFAULT_POLICY.caps as unknown[]).push({}); });
  assert.throws(() => { (DEFAULT_POLICY.caps[0] as { max: number }).max = 99; });
});

test('every bad field is named', () => {
  refuses(null, undefined, /contact policy object/);
  refuses({ caps: {} }, 'caps', /array of cap rules/);
  refuses({ caps: Array.from({ length: 11 }, () => ({ channel: 'any', max: 1, per: '1d' })) }, 'caps', /at most 10 cap rules/);
  assert.equal(parsePolicy({ caps: Array.from({ length: 10 }, () => ({ channel: 'any', max: 1, per: '1d' })) }).caps.length, 10);
  refuses({ caps: [{ channel: 'fax', max: 1, per: '1d' }] }, 'caps.0.channel', /one of any, email, sms/);
  refuses({ caps: [{ channel: 'any', max: 0, per: '1d' }] }, 'caps.0.max', /at least 1/);
  refuses({ caps: [{ channel: 'any', max: 1.5, per: '1d' }] }, 'caps.0.max', /whole number/);
  refuses({ caps: [{ channel: 'any', max: 1, per: 'daily' }] }, 'caps.0.per', /duration like "1d"/);
  refuses({ caps: [{ channel: 'any', max: 1, per: '31d' }] }, 'caps.0.per', /at most 30d/);
  refuses({ caps: [{ channel: 'any', max: 1, per: '5w' }] }, 'caps.0.per', /at most 30d/);
  assert.equal(parsePolicy({ caps: [{ channel: 'any', max: 1, per: '30d' }] }).caps[0].per, '30d');
  refuses({ caps: [{ channel: 'any', max: 1, per: '0d' }] }, 'caps.0.per', /longer than zero/);
  refuses({ caps: [{ channel: 'any', max: 1, per: '1d', tag: '' }] }, 'caps.0.tag', /must not be empty/);
  refuses({ caps: [{ channel: 'any', max: 1, per: '1d', scope: 'x' }] }, 'caps.0.scope', /unknown field "scope"/);
  refuses({ quietHours: { start: '9pm', end: '08:00' } }, 'quietHours.start', /HH:MM/);
  refuses({ quietHours: { start: '21:00' } }, 'quietHours.end', /HH:MM/);
  refuses({ quietHours: { start: '21:00', end: '21:00' } }, 'quietHours.end', /differ from start/);
  refuses({ quietHours: { start: '21:00', end: '08:00', action: 'drop' } }, 'quietHours.action', /"delay" or "skip"/);
  refuses({ quietHours: { start: '21:00', end: '08:00', channels: ['pager'] } }, 'quietHours.channels.0', /channels are email, sms/);
  refuses({ quietHours: { start: '21:00', end: '08:00', channels: [] } }, 'quietHours.channels', /at least one channel/);
  refuses({ quietHours: { start: '21:00', end: '08:00', defaultTimezone: 'EST5EDTX' } }, 'quietHours.defaultTimezone', /IANA time zone/);
  refuses({ journeyPriority: 'always' }, 'journeyPriority', /"per_day" or "off"/);
  refuses({ frequency: 1 }, 'frequency', /unknown field "frequency"/);
});

/**
 * Property: whatever the policy, history and time, checkPolicy never answers "send" for
 * a marketing message that would take any cap it falls under past its max.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDuration } from '../../shared/index.ts';
import { checkPolicy } from './check.ts';
import { parsePolicy } from './schema.ts';
import type { CapRule, SentMessage } from './types.ts';

const CHANNELS = ['email', 'sms', 'push', 'messenger'] as const;
const TAGS = ['promo', 'news'] as const;
const NOW = Date.parse('2026-03-08T06:30:00Z'); // New York's spring-forward night
const DAY = 86_400_000;

const capArb = fc.record({
  channel: fc.constantFrom('any', ...CHANNELS),
  max: fc.integer({ min: 1, max: 5 }),
  per: fc.constantFrom('1h', '12h', '1d', '3d', '7d', '2w', '30d'),
  tag: fc.option(fc.constantFrom(...TAGS), { nil: undefined }),
}).map(({ tag, ...r }) => (tag === undefined ? r : { ...r, tag }) as CapRule);

const sentArb = fc.record({
  channel: fc.constantFrom(...CHANNELS),
  at: fc.integer({ min: NOW - 31 * DAY, max: NOW + DAY }),
  journeyId: fc.constantFrom('a', 'b', 'c'),
  priority: fc.integer({ min: 0, max: 10 }),
  purpose: fc.constantFrom('marketing', 'transactional'),
  tags: fc.option(fc.subarray([...TAGS]), { nil: undefined }),
}).map(({ tags, ...m }) => (tags === undefined ? m : { ...m, tags }) as SentMessage);

const exceeds = (rule: CapRule, channel: string, tags: readonly string[], history: readonly SentMessage[], now: number) => {
  if (rule.channel !== 'any' && rule.channel !== channel) return false;
  if (rule.tag !== undefined && !tags.includes(rule.tag)) return false;
  const from = now - parseDuration(rule.per, 'per');
  const count = history.filter(m => m.purpose === 'marketing' && m.at > from && (rule.channel === 'any' || m.channel === rule.channel) && (rule.tag === undefined || (m.tags ?? []).includes(rule.tag))).length;
  return count + 1 > rule.max;
};

test('property: never "send" past a cap', () => {
  fc.assert(fc.property(
    fc.array(capArb, { maxLength: 10 }),
    fc.option(fc.record({ start: fc.constantFrom('21:00', '00:00', '13:00'), end: fc.constantFrom('08:00', '02:30', '14:00'), action: fc.constantFrom('delay', 'skip') }), { nil: undefined }),
    fc.constantFrom('per_day', 'off'),
    fc.array(sentArb, { maxLength: 40 }),
    fc.record({ channel: fc.constantFrom(...CHANNELS), journeyId: fc.constantFrom('a', 'b', 'c'), priority: fc.integer({ min: 0, max: 10 }), tags: fc.subarray([...TAGS]) }),
    fc.constantFrom('America/New_York', 'Europe/Berlin', 'Asia/Kolkata', null),
    fc.integer({ min: -2 * DAY, max: 2 * DAY }),
    (caps, quietHours, journeyPriority, history, c, tz, shift) => {
      const policy = parsePolicy(quietHours ? { caps, quietHours, journeyPriority } : { caps, journeyPriority });
      const now = NOW + shift;
      const decision = checkPolicy(policy, { ...c, purpose: 'marketing' }, history, tz, now);
      const over = policy.caps.some(r => exceeds(r, c.channel, c.tags, history, now));
      if (over) assert.equal(decision.action, 'suppress');
      if (decision.action === 'suppress' && decision.reason.startsWith('cap:')) assert.ok(over, 'a cap suppression is real');
      if (decision.action === 'delay') assert.ok(decision.until > now);
    },
  ), { numRuns: 500 });
});

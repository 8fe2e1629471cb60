/**
 * The contact policy's schema and `parsePolicy`, which throws `invalid(path, message)`
 * naming the first bad field ("caps.2.per: ..."), and the policy a workspace has before
 * it writes its own.
 */
import { z } from 'zod';
import { DURATION_RE, invalid, parseDuration } from '../../shared/index.ts';
import { LOCAL_TIME_RE, SEND_CHANNELS, isTimeZone } from '../definition/index.ts';
import type { ContactPolicy } from './types.ts';

/** Braze's limit, and enough for per-channel plus a few tagged rules. */
export const MAX_CAP_RULES = 10;
export const MAX_CAP_WINDOW = '30d';
const MAX_WINDOW_MS = parseDuration(MAX_CAP_WINDOW, 'max');

const CAP_CHANNELS = ['any', ...SEND_CHANNELS] as const;

const hhmm = (what: string) => z.string({ error: `${what} must be a time like "21:00" (24-hour HH:MM)` })
  .regex(LOCAL_TIME_RE, { error: `${what} must be a time like "21:00" (24-hour HH:MM)` });

const windowSchema = z.string({ error: 'per must be a duration like "1d" or "7d"' })
  .refine(v => DURATION_RE.test(v), { error: 'per must be a duration like "1d" or "7d" (units s m h d w)' })
  .refine(v => !DURATION_RE.test(v) || (parseDuration(v, 'per') > 0 && parseDuration(v, 'per') <= MAX_WINDOW_MS), { error: `per must be longer than zero and at most ${MAX_CAP_WINDOW}` });

export const capRuleSchema = z.strictObject({
  channel: z.enum(CAP_CHANNELS, { error: `channel must be one of ${CAP_CHANNELS.join(', ')}` }),
  max: z.number({ error: 'max must be a whole number' }).int({ error: 'max must be a whole number' })
    .min(1, { error: 'max is at least 1 (to stop a channel, remove its consent instead)' }).max(1000, { error: 'max is at most 1000' }),
  per: windowSchema,
  tag: z.string({ error: 'tag must be a string' }).min(1, { error: 'tag must not be empty' }).max(100, { error: 'tag is longer than 100 characters' }).optional(),
}, { error: 'each cap is {"channel": ..., "max": number, "per": duration}' });

export const quietHoursSchema = z.strictObject({
  start: hhmm('start'),
  end: hhmm('end'),
  action: z.enum(['delay', 'skip'], { error: 'action must be "delay" or "skip"' }).default('delay'),
  channels: z.array(z.enum(SEND_CHANNELS, { error: `channels are ${SEND_CHANNELS.join(', ')}` }), { error: 'channels must be an array of channels' })
    .min(1, { error: 'channels must name at least one channel (leave it out for every channel)' }).optional(),
  defaultTimezone: z.string({ error: 'defaultTimezone must be an IANA time zone name' })
    .refine(isTimeZone, { error: 'defaultTimezone must be an IANA time zone name like "America/New_York"' }).optional(),
}, { error: 'quietHours must be {"start": "21:00", "end": "08:00", ...}' }).refine(q => q.start !== q.end, { path: ['end'], error: 'end must differ from start' });

export const policySchema = z.strictObject({
  caps: z.array(capRuleSchema, { error: 'caps must be an array of cap rules' }).max(MAX_CAP_RULES, { error: `at most ${MAX_CAP_RULES} cap rules` }).default([]),
  quietHours: quietHoursSchema.optional(),
  journeyPriority: z.enum(['per_day', 'off'], { error: 'journeyPriority must be "per_day" or "off"' }).default('off'),
}, { error: 'expected a contact policy object' });

export function parsePolicy(input: unknown): ContactPolicy {
  const r = policySchema.safeParse(input);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const path = first.path.map(String);
  if (first.code === 'unrecognized_keys' && first.keys.length) return fail([...path, first.keys[0]], `unknown field ${JSON.stringify(first.keys[0])}`);
  return fail(path, first.message);
}

function fail(path: string[], message: string): never {
  throw invalid(path.join('.') || undefined, message);
}

/**
 * What a workspace gets before it writes a policy. Five marketing messages a week and
 * two a day on all channels together keep a busy journey set from wearing people out
 * (Klaviyo's smart sending allows about one a day); interruptive channels stay silent
 * from 21:00 to 08:00 local (Klaviyo's SMS hours), holding messages rather than losing
 * them; and on one day the most important journey speaks first.
 */
export const DEFAULT_POLICY: ContactPolicy = deepFreeze({
  caps: [
    { channel: 'any', max: 5, per: '7d' },
    { channel: 'any', max: 2, per: '1d' },
  ],
  quietHours: { start: '21:00', end: '08:00', action: 'delay', channels: ['sms', 'push', 'whatsapp'] },
  journeyPriority: 'per_day',
});

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') for (const x of Object.values(v)) deepFreeze(x);
  return Object.freeze(v);
}

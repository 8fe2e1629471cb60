/**
 * One schema per step type, and `parseStep`, which picks the schema by `type` so an error
 * names the exact path inside the step ("steps.watch.events.0.where.0.op"), something a
 * zod union over all step types cannot do.
 */
import { z } from 'zod';
import { invalid, parseCondition, type Condition } from './deps.ts';
import { AD_PLATFORMS, SEND_CHANNELS, STEP_TYPES, type Step, type StepType } from './types.ts';
import { check, duration, eventMatchShape, isoInstant, jsonObject, localTime, nameString, stepRef, weekdays } from './fields.ts';

type Ctx = z.core.$RefinementCtx;
const issue = (ctx: Ctx, path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

const MAX_EVENTS = 20;
const MAX_CASES = 50;
const MAX_PATHS = 10;
const MAX_TRAITS = 100;
const CHANNEL_LIST = SEND_CHANNELS.join(', ');

/** A template key; empty is allowed in a draft (not chosen yet) and refused at publish. */
const templateKey = z.string({ error: 'template must be a template key' }).max(200, { error: 'template key is longer than 200 characters' });

const wait = z.strictObject({
  type: z.literal('wait'),
  for: duration().optional(),
  until: z.unknown().optional(),
  next: stepRef(),
}).superRefine((s, ctx) => {
  if ((s.for === undefined) === (s.until === undefined)) issue(ctx, [s.for === undefined ? 'for' : 'until'], 'a wait takes exactly one of "for" (a duration) or "until" ({"local_time": "10:00"} or {"at": ISO date-time})');
});

const untilLocal = z.strictObject({ local_time: localTime, days: weekdays.optional() });
const untilAt = z.strictObject({ at: isoInstant });

const waitEvent = z.strictObject({
  type: z.literal('wait_event'),
  events: z.array(z.strictObject({ ...eventMatchShape, next: stepRef() }, { error: 'each event is {"event": name, "where": [...], "next": step}' }), { error: 'events must be an array of {"event": name, "next": step}' })
    .min(1, { error: 'events must list at least one event' }).max(MAX_EVENTS, { error: `events takes at most ${MAX_EVENTS} events` }),
  timeout: duration(),
  on_timeout: stepRef('on_timeout'),
});

function checkChannel(v: unknown, ctx: Ctx): void {
  if (v === undefined) return issue(ctx, [], `channel is required: one of ${CHANNEL_LIST}, "best", or a list of channels`);
  if (typeof v === 'string') {
    if (v !== 'best' && !(SEND_CHANNELS as readonly string[]).includes(v)) issue(ctx, [], `unknown channel ${JSON.stringify(v)}; expected one of ${CHANNEL_LIST}, or "best"`);
    return;
  }
  if (!Array.isArray(v)) return issue(ctx, [], `channel must be a channel name, "best", or a list of channels`);
  if (v.length === 0) return issue(ctx, [], 'channel lists no channels');
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'string' || !(SEND_CHANNELS as readonly string[]).includes(v[i])) return issue(ctx, [i], `unknown channel ${JSON.stringify(v[i])}; expected one of ${CHANNEL_LIST}`);
    if (v.indexOf(v[i]) !== i) return issue(ctx, [i], `channel ${JSON.stringify(v[i])} is listed twice`);
  }
}

function checkTemplate(v: unknown, ctx: Ctx): void {
  if (v === undefined) return issue(ctx, [], 'template is required: a template key, or {"email": key, "sms": key, ...}');
  if (typeof v === 'string') return v.length > 200 ? issue(ctx, [], 'template key is longer than 200 characters') : undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return issue(ctx, [], 'template must be a template key, or {"email": key, "sms": key, ...}');
  const keys = Object.keys(v);
  if (keys.length === 0) return issue(ctx, [], 'template names no channel');
  for (const k of keys) {
    if (!(SEND_CHANNELS as readonly string[]).includes(k)) return issue(ctx, [k], `unknown channel ${JSON.stringify(k)}; expected one of ${CHANNEL_LIST}`);
    const r = templateKey.safeParse((v as Record<string, unknown>)[k]);
    if (!r.success) return issue(ctx, [k], r.error.issues[0].message);
  }
}

// Not .optional(): zod skips the refinements of an optional field whose key is missing,
// and these refinements are what report "channel is required".
const send = z.strictObject({
  type: z.literal('send'),
  channel: z.unknown().superRefine(checkChannel),
  template: z.unknown().superRefine(checkTemplate),
  purpose: z.enum(['marketing', 'transactional'], { error: 'purpose must be "marketing" or "transactional"' }).default('marketing'),
  offer: jsonObject('offer').optional(),
  fallback_after: duration().optional(),
  next: stepRef(),
}).superRefine((s, ctx) => {
  const list = Array.isArray(s.channel) ? s.channel as string[] : null;
  if (s.fallback_after !== undefined && (!list || list.length < 2)) {
    issue(ctx, ['fallback_after'], 'fallback_after needs a list of at least two channels to fall back through');
  }
  if (typeof s.template === 'object' && s.template !== null && s.channel !== 'best') {
    const channels = list ?? [s.channel as string];
    const tpl = s.template as Record<string, string>;
    for (const c of channels) if (!Object.hasOwn(tpl, c)) return issue(ctx, ['template', c], `no template for channel "${c}", which this step sends on`);
    for (const c of Object.keys(tpl)) if (!channels.includes(c)) return issue(ctx, ['template', c], `this step does not send on "${c}"`);
  }
});

const audience = z.strictObject({
  type: z.literal('audience'),
  action: z.enum(['add', 'remove'], { error: 'action must be "add" or "remove"' }),
  /** Empty is allowed in a draft and refused at publish. */
  audience: z.string({ error: 'audience must be an audience name' }).max(200, { error: 'audience is longer than 200 characters' }),
  platforms: z.array(z.enum(AD_PLATFORMS, { error: `platforms are ${AD_PLATFORMS.join(', ')}` }), { error: `platforms must be an array of ${AD_PLATFORMS.join(', ')}` })
    .min(1, { error: 'platforms must name at least one platform (leave it out for every connected platform)' })
    .refine(p => new Set(p).size === p.length, { error: 'platforms lists a platform twice' }).optional(),
  for: duration().optional(),
  frequency_cap: z.strictObject({
    max: z.number({ error: 'frequency_cap.max must be a whole number' }).int({ error: 'frequency_cap.max must be a whole number' })
      .min(1, { error: 'frequency_cap.max is at least 1' }).max(1000, { error: 'frequency_cap.max is at most 1000' }),
    per: duration(),
  }, { error: 'frequency_cap must be {"max": number, "per": duration}' }).optional(),
  offer: jsonObject('offer').optional(),
  next: stepRef(),
}).superRefine((s, ctx) => {
  if (s.action !== 'remove') return;
  for (const k of ['for', 'frequency_cap', 'offer'] as const) if (s[k] !== undefined) issue(ctx, [k], `${k} only goes with "action": "add"`);
});

const branch = z.strictObject({
  type: z.literal('branch'),
  cases: z.array(z.strictObject({ if: z.unknown().optional(), next: stepRef() }, { error: 'each case is {"if": condition, "next": step}' }), { error: 'cases must be an array of {"if": condition, "next": step}' })
    .min(1, { error: 'cases must have at least one case' }).max(MAX_CASES, { error: `cases takes at most ${MAX_CASES} cases` }),
  else: stepRef('else'),
});

const percent = z.number({ error: 'percent must be a number' })
  .refine(p => Number.isFinite(p) && p > 0 && p <= 100, { error: 'percent must be above 0 and at most 100' })
  .refine(p => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6, { error: 'percent takes at most two decimals' });

const split = z.strictObject({
  type: z.literal('split'),
  paths: z.array(z.strictObject({ percent, next: stepRef().optional(), holdout: z.boolean({ error: 'holdout must be true or false' }).optional() }, { error: 'each path is {"percent": number, "next": step} or {"percent": number, "holdout": true}' }), { error: 'paths must be an array of {"percent": number, "next": step}' })
    .min(2, { error: 'a split needs at least two paths' }).max(MAX_PATHS, { error: `a split takes at most ${MAX_PATHS} paths` }),
}).superRefine((s, ctx) => {
  for (const [i, p] of s.paths.entries()) {
    if (p.holdout && p.next !== undefined) issue(ctx, ['paths', i, 'next'], 'a holdout path receives nothing and ends the run at once (its profiles still count for conversion); remove "next"');
    if (!p.holdout && p.next === undefined) issue(ctx, ['paths', i, 'next'], 'next is required (or "holdout": true for a control group)');
  }
  const hundredths = Math.round(s.paths.reduce((sum, p) => sum + p.percent, 0) * 100);
  if (hundredths !== 10_000) issue(ctx, ['paths'], `percents add up to ${hundredths / 100}, not 100`);
});

const update = z.strictObject({
  type: z.literal('update'),
  traits: jsonObject('traits')
    .refine(t => Object.keys(t).length > 0, { error: 'traits must set at least one trait' })
    .refine(t => Object.keys(t).length <= MAX_TRAITS, { error: `traits sets at most ${MAX_TRAITS} traits` })
    .refine(t => Object.keys(t).every(k => k.length > 0 && k.length <= 200), { error: 'trait names are 1–200 characters' }),
  next: stepRef(),
});

const webhook = z.strictObject({
  type: z.literal('webhook'),
  url: z.string({ error: 'url is required: an http(s) URL' }).max(2000, { error: 'url is longer than 2000 characters' })
    .refine(isHttpUrl, { error: 'url must be an absolute http:// or https:// URL' }),
  method: z.enum(['POST', 'PUT', 'PATCH'], { error: 'method must be POST, PUT or PATCH' }).optional(),
  headers: z.record(nameString('header name'), z.string({ error: 'header values are strings' }).max(2000), { error: 'headers must be an object of strings' }).optional(),
  body: jsonObject('body').optional(),
  next: stepRef(),
});

function isHttpUrl(v: string): boolean {
  try { const u = new URL(v); return u.protocol === 'https:' || u.protocol === 'http:'; } catch { return false; }
}

const exit = z.strictObject({ type: z.literal('exit') });

const SCHEMAS = { wait, wait_event: waitEvent, send, audience, branch, split, update, webhook, exit } as const;

/** Validates one step; `path` is "steps.<id>". */
export function parseStep(input: unknown, path: string): Step {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid(path, 'expected a step object like {"type": "send", ...}');
  const type = (input as { type?: unknown }).type;
  if (!(STEP_TYPES as readonly unknown[]).includes(type)) {
    throw invalid(`${path}.type`, type === undefined ? `type is required; expected one of ${STEP_TYPES.join(', ')}` : `unknown step type ${JSON.stringify(type)}; expected one of ${STEP_TYPES.join(', ')}`);
  }
  const schema = SCHEMAS[type as StepType];
  const step = check(schema, input, path, `${/^[aeiou]/.test(String(type)) ? 'an' : 'a'} "${String(type)}" step`, Object.keys(schema.shape)) as Record<string, unknown>;
  if (type === 'wait' && step.until !== undefined) step.until = parseUntil(step.until, `${path}.until`);
  if (type === 'branch') {
    const cases = step.cases as { if: unknown; next: string }[];
    step.cases = cases.map((c, i): { if: Condition; next: string } => ({ if: parseCondition(c.if, `${path}.cases.${i}.if`), next: c.next }));
  }
  return step as unknown as Step;
}

function parseUntil(v: unknown, path: string) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(path, 'until must be {"local_time": "10:00", "days": [...]} or {"at": ISO date-time}');
  if (Object.hasOwn(v, 'at')) return check(untilAt, v, path, 'an absolute until', ['at']);
  if (!Object.hasOwn(v, 'local_time')) throw invalid(path, 'until must be {"local_time": "10:00", "days": [...]} or {"at": ISO date-time}');
  return check(untilLocal, v, path, 'a local-time until', ['local_time', 'days']);
}

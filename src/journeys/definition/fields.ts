/**
 * The zod pieces journey fields are built from, with messages a marketer can act on.
 * Values keep the shape the user wrote (no copying of JSON payloads), so a stored
 * definition round-trips.
 */
import { z } from 'zod';
import { DURATION_RE, durationSchema, issueError, nameString, parseDuration, propertyFilterSchema, toTime, type JsonObject } from './deps.ts';
import { MAX_DURATION, WEEKDAYS } from './types.ts';
import { LOCAL_TIME_RE } from './local-time.ts';

export { nameString };

const MAX_MS = parseDuration(MAX_DURATION, 'max');
const MAX_WHERE = 50;
const MAX_JSON_DEPTH = 20;

/** A duration ("30m", "14d"), longer than zero and at most MAX_DURATION. */
export const duration = () => durationSchema().refine(v => !DURATION_RE.test(v) || parseDuration(v, 'duration') <= MAX_MS, {
  error: `durations are at most ${MAX_DURATION}`,
});

/** A reference to another step; whether it exists is checked on the whole graph. */
export const stepRef = (what = 'next') => z.string({
  error: iss => iss.input === undefined ? `${what} is required: the id of the step that follows; end with a {"type": "exit"} step` : `${what} must be a step id (a string)`,
});

export const eventMatchShape = {
  event: nameString('event name'),
  channel: nameString('channel').optional(),
  where: z.array(propertyFilterSchema, { error: 'where must be an array of property filters' })
    .max(MAX_WHERE, { error: `where takes at most ${MAX_WHERE} filters` }).optional(),
};

export const localTime = z.string({ error: 'local_time must be a time like "10:00" (24-hour HH:MM)' })
  .regex(LOCAL_TIME_RE, { error: 'local_time must be a time like "10:00" (24-hour HH:MM)' });

export const weekdays = z.array(z.enum(WEEKDAYS, { error: `days are ${WEEKDAYS.join(', ')}` }), { error: `days must be an array of ${WEEKDAYS.join(', ')}` })
  .min(1, { error: 'days must name at least one day' })
  .refine(d => new Set(d).size === d.length, { error: 'days lists a day twice' });

const ISO_INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/i;
/** An absolute instant: an ISO date-time with a zone, so it means the same everywhere. */
export const isoInstant = z.string({ error: 'at must be an ISO date-time with a zone, like "2026-11-27T09:00:00-05:00"' })
  .refine(v => ISO_INSTANT_RE.test(v) && toTime(v) !== undefined, { error: 'at must be an ISO date-time with a zone, like "2026-11-27T09:00:00-05:00"' });

/** A JSON object passed through as written (offers, traits, webhook bodies). */
export const jsonObject = (what: string) => z.custom<JsonObject>(v => isJsonObject(v, 0), {
  error: iss => iss.input === undefined ? `${what} is required` : `${what} must be a JSON object (no "__proto__" keys, at most ${MAX_JSON_DEPTH} levels deep)`,
});

function isJsonObject(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.keys(v).every(k => k !== '__proto__' && isJson((v as Record<string, unknown>)[k], depth + 1));
}

function isJson(v: unknown, depth: number): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(x => isJson(x, depth + 1));
  return isJsonObject(v, depth);
}

/** Runs `schema` on `input`, throwing `invalid` at `path` + the first issue's path. */
export function check<S extends z.ZodType>(schema: S, input: unknown, path: string, what: string, allowed: string[]): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw issueError(r.error.issues as Parameters<typeof issueError>[0], path, what, allowed);
  return r.data;
}

/**
 * The zod schema of the condition language and `parseCondition`, which validates one
 * node at a time so an error names the exact JSON path of the first problem
 * ("condition.all.1.count.op: unknown count operator ..."), something a zod union over
 * a recursive shape cannot do. Both are built from the same per-kind schemas.
 */
import { z } from 'zod';
import { DURATION_RE, invalid, parseDuration } from '../../shared/index.ts';
import type { Condition } from './types.ts';
import { ANY_EVENT, CONDITION_KINDS, COUNT_OPERATORS, EVENT_TYPES, MAX_DEPTH, MAX_NODES, OPERATORS } from './types.ts';
import { describe, isScalar, toNumber, toTime } from './coerce.ts';
import { checkSegmentRefs, type SegmentChecks } from './refs.ts';

const MAX_CHILDREN = 200;
const MAX_WHERE = 50;
const MAX_LIST = 10_000;
const MAX_LAST = 1000;

type Ctx = z.core.$RefinementCtx;

const required = (what: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? `${what} is required` : `expected ${what}, got ${describe(iss.input)}`;

export const nameString = (what: string) =>
  z.string({ error: required(what) }).min(1, { error: `${what} must not be empty` }).max(200, { error: `${what} is longer than 200 characters` });

const finite = (what: string) => z.number({ error: required(what) }).refine(Number.isFinite, { error: `${what} must be a finite number` });

/** Milliseconds of a duration string, NaN when it is not one (zod runs later checks even after a failed one). */
const ms = (v: unknown): number => (typeof v === 'string' && DURATION_RE.test(v) ? parseDuration(v, 'duration') : NaN);

const durationError = (iss: { input?: unknown }) => `expected a duration like "30m", "14d" or "2w" (units s m h d w), got ${describe(iss.input)}`;

/** A duration string ("30m", "14d", "2w"); zero only where `allowZero`. */
export const durationSchema = (allowZero = false) =>
  z.string({ error: durationError })
    .refine(v => DURATION_RE.test(v), { error: durationError })
    .refine(v => !DURATION_RE.test(v) || allowZero || ms(v) > 0, { error: 'the duration must be longer than zero' });

const operatorSchema = z.enum(OPERATORS, {
  error: iss => iss.input === undefined ? `op is required; expected one of ${OPERATORS.join(', ')}` : `unknown operator ${JSON.stringify(iss.input)}; expected one of ${OPERATORS.join(', ')}`,
});

const comparisonShape = {
  op: operatorSchema,
  value: z.json().optional(),
  ignoreCase: z.boolean({ error: 'ignoreCase must be true or false' }).optional(),
};

const ordered = (v: unknown) => toNumber(v) !== undefined || toTime(v) !== undefined;

/** The checks zod cannot express per field: what `value` each operator needs. */
function checkComparison(c: { op: string; value?: unknown }, ctx: Ctx): void {
  const issue = (message: string, path: (string | number)[] = ['value']) => ctx.addIssue({ code: 'custom', path, message });
  const v = c.value;
  switch (c.op) {
    case 'exists': case 'not_exists':
      if (v !== undefined) issue(`"${c.op}" takes no value`);
      return;
    case 'eq': case 'neq':
      if (!isScalar(v)) issue(`"${c.op}" needs a value: a string, number, boolean or null, got ${describe(v)}`);
      return;
    case 'gt': case 'gte': case 'lt': case 'lte':
      if (!ordered(v)) issue(`"${c.op}" needs a number, a numeric string or an ISO date, got ${describe(v)}`);
      return;
    case 'between': {
      if (!Array.isArray(v) || v.length !== 2) return issue(`"between" needs [low, high], got ${describe(v)}`);
      for (let i = 0; i < 2; i++) if (!ordered(v[i])) return issue(`expected a number, a numeric string or an ISO date, got ${describe(v[i])}`, ['value', i]);
      const [a, b] = [toNumber(v[0]) ?? null, toNumber(v[1]) ?? null];
      if ((a === null) !== (b === null)) return issue('both bounds must be numbers or both must be dates');
      const [lo, hi] = a !== null && b !== null ? [a, b] : [toTime(v[0]) as number, toTime(v[1]) as number];
      if (lo > hi) issue('the low bound is above the high bound', ['value', 1]);
      return;
    }
    case 'in': case 'not_in':
      if (!Array.isArray(v) || v.length === 0) return issue(`"${c.op}" needs a non-empty array of values, got ${describe(v)}`);
      if (v.length > MAX_LIST) return issue(`"${c.op}" takes at most ${MAX_LIST} values`);
      for (let i = 0; i < v.length; i++) if (!isScalar(v[i])) return issue(`expected a string, number, boolean or null, got ${describe(v[i])}`, ['value', i]);
      return;
    case 'contains':
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') issue(`"contains" needs a string, number or boolean, got ${describe(v)}`);
      return;
    case 'starts_with':
      if (typeof v !== 'string') issue(`"starts_with" needs a string, got ${describe(v)}`);
      return;
  }
}

const pathString = (what: string) => nameString(what).refine(p => p.split('.').every(Boolean), { error: `${what} must be a dotted path like "address.city"` });

export const propertyFilterSchema = z.strictObject({ property: pathString('property'), ...comparisonShape }).superRefine(checkComparison);

const nonNegInt = z.number({ error: required('a non-negative integer') }).int({ error: 'count values are whole numbers' }).min(0, { error: 'count values are not negative' });

const countSchema = z.strictObject({
  op: z.enum(COUNT_OPERATORS, {
    error: iss => iss.input === undefined ? `op is required; expected one of ${COUNT_OPERATORS.join(', ')}` : `unknown count operator ${JSON.stringify(iss.input)}; expected one of ${COUNT_OPERATORS.join(', ')}`,
  }),
  value: z.union([nonNegInt, z.tuple([nonNegInt, nonNegInt])], { error: 'count.value must be a non-negative integer (or [low, high] for between)' }),
}).superRefine((c, ctx) => {
  if (c.op === 'between') {
    if (!Array.isArray(c.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: '"between" needs [low, high]' });
    else if (c.value[0] > c.value[1]) ctx.addIssue({ code: 'custom', path: ['value', 1], message: 'the low bound is above the high bound' });
  } else if (Array.isArray(c.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: `"${c.op}" needs one non-negative integer` });
});

const eventRefSchema = z.strictObject({
  event: nameString('event name'),
  type: z.enum(EVENT_TYPES, { error: `type must be one of ${EVENT_TYPES.join(', ')}` }).optional(),
  channel: nameString('channel').optional(),
  where: z.array(propertyFilterSchema, { error: 'where must be an array of property filters' }).max(MAX_WHERE, { error: `where takes at most ${MAX_WHERE} filters` }).optional(),
}, { error: required('{"event": name, "where": [...]}') });

const eventSchema = z.strictObject({
  event: nameString('event name'),
  type: z.enum(EVENT_TYPES, { error: `type must be one of ${EVENT_TYPES.join(', ')}` }).optional(),
  channel: nameString('channel').optional(),
  where: z.array(propertyFilterSchema, { error: 'where must be an array of property filters' }).max(MAX_WHERE, { error: `where takes at most ${MAX_WHERE} filters` }).optional(),
  count: countSchema.optional(),
  within: durationSchema().optional(),
  ago: z.strictObject({ from: durationSchema(), to: durationSchema(true) }, { error: required('{"from": duration, "to": duration}') }).optional(),
  last: z.number({ error: required('a positive integer') }).int({ error: 'last must be a whole number' }).min(1, { error: 'last must be at least 1' }).max(MAX_LAST, { error: `last is at most ${MAX_LAST}` }).optional(),
  of: nameString('event name').optional(),
  since: eventRefSchema.optional(),
}).superRefine((c, ctx) => {
  const windows = (['within', 'ago', 'last', 'since'] as const).filter(k => c[k] !== undefined);
  if (windows.length > 1) ctx.addIssue({ code: 'custom', path: [windows[1]], message: `use only one of "within", "ago", "last" and "since" (found "${windows[0]}" and "${windows[1]}")` });
  if (c.of !== undefined && c.last === undefined) ctx.addIssue({ code: 'custom', path: ['of'], message: '"of" only goes with "last"' });
  if (c.of === ANY_EVENT) ctx.addIssue({ code: 'custom', path: ['of'], message: '"of" names one event' });
  if (c.ago && ms(c.ago.from) <= ms(c.ago.to)) ctx.addIssue({ code: 'custom', path: ['ago', 'from'], message: 'ago.from must be further back than ago.to' });
});

const latLng = z.strictObject({
  lat: finite('lat').refine(v => v >= -90 && v <= 90, { error: 'lat must be between -90 and 90' }),
  lng: finite('lng').refine(v => v >= -180 && v <= 180, { error: 'lng must be between -180 and 180' }),
}, { error: required('{"lat": number, "lng": number}') });

/** The schemas of each condition kind, with `child` as the schema of nested conditions. */
function kindSchemas<C extends z.ZodType>(child: C) {
  const list = (kind: string) => z.array(child, { error: `${kind} must be an array of conditions` }).max(MAX_CHILDREN, { error: `${kind} takes at most ${MAX_CHILDREN} conditions` });
  return {
    all: z.strictObject({ all: list('all') }),
    any: z.strictObject({ any: list('any') }),
    not: z.strictObject({ not: child }),
    trait: z.strictObject({ trait: pathString('trait'), ...comparisonShape }).superRefine(checkComparison),
    event: eventSchema,
    computed: z.strictObject({ computed: pathString('computed trait name'), ...comparisonShape }).superRefine(checkComparison),
    near: z.strictObject({
      near: latLng,
      km: finite('km').refine(v => v > 0, { error: 'km must be greater than 0' }),
      at: z.enum(['address', 'last_location'], { error: 'at must be "address" or "last_location"' }).optional(),
    }),
    consent: z.strictObject({ consent: nameString('consent kind') }),
    reachable: z.strictObject({ reachable: nameString('channel') }),
    segment: z.strictObject({ segment: nameString('segment id') }),
    sample: z.strictObject({
      sample: z.strictObject({
        percent: finite('percent').refine(v => v >= 0 && v <= 100, { error: 'percent must be between 0 and 100' }),
        salt: nameString('salt'),
      }, { error: required('{"percent": number, "salt": string}') }),
    }),
  };
}

const SHALLOW = kindSchemas(z.unknown());

/**
 * The whole language as one recursive zod schema, for API docs and places that only need
 * yes/no. Prefer `parseCondition`: it names the failing path precisely and also enforces
 * the depth and size limits.
 */
export const conditionSchema: z.ZodType<Condition> = z.lazy(() => {
  const k = kindSchemas(conditionSchema);
  return z.union([k.all, k.any, k.not, k.trait, k.event, k.computed, k.near, k.consent, k.reachable, k.segment, k.sample]);
}) as unknown as z.ZodType<Condition>;

export type ParseOptions = SegmentChecks;

/**
 * Validates a condition and returns it typed. Throws `invalid(path, message)` naming the
 * JSON path of the first problem, prefixed with `field`.
 */
export function parseCondition(input: unknown, field = 'condition', options: ParseOptions = {}): Condition {
  const cond = parseNode(input, field, 1, { nodes: 0 });
  checkSegmentRefs(cond, field, options);
  return cond;
}

function parseNode(input: unknown, path: string, depth: number, seen: { nodes: number }): Condition {
  if (depth > MAX_DEPTH) throw invalid(path, `conditions nest deeper than ${MAX_DEPTH} levels`);
  if (++seen.nodes > MAX_NODES) throw invalid(path, `a condition may have at most ${MAX_NODES} parts`);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid(path, `expected a condition object, got ${describe(input)}`);
  const kinds = CONDITION_KINDS.filter(k => Object.hasOwn(input, k));
  if (kinds.length === 0) {
    throw invalid(path, `expected a condition with one of ${CONDITION_KINDS.join(', ')}; got ${Object.keys(input).map(k => JSON.stringify(k)).join(', ') || 'an empty object'}`);
  }
  if (kinds.length > 1) throw invalid(`${path}.${kinds[1]}`, `a condition has one kind, found "${kinds[0]}" and "${kinds[1]}"; combine them with {"all": [...]}`);
  const kind = kinds[0];
  const schema = SHALLOW[kind];
  const r = schema.safeParse(input);
  if (!r.success) throw issueError(r.error.issues, path, `a "${kind}" condition`, Object.keys(schema.shape));
  const data = r.data as Record<string, unknown>;
  if (kind === 'all' || kind === 'any') {
    const children = (data[kind] as unknown[]).map((c, i) => parseNode(c, `${path}.${kind}.${i}`, depth + 1, seen));
    return kind === 'all' ? { all: children } : { any: children };
  }
  if (kind === 'not') return { not: parseNode(data.not, `${path}.not`, depth + 1, seen) };
  return data as unknown as Condition;
}

interface Issue { code: string; path: PropertyKey[]; message: string; keys?: string[] }

/**
 * Turns the first zod issue into `invalid(path, message)`, the path prefixed with `path`.
 * An unknown key is named in the path itself, and at the top level the message lists the
 * fields allowed there.
 */
export function issueError(issues: readonly Issue[], path: string, what: string, allowed: string[]) {
  const first = issues[0];
  const at = [path, ...first.path.map(String)].filter(Boolean);
  if (first.code === 'unrecognized_keys' && first.keys?.length) {
    at.push(first.keys[0]);
    const hint = first.path.length ? '' : `; ${what} takes ${allowed.join(', ')}`;
    return invalid(at.join('.'), `unknown field ${JSON.stringify(first.keys[0])}${hint}`);
  }
  return invalid(at.join('.') || undefined, first.message);
}

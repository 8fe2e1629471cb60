/**
 * `parseJourney`: the one gate a journey definition passes before it is stored or run.
 * It throws `invalid(path, message)` naming the JSON path of the first problem, and
 * returns the definition with defaults filled in.
 */
import { z } from 'zod';
import { invalid } from './deps.ts';
import { MAX_STEPS, STEP_ID_RE, type Entry, type JourneyDefinition, type Step } from './types.ts';
import { check, duration, eventMatchShape, nameString } from './fields.ts';
import { parseStep } from './steps.ts';
import { checkGraph } from './graph.ts';

const MAX_EXIT_EVENTS = 20;

const reentry = z.union([
  z.enum(['never', 'after_exit']),
  z.strictObject({ after: duration() }),
], { error: 'reentry must be "never", "after_exit" or {"after": duration}' }).default('never');

const eventMatch = z.strictObject(eventMatchShape, { error: 'expected {"event": name, "where": [...]}' });

const journeySchema = z.strictObject({
  name: nameString('name'),
  description: z.string({ error: 'description must be a string' }).max(2000, { error: 'description is longer than 2000 characters' }).optional(),
  entry: z.unknown().optional(),
  reentry,
  goal: z.strictObject({ ...eventMatchShape, within: duration().default('30d') }, { error: 'goal must be {"event": name, "within": duration}' }).optional(),
  exit: z.array(eventMatch, { error: 'exit must be an array of {"event": name}' }).max(MAX_EXIT_EVENTS, { error: `exit takes at most ${MAX_EXIT_EVENTS} events` }).optional(),
  priority: z.number({ error: 'priority must be a whole number from 0 to 100' }).int({ error: 'priority must be a whole number from 0 to 100' })
    .min(0, { error: 'priority must be a whole number from 0 to 100' }).max(100, { error: 'priority must be a whole number from 0 to 100' }).default(0),
  start: z.string({ error: iss => iss.input === undefined ? 'start is required: the id of the first step' : 'start must be a step id' }),
  steps: z.unknown().optional(),
});

const segmentEntry = z.strictObject({ segment: nameString('segment id') });

export function parseJourney(input: unknown): JourneyDefinition {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid(undefined, 'expected a journey object like {"name": ..., "entry": ..., "start": ..., "steps": {...}}');
  const top = check(journeySchema, input, '', 'a journey', Object.keys(journeySchema.shape));
  const entry = parseEntry(top.entry);
  const steps = parseSteps(top.steps);
  checkGraph(top.start, steps);
  const def: JourneyDefinition = { name: top.name, entry, reentry: top.reentry, priority: top.priority, start: top.start, steps: Object.fromEntries(steps) };
  if (top.description !== undefined) def.description = top.description;
  if (top.goal !== undefined) def.goal = top.goal;
  if (top.exit !== undefined) def.exit = top.exit;
  return def;
}

function parseEntry(v: unknown): Entry {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw invalid('entry', v === undefined ? 'entry is required: {"event": name, "where": [...]} or {"segment": id}' : 'entry must be {"event": name, "where": [...]} or {"segment": id}');
  }
  if (Object.hasOwn(v, 'segment')) return check(segmentEntry, v, 'entry', 'a segment entry', ['segment']);
  if (!Object.hasOwn(v, 'event')) throw invalid('entry', 'entry must be {"event": name, "where": [...]} or {"segment": id}');
  return check(eventMatch, v, 'entry', 'an event entry', Object.keys(eventMatchShape));
}

function parseSteps(v: unknown): Map<string, Step> {
  if (v === undefined) throw invalid('steps', 'steps is required: an object of step id → step');
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid('steps', 'steps must be an object of step id → step');
  const ids = Object.keys(v);
  if (ids.length === 0) throw invalid('steps', 'a journey needs at least one step');
  if (ids.length > MAX_STEPS) throw invalid('steps', `a journey has at most ${MAX_STEPS} steps, this one has ${ids.length}`);
  const steps = new Map<string, Step>();
  for (const id of ids) {
    // "__proto__" passes the pattern but would set the prototype of a plain object.
    if (!STEP_ID_RE.test(id) || id === '__proto__') throw invalid('steps', `step id ${JSON.stringify(id)} must be 1–64 letters, digits, "_" or "-" (and not "__proto__")`);
    steps.set(id, parseStep((v as Record<string, unknown>)[id], `steps.${id}`));
  }
  return steps;
}

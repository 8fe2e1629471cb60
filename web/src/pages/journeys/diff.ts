// "Draft vs published" in words: what publishing the draft would change, step by step.
import { short, TYPE_LABEL, type Definition, type Step } from './model.ts';

export interface Change { what: 'added' | 'removed' | 'changed'; subject: string; details: string[] }

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Field-by-field differences of two objects, as "field: old → new". */
function fieldChanges(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter(k => !same(a[k], b[k])).map(k =>
    a[k] === undefined ? `${k} set to ${short(b[k])}` : b[k] === undefined ? `${k} removed (was ${short(a[k])})` : `${k}: ${short(a[k])} → ${short(b[k])}`);
}

const JOURNEY_FIELDS = ['name', 'description', 'entry', 'reentry', 'goal', 'exit', 'priority', 'start'] as const;

/** Fills in the defaults the server fills in on save, so an unsaved edit does not show them as changes. */
function withDefaults(d: Definition): Definition {
  const steps = Object.fromEntries(Object.entries(d.steps).map(([id, s]) => [id, s.type === 'send' && s.purpose === undefined ? { ...s, purpose: 'marketing' } : s]));
  return { ...d, reentry: d.reentry ?? 'never', priority: d.priority ?? 0, ...(d.goal ? { goal: { within: '30d', ...d.goal } } : {}), steps };
}

export function diffDefinitions(publishedIn: Definition | null, draftIn: Definition): Change[] {
  const published = publishedIn && withDefaults(publishedIn);
  const draft = withDefaults(draftIn);
  if (!published) return [{ what: 'added', subject: 'the whole journey', details: ['never published: publishing makes it live'] }];
  const out: Change[] = [];
  const top = (d: Definition) => Object.fromEntries(JOURNEY_FIELDS.map(k => [k, d[k]]));
  const journey = fieldChanges(top(published), top(draft));
  if (journey.length) out.push({ what: 'changed', subject: 'journey settings', details: journey });
  const label = (id: string, s: Step) => `step "${id}" (${TYPE_LABEL[s.type] ?? s.type})`;
  for (const [id, s] of Object.entries(draft.steps)) {
    const old = published.steps[id];
    if (!old) out.push({ what: 'added', subject: label(id, s), details: [] });
    else if (!same(old, s)) out.push({ what: 'changed', subject: label(id, s), details: old.type !== s.type ? [`type: ${old.type} → ${s.type}`] : fieldChanges(old, s) });
  }
  for (const [id, s] of Object.entries(published.steps)) if (!draft.steps[id]) out.push({ what: 'removed', subject: label(id, s), details: [] });
  return out;
}

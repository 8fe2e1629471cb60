// Edits of the definition the canvas makes: insert a step on an edge, delete a step,
// point a field at another step. Each returns a new definition and never leaves a step
// unreachable that was reachable before (except a deliberate re-point by the user).
import { clone, ENTRY, type Definition, type Step, type StepType } from './model.ts';
import type { FlowEdge } from './graph.ts';

/** A fresh id for a step of `type`: "send_2" when "send_1" is taken. */
export function newStepId(def: Definition, type: StepType): string {
  for (let i = 1; ; i++) if (!Object.hasOwn(def.steps, `${type}_${i}`)) return `${type}_${i}`;
}

/**
 * A new step of `type` whose every way out leads to `to`. Fields the user must choose
 * (an event name, a condition, a template) start empty, so the step shows as unconfigured.
 */
export function newStep(type: StepType, to: string): Step {
  switch (type) {
    case 'wait': return { type, for: '1d', next: to };
    case 'wait_event': return { type, events: [{ event: '', next: to }], timeout: '3d', on_timeout: to };
    case 'send': return { type, channel: 'email', template: '', next: to };
    case 'branch': return { type, cases: [{ if: null, next: to }], else: to };
    case 'split': return { type, paths: [{ percent: 50, next: to }, { percent: 50, next: to }] };
    case 'audience': return { type, action: 'add', audience: '', next: to };
    case 'update': return { type, traits: {}, next: to };
    case 'webhook': return { type, url: '', next: to };
    case 'exit': return { type };
  }
}

/** Reads a dotted field ("cases.0.next") of an object. */
export function getPath(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
}

/** Sets a dotted field, creating nothing: the containers must exist. */
export function setPath(o: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], o) as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete parent[last]; else parent[last] = value;
}

/** Inserts a new step of `type` on `edge`: the edge's source now leads to it, it leads to the edge's target. */
export function insertOnEdge(def: Definition, edge: FlowEdge, type: StepType): { def: Definition; id: string } {
  const next = clone(def);
  const id = newStepId(next, type);
  next.steps[id] = newStep(type, edge.to);
  if (edge.from === ENTRY) next.start = id;
  else setPath(next.steps[edge.from], edge.field, id);
  return { def: next, id };
}

/** Adds a step after `after` (on its first way out), or at the start when nothing is selected. */
export function insertAfter(def: Definition, after: string | null, type: StepType, edges: FlowEdge[]): { def: Definition; id: string } | { error: string } {
  const edge = edges.find(e => e.from === (after ?? ENTRY) && e.kind !== 'holdout');
  if (!edge) return { error: after ? `"${after}" has no way out to add a step on; select another step or use a + on an edge` : 'the journey has no start' };
  return insertOnEdge(def, edge, type);
}

/**
 * Deletes a step: whatever led to it now leads where it led (its first way out). An exit
 * step still led to cannot go, since there would be nothing to lead to.
 */
export function deleteStep(def: Definition, id: string, edges: FlowEdge[]): { def: Definition } | { error: string } {
  const out = edges.find(e => e.from === id && e.kind !== 'holdout' && e.to);
  const incoming = edges.filter(e => e.to === id && e.from !== id);
  if (!out && incoming.length) return { error: `"${id}" ends the paths that lead to it; point them elsewhere before deleting it` };
  const next = clone(def);
  delete next.steps[id];
  for (const e of incoming) {
    if (e.from === ENTRY) next.start = out!.to;
    else if (next.steps[e.from]) setPath(next.steps[e.from], e.field, out!.to);
  }
  return { def: next };
}

/** Adds a new exit step and returns its id, for "leads to: a new exit". */
export function addExit(def: Definition): { def: Definition; id: string } {
  const next = clone(def);
  const id = newStepId(next, 'exit');
  next.steps[id] = { type: 'exit' };
  return { def: next, id };
}

/** A journey to start from: the entry event and one exit. */
export function blankJourney(name: string, event: string): Definition {
  return { name, entry: { event }, start: 'end', steps: { end: { type: 'exit' } } };
}

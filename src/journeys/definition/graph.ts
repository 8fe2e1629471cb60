/**
 * Checks on the journey as a graph: every reference points at a step, every step can be
 * reached from `start` (editing leaves orphans behind, and an orphan is almost always a
 * mistake the marketer wants to hear about), and no loop can run without letting time
 * pass (it would spin at one instant forever).
 */
import { invalid } from './deps.ts';
import type { Step } from './types.ts';

/** An edge out of a step: the step it leads to and the field (under the step) naming it. */
export interface Edge { to: string; field: string }

export function successors(step: Step): Edge[] {
  switch (step.type) {
    case 'exit': return [];
    case 'branch': return [...step.cases.map((c, i) => ({ to: c.next, field: `cases.${i}.next` })), { to: step.else, field: 'else' }];
    case 'split': return step.paths.flatMap((p, i) => ('next' in p && p.next !== undefined ? [{ to: p.next, field: `paths.${i}.next` }] : []));
    case 'wait_event': return [...step.events.map((e, i) => ({ to: e.next, field: `events.${i}.next` })), { to: step.on_timeout, field: 'on_timeout' }];
    default: return [{ to: step.next, field: 'next' }];
  }
}

/**
 * A step that lets time pass before its successors run. A wait until an absolute
 * instant does not count: once that instant is past it returns at once. A local-time
 * wait counts, which holds only if the engine never resumes one wait step twice at the
 * same instant (nextLocalTime answers "now" when now is exactly that time).
 */
export function letsTimePass(step: Step): boolean {
  if (step.type === 'wait_event') return true;
  if (step.type !== 'wait') return false;
  return 'for' in step || !('at' in step.until);
}

export function checkGraph(start: string, steps: ReadonlyMap<string, Step>): void {
  if (!steps.has(start)) throw invalid('start', `step ${JSON.stringify(start)} does not exist${hint(steps)}`);
  for (const [id, step] of steps) {
    for (const e of successors(step)) {
      if (!steps.has(e.to)) throw invalid(`steps.${id}.${e.field}`, `step ${JSON.stringify(e.to)} does not exist${hint(steps)}`);
    }
  }
  const reached = new Set<string>([start]);
  const queue = [start];
  while (queue.length) {
    for (const e of successors(steps.get(queue.shift() as string) as Step)) {
      if (!reached.has(e.to)) { reached.add(e.to); queue.push(e.to); }
    }
  }
  for (const id of steps.keys()) {
    if (!reached.has(id)) throw invalid(`steps.${id}`, `step "${id}" is not reachable from start "${start}"; link to it with "next" or delete it`);
  }
  checkLoops(start, steps);
}

function hint(steps: ReadonlyMap<string, Step>): string {
  const ids = [...steps.keys()];
  return ids.length <= 20 ? `; steps are ${ids.map(i => JSON.stringify(i)).join(', ')}` : '';
}

/** Depth-first search over the steps that let no time pass; a back edge closes a loop. */
function checkLoops(start: string, steps: ReadonlyMap<string, Step>): void {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    const step = steps.get(id) as Step;
    if (!letsTimePass(step)) {
      for (const e of successors(step)) {
        const s = state.get(e.to);
        if (s === 'open') {
          const loop = [...stack.slice(stack.indexOf(e.to)), e.to];
          throw invalid(`steps.${id}.${e.field}`, `the loop ${loop.join(' → ')} has no wait; it would repeat forever at one instant. Add a "wait" (with "for" or a local time) or "wait_event" step to it`);
        }
        if (s === undefined) visit(e.to);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  // A waiting step ends the search along its path, so loops through it are fine, but the
  // steps after it still need a search of their own.
  for (const id of [start, ...steps.keys()]) if (!state.has(id)) visit(id);
}

import type { Tx } from '../../store/index.ts';
import { compile, loadStates, type ProfileState } from '../../segments/index.ts';
import type { ProfileBatch } from '../../profiles/index.ts';
import { successors, type BranchStep, type JourneyDefinition } from '../definition/index.ts';

/**
 * The evaluation inputs of the profiles whose runs a batch may take into a branch step,
 * loaded in one go with events back to `lookback` (null: all of them). Read at a branch only
 * when that covers the branch's own lookback (see branchState).
 */
export interface BranchStates { states: Map<string, ProfileState>; lookback: number | null }

/** How far back a branch's cases look at events (null: all of history). */
export function branchLookback(step: BranchStep): number | null {
  let max = 0;
  for (const x of step.cases) {
    const l = compile(x.if).requirements.lookback;
    if (l === null) return null;
    if (l > max) max = l;
  }
  return max;
}

/** What `step` reads of the profile: from the batch's load when it covers the branch's lookback, else read on its own. */
export async function branchState(tx: Tx, pre: BranchStates | undefined, profileId: string, step: BranchStep, now: number): Promise<ProfileState | undefined> {
  const lookback = branchLookback(step);
  const covered = pre !== undefined && (pre.lookback === null || (lookback !== null && lookback <= pre.lookback));
  return (covered ? pre.states.get(profileId) : undefined)
    ?? (await loadStates(tx, [profileId], lookback === null ? null : now - lookback, null)).get(profileId);
}

/**
 * The runs of a batch that may reach a branch step, so that what their branches read is
 * loaded once for them all. Read run by run, each branch took three statements (profile,
 * memberships, events): a crowd of 20,000 timers falling due into a branch moved on at about
 * 1,250 runs/s, against 11,000 into an exit. Known beforehand is each run's first move in the
 * batch: a timer's (a wait ending, a wait_event timing out, a send falling back), an event's
 * (a wait_event hit, engagement with a message, the identify of its update step) and an entry;
 * from there, every branch the run can reach before it next waits (see branchesAhead). A run
 * reaching a branch on a second event of its profile in the batch reads on its own, as before.
 */
export class BranchTargets {
  private ids = new Set<string>();
  /** The longest lookback among the branches (null: all of history). */
  private lookback: number | null = 0;

  /** The run of `profileId` is about to take `stepId` of `def`, and so may reach its branches ahead. */
  add(profileId: string, def: JourneyDefinition, stepId: string | null | undefined): void {
    if (!stepId) return;
    for (const step of branchesAhead(def, stepId)) {
      this.ids.add(profileId);
      const l = branchLookback(step);
      this.lookback = l === null || this.lookback === null ? null : Math.max(l, this.lookback);
    }
  }

  /**
   * Loads them, after the batch's profile changes are written (`known`: the batch's own
   * profiles, not read again). Nothing the journey stage does before a branch changes what a
   * branch reads (profiles, computed traits, memberships, events), so one load at the start
   * of the stage sees what a load at each branch would.
   */
  async load(tx: Tx, now: number, known?: ProfileBatch): Promise<BranchStates | undefined> {
    if (!this.ids.size) return undefined;
    const states = await loadStates(tx, [...this.ids], this.lookback === null ? null : now - this.lookback, null, { known });
    return { states, lookback: this.lookback };
  }
}

const ahead = new WeakMap<JourneyDefinition, Map<string, BranchStep[]>>();
const TURN_ENDS = new Set(['wait', 'wait_event', 'update', 'exit']);

/**
 * The branches a run taking `stepId` can reach in the same turn: the step itself if it is one,
 * and those past the steps a run goes straight through (a branch's every case, a split's every
 * path, a send, an audience step, a webhook), up to the steps that make it wait or end. Every
 * path counts, whichever the run will take: loading a branch's data for a run that ends up
 * elsewhere costs its rows in the one statement that loads them all, where reading on its own
 * would cost three statements for each run that does get there; and none of those steps
 * changes what a branch reads. Worked out once per published version and step (versions
 * never change).
 */
export function branchesAhead(def: JourneyDefinition, stepId: string): BranchStep[] {
  let byStep = ahead.get(def);
  if (!byStep) ahead.set(def, (byStep = new Map()));
  let found = byStep.get(stepId);
  if (found) return found;
  found = [];
  const seen = new Set<string>();
  const todo = [stepId];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    const step = def.steps[id];
    if (seen.has(id) || !step) continue;
    seen.add(id);
    if (step.type === 'branch') found.push(step);
    // A wait, a wait_event and an update step make the run wait; an exit ends it.
    if (!TURN_ENDS.has(step.type)) for (const e of successors(step)) todo.push(e.to);
  }
  byStep.set(stepId, found);
  return found;
}

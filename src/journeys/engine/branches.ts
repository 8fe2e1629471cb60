import type { Tx } from '../../store/index.ts';
import { loadStates } from '../../segments/index.ts';
import type { ProfileBatch } from '../../profiles/index.ts';
import type { JourneyDefinition } from '../definition/index.ts';
import { branchLookback, type BranchStates } from './engine.ts';

/**
 * The runs of a batch about to enter a branch step, so that what their branches read is
 * loaded once for them all. Read run by run, each branch took three statements (profile,
 * memberships, events): a crowd of 20,000 timers falling due into a branch moved on at about
 * 1,250 runs/s, against 11,000 into an exit. Known beforehand is each run's first move in the
 * batch: a timer's (a wait ending, a wait_event timing out), an event's (a wait_event hit,
 * engagement with a message) and an entry into a journey whose first step is a branch. Runs
 * reaching a branch later in their turn (a branch after a split, a second event of the
 * profile in the batch) read on their own, as before.
 */
export class BranchTargets {
  private ids = new Set<string>();
  /** The longest lookback among the branches (null: all of history). */
  private lookback: number | null = 0;

  /** The run of `profileId` is about to enter `stepId` of `def`. */
  add(profileId: string, def: JourneyDefinition, stepId: string | null | undefined): void {
    const step = stepId ? def.steps[stepId] : undefined;
    if (step?.type !== 'branch') return;
    this.ids.add(profileId);
    const l = branchLookback(step);
    this.lookback = l === null || this.lookback === null ? null : Math.max(l, this.lookback);
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

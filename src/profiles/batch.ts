import type { StageContext } from '../bus/index.ts';
import type { Tx } from '../store/index.ts';
import type { ProfileRecord } from './cache.ts';
import { saveProfiles } from './repo.ts';

const KEY = 'profiles';

/**
 * The profiles one pipeline batch works on (every live profile its events belong to), shared
 * by its stages so that a later stage neither reads them again nor writes them a second
 * time: changes are gathered and written in one statement, before the batch commits or
 * earlier when a stage is about to read profiles from the database (`flush`).
 */
export class ProfileBatch {
  private dirty = new Set<string>();
  private queued = false;

  /**
   * `created` are profiles this batch created and merged with nothing: their whole history is
   * the batch's own events.
   */
  private readonly records: Map<string, ProfileRecord>;
  private readonly made: Set<string>;

  constructor(private tx: Tx, private ctx: StageContext, records: ReadonlyMap<string, ProfileRecord>, created: ReadonlySet<string>) {
    this.records = new Map(records);
    this.made = new Set(created);
  }

  get(id: string): ProfileRecord | undefined { return this.records.get(id); }

  get created(): ReadonlySet<string> { return this.made; }

  /** The profiles of events the batch emitted and runs through its stages again. */
  absorb(records: ReadonlyMap<string, ProfileRecord>, created: ReadonlySet<string>) {
    for (const [id, r] of records) this.records.set(id, r);
    for (const id of created) this.made.add(id);
  }

  /** The profile changed: write it before the batch commits. */
  touch(id: string) {
    this.dirty.add(id);
    if (this.queued) return;
    this.queued = true;
    this.ctx.beforeCommit(() => this.flush());
  }

  async flush() {
    this.queued = false;
    if (!this.dirty.size) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    await saveProfiles(this.tx, ids.map(id => this.records.get(id)!));
  }
}

export function shareBatch(ctx: StageContext, batch: ProfileBatch) { ctx.shared.set(KEY, batch); }

/** The batch's profiles, when the profile stage ran in this pipeline batch. */
export function batchProfiles(ctx: StageContext | undefined): ProfileBatch | undefined {
  return ctx?.shared.get(KEY) as ProfileBatch | undefined;
}

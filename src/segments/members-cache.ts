import type { PipelineCache } from '../bus/index.ts';

/**
 * Each hot profile's segment memberships and the due time of its segment re-check timer,
 * kept by the pipeline between batches so a batch neither reads memberships back nor
 * rewrites an unchanged timer for every profile it evaluates. Memberships are written only by
 * the pipeline's evaluation (the incremental path and the compute job), which stores what it
 * wrote once the batch commits; deleting a segment removes rows of a segment that is never
 * evaluated or referenced again, so a cached id of it changes no answer. Merges and deleted
 * profiles are evicted like the other pipeline caches. Bounded by profile count.
 */
export class MembershipCache implements PipelineCache {
  private byProfile = new Map<string, ReadonlySet<string>>();
  private dueAt = new Map<string, number>();

  constructor(private readonly maxProfiles = 200_000) {}

  get(profileId: string): ReadonlySet<string> | undefined { return this.byProfile.get(profileId); }

  put(profileId: string, segments: ReadonlySet<string>) { this.remember(this.byProfile, profileId, new Set(segments)); }

  /**
   * The due time of the profile's segment timer as this pipeline last wrote it. The row may be
   * due sooner (timers keep the earliest), never later; once due it may have fired, and a
   * fired timer's row is gone, so only a due time still ahead says a timer is waiting.
   */
  timerDue(profileId: string): number | undefined { return this.dueAt.get(profileId); }

  putTimer(profileId: string, dueAt: number) { this.remember(this.dueAt, profileId, dueAt); }

  /** Sets the entry as the most recently used; the least recently used go past the bound. */
  private remember<T>(map: Map<string, T>, profileId: string, value: T) {
    map.delete(profileId);
    map.set(profileId, value);
    for (const id of map.keys()) {
      if (map.size <= this.maxProfiles) break;
      map.delete(id);
    }
  }

  evict(profileIds: readonly string[]) { for (const id of profileIds) { this.byProfile.delete(id); this.dueAt.delete(id); } }

  clear() { this.byProfile.clear(); this.dueAt.clear(); }

  get size() { return this.byProfile.size; }
}

/**
 * The cache with the hook that runs after the batch's transaction commits, and the profiles
 * whose segment timer fired into this batch (their cached due time no longer has a row).
 */
export interface MembershipSource {
  cache: MembershipCache;
  afterCommit: (f: () => void) => void;
  fired?: ReadonlySet<string>;
  /** Memberships this transaction has decided so far (the cache changes only once it commits). */
  pending?: Map<string, ReadonlySet<string>>;
}

/** Memberships as the caller's transaction sees them: its own decisions, else the cache's. */
export function currentMemberships(m: MembershipSource): { get(profileId: string): ReadonlySet<string> | undefined } {
  return { get: id => m.pending?.get(id) ?? m.cache.get(id) };
}

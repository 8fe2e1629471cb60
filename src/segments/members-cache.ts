import type { PipelineCache } from '../bus/index.ts';

/**
 * Each hot profile's segment memberships, kept by the pipeline between batches so a batch
 * does not read them back for every profile it evaluates. Memberships are written only by
 * the pipeline's evaluation (the incremental path and the compute job), which stores what it
 * wrote once the batch commits; deleting a segment removes rows of a segment that is never
 * evaluated or referenced again, so a cached id of it changes no answer. Merges and deleted
 * profiles are evicted like the other pipeline caches. Bounded by profile count.
 */
export class MembershipCache implements PipelineCache {
  private byProfile = new Map<string, ReadonlySet<string>>();

  constructor(private readonly maxProfiles = 200_000) {}

  get(profileId: string): ReadonlySet<string> | undefined { return this.byProfile.get(profileId); }

  put(profileId: string, segments: ReadonlySet<string>) {
    this.byProfile.delete(profileId);
    this.byProfile.set(profileId, new Set(segments));
    for (const id of this.byProfile.keys()) {
      if (this.byProfile.size <= this.maxProfiles) break;
      this.byProfile.delete(id);
    }
  }

  evict(profileIds: readonly string[]) { for (const id of profileIds) this.byProfile.delete(id); }

  clear() { this.byProfile.clear(); }

  get size() { return this.byProfile.size; }
}

/** The cache with the hook that runs after the batch's transaction commits. */
export interface MembershipSource { cache: MembershipCache; afterCommit: (f: () => void) => void }

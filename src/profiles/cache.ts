import type { PipelineCache } from '../bus/index.ts';
import type { Identity, Profile } from '../shared/index.ts';

/** A profile as the pipeline holds it: its state, its computed traits and the identifiers it owns. */
export interface ProfileRecord {
  profile: Profile; computed: Record<string, unknown>; identities: Identity[];
  /**
   * Its JSON columns as the database holds them, serialised (set when read or written); absent
   * while the profile has never been written. Saving sends only the columns that differ.
   */
  stored?: StoredColumns;
}

/**
 * The profile's JSON columns, each as its JSON text; `seen` is left out: nearly every event
 * moves it, so it is always written. The texts take about 540 bytes a cached profile
 * like the ingest benchmark's: about 100 MiB at the cache's default bound of 200,000 profiles.
 */
export type StoredColumns = Record<'traits' | 'traitTimes' | 'channels' | 'consent' | 'computed', string>;

/** Identifiers are per workspace: the same user id in two workspaces is two people. */
const ownerKey = (workspaceId: string, i: Identity) => `${workspaceId}\u0000${i.type}\u0000${i.value}`;

/**
 * Hot profiles kept by the pipeline between batches, so a batch reads from the database only
 * the identifiers and profiles it has not seen lately. The pipeline writes every profile and
 * identity (deletions excepted, see PipelineCache), so an entry is the stored row as of the
 * last committed batch. A batch works on the entries in place; they are put back after it
 * commits, and the processor clears everything if it rolls back. Bounded by profile count;
 * the least recently used go first.
 */
export class ProfileCache implements PipelineCache {
  private byId = new Map<string, ProfileRecord>();
  private owners = new Map<string, string>();
  /** Per cached profile, how many of its record's identities `owners` holds: a batch only ever adds to the list. */
  private indexed = new Map<string, number>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxProfiles = 200_000) {}

  get(profileId: string): ProfileRecord | undefined { return this.byId.get(profileId); }

  /** The live profile that owns an identifier in a workspace, when cached; undefined means "ask the database". */
  ownerOf(workspaceId: string, i: Identity): string | undefined { return this.owners.get(ownerKey(workspaceId, i)); }

  /** Stores what a committed batch left: `records` are live profiles, `gone` were merged away. */
  put(records: Iterable<ProfileRecord>, gone: Iterable<string>) {
    for (const id of gone) this.drop(id);
    for (const r of records) {
      // Most records a batch puts back are the cached ones it worked on in place: only the
      // identifiers it added need an owner entry. Re-keying every identifier of every record
      // took 7 µs a record, about 0.7 s of pipeline time per 100,000 events.
      const from = this.byId.get(r.profile.id) === r ? this.indexed.get(r.profile.id) ?? 0 : 0;
      if (from === 0) this.drop(r.profile.id);
      // Deleted and set again so that the map's order stays least recently used first.
      else this.byId.delete(r.profile.id);
      this.byId.set(r.profile.id, r);
      for (let n = from; n < r.identities.length; n++) this.owners.set(ownerKey(r.profile.workspaceId, r.identities[n]), r.profile.id);
      this.indexed.set(r.profile.id, r.identities.length);
    }
    for (const id of this.byId.keys()) {
      if (this.byId.size <= this.maxProfiles) break;
      this.drop(id);
    }
  }

  evict(profileIds: readonly string[]) { for (const id of profileIds) this.drop(id); }

  clear() { this.byId.clear(); this.owners.clear(); this.indexed.clear(); }

  get size() { return this.byId.size; }

  private drop(id: string) {
    const r = this.byId.get(id);
    if (!r) return;
    this.byId.delete(id);
    this.indexed.delete(id);
    for (const i of r.identities) {
      const k = ownerKey(r.profile.workspaceId, i);
      if (this.owners.get(k) === id) this.owners.delete(k);
    }
  }
}

import type { Tx } from '../store/index.ts';
import type { OmnisEvent, StoredEvent } from '../shared/index.ts';

// What the pipeline's stages and jobs see of the processor that runs them (processor.ts).

export interface StageContext {
  /**
   * Appends events the pipeline itself produces ("Segment Entered", ...) inside the batch's
   * transaction, so they exist exactly when the batch's effects do, and runs them through the
   * stages after the batch's own events, in the same transaction (a segment entry starts its
   * journey with no second trip through the log). Deterministic messageIds make them idempotent.
   */
  emit(workspaceId: string, events: OmnisEvent[]): Promise<void>;
  /** Runs `f` once the batch's transaction has committed (never when it rolls back): for caches of what it wrote. */
  afterCommit(f: () => void): void;
  /** Runs `f` after the batch's last stage, inside its transaction: writes that stages gather and make once. */
  beforeCommit(f: () => Promise<void>): void;
  /** State the stages of one batch share (one transaction), each entry owned by the module that keys it. */
  readonly shared: Map<string, unknown>;
  /** These profiles' stored state changed in a way the pipeline's caches cannot follow (a merge): drop them now. */
  evict(profileIds: readonly string[]): void;
}

/** What a module keeps for the whole batch (every round of it) under `key`: made on first use, the same value after. */
export function batchValue<T>(ctx: StageContext, key: string, make: () => T): T {
  if (!ctx.shared.has(key)) ctx.shared.set(key, make());
  return ctx.shared.get(key) as T;
}

/**
 * What the pipeline keeps in memory between batches about profiles (their state, identities,
 * event histories). The pipeline is their only writer, except deletions: those are logged in
 * profile_changes and evicted at the start of the next batch. After a batch that rolled back,
 * everything is cleared, since stages may have changed entries in place.
 */
export interface PipelineCache {
  evict(profileIds: readonly string[]): void;
  clear(): void;
}

/**
 * A pipeline stage: takes one workspace's events in log order inside the batch's
 * transaction and returns the events passed on to the next stage.
 */
export type Stage = (tx: Tx, workspaceId: string, events: StoredEvent[], ctx: StageContext) => Promise<StoredEvent[]>;

/** Background work interleaved with batches (one chunk per turn); resolves true while there is more. */
export type Job = (tx: Tx, ctx: StageContext) => Promise<boolean>;

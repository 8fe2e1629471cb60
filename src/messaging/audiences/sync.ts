/**
 * The ad-audience sync: journeys add people to audiences and remove them (rows in
 * audience_memberships); this loop sends those changes to the configured ad platforms and
 * marks each row's `synced_at`.
 *
 * A pass takes every audience with unsent changes, resolves its platforms (platforms.ts),
 * and for each platform: ensures the audience exists there, sends every open member when a
 * backfill is due (first sync, a new provider or account, after an error, on request), then
 * the changes in batches of `batchSize` members: adds, and removals of people no other open
 * membership still holds. Providers normalise and hash identifiers per platform.
 *
 * Failures, per audience and platform (audience_sync_targets):
 * - retryable (429, 5xx, timeouts): the audience waits, backing off like the outbox, and is
 *   sent again whole; adding or removing the same people twice is harmless on both platforms.
 *   After `retry.maxAttempts` it becomes an error.
 * - not retryable (bad token, permissions): that platform is left out, the others go on,
 *   and it is backfilled once its channel configuration changes (or on request).
 * Run the loop in one process: two would both send (harmlessly, but twice).
 */
import type { Db } from '../../store/index.ts';
import { WorkLoop, type Clock } from '../../shared/index.ts';
import type { ChannelService } from '../channels/index.ts';
import type { AudienceMember } from '../providers/index.ts';
import { ProviderError } from '../providers/index.ts';
import { DEFAULT_RETRY, retryDelay, type RetryOptions } from '../outbox/index.ts';
import { loadMembers, markSynced, openRows, openRowsOf, pendingGroups, pendingRows, type LoadedMember, type MembershipRow } from './members.ts';
import { isRetryable, platformsOf, resolveTargets, type SyncPlatform, type Target } from './platforms.ts';
import { dueTargets, loadTargets, nextRetryAt, requestBackfill, saveTarget, unsentAudiences, type TargetState } from './targets.ts';

export interface AudienceSyncDeps {
  db: Db;
  clock: Clock;
  channels: ChannelService;
  /** Members per add/remove call; default 1000 (the providers split further to their API's limits). */
  batchSize?: number;
  /** Longest wait between passes; default 60 000 ms. */
  intervalMs?: number;
  /** Backoff of retryable failures; default the outbox's (30 s doubling to 1 h, 8 attempts). */
  retry?: Partial<RetryOptions>;
  /** Jitter source; default Math.random. */
  random?: () => number;
  onError?: (err: unknown) => void;
}

/** Audiences synced (not those waiting for a retry), members sent, failures. */
export interface SyncReport { audiences: number; added: number; removed: number; errors: number }

interface Active { t: Target; state: TargetState; backfilledThrough: number }

export class AudienceSync {
  private readonly work: WorkLoop<SyncReport>;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly retry: RetryOptions;
  private readonly onError: (err: unknown) => void;

  constructor(private readonly deps: AudienceSyncDeps) {
    this.batchSize = deps.batchSize ?? 1000;
    this.intervalMs = deps.intervalMs ?? 60_000;
    this.retry = { ...DEFAULT_RETRY, ...deps.retry };
    this.onError = deps.onError ?? (err => console.error('audience sync:', err));
    // Every interval, or sooner when a retry falls due, but not more than once a second.
    this.work = new WorkLoop({
      clock: deps.clock, pass: () => this.pass(), onError: this.onError,
      next: async () => {
        const now = deps.clock.now();
        const retryAt = await nextRetryAt(deps.db).catch(() => null);
        return { at: Math.max(now + 1000, Math.min(now + this.intervalMs, retryAt ?? Infinity)) };
      },
    });
  }

  start(): void {
    this.work.start();
  }

  async stop(): Promise<void> {
    await this.work.stop();
  }

  /** Wakes a sleeping loop now. */
  poke(): void {
    this.work.poke();
  }

  /** One pass over every audience with something to send. Passes never overlap. */
  runOnce(): Promise<SyncReport> {
    return this.work.runOnce();
  }

  /** Resends every open member of an audience (to one platform or all) at the next pass. */
  async backfill(workspaceId: string, audience: string, platform?: SyncPlatform): Promise<number> {
    const n = await requestBackfill(this.deps.db, workspaceId, audience, platform);
    this.poke();
    return n;
  }

  private async pass(): Promise<SyncReport> {
    const { db, clock } = this.deps;
    const report: SyncReport = { audiences: 0, added: 0, removed: 0, errors: 0 };
    const groups = [...await pendingGroups(db, 200), ...await dueTargets(db, clock.now(), 200), ...await unsentAudiences(db, 100)];
    const seen = new Set<string>();
    for (const g of groups) {
      const key = `${g.workspaceId}\u0000${g.audience}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        if (await this.syncAudience(g.workspaceId, g.audience, report)) report.audiences++;
      } catch (err) {
        report.errors++;
        this.onError(err);
      }
    }
    return report;
  }

  /** False when the audience waits for a platform's retry. */
  private async syncAudience(workspaceId: string, audience: string, report: SyncReport): Promise<boolean> {
    const { db, clock, channels } = this.deps;
    const now = clock.now();
    const { targets, problems } = await resolveTargets(channels, workspaceId);
    const states = new Map((await loadTargets(db, workspaceId, audience)).map(s => [s.platform, s]));
    for (const p of problems) {
      const prev = states.get(p.platform);
      if (prev?.status === 'error' && prev.revision === p.revision && prev.lastError === p.error) continue;
      await this.fail(workspaceId, audience, prev ?? fresh(p.platform, p.providerName, p.revision), p.revision, new Error(p.error), report, false);
    }

    // A platform sent to before but no longer configured misses the changes marked synced now: resend all when it is back.
    for (const prev of states.values()) {
      if (!targets.some(t => t.platform === prev.platform) && !problems.some(p => p.platform === prev.platform) && !prev.needsBackfill) {
        await saveTarget(db, workspaceId, audience, { ...prev, needsBackfill: true });
      }
    }

    const active: Active[] = [];
    for (const t of targets) {
      const prev = states.get(t.platform);
      // The whole audience waits for a platform in backoff, so the others are not sent the same change every pass.
      if (prev?.status === 'retrying' && (prev.nextAttemptAt ?? 0) > now) return false;
      if (prev?.status === 'error' && prev.revision === t.revision) continue;
      const same = prev !== undefined && prev.provider === t.providerName;
      const state = same ? { ...prev } : fresh(t.platform, t.providerName, t.revision);
      if (!same || prev.status === 'error') { state.needsBackfill = true; state.externalId = same ? state.externalId : null; }
      state.revision = t.revision;
      active.push({ t, state, backfilledThrough: 0 });
    }

    for (const a of [...active]) {
      try {
        a.state.externalId ??= await a.t.provider.ensureAudience(audience);
        if (a.state.needsBackfill) {
          a.backfilledThrough = await this.sendAll(workspaceId, audience, a, report);
          a.state.needsBackfill = false;
        }
      } catch (err) {
        if (await this.fail(workspaceId, audience, a.state, a.t.revision, err, report)) return this.saveProgress(workspaceId, audience, active, a, false);
        active.splice(active.indexOf(a), 1);
      }
    }

    for (let after = 0; ;) {
      const rows = await pendingRows(db, workspaceId, audience, after, this.batchSize);
      if (!rows.length) break;
      after = rows[rows.length - 1].id;
      const adds = rows.filter(r => r.removedAt === null);
      const removes = rows.filter(r => r.removedAt !== null);
      const stillOpen = await openRowsOf(db, workspaceId, audience, [...new Set(removes.map(r => r.profileId))]);
      const members = await loadMembers(db, workspaceId, [...new Set(rows.map(r => r.profileId))]);
      for (const a of [...active]) {
        const p = a.t.platform;
        const held = new Set(stillOpen.filter(r => platformsOf(r.platforms).includes(p)).map(r => r.profileId));
        const toAdd = uploadable(adds.filter(r => r.id > a.backfilledThrough && platformsOf(r.platforms).includes(p)), members, 'add');
        const toRemove = uploadable(removes.filter(r => platformsOf(r.platforms).includes(p) && !held.has(r.profileId)), members, 'remove');
        try {
          if (toAdd.length) { await a.t.provider.add(a.state.externalId!, toAdd); a.state.added += toAdd.length; report.added += toAdd.length; }
          if (toRemove.length) { await a.t.provider.remove(a.state.externalId!, toRemove); a.state.removed += toRemove.length; report.removed += toRemove.length; }
        } catch (err) {
          if (await this.fail(workspaceId, audience, a.state, a.t.revision, err, report)) return this.saveProgress(workspaceId, audience, active, a, false);
          active.splice(active.indexOf(a), 1);
        }
      }
      await markSynced(db, adds.map(r => r.id), removes.map(r => r.id), clock.now());
    }

    return this.saveProgress(workspaceId, audience, active, undefined, true);
  }

  /** Platforms that got everything asked of them so far are ok (the rows stay pending while another waits: resending is harmless). */
  private async saveProgress(workspaceId: string, audience: string, active: Active[], except: Active | undefined, done: boolean): Promise<boolean> {
    for (const a of active) {
      if (a === except) continue;
      await saveTarget(this.deps.db, workspaceId, audience, {
        ...a.state, status: 'ok', attempts: 0, nextAttemptAt: null, lastError: null, lastSyncedAt: this.deps.clock.now(),
      });
    }
    return done;
  }

  /** Every open member to one platform; returns the last membership id it covered. */
  private async sendAll(workspaceId: string, audience: string, a: Active, report: SyncReport): Promise<number> {
    let after = 0;
    for (;;) {
      const rows = await openRows(this.deps.db, workspaceId, audience, after, this.batchSize);
      if (!rows.length) return after;
      after = rows[rows.length - 1].id;
      const mine = rows.filter(r => platformsOf(r.platforms).includes(a.t.platform));
      const members = uploadable(mine, await loadMembers(this.deps.db, workspaceId, [...new Set(mine.map(r => r.profileId))]), 'add');
      if (members.length) {
        await a.t.provider.add(a.state.externalId!, members);
        a.state.added += members.length;
        report.added += members.length;
      }
    }
  }

  /** Records a failure; true when the platform will be retried (the audience then waits). */
  private async fail(workspaceId: string, audience: string, state: TargetState, revision: string | null, err: unknown, report: SyncReport, retryable = isRetryable(err)): Promise<boolean> {
    report.errors++;
    const now = this.deps.clock.now();
    const attempts = state.attempts + 1;
    const message = `${(err as Error)?.message ?? String(err)}`.slice(0, 1000);
    const retry = retryable && attempts < this.retry.maxAttempts;
    const after = err instanceof ProviderError ? err.opts.retryAfterMs : undefined;
    await saveTarget(this.deps.db, workspaceId, audience, {
      ...state, revision, attempts, lastError: message,
      status: retry ? 'retrying' : 'error',
      nextAttemptAt: retry ? now + Math.max(1000, retryDelay(attempts, this.retry, this.deps.random ?? Math.random, after)) : null,
      needsBackfill: retry ? state.needsBackfill : true,
    });
    if (!retry) this.onError(new Error(`audience sync: ${audience} to ${state.platform} in ${workspaceId} stopped: ${message}`));
    return retry;
  }
}

function fresh(platform: SyncPlatform, provider: string, revision: string | null): TargetState {
  return { platform, provider, externalId: null, status: 'ok', revision, attempts: 0, nextAttemptAt: null, lastError: null, needsBackfill: true, lastSyncedAt: null, added: 0, removed: 0 };
}

/** One member per person with something to match on; people who refused ads are not added. */
function uploadable(rows: MembershipRow[], members: Map<string, LoadedMember>, kind: 'add' | 'remove'): AudienceMember[] {
  const out: AudienceMember[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.profileId)) continue;
    seen.add(r.profileId);
    // A forgotten customer's removal goes out with the identifiers kept for it.
    const m = members.get(r.profileId) ?? (kind === 'remove' && r.forgotten ? { member: r.forgotten, adsConsent: null } : undefined);
    if (!m || (kind === 'add' && m.adsConsent === 'denied')) continue;
    if (!m.member.email?.length && !m.member.phone?.length && !(m.member.firstName && m.member.lastName)) continue;
    out.push(m.member);
  }
  return out;
}

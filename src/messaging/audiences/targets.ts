/** Sync state per audience per platform (audience_sync_targets). */
import type { Queryable } from '../../store/index.ts';
import { msOrNull } from '../../store/index.ts';
import type { SyncPlatform } from './platforms.ts';

export interface TargetState {
  platform: SyncPlatform;
  provider: string;
  externalId: string | null;
  status: 'ok' | 'retrying' | 'error';
  revision: string | null;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  needsBackfill: boolean;
  lastSyncedAt: number | null;
  added: number;
  removed: number;
}

function toState(r: Record<string, unknown>): TargetState {
  return {
    platform: r.platform as SyncPlatform, provider: r.provider as string, externalId: (r.external_id as string | null) ?? null,
    status: r.status as TargetState['status'], revision: (r.revision as string | null) ?? null, attempts: Number(r.attempts),
    nextAttemptAt: msOrNull(r.next_attempt_at), lastError: (r.last_error as string | null) ?? null, needsBackfill: Boolean(r.needs_backfill),
    lastSyncedAt: msOrNull(r.last_synced_at), added: Number(r.added), removed: Number(r.removed),
  };
}

export async function loadTargets(q: Queryable, workspaceId: string, audience?: string): Promise<(TargetState & { audience: string })[]> {
  const rows = await q.query(
    'select * from audience_sync_targets where workspace_id = $1 and ($2::text is null or audience = $2) order by audience, platform',
    [workspaceId, audience ?? null]);
  return rows.map(r => ({ ...toState(r), audience: r.audience as string }));
}

export async function saveTarget(q: Queryable, workspaceId: string, audience: string, s: TargetState): Promise<void> {
  const t = (v: number | null) => (v === null ? null : new Date(v).toISOString());
  await q.query(
    `insert into audience_sync_targets (workspace_id, audience, platform, provider, external_id, status, revision, attempts, next_attempt_at,
       last_error, needs_backfill, last_synced_at, added, removed)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     on conflict (workspace_id, audience, platform) do update set provider = $4, external_id = $5, status = $6, revision = $7, attempts = $8,
       next_attempt_at = $9, last_error = $10, needs_backfill = $11, last_synced_at = $12, added = $13, removed = $14`,
    [workspaceId, audience, s.platform, s.provider, s.externalId, s.status, s.revision, s.attempts, t(s.nextAttemptAt), s.lastError,
      s.needsBackfill, t(s.lastSyncedAt), s.added, s.removed]);
}

/** Audiences with a backfill (of a configured platform) or a retry due, or an error whose channel has been reconfigured since. */
export async function dueTargets(q: Queryable, now: number, limit: number): Promise<{ workspaceId: string; audience: string }[]> {
  const rows = await q.query<{ workspace_id: string; audience: string }>(
    `select distinct t.workspace_id, t.audience from audience_sync_targets t
      where (t.status = 'ok' and t.needs_backfill and exists (select 1 from channel_configs c where c.workspace_id = t.workspace_id
               and c.channel in ('ads', 'ads_' || t.platform) and c.provider = t.provider))
         or (t.status = 'retrying' and t.next_attempt_at <= $1)
         or (t.status = 'error' and exists (select 1 from channel_configs c where c.workspace_id = t.workspace_id
               and c.channel in ('ads', 'ads_' || t.platform) and c.revision is distinct from t.revision))
      limit $2`,
    [new Date(now).toISOString(), limit]);
  return rows.map(r => ({ workspaceId: r.workspace_id, audience: r.audience }));
}

/**
 * Audiences with open members in a workspace that has an ads channel, never sent anywhere:
 * configuring a platform after journeys filled an audience backfills it.
 */
export async function unsentAudiences(q: Queryable, limit: number): Promise<{ workspaceId: string; audience: string }[]> {
  const rows = await q.query<{ workspace_id: string; audience: string }>(
    `select distinct m.workspace_id, m.audience from audience_memberships m
      where m.removed_at is null
        and exists (select 1 from channel_configs c where c.workspace_id = m.workspace_id and c.channel in ('ads', 'ads_facebook', 'ads_google'))
        and not exists (select 1 from audience_sync_targets t where t.workspace_id = m.workspace_id and t.audience = m.audience)
      limit $1`, [limit]);
  return rows.map(r => ({ workspaceId: r.workspace_id, audience: r.audience }));
}

export async function nextRetryAt(q: Queryable): Promise<number | null> {
  const rows = await q.query<{ at: unknown }>(`select min(next_attempt_at) as at from audience_sync_targets where status = 'retrying'`);
  return msOrNull(rows[0]?.at);
}

/** Asks for a full resend of an audience (all platforms, or one) at the next pass. Returns the targets marked. */
export async function requestBackfill(q: Queryable, workspaceId: string, audience: string, platform?: SyncPlatform): Promise<number> {
  const rows = await q.query(
    `update audience_sync_targets set needs_backfill = true, status = 'ok', attempts = 0, next_attempt_at = null
      where workspace_id = $1 and audience = $2 and ($3::text is null or platform = $3) returning platform`,
    [workspaceId, audience, platform ?? null]);
  return rows.length;
}

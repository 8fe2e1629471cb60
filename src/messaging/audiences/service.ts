/** Reading audiences for the API: the list with sync state, membership at a time, CSV exports. */
import type { Db } from '../../store/index.ts';
import { invalid, notFound, type Clock } from '../../shared/index.ts';
import { audienceCsv, type AudienceMember } from '../providers/index.ts';
import { listAudiences, loadMembers, membersAt, type AudienceSummary, type MembershipRow } from './members.ts';
import { platformsOf, SYNC_PLATFORM_NAMES, type SyncPlatform } from './platforms.ts';
import { loadTargets, type TargetState } from './targets.ts';
import type { AudienceSync } from './sync.ts';

export type ExportPlatform = 'facebook' | 'google' | 'plain';

export interface AudienceView extends AudienceSummary { platforms: TargetState[] }
export interface MembersPage { at: number; members: MembershipRow[]; nextCursor: string | null }

export class AudienceService {
  constructor(private readonly deps: { db: Db; clock: Clock; sync?: AudienceSync }) {}

  async list(workspaceId: string): Promise<AudienceView[]> {
    const [audiences, targets] = await Promise.all([listAudiences(this.deps.db, workspaceId), loadTargets(this.deps.db, workspaceId)]);
    return audiences.map(a => ({ ...a, platforms: targets.filter(t => t.audience === a.name).map(({ audience: _a, ...t }) => t) }));
  }

  /** Who was in the audience at `at` (default now): "ad-audience membership over time". */
  async members(workspaceId: string, audience: string, opts: { at?: number; limit?: number; cursor?: string } = {}): Promise<MembersPage> {
    const at = opts.at ?? this.deps.clock.now();
    if (!Number.isFinite(at)) throw invalid('at', 'must be an ISO date-time');
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid('limit', 'must be an integer from 1 to 1000');
    await this.mustExist(workspaceId, audience);
    const rows = await membersAt(this.deps.db, workspaceId, audience, at, { after: opts.cursor, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { at, members: page, nextCursor: rows.length > limit ? page[page.length - 1].profileId : null };
  }

  /**
   * The members at `at` (default now) as a CSV of hashed identifiers for `platform`
   * (audienceCsv). facebook and google keep the memberships meant for them (or for every
   * platform); plain keeps all. People who refused ads are left out.
   */
  async exportCsv(workspaceId: string, audience: string, platform: ExportPlatform, at?: number): Promise<{ csv: string; members: number }> {
    if (!['facebook', 'google', 'plain'].includes(platform)) throw invalid('platform', 'must be facebook, google or plain');
    await this.mustExist(workspaceId, audience);
    const when = at ?? this.deps.clock.now();
    const rows: MembershipRow[] = [];
    for (let cursor: string | undefined; ;) {
      const page = await membersAt(this.deps.db, workspaceId, audience, when, { after: cursor, limit: 5000 });
      rows.push(...page);
      if (page.length < 5000) break;
      cursor = page[page.length - 1].profileId;
    }
    const mine = platform === 'plain' ? rows : rows.filter(r => platformsOf(r.platforms).includes(platform));
    const loaded = await loadMembers(this.deps.db, workspaceId, mine.map(r => r.profileId));
    const members: AudienceMember[] = mine.map(r => loaded.get(r.profileId)).filter(m => m && m.adsConsent !== 'denied').map(m => m!.member);
    return { csv: audienceCsv(members, { platform }), members: members.length };
  }

  /** Resends every open member at the next sync pass. */
  async resync(workspaceId: string, audience: string, platform?: SyncPlatform): Promise<number> {
    if (platform !== undefined && !SYNC_PLATFORM_NAMES.includes(platform)) throw invalid('platform', `must be ${SYNC_PLATFORM_NAMES.join(' or ')}`);
    await this.mustExist(workspaceId, audience);
    if (!this.deps.sync) throw invalid('audience', 'the audience sync does not run in this process');
    return this.deps.sync.backfill(workspaceId, audience, platform);
  }

  private async mustExist(workspaceId: string, audience: string) {
    const rows = await this.deps.db.query('select 1 from audience_memberships where workspace_id = $1 and audience = $2 limit 1', [workspaceId, audience]);
    if (!rows.length) throw notFound(`audience ${audience}`);
  }
}

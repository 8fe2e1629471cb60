/** Ad audiences: the sync to ad platforms, membership over time, CSV exports. */
export { AudienceSync, type AudienceSyncDeps, type SyncReport } from './sync.ts';
export { AudienceService, type AudienceView, type MembersPage, type ExportPlatform } from './service.ts';
export { SYNC_PLATFORMS, SYNC_PLATFORM_NAMES, platformsOf, resolveTargets, type SyncPlatform, type Target } from './platforms.ts';
export { memberOf, forgetAudienceMembers, audienceMembershipsOf, type MembershipRow, type AudienceSummary } from './members.ts';
export type { TargetState } from './targets.ts';

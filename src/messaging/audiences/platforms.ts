/**
 * Which ad platform account an audience goes to. Journeys name platforms by where the ad
 * shows (facebook, instagram, google, youtube, pinterest, tiktok, snapchat); the sync knows
 * three accounts that take customer lists through an API:
 *
 * | sync platform | serves              | provider              | channel config (first found)  |
 * |---------------|---------------------|-----------------------|-------------------------------|
 * | facebook      | facebook, instagram | facebook-audiences    | `ads_facebook`, else `ads`    |
 * | google        | google, youtube     | google-customer-match | `ads_google`, else `ads`      |
 * | pinterest     | pinterest           | pinterest-audiences   | `ads_pinterest`, else `ads`   |
 *
 * `ads` alone serves one platform: whichever its provider is. Configuring several needs the
 * per-platform channels (the providers must list them as channels they serve). TikTok and
 * Snapchat have no API provider yet: their audiences are exported as CSV.
 * A membership with no platforms goes to every configured platform.
 */
import { OmnisError } from '../../shared/index.ts';
import { ProviderError, type AudienceProvider } from '../providers/index.ts';
import type { ChannelService } from '../channels/index.ts';

export const SYNC_PLATFORMS = {
  facebook: { provider: 'facebook-audiences', serves: ['facebook', 'instagram'], channel: 'ads_facebook' },
  google: { provider: 'google-customer-match', serves: ['google', 'youtube'], channel: 'ads_google' },
  pinterest: { provider: 'pinterest-audiences', serves: ['pinterest'], channel: 'ads_pinterest' },
} as const;
export type SyncPlatform = keyof typeof SYNC_PLATFORMS;
export const SYNC_PLATFORM_NAMES = Object.keys(SYNC_PLATFORMS) as SyncPlatform[];

/** The sync platforms a membership's `platforms` list reaches; an empty list reaches all. */
export function platformsOf(platforms: readonly string[]): SyncPlatform[] {
  if (!platforms.length) return SYNC_PLATFORM_NAMES;
  return SYNC_PLATFORM_NAMES.filter(p => SYNC_PLATFORMS[p].serves.some(s => platforms.includes(s)));
}

export interface Target {
  platform: SyncPlatform;
  providerName: string;
  provider: AudienceProvider;
  /** The channel configuration's revision: an error is retried once it changes. */
  revision: string;
}

export interface TargetProblem { platform: SyncPlatform; providerName: string; revision: string | null; error: string }

/** The configured platforms of a workspace, and those configured but unusable (e.g. unreadable secrets). */
export async function resolveTargets(channels: ChannelService, workspaceId: string): Promise<{ targets: Target[]; problems: TargetProblem[] }> {
  const targets: Target[] = [];
  const problems: TargetProblem[] = [];
  for (const platform of SYNC_PLATFORM_NAMES) {
    const spec = SYNC_PLATFORMS[platform];
    for (const channel of [spec.channel, 'ads']) {
      let resolved;
      try {
        resolved = await channels.resolve(workspaceId, channel);
      } catch (err) {
        problems.push({ platform, providerName: spec.provider, revision: null, error: `channel ${channel}: ${(err as Error).message}` });
        break;
      }
      if (!resolved || resolved.providerName !== spec.provider) continue;
      const p = resolved.provider;
      if (!('ensureAudience' in p)) {
        problems.push({ platform, providerName: resolved.providerName, revision: resolved.revision, error: `channel ${channel}: ${resolved.providerName} takes no audiences` });
      } else targets.push({ platform, providerName: resolved.providerName, provider: p, revision: resolved.revision });
      break;
    }
  }
  return { targets, problems };
}

/** Provider errors say whether they are; a configuration error is not; anything else (a dropped connection) is. */
export const isRetryable = (err: unknown): boolean => (err instanceof ProviderError ? err.retryable : !(err instanceof OmnisError));

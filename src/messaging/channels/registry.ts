/**
 * The providers a channel can be configured with: every provider in PROVIDERS plus the
 * built-in capture provider, and what the dispatcher must know about each.
 */
import type { Queryable } from '../../store/index.ts';
import { PROVIDERS, type ProviderFactory } from '../providers/index.ts';
import { captureProvider } from '../providers/capture.ts';
import { inappProvider } from '../inapp/provider.ts';

/** Ad providers also serve their platform's own channel, so a workspace can configure both (messaging/audiences/platforms.ts). */
const EXTRA_CHANNELS: Record<string, readonly string[]> = { 'facebook-audiences': ['ads', 'ads_facebook'], 'google-customer-match': ['ads', 'ads_google'],
  'pinterest-audiences': ['ads', 'ads_pinterest'] };

export interface ProviderEntry extends ProviderFactory<never> {
  /** Channels served, when more than `channel` (capture serves them all). */
  channels?: readonly string[];
  /** True when the provider cannot recognise a repeat of the same message. See NO_IDEMPOTENCY. */
  noIdempotency?: boolean;
}

export type ProviderRegistry = Record<string, ProviderEntry>;

/**
 * Providers that cannot dedupe a resend, so a crash between their call and our status write
 * leaves an unknown outcome. Crash recovery marks such messages `failed` ('unknown outcome
 * after crash') instead of resending: a visible failure, emitted as "Message Failed" for the
 * journey to act on, is better than a customer getting the same message twice.
 * - sendgrid: no idempotency header (the key only rides in custom_args, echoed by webhooks).
 * - twilio: the I-Twilio-Idempotency-Token header is sent, but Twilio does not document that
 *   the Messages API dedupes on it.
 * - fcm, messenger, whatsapp: no idempotency key at all.
 *
 * Resent with the same key after a crash (the rest):
 * - capture, printcsv: dedupe on the outbox id. lob: honours Idempotency-Key.
 * - webhook: sends Idempotency-Key, and its contract tells receivers to drop repeats.
 * - smtp: the Message-ID is derived from the key, so mailbox providers that collapse equal
 *   Message-IDs show one copy; others may show two. Losing an email was judged worse.
 * - webpush: the Topic is derived from the key, so a resend replaces a copy the push service
 *   still holds; one already shown may show again.
 * A deployment can change this list with createMessaging's `noIdempotency` option.
 */
export const NO_IDEMPOTENCY: readonly string[] = ['sendgrid', 'twilio', 'fcm', 'messenger', 'whatsapp'];

/** Every built-in provider by name, capture included (it needs the store). */
export function defaultRegistry(db: Queryable, noIdempotency: readonly string[] = NO_IDEMPOTENCY): ProviderRegistry {
  const all: ProviderRegistry = { ...PROVIDERS, capture: captureProvider(db) as unknown as ProviderEntry, inapp: inappProvider as unknown as ProviderEntry };
  return Object.fromEntries(Object.entries(all).map(([name, f]) => [name, {
    ...f, ...(EXTRA_CHANNELS[name] ? { channels: EXTRA_CHANNELS[name] } : {}), noIdempotency: f.noIdempotency ?? noIdempotency.includes(name),
  }]));
}

export function channelsOf(f: ProviderEntry): readonly string[] {
  return f.channels ?? [f.channel];
}

/**
 * The outbox: every outbound message is a row before any provider sees it (DESIGN invariant 2).
 *
 * Glossary
 * - message: one send of one template to one profile on one channel, keyed by an idempotency
 *   key (journey run + step + profile) computed by the caller; enqueueing it twice is a no-op.
 * - status: queued → sending → sent → delivered, or failed / suppressed / cancelled / dead.
 *   `sending` means claimed by a dispatcher; a row left there by a crash is recovered.
 * - suppressed: the dispatcher decided at send time not to send (no consent, unreachable,
 *   contact policy, channel not configured); the reason is kept, nothing is dropped silently.
 * - dead: retryable failures until the last attempt; failed: a failure that will not get better.
 * - policy: contact policy and quiet hours, owned by the journeys module and injected.
 */
import type { Json, JsonObject, ConsentEntry, ChannelReach } from '../../shared/index.ts';
import type { Template } from '../templates/index.ts';

export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'failed', 'suppressed', 'cancelled', 'dead'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type Purpose = 'marketing' | 'transactional';

export interface OutboxMessage {
  id: string;
  workspaceId: string;
  idempotencyKey: string;
  profileId: string;
  channel: string;
  provider: string | null;
  templateKey: string;
  purpose: Purpose;
  journeyId: string | null;
  journeyVersion: number | null;
  stepId: string | null;
  runId: string | null;
  context: JsonObject;
  sendAt: number;
  status: MessageStatus;
  reason: string | null;
  attempts: number;
  nextAttemptAt: number;
  attemptedAt: number | null;
  providerMessageId: string | null;
  rendered: JsonObject | null;
  sentAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface HistoryEntry { status: MessageStatus; reason: string | null; at: number }

export interface EnqueueInput {
  workspaceId: string;
  idempotencyKey: string;
  profileId: string;
  channel: string;
  templateKey: string;
  /** Default 'marketing': consent is required unless the caller says the message is transactional. */
  purpose?: Purpose;
  journeyId?: string | null;
  journeyVersion?: number | null;
  stepId?: string | null;
  runId?: string | null;
  /** What the template renders over besides the profile: event, journey, offer... */
  context?: { [key: string]: Json };
  /** Default: now. */
  sendAt?: number;
  now: number;
}

/** What the dispatcher needs to know about the recipient, read at send time. */
export interface MessagingProfile {
  traits: JsonObject;
  computed: JsonObject;
  consent: Record<string, ConsentEntry>;
  channels: ChannelReach;
  timezone: string | null;
  locale: string | null;
  /** Identifiers (Messenger psid, WhatsApp number...) for channels that address people by them. */
  identities?: { type: string; value: string }[];
}

export type PolicyDecision = { action: 'send' } | { action: 'suppress'; reason: string } | { action: 'delay'; until: number };

export type LoadTemplate = (workspaceId: string, key: string, channel: string, locale: string | null) => Promise<Template | null>;
/** The recipients of a round, read at once: the profiles found, by id (one not found is left out). */
export type LoadProfiles = (workspaceId: string, profileIds: string[]) => Promise<Map<string, MessagingProfile>>;

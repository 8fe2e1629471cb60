/**
 * The one interface every channel provider implements. A provider speaks its service's
 * real wire format and takes its base URL from settings, so tests point it at a local
 * server speaking that format and production points it at the real service.
 */
import type { z } from 'zod';

/** Where a message goes; a provider reads the field for its channel. */
export interface Recipient {
  email?: string;
  /** E.164 */
  phone?: string;
  /** Web Push subscriptions (JSON from PushManager.subscribe) or FCM registration tokens. */
  pushTokens?: string[];
  /** Messenger page-scoped id. */
  psid?: string;
  /** WhatsApp number, E.164 without "+" as the Cloud API wants it. */
  whatsapp?: string;
  name?: string;
  address?: PostalAddress;
  /** Hashed identifiers are computed by ad providers themselves from these. */
  identifiers?: { email?: string[]; phone?: string[]; firstName?: string; lastName?: string; country?: string; zip?: string };
}

export interface PostalAddress {
  name?: string; line1: string; line2?: string; city: string; state?: string; postalCode: string; country: string;
}

export interface MessageContent {
  subject?: string;
  html?: string;
  text?: string;
  /** SMS, push, Messenger, WhatsApp body. */
  body?: string;
  title?: string;
  url?: string;
  data?: Record<string, string>;
  /** Extra headers (List-Unsubscribe...) for email. */
  headers?: Record<string, string>;
  /** Direct mail: HTML for the front/back or a template id at the print vendor. */
  front?: string;
  back?: string;
}

export interface OutboundMessage {
  /** The outbox row id. */
  id: string;
  /** Stable across retries of the same message: sent as the provider's idempotency key where it has one. */
  idempotencyKey: string;
  channel: string;
  to: Recipient;
  content: MessageContent;
  /** Free tags (journey, step, template) some providers can carry as metadata. */
  metadata?: Record<string, string>;
}

export interface SendResult {
  /** The provider's own id for the message, used to match its delivery webhooks. */
  providerMessageId: string | null;
  /** Push: tokens the push service reported gone (or that are malformed) while others got the
   * message; the caller stops using them. When every token is dead the send throws instead
   * (code 'expired_subscription' / 'expired_token'). */
  deadTokens?: string[];
}

/**
 * Thrown by providers. `retryable` is true only for errors worth retrying (429, 5xx,
 * timeouts, connection failures); a 4xx that will fail again is not.
 */
export class ProviderError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly opts: { status?: number; code?: string; retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** An engagement or delivery fact a provider reports back through its webhook. */
export interface FeedbackEvent {
  /** Segment-style event name: "Email Delivered", "Email Opened", "Email Link Clicked", "Email Bounced",
   * "Email Marked as Spam", "SMS Delivered", "SMS Replied", "Unsubscribed", "Push Opened", "Messenger Message Received", ... */
  event: string;
  channel: string;
  providerMessageId?: string;
  /** Identifies the person when there is no message id (an inbound SMS "STOP" names only the phone). */
  identifier?: { type: string; value: string };
  timestamp: number;
  properties: Record<string, unknown>;
}

export interface InboundRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  query: Record<string, string>;
}

export interface ProviderDeps {
  /** Injected for tests; defaults to global fetch. */
  fetch?: typeof fetch;
  now?: () => number;
}

export interface Provider {
  readonly name: string;
  readonly channel: string;
  send(message: OutboundMessage): Promise<SendResult>;
  /** Parses the provider's webhook into feedback events; throws ProviderError(false) on a bad signature. */
  parseWebhook?(req: InboundRequest): FeedbackEvent[];
  close?(): Promise<void>;
}

/** Ad platforms take audiences, not messages. */
export interface AudienceMember { email?: string[]; phone?: string[]; firstName?: string; lastName?: string; country?: string; zip?: string; externalId?: string }
export interface AudienceProvider {
  readonly name: string;
  readonly channel: 'ads';
  /** Creates the audience at the platform if needed and returns its id there. */
  ensureAudience(name: string): Promise<string>;
  add(audienceId: string, members: AudienceMember[]): Promise<{ received: number }>;
  remove(audienceId: string, members: AudienceMember[]): Promise<{ received: number }>;
}

export interface ProviderFactory<S = unknown> {
  name: string;
  channel: string;
  /** zod schema of the settings object given to PUT /api/v1/channels/{channel}. */
  settings: z.ZodType<S>;
  /** Settings fields that are secrets: stored encrypted, never returned by the API. */
  secretFields: string[];
  create(settings: S, deps: ProviderDeps): Provider | AudienceProvider;
}

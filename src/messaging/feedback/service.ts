/**
 * Provider webhooks in. A webhook names its provider and workspace in the URL; the
 * workspace's channel configured with that provider supplies the secret its own
 * `parseWebhook` checks the signature with. Each feedback event then:
 * - about one of our messages (provider message id, or the outbox id the provider echoes):
 *   moves the outbox row (delivered / failed) and appends a pinned internal event for the
 *   message's profile, named as the provider's event ("Email Opened", "Email Bounced"...);
 * - about a person named only by an identifier (an inbound SMS "STOP" names the phone, a
 *   Messenger message the psid): appends an event carrying that identifier, which the
 *   pipeline resolves like any tracked event.
 * Everything is in the log before the webhook is answered, so a 2xx is durable.
 */
import type { Db } from '../../store/index.ts';
import { invalid, notFound, OmnisError, type Clock, type OmnisEvent } from '../../shared/index.ts';
import { ProviderError, verifyChallenge, type FeedbackEvent, type InboundRequest } from '../providers/index.ts';
import { secretBox, type ChannelService, type SecretBox } from '../channels/index.ts';
import { toMessage } from '../outbox/rows.ts';
import type { FeedbackInput, OutboxMessage } from '../outbox/index.ts';
import { identifiedEvent, pinnedEvent, stableId, type Append } from './events.ts';
import { echoedOutboxId, identifiersOf, propertiesOf, statusOf, uniqueKey } from './map.ts';

export interface FeedbackDeps {
  db: Db;
  clock: Clock;
  /** OMNIS_SECRET_KEY, to read a channel's verify token for the Meta handshake. */
  secretKey: string;
  channels: ChannelService;
  /** messaging.recordFeedback: moves the outbox row and emits "Message Delivered" / "Message Failed". */
  recordFeedback: (input: Omit<FeedbackInput, 'at'> & { at?: number }) => Promise<OutboxMessage | null>;
  append: Append;
  /** The URL the world reaches this server at (OMNIS_PUBLIC_URL); Twilio signs the full URL it called. */
  publicUrl: string;
}

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  query: Record<string, string>;
  /** Path and query string as received, e.g. "/webhooks/twilio/default". */
  url: string;
}

export interface FeedbackResult {
  /** Feedback events the provider reported. */
  events: number;
  /** Of those, about one of our messages. */
  messages: number;
  /** Of those, about a person named by an identifier. */
  people: number;
  /** Named neither a message we know nor a person. */
  ignored: number;
}

const PROVIDER = /^[a-z][a-z0-9-]{0,63}$/;

export class FeedbackService {
  private readonly box: SecretBox;
  constructor(private readonly deps: FeedbackDeps) { this.box = secretBox(deps.secretKey); }

  /** Checks the signature with the channel's settings, then records every event. */
  async webhook(workspaceId: string, provider: string, req: WebhookRequest): Promise<FeedbackResult> {
    const channels = await this.channelsWith(workspaceId, provider);
    // Never trust a caller-supplied URL: the signature must cover where the provider really called.
    const inbound: InboundRequest = {
      headers: req.headers, rawBody: req.rawBody,
      query: { ...req.query, __url: `${this.deps.publicUrl.replace(/\/+$/, '')}${req.url}` },
    };
    let refused: ProviderError | null = null;
    let parsed: FeedbackEvent[] | null = null;
    for (const channel of channels) {
      const resolved = await this.deps.channels.resolve(workspaceId, channel);
      const p = resolved?.provider;
      if (!p || !('parseWebhook' in p) || typeof p.parseWebhook !== 'function') continue;
      try {
        parsed = p.parseWebhook(inbound);
        break;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        refused ??= err;
      }
    }
    if (parsed) return this.record(workspaceId, provider, parsed);
    if (refused) {
      throw refused.opts.status === 401
        ? new OmnisError('unauthorized', refused.message)
        : invalid('body', refused.message);
    }
    throw invalid('provider', `${provider} sends no webhooks Omnis reads`);
  }

  /**
   * Meta's GET handshake (Messenger, WhatsApp): the challenge to echo when the verify token
   * matches the one in a channel configured with that provider, else null (answer 403).
   */
  async handshake(workspaceId: string, provider: string, query: Record<string, string | undefined>): Promise<string | null> {
    if (!PROVIDER.test(provider)) return null;
    const rows = await this.deps.db.query<{ channel: string; settings: unknown; secrets_enc: string | null }>(
      'select channel, settings, secrets_enc from channel_configs where workspace_id = $1 and provider = $2 order by channel', [workspaceId, provider]);
    for (const r of rows) {
      const settings = { ...json(r.settings), ...(r.secrets_enc ? this.box.open(r.secrets_enc, workspaceId, r.channel) : {}) };
      if (typeof settings.verifyToken !== 'string') continue;
      const challenge = verifyChallenge(query, settings.verifyToken);
      if (challenge !== null) return challenge;
    }
    return null;
  }

  /** Records feedback events already parsed (and authenticated) for a workspace. */
  async record(workspaceId: string, provider: string, events: FeedbackEvent[]): Promise<FeedbackResult> {
    const now = this.deps.clock.now();
    const messages = await this.messagesFor(workspaceId, events);
    const out: OmnisEvent[] = [];
    const result: FeedbackResult = { events: events.length, messages: 0, people: 0, ignored: 0 };
    for (const e of events) {
      const m = (e.providerMessageId && messages.byProviderId.get(e.providerMessageId)) || messages.byId.get(echoedOutboxId(e) ?? '');
      if (m) {
        result.messages++;
        const status = statusOf(e);
        if (status && m.providerMessageId) {
          await this.deps.recordFeedback({ workspaceId, providerMessageId: m.providerMessageId, status: status.status, reason: status.reason, at: now });
        }
        out.push(pinnedEvent({
          messageId: stableId('fb', provider, m.id, e.event, uniqueKey(e)),
          profileId: m.profileId, event: e.event, channel: m.channel, timestamp: e.timestamp, now,
          properties: {
            ...propertiesOf(e, m.channel),
            messageId: m.id, provider, providerMessageId: e.providerMessageId ?? m.providerMessageId,
            journeyId: m.journeyId, journeyVersion: m.journeyVersion, stepId: m.stepId, runId: m.runId, templateKey: m.templateKey, purpose: m.purpose,
          },
        }));
      } else if (e.identifier?.value) {
        result.people++;
        const properties = propertiesOf(e, e.channel);
        // The journeys stage reads properties.messageId as an outbox id; an inbound message's id is something else.
        if (properties.messageId !== undefined) { properties.inboundMessageId = properties.messageId; delete properties.messageId; }
        if (e.providerMessageId) properties.providerMessageId = e.providerMessageId;
        out.push(identifiedEvent({
          messageId: stableId('fb', provider, `${e.identifier.type}:${e.identifier.value}`, e.event, e.providerMessageId, uniqueKey(e)),
          identifiers: identifiersOf(e.identifier), event: e.event, channel: e.channel, timestamp: e.timestamp, now, properties,
          sourceId: `webhook:${provider}`,
        }));
      } else result.ignored++;
    }
    if (out.length) await this.deps.append(workspaceId, out);
    return result;
  }

  private async channelsWith(workspaceId: string, provider: string): Promise<string[]> {
    if (!PROVIDER.test(provider)) throw notFound(`provider ${provider}`);
    const rows = await this.deps.db.query<{ channel: string }>(
      'select channel from channel_configs where workspace_id = $1 and provider = $2 order by channel', [workspaceId, provider]);
    if (!rows.length) throw notFound(`a channel using ${provider} in workspace ${workspaceId}`);
    return rows.map(r => r.channel);
  }

  /** The messages the events name, in two queries whatever the batch size. */
  private async messagesFor(workspaceId: string, events: FeedbackEvent[]) {
    const providerIds = [...new Set(events.map(e => e.providerMessageId).filter((x): x is string => !!x))];
    const outboxIds = [...new Set(events.map(echoedOutboxId).filter((x): x is string => !!x))];
    const byProviderId = new Map<string, OutboxMessage>();
    const byId = new Map<string, OutboxMessage>();
    if (providerIds.length) {
      const rows = await this.deps.db.query('select * from messages where workspace_id = $1 and provider_message_id = any($2::text[])', [workspaceId, providerIds]);
      const seen = new Map<string, number>();
      for (const r of rows) seen.set(r.provider_message_id as string, (seen.get(r.provider_message_id as string) ?? 0) + 1);
      // An id two messages share says nothing about which one it was.
      for (const r of rows) if (seen.get(r.provider_message_id as string) === 1) byProviderId.set(r.provider_message_id as string, toMessage(r));
    }
    if (outboxIds.length) {
      const rows = await this.deps.db.query('select * from messages where workspace_id = $1 and id = any($2::text[])', [workspaceId, outboxIds]);
      for (const r of rows) byId.set(r.id as string, toMessage(r));
    }
    return { byProviderId, byId };
  }
}

const json = (v: unknown): Record<string, unknown> => ({ ...((typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>) });

/**
 * The built-in `capture` provider: "sends" by keeping the rendered message in the
 * `captured_messages` table, so the demo and tests see every message, on any channel,
 * without a real provider. It is never a silent default: a channel sends through capture
 * only when configured with it (`PUT /api/v1/channels/email {"provider":"capture"}`).
 *
 * Idempotent per outbox message id: a resend (retry, crash recovery) keeps the first copy
 * and answers the same provider id, `cap_<message id>`.
 *
 * It needs the database, so it is built per store: `captureProvider(db)`; its provider
 * instances learn their workspace from the deps the channel service passes (`workspaceId`).
 */
import { z } from 'zod';
import { ms, type Queryable } from '../../store/index.ts';
import { groupCommit, type JsonObject } from '../../shared/index.ts';
import { ProviderError, type MessageContent, type OutboundMessage, type Provider, type ProviderDeps, type ProviderFactory, type Recipient } from './types.ts';

export const CAPTURE_CHANNELS = ['email', 'sms', 'push', 'messenger', 'whatsapp', 'direct_mail', 'webhook', 'in_app'] as const;

export const captureSettings = z.object({}).strict();
export type CaptureSettings = z.output<typeof captureSettings>;

export interface CaptureDeps extends ProviderDeps {
  /** The workspace whose channel this instance serves; kept on each row for listing. */
  workspaceId?: string;
}

/** A provider factory that serves several channels. */
export interface MultiChannelFactory<S> extends ProviderFactory<S> {
  channels: readonly string[];
}

interface CaptureRow { m: string; w: string | null; c: string; r: Recipient; b: MessageContent; d: Record<string, string>; k: string; at: string }

/**
 * Keeps rows in captured_messages, group-committed: the dispatcher sends eight messages at a
 * time, and one INSERT carries every row waiting while the previous one ran. A statement per
 * row was about a quarter of the database time the dispatcher's sends took. A send resolves
 * once its row is committed, as before.
 */
function captureWriter(db: Queryable): (row: CaptureRow) => Promise<void> {
  return groupCommit<CaptureRow>(async rows => {
    await db.query(
      `insert into captured_messages (message_id, workspace_id, channel, recipient, content, metadata, idempotency_key, captured_at)
       select x.m, x.w, x.c, x.r, x.b, x.d, x.k, x.at
         from jsonb_to_recordset($1::jsonb) as x(m text, w text, c text, r jsonb, b jsonb, d jsonb, k text, at timestamptz)
       on conflict (message_id) do nothing`,
      [JSON.stringify(rows)],
    );
  });
}

export function captureProvider(db: Queryable): MultiChannelFactory<CaptureSettings> {
  const write = captureWriter(db);
  return {
    name: 'capture',
    channel: '*',
    channels: CAPTURE_CHANNELS,
    settings: captureSettings,
    secretFields: [],
    create(_settings: CaptureSettings, deps: CaptureDeps): Provider {
      const now = deps.now ?? Date.now;
      return {
        name: 'capture',
        channel: '*',
        async send(message: OutboundMessage) {
          if (!(CAPTURE_CHANNELS as readonly string[]).includes(message.channel)) {
            throw new ProviderError(`capture: channel ${message.channel} is not one capture serves`, false, { code: 'unsupported_channel' });
          }
          // A message sent twice at once is kept once: within one INSERT the later row conflicts with the earlier.
          await write({
            m: message.id, w: deps.workspaceId ?? null, c: message.channel, r: message.to, b: message.content,
            d: message.metadata ?? {}, k: message.idempotencyKey, at: new Date(now()).toISOString(),
          });
          return { providerMessageId: `cap_${message.id}` };
        },
      };
    },
  };
}

export interface CapturedMessage {
  messageId: string;
  providerMessageId: string;
  workspaceId: string | null;
  channel: string;
  to: Recipient;
  content: MessageContent;
  metadata: Record<string, string>;
  idempotencyKey: string;
  capturedAt: number;
}

export interface CapturedQuery {
  channel?: string;
  /** Only messages to this address, phone, psid... (any recipient field equal to it). */
  to?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

/** What capture "sent" in a workspace, newest first. */
export async function listCaptured(db: Queryable, workspaceId: string, query: CapturedQuery = {}): Promise<CapturedMessage[]> {
  const limit = Math.min(Math.max(1, query.limit ?? 100), 1000);
  const rows = await db.query(
    `select * from captured_messages
     where workspace_id = $1 and ($2::text is null or channel = $2)
       and ($3::text is null or exists (select 1 from jsonb_each_text(recipient) r where r.value = $3))
     order by captured_at desc, message_id desc limit $4`,
    [workspaceId, query.channel ?? null, query.to ?? null, limit],
  );
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as JsonObject;
  return rows.map(r => ({
    messageId: r.message_id as string,
    providerMessageId: `cap_${r.message_id as string}`,
    workspaceId: (r.workspace_id as string | null) ?? null,
    channel: r.channel as string,
    to: json(r.recipient) as Recipient,
    content: json(r.content) as MessageContent,
    metadata: json(r.metadata) as Record<string, string>,
    idempotencyKey: r.idempotency_key as string,
    capturedAt: ms(r.captured_at),
  }));
}

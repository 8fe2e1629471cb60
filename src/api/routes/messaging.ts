import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MESSAGE_STATUSES, type Messaging, type MessageWithHistory, type ChannelConfigView } from '../../messaging/index.ts';
import { notFound } from '../../shared/index.ts';
import { workspaceOf } from '../auth.ts';

const iso = (t: number | null) => (t == null ? null : new Date(t).toISOString());
const channelParams = z.object({ channel: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a channel name like "email" or "direct_mail"') });

/** The message as the API shows it: what went where, why, and when. */
function messageView(m: MessageWithHistory) {
  return {
    id: m.id, profileId: m.profileId, channel: m.channel, provider: m.provider, template: m.templateKey, purpose: m.purpose,
    journeyId: m.journeyId, journeyVersion: m.journeyVersion, stepId: m.stepId, runId: m.runId,
    status: m.status, reason: m.reason, sendAt: iso(m.sendAt), sentAt: iso(m.sentAt), createdAt: iso(m.createdAt), updatedAt: iso(m.updatedAt),
    nextAttemptAt: m.status === 'queued' ? iso(m.nextAttemptAt) : null,
    providerMessageId: m.providerMessageId, attempts: m.attempts,
    history: m.history.map(h => ({ status: h.status, reason: h.reason, at: iso(h.at) })),
  };
}

const channelView = (v: ChannelConfigView) => ({ ...v, updatedAt: iso(v.updatedAt) });

/** Channel configuration, the outbox and what the capture provider kept. Mounted under /api/v1, admin-authenticated. */
export async function messagingRoutes(fastify: FastifyInstance, { messaging }: { messaging: Messaging }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = ['messaging'];

  app.put('/channels/:channel', {
    schema: {
      summary: 'Configure the provider of a channel (secret settings are stored encrypted and never returned)', tags, params: channelParams,
      body: z.object({
        provider: z.string().min(1).max(64).describe('capture, smtp, sendgrid, twilio, webpush, fcm, messenger, whatsapp, webhook, lob, printcsv...'),
        settings: z.record(z.string(), z.unknown()).default({}).describe('the provider\'s settings; a secret sent back as "••••" keeps the stored one'),
        rateLimit: z.number().positive().nullable().optional().describe('messages per second; default unlimited'),
      }),
    },
  }, async req => channelView(await messaging.channels.put(workspaceOf(req), req.params.channel, req.body)));

  app.get('/providers', { schema: { summary: 'Providers a channel can use: the channels each serves, its settings (JSON Schema) and which are secret', tags } },
    async () => ({ data: messaging.channels.providers() }));

  app.get('/channels', { schema: { summary: 'Configured channels', tags } },
    async req => ({ channels: (await messaging.channels.list(workspaceOf(req))).map(channelView) }));

  app.get('/channels/:channel', { schema: { summary: 'A channel\'s configuration, secrets masked', tags, params: channelParams } }, async req => {
    const v = await messaging.channels.get(workspaceOf(req), req.params.channel);
    if (!v) throw notFound(`channel ${req.params.channel}`);
    return channelView(v);
  });

  app.delete('/channels/:channel', { schema: { summary: 'Remove a channel\'s configuration: its messages are then suppressed', tags, params: channelParams } }, async req => {
    if (!(await messaging.channels.remove(workspaceOf(req), req.params.channel))) throw notFound(`channel ${req.params.channel}`);
    return { channel: req.params.channel, deleted: true };
  });

  app.get('/messages', {
    schema: {
      summary: 'Outbound messages, newest first', tags,
      querystring: z.object({
        profileId: z.string().min(1).max(200).optional(),
        journeyId: z.string().min(1).max(200).optional(),
        status: z.enum(MESSAGE_STATUSES).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        cursor: z.string().max(500).optional(),
      }),
    },
  }, async req => {
    const page = await messaging.list(workspaceOf(req), req.query);
    return { messages: page.messages.map(messageView), nextCursor: page.nextCursor };
  });

  app.get('/messages/:id', { schema: { summary: 'One message with its rendered content and history', tags, params: z.object({ id: z.string().min(1).max(200) }) } }, async req => {
    const m = await messaging.get(workspaceOf(req), req.params.id);
    if (!m) throw notFound(`message ${req.params.id}`);
    return { ...messageView(m), idempotencyKey: m.idempotencyKey, context: m.context, rendered: m.rendered };
  });

  app.get('/captured-messages', {
    schema: {
      summary: 'What the capture provider "sent", newest first', tags,
      querystring: z.object({
        channel: z.string().max(32).optional(),
        to: z.string().max(300).optional().describe('an email address, phone number, psid... the message went to'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
  }, async req => ({
    messages: (await messaging.listCaptured(workspaceOf(req), req.query)).map(c => ({ ...c, capturedAt: iso(c.capturedAt) })),
  }));
}

/**
 * One claimed message, from `sending` to its next status. Everything that can stop a send is
 * checked here, at send time: the channel's configuration, the profile's consent and
 * reachability, then the injected contact policy. Only then is the template rendered and the
 * provider called, with the message id as the idempotency key so every retry carries the same.
 */
import type { Db, Tx } from '../../store/index.ts';
import { OmnisError, type Clock, type JsonObject } from '../../shared/index.ts';
import { ProviderError, type MessageContent, type Provider, type Recipient } from '../providers/index.ts';
import { renderTemplate, type Template, type TemplateContext } from '../templates/index.ts';
import type { ChannelService } from '../channels/index.ts';
import { changeStatus, iso } from './rows.ts';
import { consentProblem, reach } from './recipient.ts';
import { retryDelay, TokenBucket, type RetryOptions } from './pacing.ts';
import type { LoadProfile, LoadTemplate, MessagingProfile, OutboxMessage, PolicyDecision } from './types.ts';

export type Policy = (tx: Tx, message: OutboxMessage, profile: MessagingProfile, now: number) => Promise<PolicyDecision>;

export interface SendContext {
  db: Db;
  clock: Clock;
  /** The channel's provider and settings (ChannelService.resolve). */
  resolveChannel: ChannelService['resolve'];
  loadTemplate: LoadTemplate;
  loadProfile: LoadProfile;
  policy: Policy;
  retry: RetryOptions;
  random: () => number;
  buckets: Map<string, { revision: string; bucket: TokenBucket }>;
  /** Headers for the rendered content (RFC 8058 List-Unsubscribe on marketing email). */
  headersFor?: (m: OutboxMessage) => Record<string, string>;
  /** Last change to the rendered content before the provider gets it (open and click tracking). */
  decorate?: (m: OutboxMessage, content: MessageContent) => MessageContent;
  /** Called with every message that reached a new status, after its write committed. */
  changed(m: OutboxMessage, extra?: JsonObject): Promise<void>;
}

/** Thrown past the provider call: the caller must leave the row to crash recovery, not requeue it. */
export class AfterSendError extends Error {
  constructor(override readonly cause: unknown) { super(`after the provider call: ${(cause as Error)?.message ?? String(cause)}`); }
}

export async function processMessage(ctx: SendContext, m: OutboxMessage): Promise<void> {
  const now = ctx.clock.now();
  const move = async (status: 'suppressed' | 'failed' | 'dead' | 'queued', reason: string, set?: Record<string, unknown>) => {
    const moved = await changeStatus(ctx.db, m.id, { status, reason, from: ['sending'], set }, now);
    if (moved) await ctx.changed(moved);
  };

  let resolved;
  try {
    resolved = await ctx.resolveChannel(m.workspaceId, m.channel);
  } catch (err) {
    return move('failed', `channel misconfigured: ${(err as Error).message}`);
  }
  if (!resolved) return move('suppressed', 'channel not configured');
  const provider = resolved.provider;
  if (!('send' in provider)) return move('failed', `provider ${resolved.providerName} takes audiences, not messages`);

  const profile = await ctx.loadProfile(m.workspaceId, m.profileId);
  if (!profile) return move('suppressed', 'profile not found');
  const noConsent = consentProblem(profile, m.channel, m.purpose);
  if (noConsent) return move('suppressed', noConsent);
  const to = reach(profile, m.channel);
  if (!to.ok) return move('suppressed', to.reason);

  if (resolved.rateLimit) {
    // One bucket per channel, replaced when its configuration (and so perhaps its rate) changes.
    const key = `${m.workspaceId}\u0000${m.channel}`;
    let entry = ctx.buckets.get(key);
    if (entry?.revision !== resolved.revision) ctx.buckets.set(key, entry = { revision: resolved.revision, bucket: new TokenBucket(resolved.rateLimit, now) });
    const token = entry.bucket.take(now);
    // Back in the queue without spending an attempt: the provider was never called.
    if (!token.ok) return move('queued', 'rate limited', { next_attempt_at: iso(token.at) });
  }

  const decision = await ctx.db.transaction(tx => decide(ctx, tx, m, profile, resolved.providerName, now));
  if (decision.moved) { await ctx.changed(decision.moved); return; }
  if (!decision.go) return;
  const attempt = decision.go;

  let content: MessageContent;
  try {
    content = await render(ctx, attempt, profile);
  } catch (err) {
    return move('failed', err instanceof OmnisError ? `template: ${err.message}` : `template: ${String(err)}`);
  }
  await sendAndRecord(ctx, provider, attempt, to.to, content);
}

/** The contact policy and the attempt counter, in one transaction with the policy's reads. */
async function decide(ctx: SendContext, tx: Tx, m: OutboxMessage, profile: MessagingProfile, providerName: string, now: number):
  Promise<{ moved?: OutboxMessage | null; go?: OutboxMessage }> {
  const d = await ctx.policy(tx, m, profile, now);
  if (d.action === 'suppress') {
    return { moved: await changeStatus(tx, m.id, { status: 'suppressed', reason: d.reason || 'contact policy', from: ['sending'] }, now) };
  }
  if (d.action === 'delay') {
    // A policy answering a time already past would spin the dispatcher; a second is the floor.
    const until = iso(Math.max(d.until, now + 1000));
    return { moved: await changeStatus(tx, m.id, { status: 'queued', reason: 'delayed by contact policy', from: ['sending'], set: { send_at: until, next_attempt_at: until } }, now) };
  }
  if (m.attempts >= ctx.retry.maxAttempts) {
    return { moved: await changeStatus(tx, m.id, { status: 'dead', reason: `no attempts left (${m.attempts} made)`, from: ['sending'] }, now) };
  }
  const rows = await tx.query(
    `update messages set attempts = attempts + 1, provider = $2, attempted_at = $3, updated_at = $3
     where id = $1 and status = 'sending' returning attempts`,
    [m.id, providerName, iso(now)],
  );
  if (!rows[0]) return {};
  return { go: { ...m, attempts: Number(rows[0].attempts), provider: providerName, attemptedAt: now, updatedAt: now } };
}

async function render(ctx: SendContext, m: OutboxMessage, profile: MessagingProfile): Promise<MessageContent> {
  const part = (k: string) => {
    const v = m.context[k];
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  };
  const stored = await ctx.loadTemplate(m.workspaceId, m.templateKey, m.channel, profile.locale);
  const inline = !stored && m.channel === 'webhook' ? part('webhook') : null;
  const template = stored ?? (inline && inlineWebhook(m, inline));
  if (!template) throw new OmnisError('invalid', `no template "${m.templateKey}" for channel ${m.channel}`);
  const context: TemplateContext = {
    profile: { id: m.profileId, traits: profile.traits, computed: profile.computed },
    event: part('event'),
    journey: part('journey') ?? (m.journeyId ? { id: m.journeyId, version: m.journeyVersion, stepId: m.stepId } : null),
    offer: part('offer'),
    message: { ...part('message'), id: m.id, channel: m.channel, template: m.templateKey },
  };
  const content = await renderTemplate(template, context);
  const extra = ctx.headersFor?.(m);
  if (extra && Object.keys(extra).length) content.headers = { ...extra, ...content.headers };
  const headers = inline?.headers;
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    content.headers = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }
  return ctx.decorate ? ctx.decorate(m, content) : content;
}

/**
 * A journey's webhook step carries its request in the message context (`webhook: {url,
 * headers, body}`) rather than in a stored template; url and body are still Liquid over the
 * same context. The webhook provider always POSTs, so a `method` there is not honoured.
 */
function inlineWebhook(m: OutboxMessage, w: Record<string, unknown>): Template | null {
  if (typeof w.url !== 'string' && w.body === undefined) return null;
  const body = w.body === undefined || w.body === null ? undefined : typeof w.body === 'string' ? w.body : JSON.stringify(w.body);
  return { key: m.templateKey, channel: 'webhook', ...(typeof w.url === 'string' ? { url: w.url } : {}), ...(body !== undefined ? { body } : {}) };
}

async function sendAndRecord(ctx: SendContext, provider: Provider, m: OutboxMessage, to: Recipient, content: MessageContent) {
  const metadata: Record<string, string> = { messageId: m.id, templateKey: m.templateKey };
  if (m.journeyId) metadata.journeyId = m.journeyId;
  if (m.stepId) metadata.stepId = m.stepId;
  let result;
  try {
    result = await provider.send({ id: m.id, idempotencyKey: m.id, channel: m.channel, to, content, metadata });
  } catch (err) {
    const now = ctx.clock.now();
    const e = err instanceof ProviderError ? err : new ProviderError(String((err as Error)?.message ?? err), true, { code: 'unexpected' });
    const reason = e.opts.code ? `${e.opts.code}: ${e.message}` : e.message;
    let moved;
    if (!e.retryable) moved = await changeStatus(ctx.db, m.id, { status: 'failed', reason, from: ['sending'] }, now);
    else if (m.attempts >= ctx.retry.maxAttempts) {
      moved = await changeStatus(ctx.db, m.id, { status: 'dead', reason: `${reason} (after ${m.attempts} attempts)`, from: ['sending'] }, now);
    } else {
      const at = now + retryDelay(m.attempts, ctx.retry, ctx.random, e.opts.retryAfterMs);
      moved = await changeStatus(ctx.db, m.id, { status: 'queued', reason: `retrying: ${reason}`, from: ['sending'], set: { next_attempt_at: iso(at) } }, now);
    }
    if (moved) await ctx.changed(moved);
    return;
  }
  try {
    const now = ctx.clock.now();
    const moved = await changeStatus(ctx.db, m.id, {
      status: 'sent', reason: null, from: ['sending'],
      set: { provider_message_id: result.providerMessageId, rendered: JSON.stringify(content), sent_at: iso(now) },
    }, now);
    if (moved) await ctx.changed(moved, result.deadTokens?.length ? { deadTokens: result.deadTokens } : {});
  } catch (err) {
    throw new AfterSendError(err);
  }
}

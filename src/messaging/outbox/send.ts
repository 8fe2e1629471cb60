/**
 * One round of claimed messages, each of a different profile, from `sending` to their next
 * statuses. Everything that can stop a send is checked here, at send time: the channel's
 * configuration, the profile's consent and reachability, then the injected contact policy.
 * Only then is the template rendered and the provider called, with the message id as the
 * idempotency key so every retry carries the same.
 *
 * A round costs a few statements whatever its size: the profiles are read at once, the
 * policy's reads and every decision before a provider call commit in one transaction, and
 * the outcomes of the provider calls are written together as they come back (Outcomes).
 * Messages handed to a provider stay in `sending` (with `attempted_at` set) until that
 * write, so a crash in between is left to crash recovery.
 */
import type { Db, Tx } from '../../store/index.ts';
import { OmnisError, groupBy, groupCommit, type Clock, type JsonObject } from '../../shared/index.ts';
import { ProviderError, type MessageContent, type Provider, type Recipient } from '../providers/index.ts';
import { renderTemplate, type Template, type TemplateContext } from '../templates/index.ts';
import type { ChannelService } from '../channels/index.ts';
import { changeStatuses, iso, type RoundChange } from './rows.ts';
import { consentProblem, reach } from './recipient.ts';
import { retryDelay, TokenBucket, type RetryOptions } from './pacing.ts';
import type { LoadProfiles, LoadTemplate, MessagingProfile, OutboxMessage, PolicyDecision } from './types.ts';

/**
 * The contact policy for a round of messages at once, in the round's transaction: a decision
 * per message, in order. A round holds one message per profile (see Dispatcher), so no message
 * of it can change another's answer.
 */
export type Policy = (tx: Tx, round: { message: OutboxMessage; profile: MessagingProfile }[], now: number) => Promise<PolicyDecision[]>;

export interface SendContext {
  db: Db;
  clock: Clock;
  /** The channel's provider and settings (ChannelService.resolve). */
  resolveChannel: ChannelService['resolve'];
  loadTemplate: LoadTemplate;
  loadProfiles: LoadProfiles;
  policy: Policy;
  retry: RetryOptions;
  random: () => number;
  buckets: Map<string, { revision: string; bucket: TokenBucket }>;
  /** Provider calls in flight at once within a round. */
  concurrency: number;
  /** Headers for the rendered content (RFC 8058 List-Unsubscribe on marketing email). */
  headersFor?: (m: OutboxMessage) => Record<string, string>;
  /** Last change to the rendered content before the provider gets it (open and click tracking). */
  decorate?: (m: OutboxMessage, content: MessageContent) => MessageContent;
  /** Called with the messages that reached a new status (and any extra for their feedback), after their write committed. */
  changed(moved: { m: OutboxMessage; extra?: JsonObject }[]): Promise<void>;
}

/** Thrown past the provider calls: the caller must leave the rows to crash recovery, not requeue them. */
export class AfterSendError extends Error {
  constructor(override readonly cause: unknown) { super(`after the provider call: ${(cause as Error)?.message ?? String(cause)}`); }
}

interface Ready { m: OutboxMessage; provider: Provider & { send: NonNullable<Provider['send']> }; providerName: string; to: Recipient; profile: MessagingProfile }

/**
 * Sends one round: messages of distinct profiles. Throws before any provider call when the
 * round could not be decided (the caller requeues it); throws AfterSendError when the
 * outcomes of provider calls could not be written.
 */
export async function sendRound(ctx: SendContext, round: readonly OutboxMessage[]): Promise<void> {
  const now = ctx.clock.now();
  const before: RoundChange[] = [];
  const ready: Ready[] = [];
  const profiles = await loadRoundProfiles(ctx, round);
  for (const m of round) {
    let resolved;
    try {
      resolved = await ctx.resolveChannel(m.workspaceId, m.channel);
    } catch (err) {
      before.push({ id: m.id, status: 'failed', reason: `channel misconfigured: ${(err as Error).message}` });
      continue;
    }
    if (!resolved) { before.push({ id: m.id, status: 'suppressed', reason: 'channel not configured' }); continue; }
    const provider = resolved.provider;
    if (!('send' in provider) || !provider.send) { before.push({ id: m.id, status: 'failed', reason: `provider ${resolved.providerName} takes audiences, not messages` }); continue; }
    const profile = profiles.get(m.profileId);
    if (!profile) { before.push({ id: m.id, status: 'suppressed', reason: 'profile not found' }); continue; }
    const noConsent = consentProblem(profile, m.channel, m.purpose);
    if (noConsent) { before.push({ id: m.id, status: 'suppressed', reason: noConsent }); continue; }
    const to = reach(profile, m.channel);
    if (!to.ok) { before.push({ id: m.id, status: 'suppressed', reason: to.reason }); continue; }
    if (resolved.rateLimit) {
      // One bucket per channel, replaced when its configuration (and so perhaps its rate) changes.
      const key = `${m.workspaceId}\u0000${m.channel}`;
      let entry = ctx.buckets.get(key);
      if (entry?.revision !== resolved.revision) ctx.buckets.set(key, entry = { revision: resolved.revision, bucket: new TokenBucket(resolved.rateLimit, now) });
      const token = entry.bucket.take(now);
      // Back in the queue without spending an attempt: the provider was never called.
      if (!token.ok) { before.push({ id: m.id, status: 'queued', reason: 'rate limited', nextAttemptAt: token.at }); continue; }
    }
    ready.push({ m, provider: provider as Ready['provider'], providerName: resolved.providerName, to: to.to, profile });
  }

  const decided = await ctx.db.transaction(tx => decide(ctx, tx, ready, before, now));
  await ctx.changed(decided.moved.map(m => ({ m })));

  const outcomes = new Outcomes(ctx);
  const queue = [...decided.go];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) outcomes.add(await attempt(ctx, r));
  };
  await Promise.all(Array.from({ length: Math.min(ctx.concurrency, queue.length) }, worker));
  await outcomes.written();
}

type Outcome = { change: RoundChange; extra?: JsonObject };

/**
 * Writes the outcomes of provider calls while the round's other calls go on: whatever has
 * come back is written in one statement as soon as the write before it is done. A crash so
 * leaves unrecorded only the calls in flight and one write's worth, for crash recovery.
 */
class Outcomes {
  private failure: unknown = null;
  private readonly pending: Promise<void>[] = [];
  private readonly write = groupCommit<Outcome>(async batch => {
    const moved = await changeStatuses(this.ctx.db, batch.map(o => o.change), this.ctx.clock.now());
    const extra = new Map(batch.map(o => [o.change.id, o.extra]));
    await this.ctx.changed(moved.map(m => ({ m, extra: extra.get(m.id) })));
  });

  constructor(private readonly ctx: SendContext) {}

  add(o: Outcome) {
    // Those rows stay in `sending`, attempted, when their write fails: crash recovery decides. The others are still written.
    this.pending.push(this.write(o).catch(err => { this.failure ??= err; }));
  }

  /** Resolves when every outcome added is written; throws AfterSendError if a write failed. */
  async written(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure !== null) throw new AfterSendError(this.failure);
  }
}

/** The round's profiles, read per workspace in one call each; keyed by profile id. */
async function loadRoundProfiles(ctx: SendContext, round: readonly OutboxMessage[]): Promise<Map<string, MessagingProfile>> {
  const out = new Map<string, MessagingProfile>();
  for (const [ws, ms] of groupBy(round, m => m.workspaceId)) {
    for (const [id, p] of await ctx.loadProfiles(ws, [...new Set(ms.map(m => m.profileId))])) out.set(id, p);
  }
  return out;
}

/**
 * The contact policy and the attempt counters, in one transaction with the policy's reads,
 * together with the changes decided before it (suppressions, rate limits).
 */
async function decide(ctx: SendContext, tx: Tx, ready: Ready[], before: RoundChange[], now: number): Promise<{ moved: OutboxMessage[]; go: Ready[] }> {
  const changes = [...before];
  const going: Ready[] = [];
  const decisions = ready.length ? await ctx.policy(tx, ready.map(r => ({ message: r.m, profile: r.profile })), now) : [];
  for (const [n, r] of ready.entries()) {
    const { m } = r;
    const d = decisions[n];
    if (d.action === 'suppress') changes.push({ id: m.id, status: 'suppressed', reason: d.reason || 'contact policy' });
    else if (d.action === 'delay') {
      // A policy answering a time already past would spin the dispatcher; a second is the floor.
      const until = Math.max(d.until, now + 1000);
      changes.push({ id: m.id, status: 'queued', reason: 'delayed by contact policy', sendAt: until, nextAttemptAt: until });
    } else if (m.attempts >= ctx.retry.maxAttempts) changes.push({ id: m.id, status: 'dead', reason: `no attempts left (${m.attempts} made)` });
    else going.push(r);
  }
  const moved = await changeStatuses(tx, changes, now);
  if (!going.length) return { moved, go: [] };
  const rows = await tx.query<{ id: string; attempts: number }>(
    `update messages m set attempts = m.attempts + 1, provider = x.provider, attempted_at = $2, updated_at = $2
       from jsonb_to_recordset($1::jsonb) as x(id text, provider text)
      where m.id = x.id and m.status = 'sending' returning m.id, m.attempts`,
    [JSON.stringify(going.map(r => ({ id: r.m.id, provider: r.providerName }))), iso(now)]);
  const attempts = new Map(rows.map(r => [r.id, Number(r.attempts)]));
  const go = going.filter(r => attempts.has(r.m.id))
    .map(r => ({ ...r, m: { ...r.m, attempts: attempts.get(r.m.id)!, provider: r.providerName, attemptedAt: now, updatedAt: now } }));
  return { moved, go };
}

/** Renders and hands one message to its provider; answers the status it moves to. */
async function attempt(ctx: SendContext, r: Ready): Promise<{ change: RoundChange; extra?: JsonObject }> {
  const { m } = r;
  let content: MessageContent;
  try {
    content = await render(ctx, m, r.profile);
  } catch (err) {
    return { change: { id: m.id, status: 'failed', reason: err instanceof OmnisError ? `template: ${err.message}` : `template: ${String(err)}` } };
  }
  const metadata: Record<string, string> = { messageId: m.id, templateKey: m.templateKey };
  if (m.journeyId) metadata.journeyId = m.journeyId;
  if (m.stepId) metadata.stepId = m.stepId;
  try {
    const result = await r.provider.send({ id: m.id, idempotencyKey: m.id, channel: m.channel, to: r.to, content, metadata });
    return {
      change: { id: m.id, status: 'sent', reason: null, providerMessageId: result.providerMessageId, rendered: content as unknown as JsonObject, sentAt: ctx.clock.now() },
      extra: result.deadTokens?.length ? { deadTokens: result.deadTokens } : {},
    };
  } catch (err) {
    const e = err instanceof ProviderError ? err : new ProviderError(String((err as Error)?.message ?? err), true, { code: 'unexpected' });
    const reason = e.opts.code ? `${e.opts.code}: ${e.message}` : e.message;
    if (!e.retryable) return { change: { id: m.id, status: 'failed', reason } };
    if (m.attempts >= ctx.retry.maxAttempts) return { change: { id: m.id, status: 'dead', reason: `${reason} (after ${m.attempts} attempts)` } };
    return { change: { id: m.id, status: 'queued', reason: `retrying: ${reason}`, nextAttemptAt: ctx.clock.now() + retryDelay(m.attempts, ctx.retry, ctx.random, e.opts.retryAfterMs) } };
  }
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

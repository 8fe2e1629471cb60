/**
 * In-app and onsite messages, fetched by the app or the website for the person using it
 * (GET /v1/messages with the write key, like the tracking API). A message is fetchable once
 * the dispatcher has sent it on the `in_app` channel (consent, policy and rendering done,
 * content on the outbox row); fetching moves it to `delivered`, in one statement per
 * message guarded on `sent`, so two tabs fetching at once get it once between them.
 */
import type { Db } from '../../store/index.ts';
import { invalid, type Clock, type JsonObject } from '../../shared/index.ts';
import { lookupIdentities } from '../../identity/index.ts';
import { findLiveProfile } from '../../profiles/index.ts';
import { changeStatus, iso, toMessage } from '../outbox/rows.ts';
import { emitFeedback, type Emit } from '../outbox/events.ts';
import type { OutboxMessage } from '../outbox/index.ts';
import { pinnedEvent, stableId, type Append } from '../feedback/events.ts';

export interface InAppDeps {
  db: Db;
  clock: Clock;
  /** Where "Message Delivered" goes: the messaging module's emit (the event log). */
  emit: Emit;
  append: Append;
  onError?: (err: unknown) => void;
}

export interface Visitor { userId?: string | null; anonymousId?: string | null }

export interface InAppMessage {
  id: string;
  title: string | null;
  body: string | null;
  html: string | null;
  url: string | null;
  data: Record<string, string>;
  template: string;
  journeyId: string | null;
  sentAt: string | null;
}

export const INAPP_ACTIONS = { viewed: 'In-App Message Opened', clicked: 'In-App Message Clicked', dismissed: 'In-App Message Dismissed' } as const;
export type InAppAction = keyof typeof INAPP_ACTIONS;

/** Default: messages sent in the last 30 days are still shown. */
export const INAPP_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

export class InAppService {
  private readonly onError: (err: unknown) => void;
  constructor(private readonly deps: InAppDeps) { this.onError = deps.onError ?? (err => console.error('in-app:', err)); }

  /** The visitor's waiting messages, oldest first, now marked delivered. Unknown visitors have none. */
  async fetch(workspaceId: string, who: Visitor, opts: { limit?: number; maxAgeMs?: number } = {}): Promise<InAppMessage[]> {
    const limit = opts.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('limit', 'must be an integer from 1 to 100');
    const ids = await this.profileIds(workspaceId, who);
    if (!ids.length) return [];
    const now = this.deps.clock.now();
    const rows = await this.deps.db.query(
      `select * from messages where workspace_id = $1 and channel = 'in_app' and status = 'sent'
         and profile_id = any($2::text[]) and sent_at >= $3 order by sent_at, id limit $4`,
      [workspaceId, ids, iso(now - (opts.maxAgeMs ?? INAPP_MAX_AGE_MS)), limit]);
    const out: InAppMessage[] = [];
    for (const m of rows.map(toMessage)) {
      const moved = await changeStatus(this.deps.db, m.id, { status: 'delivered', reason: 'fetched by the app', from: ['sent'] }, now);
      if (!moved) continue;
      out.push(view(moved));
      await emitFeedback(this.deps.emit, [{ m: moved }], now, this.onError);
    }
    return out;
  }

  /** The app reports the visitor saw, clicked or dismissed a message; false when it is not theirs. */
  async engage(workspaceId: string, who: Visitor, messageId: string, action: InAppAction, properties: JsonObject = {}): Promise<boolean> {
    const ids = await this.profileIds(workspaceId, who);
    if (!ids.length) return false;
    const rows = await this.deps.db.query(
      `select * from messages where workspace_id = $1 and id = $2 and channel = 'in_app' and status in ('sent', 'delivered') and profile_id = any($3::text[])`,
      [workspaceId, messageId, ids]);
    if (!rows[0]) return false;
    const m = toMessage(rows[0]);
    const now = this.deps.clock.now();
    await this.deps.append(workspaceId, [pinnedEvent({
      messageId: stableId('inapp', m.id, action), profileId: m.profileId, event: INAPP_ACTIONS[action], channel: 'in_app', timestamp: now, now,
      properties: { ...properties, channel: 'in_app', messageId: m.id, journeyId: m.journeyId, stepId: m.stepId, runId: m.runId, templateKey: m.templateKey },
    })]);
    return true;
  }

  /** The live profile the visitor's ids name, and every profile merged into it (messages keep the id they were sent to). */
  private async profileIds(workspaceId: string, who: Visitor): Promise<string[]> {
    const userId = who.userId?.trim();
    const anonymousId = who.anonymousId?.trim();
    if (!userId && !anonymousId) throw invalid('userId', 'give userId or anonymousId');
    const wanted = [...(userId ? [{ type: 'user_id', value: userId }] : []), ...(anonymousId ? [{ type: 'anonymous_id', value: anonymousId }] : [])];
    const found = await lookupIdentities(this.deps.db, workspaceId, wanted);
    const hit = found.find(f => f.type === 'user_id') ?? found[0];
    if (!hit) return [];
    const live = await findLiveProfile(this.deps.db, workspaceId, hit.profile_id);
    if (!live) return [];
    const rows = await this.deps.db.query<{ id: string }>(
      'select id from profiles where workspace_id = $1 and (id = $2 or merged_into = $2)', [workspaceId, live.id]);
    return rows.map(r => r.id);
  }
}

function view(m: OutboxMessage): InAppMessage {
  const c = (m.rendered ?? {}) as Record<string, unknown>;
  const s = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : null);
  const data = c.data && typeof c.data === 'object' && !Array.isArray(c.data) ? (c.data as Record<string, string>) : {};
  return {
    id: m.id, title: s('title') ?? s('subject'), body: s('body') ?? s('text'), html: s('html'), url: s('url'), data,
    template: m.templateKey, journeyId: m.journeyId, sentAt: m.sentAt === null ? null : iso(m.sentAt),
  };
}

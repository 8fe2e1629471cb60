/**
 * The messaging module wired in one call: channel configuration, the outbox and its
 * dispatcher, over one store and one clock. The composition root calls this once.
 *
 *   const messaging = createMessaging({ db, clock, secretKey: process.env.OMNIS_SECRET_KEY,
 *     loadTemplate, loadProfiles, policy, emit });
 *   await messaging.start();
 *   await db.transaction(tx => messaging.enqueue(tx, { workspaceId, idempotencyKey, ... }));
 */
import type { Db, Queryable } from '../../store/index.ts';
import type { Clock } from '../../shared/index.ts';
import { ChannelService, defaultRegistry, type ProviderRegistry } from '../channels/index.ts';
import { listCaptured, type CapturedQuery } from '../providers/capture.ts';
import { Dispatcher, type DispatcherDeps } from './dispatcher.ts';
import { cancelMessages, enqueueMessage, type CancelFilter } from './enqueue.ts';
import { emitFeedback, type Emit } from './events.ts';
import { recordFeedback, type FeedbackInput } from './feedback.ts';
import { getMessage, listMessages, type ListQuery } from './list.ts';
import type { Policy } from './send.ts';
import type { EnqueueInput, LoadProfiles, LoadTemplate } from './types.ts';

export interface MessagingOptions {
  db: Db;
  clock: Clock;
  /** OMNIS_SECRET_KEY: channel secrets are sealed under a key derived from it. */
  secretKey: string;
  loadTemplate: LoadTemplate;
  loadProfiles: LoadProfiles;
  /** Contact policy and quiet hours (journeys module). Default: always send. */
  policy?: Policy;
  /** Where feedback events ("Message Sent"...) go, e.g. the event log as internal events. */
  emit?: Emit;
  /** Extra headers per message: `m => unsubscribeHeaders(publicUrl, secretKey, m)` adds RFC 8058 one-click unsubscribe to marketing email. */
  headersFor?: DispatcherDeps['headersFor'];
  /** The rendered content's last change before sending: `(m, c) => trackEmail(publicUrl, secretKey, m, c)` adds open and click tracking. */
  decorate?: DispatcherDeps['decorate'];
  /** Default: every built-in provider plus capture. */
  providers?: ProviderRegistry;
  /** Providers whose messages are failed, not resent, after a crash; default NO_IDEMPOTENCY. */
  noIdempotency?: readonly string[];
  /** For HTTP providers; default global fetch. */
  fetch?: typeof fetch;
  dispatcher?: Pick<DispatcherDeps, 'retry' | 'batchSize' | 'concurrency' | 'pollMs' | 'leaseMs' | 'random'>;
  onError?: (err: unknown) => void;
}

export function createMessaging(opts: MessagingOptions) {
  const { db, clock } = opts;
  const onError = opts.onError ?? (err => console.error('messaging:', err));
  const channels = new ChannelService({
    db, clock, secretKey: opts.secretKey, fetch: opts.fetch,
    providers: opts.providers ?? defaultRegistry(db, opts.noIdempotency),
  });
  const dispatcher = new Dispatcher({
    db, clock, channels, loadTemplate: opts.loadTemplate, loadProfiles: opts.loadProfiles, policy: opts.policy, emit: opts.emit, headersFor: opts.headersFor, decorate: opts.decorate,
    onError, ...opts.dispatcher,
  });

  return {
    channels,
    dispatcher,
    /** Idempotent on idempotencyKey. Pass the caller's transaction so the step and its message commit together. */
    async enqueue(q: Queryable, input: Omit<EnqueueInput, 'now'> & { now?: number }) {
      const res = await enqueueMessage(q, { ...input, now: input.now ?? clock.now() });
      if (res.created) dispatcher.poke();
      return res;
    },
    /** Cancels the profile's queued messages (of one journey or run); returns how many. */
    cancel: (q: Queryable, filter: CancelFilter, reason: string) => cancelMessages(q, filter, reason, clock.now()),
    list: (workspaceId: string, query?: ListQuery) => listMessages(db, workspaceId, query),
    get: (workspaceId: string, id: string) => getMessage(db, workspaceId, id),
    /** A delivery webhook's verdict; emits "Message Delivered" / "Message Failed" when it moved a message. */
    async recordFeedback(input: Omit<FeedbackInput, 'at'> & { at?: number }) {
      const at = input.at ?? clock.now();
      const moved = await db.transaction(tx => recordFeedback(tx, { ...input, at }));
      if (moved) await emitFeedback(opts.emit, [{ m: moved }], at, onError);
      return moved;
    },
    /** What the capture provider "sent" in a workspace, newest first. */
    listCaptured: (workspaceId: string, query?: CapturedQuery) => listCaptured(db, workspaceId, query),
    start: () => dispatcher.start(),
    async stop() {
      await dispatcher.stop();
      await channels.close();
    },
  };
}

export type Messaging = ReturnType<typeof createMessaging>;

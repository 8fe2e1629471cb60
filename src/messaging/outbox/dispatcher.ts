/**
 * The dispatcher drains the outbox: claims due messages in small batches (moving them to
 * `sending` in the claim, so a crash after a provider call is visible as a row stuck there),
 * then takes each through send.ts. It sleeps on the injected clock until the next message is
 * due, so a week of retries runs in a test as fast as the test advances a VirtualClock.
 *
 * Crash recovery: a message left in `sending` longer than `leaseMs` (or any, at start on
 * PGlite, where the data-folder lock guarantees this process is the only one) is
 * - requeued when no provider call was started for that claim (`attempted_at` null);
 * - requeued with the same idempotency key (its id) when the provider dedupes repeats;
 * - marked `failed`, 'unknown outcome after crash', when the provider cannot dedupe
 *   (channels/registry.ts NO_IDEMPOTENCY explains which and why): never a silent double send.
 */
import type { Db } from '../../store/index.ts';
import { WorkLoop, type Clock, type JsonObject } from '../../shared/index.ts';
import type { ChannelService } from '../channels/index.ts';
import { changeStatus, iso, toMessage } from './rows.ts';
import { emitFeedback, type Emit } from './events.ts';
import { DEFAULT_RETRY, type RetryOptions } from './pacing.ts';
import { AfterSendError, sendRound, type Policy, type SendContext } from './send.ts';
import type { LoadProfiles, LoadTemplate, OutboxMessage } from './types.ts';

export interface DispatcherDeps {
  db: Db;
  clock: Clock;
  channels: ChannelService;
  loadTemplate: LoadTemplate;
  loadProfiles: LoadProfiles;
  /** Contact policy and quiet hours (journeys module). Default: always send. */
  policy?: Policy;
  /** Feedback events ("Message Sent"...). Default: dropped. */
  emit?: Emit;
  /** Extra headers per message, e.g. List-Unsubscribe (messaging/preferences unsubscribeHeaders). Default none. */
  headersFor?: (m: OutboxMessage) => Record<string, string>;
  /** Changes the rendered content last, e.g. email open and click tracking (messaging/feedback trackEmail). Default none. */
  decorate?: SendContext['decorate'];
  retry?: Partial<RetryOptions>;
  /** Messages claimed per batch; default 50. */
  batchSize?: number;
  /**
   * Provider calls in flight at once; default 8. A profile's own messages still go one after
   * another, in order (one per round), so a frequency cap sees the send before it.
   */
  concurrency?: number;
  /** Longest sleep between looks at the outbox when nothing is due; default 1000 ms. */
  pollMs?: number;
  /** How long a claim may stay in `sending` before another dispatcher recovers it; default 300 000 ms. */
  leaseMs?: number;
  /** Jitter source; default Math.random. */
  random?: () => number;
  onError?: (err: unknown) => void;
}

/** `f` answering once per distinct arguments (strings and nulls) for as long as the returned function lives. */
function once<A extends (string | null)[], R>(f: (...a: A) => Promise<R>): (...a: A) => Promise<R> {
  const answers = new Map<string, Promise<R>>();
  return (...a: A) => {
    const k = JSON.stringify(a);
    let p = answers.get(k);
    if (!p) answers.set(k, (p = f(...a)));
    return p;
  };
}

const sendAlways: Policy = async (_tx, round) => round.map(() => ({ action: 'send' }));

export class Dispatcher {
  private readonly work: WorkLoop<number>;
  private starting = false;
  private readonly ctx: SendContext;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly onError: (err: unknown) => void;

  constructor(private readonly deps: DispatcherDeps) {
    this.batchSize = deps.batchSize ?? 50;
    this.concurrency = Math.max(1, deps.concurrency ?? 8);
    this.pollMs = deps.pollMs ?? 1000;
    this.leaseMs = deps.leaseMs ?? 300_000;
    this.onError = deps.onError ?? (err => console.error('messaging dispatcher:', err));
    // A full batch means more may be due: go again; else sleep until the next message is due (polling at most every pollMs).
    this.work = new WorkLoop({
      clock: deps.clock, pass: () => this.pass(), onError: this.onError,
      next: async claimed => (claimed !== undefined && claimed >= this.batchSize ? { again: true }
        : { at: Math.min((await this.nextDueAt().catch(() => null)) ?? Infinity, deps.clock.now() + this.pollMs) }),
    });
    this.ctx = {
      db: deps.db, clock: deps.clock, resolveChannel: (ws, channel) => deps.channels.resolve(ws, channel), loadTemplate: deps.loadTemplate, loadProfiles: deps.loadProfiles,
      policy: deps.policy ?? sendAlways, concurrency: this.concurrency,
      retry: { ...DEFAULT_RETRY, ...deps.retry },
      random: deps.random ?? Math.random,
      buckets: new Map(),
      headersFor: deps.headersFor,
      decorate: deps.decorate,
      changed: moved => this.changed(moved),
    };
  }

  /** Recovers what a crash left in `sending`, then keeps draining until stop(). */
  async start(): Promise<void> {
    if (this.starting || this.work.isRunning) return;
    this.starting = true;
    try {
      await this.recover({ all: this.deps.db.kind === 'pglite' });
    } catch (err) { this.onError(err); }
    this.starting = false;
    this.work.start();
  }

  async stop(): Promise<void> {
    await this.work.stop();
  }

  /** Wakes a sleeping loop now (after an enqueue, say). */
  poke(): void {
    this.work.poke();
  }

  /** One pass: recover expired claims, claim one batch, process it. Returns the messages claimed. */
  runOnce(): Promise<number> {
    return this.work.runOnce();
  }

  /** When the next queued message is due, or null when none is queued. */
  async nextDueAt(): Promise<number | null> {
    const rows = await this.deps.db.query<{ at: unknown }>(`select min(next_attempt_at) as at from messages where status = 'queued'`);
    const at = rows[0]?.at;
    return at == null ? null : new Date(at as string | Date).getTime();
  }

  /** Returns the number of messages recovered. `all` ignores the lease (single-process stores). */
  async recover(opts: { all?: boolean } = {}): Promise<number> {
    const now = this.deps.clock.now();
    const cutoff = opts.all ? now : now - this.leaseMs;
    const rows = await this.deps.db.query(`select * from messages where status = 'sending' and updated_at <= $1 order by updated_at limit 500`, [iso(cutoff)]);
    let n = 0;
    for (const m of rows.map(toMessage)) {
      const dedupes = m.attemptedAt === null || !m.provider || !this.deps.channels.noIdempotency(m.provider);
      const change = dedupes
        ? { status: 'queued' as const, reason: m.attemptedAt === null ? 'recovered: claimed, never sent' : 'recovered after crash: resending with the same idempotency key', set: { next_attempt_at: iso(now) } }
        : { status: 'failed' as const, reason: 'unknown outcome after crash' };
      const moved = await changeStatus(this.deps.db, m.id, { ...change, from: ['sending'], unchangedSince: m.updatedAt }, now);
      if (moved) { n++; await this.changed([{ m: moved }]); }
    }
    return n;
  }

  private async pass(): Promise<number> {
    await this.recover();
    const now = this.deps.clock.now();
    // One statement claims and records: on Postgres `skip locked` lets several dispatchers
    // share the outbox; PGlite has one connection, where the same SQL simply runs alone.
    const rows = await this.deps.db.query(
      `with due as (
         select id from messages where status = 'queued' and next_attempt_at <= $1
         order by next_attempt_at limit $2 for update skip locked
       ), claimed as (
         update messages m set status = 'sending', reason = null, attempted_at = null, updated_at = $1
         from due where m.id = due.id returning m.*
       ), h as (
         insert into message_status_history (message_id, status, reason, at) select id, 'sending', null, $1 from claimed
       )
       select * from claimed`,
      [iso(now), this.batchSize],
    );
    const claimed = rows.map(toMessage).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id.localeCompare(b.id));
    // Rounds: the first message of every profile, then the second... One profile's messages go
    // in order, a round apart, so the contact policy sees each send before the next.
    const rounds: OutboxMessage[][] = [];
    const seen = new Map<string, number>();
    for (const m of claimed) {
      const k = seen.get(m.profileId) ?? 0;
      seen.set(m.profileId, k + 1);
      (rounds[k] ??= []).push(m);
    }
    const ctx = this.passContext();
    for (const round of rounds) await this.sendRound(ctx, round);
    return claimed.length;
  }

  /**
   * A pass reads each channel's configuration and each template once, however many of its
   * messages use them: what was current when the pass began serves the whole pass.
   */
  private passContext(): SendContext {
    return { ...this.ctx, resolveChannel: once(this.ctx.resolveChannel), loadTemplate: once(this.ctx.loadTemplate) };
  }

  private async sendRound(ctx: SendContext, round: OutboxMessage[]) {
    try {
      await sendRound(ctx, round);
    } catch (err) {
      this.onError(err);
      // Past the provider calls the outcomes are unknown: crash recovery decides, by provider.
      if (err instanceof AfterSendError) return;
      // Before any provider call (a profile read or the decision failed): no attempt was spent,
      // so the round goes back to the queue after the base backoff rather than spinning.
      const now = this.deps.clock.now();
      const retry = { status: 'queued' as const, reason: `retrying after an internal error: ${(err as Error)?.message ?? String(err)}`, from: ['sending' as const], set: { next_attempt_at: iso(now + this.ctx.retry.baseMs) } };
      for (const m of round) await changeStatus(this.deps.db, m.id, retry, now).catch(e => this.onError(e));
    }
  }

  private changed(moved: { m: OutboxMessage; extra?: JsonObject }[]) {
    return emitFeedback(this.deps.emit, moved, this.deps.clock.now(), this.onError);
  }
}

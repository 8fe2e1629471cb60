/**
 * The live demo: a small population of synthetic customers moving in real time at a
 * gentle rate (default 2 events/s), so the console shows visits, carts, orders, journey
 * sends and segment changes within a minute. Each customer plays the same story as in a
 * backfill (model.ts), its steps compressed to seconds apart, timestamped when sent.
 *
 * With an admin key, customers also answer what the capture provider "sent" them: some
 * open and click journey emails (properties.messageId names the message, so journey
 * stats and fallbacks see the engagement), and satisfied buyers answer the Messenger
 * review request with a rating.
 */
import type { DemoKeys } from './brand.ts';
import { customerStory, DAY, type SimEvent } from './model.ts';
import { hashSeed, rng } from './rng.ts';
import { Sender, sleep } from './sender.ts';
import { runSimulation } from './simulator.ts';

export interface GentleOptions {
  url: string;
  keys: DemoKeys | string;
  /** Events per second; default 2. */
  rate?: number;
  /** Customers in motion at once; default 20. */
  population?: number;
  /** Default 1. */
  seed?: number;
  /** Stops the simulator; `done` resolves soon after. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Lets customers react to captured messages (GET /api/v1/captured-messages). */
  adminKey?: string;
  /**
   * First a historical backfill (timestamps over the last `days` days, at `rate`, default
   * 500 events/s), so attribution and segments have a past to show; then the live loop.
   * Its message ids depend only on the seed, so a second backfill stores nothing new.
   */
  backfill?: { customers: number; days: number; rate?: number };
  /** Tells this run's customers apart; default one from the start time, so a restart brings new people. */
  tag?: string;
  /** How long after a message is captured a customer reacts, in ms; default [5000, 60000]. */
  reactAfter?: [number, number];
  /** Default: console.error. The loop keeps going after errors (5 s pause). */
  onError?: (e: unknown) => void;
}

export interface GentleStats {
  /** Events sent live (warm start included). */
  events: number;
  /** Of them, the first customers' earlier steps sent at once on start. */
  warmStart: number;
  customers: number;
  reactions: number;
  errors: number;
  /** Events of the historical backfill. */
  backfilled: number;
}

export interface GentleSimulator { done: Promise<void>; stats: GentleStats }

export function startGentleSimulator(o: GentleOptions): GentleSimulator {
  if (o.rate !== undefined && !(o.rate > 0 && Number.isFinite(o.rate))) throw new RangeError(`rate must be a number of events per second > 0, got ${o.rate}`);
  const stats: GentleStats = { events: 0, warmStart: 0, customers: 0, reactions: 0, errors: 0, backfilled: 0 };
  const onError = o.onError ?? (e => console.error('demo simulator:', e instanceof Error ? e.message : e));
  const done = loop(o, stats, onError).catch(e => { if (!o.signal?.aborted) onError(e); });
  return { done, stats };
}

interface Captured { messageId: string; channel: string; to: { email?: string; psid?: string }; metadata: Record<string, string>; capturedAt: string }

async function loop(o: GentleOptions, stats: GentleStats, onError: (e: unknown) => void) {
  const { signal } = o;
  const seed = o.seed ?? 1;
  if (o.backfill) {
    try {
      const r = await runSimulation({ ...o.backfill, seed, tag: `h${seed}`, url: o.url, keys: o.keys, rate: o.backfill.rate ?? 500, signal, fetch: o.fetch });
      stats.backfilled = r.sent;
    } catch (e) {
      if (signal?.aborted) return;
      stats.errors++;
      onError(e);
    }
  }
  // New customers on every start: a restarted demo does not replay the last one's people.
  const tag = o.tag ?? `l${Date.now().toString(36)}`;
  const [reactMin, reactMax] = o.reactAfter ?? [5_000, 60_000];
  const r = rng(hashSeed(seed, tag, 'live'));
  const sender = new Sender({ url: o.url, keys: o.keys, signal, fetch: o.fetch });
  const population = o.population ?? 20;
  const interval = 1000 / (o.rate ?? 2);
  const active: { events: SimEvent[]; pos: number }[] = [];
  const reactions: { due: number; event: SimEvent }[] = [];
  let seen = new Set<string>();
  let nextPoll = Date.now();
  let pollFailures = 0;
  const startedAt = Date.now();

  const poll = async () => {
    const res = await (o.fetch ?? fetch)(`${o.url.replace(/\/+$/, '')}/api/v1/captured-messages?limit=200`, { headers: { authorization: `Bearer ${o.adminKey}` }, signal });
    if (!res.ok) throw new Error(`captured messages: ${res.status} ${(await res.text()).slice(0, 200)}`);
    const { messages } = await res.json() as { messages: Captured[] };
    for (const m of messages) {
      if (seen.has(m.messageId) || reactions.length >= 500) continue;
      if (Date.parse(m.capturedAt) < startedAt - 60_000) continue;
      const at = Date.now() + r.between(reactMin, reactMax);
      for (const x of reaction(m, r.next(), r.next())) reactions.push({ due: at + x.after, event: x.event });
    }
    // Newest first: a message that left this list never comes back, so only these need remembering.
    seen = new Set(messages.map(m => m.messageId));
  };

  // A warm start: the first customers are already part-way through their stories (the
  // steps behind them sent at once, over the last minutes), so orders and journey sends
  // show within a minute instead of after a whole story.
  const story = () => customerStory({ seed, tag, index: stats.customers++, start: 0, end: 60 * DAY }).events;
  try {
    const behind: SimEvent[] = [];
    while (active.length < population) {
      const events = story();
      const pos = Math.floor(r.next() * events.length * 0.8);
      behind.push(...events.slice(0, pos));
      active.push({ events, pos });
    }
    const t0 = Date.now();
    const stamps = new Map(behind.map((e, i) => [e, t0 - (behind.length - i) * 1_000]));
    await sender.send(behind, e => stamps.get(e) ?? t0);
    stats.events += behind.length;
    stats.warmStart = behind.length;
  } catch (e) {
    if (signal?.aborted) return;
    stats.errors++;
    onError(e);
  }

  while (!signal?.aborted) {
    const tick = Date.now();
    try {
      if (o.adminKey && tick >= nextPoll) {
        nextPoll = tick + 10_000;
        // Reactions are a nicety: a failed look at the captured messages is retried quietly.
        await poll().then(() => { pollFailures = 0; }, e => { if (++pollFailures === 3) onError(e); });
      }
      let ev: SimEvent | undefined;
      const ready = reactions.findIndex(x => x.due <= tick);
      if (ready >= 0) { ev = reactions.splice(ready, 1)[0].event; stats.reactions++; }
      else {
        while (active.length < population) active.push({ events: story(), pos: 0 });
        const i = r.int(0, active.length - 1);
        const a = active[i];
        ev = a.events[a.pos++];
        if (a.pos >= a.events.length) active.splice(i, 1);
      }
      if (ev) { await sender.send([ev], () => Date.now()); stats.events++; }
    } catch (e) {
      if (signal?.aborted) break;
      stats.errors++;
      onError(e);
      await sleep(5_000, signal);
    }
    await sleep(Math.max(0, interval - (Date.now() - tick)), signal);
  }
}

/** How a customer answers a message: opens (40%) and clicks (a third of those) emails; rates on Messenger. */
function reaction(m: Captured, a: number, b: number): { after: number; event: SimEvent }[] {
  const out: { after: number; event: SimEvent }[] = [];
  const body = (event: string, properties: Record<string, unknown>, context: Record<string, unknown>) => ({ type: 'track', messageId: `react-${m.messageId}-${event}`, event, properties, context });
  if (m.channel === 'email' && m.to.email && a < 0.4) {
    const ids = { anonymousId: `esp-${m.to.email}` };
    const ctx = { traits: { email: m.to.email }, channel: 'email' };
    const props = { messageId: m.messageId, template: m.metadata.templateKey };
    out.push({ after: 0, event: { at: 0, source: 'email', customer: -1, body: { ...ids, ...body('Email Opened', props, ctx) } } });
    if (b < 0.35) out.push({ after: 30_000, event: { at: 0, source: 'email', customer: -1, body: { ...ids, ...body('Email Link Clicked', props, ctx) } } });
  }
  if (m.channel === 'messenger' && m.to.psid && m.metadata.templateKey?.startsWith('review') && a < 0.6) {
    const ctx = { externalIds: [{ id: m.to.psid, type: 'messenger_psid', collection: 'users', encoding: 'none' }], channel: 'messenger' };
    out.push({ after: 0, event: { at: 0, source: 'messenger', customer: -1, body: { anonymousId: m.to.psid, ...body('Review Submitted', { rating: b < 0.8 ? 5 : 3, messageId: m.messageId }, ctx) } } });
  }
  return out;
}

/**
 * The behaviour simulator: a seeded population of synthetic customers (model.ts) with
 * planted channel effects (effects.ts), sent to any Omnis through the public tracking API
 * (sender.ts). Historical backfill spreads the stories over the last `days` days; the live
 * demo (live.ts) plays the same stories in real time.
 */
import type { DemoKeys } from './brand.ts';
import { EXPOSURES, PLANTED_EFFECTS, type Exposure } from './effects.ts';
import { customerStory, DAY, type SimCustomer, type SimEvent } from './model.ts';
import { Sender, type SendStats } from './sender.ts';

export interface PopulationOptions {
  customers: number;
  days: number;
  /** Default 1. The same seed gives the same customers, events and message ids. */
  seed?: number;
  /** Tells populations apart in ids and emails; default `s<seed>`. */
  tag?: string;
  /** The end of the simulated period (epoch ms); default now. Every timestamp is before it. */
  now?: number;
  /** Customers generated, sorted and sent together; default 2000 (bounds memory for big runs). */
  chunk?: number;
}

export interface Chunk { customers: SimCustomer[]; events: SimEvent[] }

export const tagOf = (o: Pick<PopulationOptions, 'seed' | 'tag'>) => o.tag ?? `s${o.seed ?? 1}`;

/**
 * The population in chunks of customers, each chunk's events in time order. Order across
 * chunks does not matter: every event carries its own timestamp.
 */
export function* population(o: PopulationOptions): Generator<Chunk> {
  if (!(Number.isInteger(o.customers) && o.customers >= 0)) throw new RangeError('customers must be a whole number ≥ 0');
  if (!(o.days > 0)) throw new RangeError('days must be more than 0');
  const end = o.now ?? Date.now();
  const start = end - o.days * DAY;
  // Small enough chunks that a progress bar moves, large enough that batches fill up.
  const seed = o.seed ?? 1, tag = tagOf(o), size = o.chunk ?? Math.min(2000, Math.max(500, Math.ceil(o.customers / 20)));
  for (let from = 0; from < o.customers; from += size) {
    const customers: SimCustomer[] = [];
    const events: SimEvent[] = [];
    for (let i = from; i < Math.min(o.customers, from + size); i++) {
      const s = customerStory({ seed, tag, index: i, start, end });
      customers.push(s.customer);
      for (const e of s.events) events.push(e);
    }
    events.sort((a, b) => a.at - b.at || a.customer - b.customer);
    yield { customers, events };
  }
}

/** The whole population at once (tests, small runs). */
export function simulatePopulation(o: PopulationOptions): Chunk {
  const out: Chunk = { customers: [], events: [] };
  for (const c of population({ ...o, chunk: Infinity })) { out.customers = c.customers; out.events = c.events; }
  return out;
}

/** What the population really did, per exposure: the sample's own version of the planted effects. */
export interface Truth {
  customers: number;
  buyers: number;
  baseline: { customers: number; buyers: number };
  exposures: Record<Exposure, { customers: number; buyers: number; rate: number; plantedLift: number }>;
}

export function truthOf(customers: readonly SimCustomer[]): Truth {
  const exposures = Object.fromEntries(EXPOSURES.map(e => [e, { customers: 0, buyers: 0, rate: 0, plantedLift: PLANTED_EFFECTS.effects[e].lift }])) as Truth['exposures'];
  const t: Truth = { customers: customers.length, buyers: 0, baseline: { customers: 0, buyers: 0 }, exposures };
  for (const c of customers) {
    if (c.converts) t.buyers++;
    if (!c.exposures.length) { t.baseline.customers++; if (c.converts) t.baseline.buyers++; }
    for (const e of c.exposures) { exposures[e].customers++; if (c.converts) exposures[e].buyers++; }
  }
  for (const e of EXPOSURES) exposures[e].rate = exposures[e].customers ? exposures[e].buyers / exposures[e].customers : 0;
  return t;
}

export interface SimulationOptions extends PopulationOptions {
  url: string;
  keys: DemoKeys | string;
  /** Events per second at most; default unlimited. */
  rate?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  onProgress?: (p: { customers: number; events: number }) => void;
}

export interface SimulationResult extends SendStats { customers: number; ms: number; truth: Truth }

/** Generates the population and sends it; resolves when the server has accepted every event. */
export async function runSimulation(o: SimulationOptions): Promise<SimulationResult> {
  const t0 = Date.now();
  const all: SimCustomer[] = [];
  // Progress within a chunk is its share of the chunk's events sent.
  let current: Chunk | null = null, sentBefore = 0;
  const sender = new Sender({
    url: o.url, keys: o.keys, rate: o.rate, signal: o.signal, fetch: o.fetch,
    onBatch: s => {
      const part = current && current.events.length ? ((s.sent - sentBefore) / current.events.length) * current.customers.length : 0;
      o.onProgress?.({ customers: Math.floor(all.length + part), events: s.sent });
    },
  });
  for (const chunk of population(o)) {
    current = chunk;
    sentBefore = sender.stats.sent;
    await sender.send(chunk.events);
    for (const c of chunk.customers) all.push(c);
    o.onProgress?.({ customers: all.length, events: sender.stats.sent });
  }
  return { ...sender.stats, customers: all.length, ms: Date.now() - t0, truth: truthOf(all) };
}

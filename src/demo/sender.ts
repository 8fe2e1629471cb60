/**
 * Sends simulated events to any Omnis through its public tracking API: POST /v1/batch
 * with each source's write key as Basic auth, paced to a rate, retrying 429 (after
 * Retry-After) and server errors. Requests go one at a time, so a customer's events
 * arrive in their order.
 */
import type { DemoKeys, Source } from './brand.ts';
import type { Body, SimEvent } from './model.ts';

export interface SenderOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:3000. */
  url: string;
  /** A write key per source, or one key for all of them (events carry context.channel either way). */
  keys: DemoKeys | string;
  /** Events per second at most; default unlimited. */
  rate?: number;
  /** Events per request; default 200 (well under the 500 KB body limit). */
  batchSize?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** After every request answered. */
  onBatch?: (stats: SendStats) => void;
}

export interface SendStats {
  sent: number;
  accepted: number;
  rejected: number;
  requests: number;
  retries: number;
  /** The first few rejections or errors, for the summary. */
  errors: string[];
}

export class IngestError extends Error {}

export class Sender {
  readonly stats: SendStats = { sent: 0, accepted: 0, rejected: 0, requests: 0, retries: 0, errors: [] };
  private readonly startedAt = Date.now();
  private readonly fetch: typeof fetch;
  private readonly endpoint: string;

  constructor(private opts: SenderOptions) {
    this.fetch = opts.fetch ?? fetch;
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/v1/batch`;
  }

  keyFor(source: Source): string {
    const k = typeof this.opts.keys === 'string' ? this.opts.keys : this.opts.keys[source];
    if (!k) throw new IngestError(`no write key for source ${source}`);
    return k;
  }

  /**
   * Sends events keeping each customer's order. A customer's events form runs of one key
   * each (web, web, pos, web: three runs); run n of every customer goes out after run n − 1
   * of every customer, one batch per key at a time, so batches stay large however the
   * customers interleave. `stamp` sets each timestamp: by default the simulated time; the
   * live demo stamps events with the moment they go out.
   */
  async send(events: readonly SimEvent[], stamp: (e: SimEvent) => number = e => e.at): Promise<void> {
    // Under a rate, several small requests a second rather than one burst then a long pause.
    const size = Math.min(this.opts.batchSize ?? 200, this.opts.rate ? Math.max(1, Math.ceil(this.opts.rate / 4)) : Infinity);
    const layers: Map<string, Body[]>[] = [];
    const runs = new Map<number, { key: string; layer: number }>();
    for (const e of events) {
      const key = this.keyFor(e.source);
      const had = runs.get(e.customer);
      const layer = !had ? 0 : had.key === key ? had.layer : had.layer + 1;
      runs.set(e.customer, { key, layer });
      const groups = layers[layer] ??= new Map();
      let g = groups.get(key);
      if (!g) groups.set(key, g = []);
      g.push({ ...e.body, timestamp: new Date(stamp(e)).toISOString() });
    }
    for (const groups of layers) {
      for (const [key, items] of groups) {
        for (let i = 0; i < items.length; i += size) await this.post(key, items.slice(i, i + size));
      }
    }
  }

  private async post(key: string, items: Body[]): Promise<void> {
    const body = JSON.stringify({ batch: items });
    const auth = 'Basic ' + Buffer.from(`${key}:`).toString('base64');
    for (let attempt = 0; ; attempt++) {
      this.opts.signal?.throwIfAborted();
      let res: Response;
      try {
        res = await this.fetch(this.endpoint, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body, signal: this.opts.signal });
      } catch (e) {
        if (this.opts.signal?.aborted || attempt >= 5) throw e;
        this.stats.retries++;
        await sleep(250 * 2 ** attempt, this.opts.signal);
        continue;
      }
      this.stats.requests++;
      if (res.status === 429 || res.status >= 500) {
        await res.text().catch(() => '');
        if (attempt >= 8) throw new IngestError(`${this.endpoint} kept answering ${res.status}`);
        this.stats.retries++;
        const after = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : 250 * 2 ** Math.min(attempt, 5), this.opts.signal);
        continue;
      }
      const text = await res.text();
      if (res.status !== 200) throw new IngestError(`${this.endpoint} answered ${res.status}: ${text.slice(0, 300)}`);
      const r = JSON.parse(text) as { accepted: number; rejected: { index: number; error: string }[] };
      this.stats.sent += items.length;
      this.stats.accepted += r.accepted;
      this.stats.rejected += r.rejected.length;
      for (const x of r.rejected) if (this.stats.errors.length < 10) this.stats.errors.push(`${String(items[x.index]?.messageId)}: ${x.error}`);
      this.opts.onBatch?.(this.stats);
      break;
    }
    await this.pace();
  }

  /** Holds back so that events sent so far ÷ time elapsed stays at or under the rate. */
  private async pace() {
    const rate = this.opts.rate;
    if (!rate || rate <= 0) return;
    const due = this.startedAt + (this.stats.sent / rate) * 1000;
    if (due > Date.now()) await sleep(due - Date.now(), this.opts.signal);
  }
}

/** Resolves after `ms`, or at once when the signal aborts (callers check the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

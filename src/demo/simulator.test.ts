import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { validateEvent } from '../ingest/index.ts';
import {
  simulatePopulation, truthOf, population, runSimulation, startGentleSimulator, describeEffects, Sender,
  PLANTED_EFFECTS, SOURCE_CHANNEL, SOURCES, type DemoKeys, type SimEvent,
} from './index.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const KEYS = Object.fromEntries(SOURCES.map(s => [s, `wk_${s}`])) as DemoKeys;

interface Req { key: string; batch: Record<string, unknown>[] }

/** A fetch that answers like /v1/batch and records what came, per write key. */
function fakeServer(opts: { first429?: boolean } = {}) {
  const requests: Req[] = [];
  let refused = !opts.first429;
  const f = (async (url: string | URL | Request, init?: RequestInit) => {
    if (String(url).includes('/api/v1/captured-messages')) return new Response(JSON.stringify({ messages: [] }), { status: 200 });
    if (!refused) { refused = true; return new Response('{}', { status: 429, headers: { 'retry-after': '0' } }); }
    const key = Buffer.from(String((init!.headers as Record<string, string>).authorization).slice(6), 'base64').toString().split(':')[0];
    const body = JSON.parse(String(init!.body)) as { batch: Record<string, unknown>[] };
    requests.push({ key, batch: body.batch });
    return new Response(JSON.stringify({ accepted: body.batch.length, rejected: [] }), { status: 200 });
  }) as typeof fetch;
  return { fetch: f, requests };
}

describe('behaviour simulator', () => {
  test('the same seed gives the same population, another seed another one', () => {
    const a = simulatePopulation({ customers: 150, days: 30, seed: 5, now: NOW });
    const b = simulatePopulation({ customers: 150, days: 30, seed: 5, now: NOW });
    assert.deepEqual(a, b);
    const c = simulatePopulation({ customers: 150, days: 30, seed: 6, now: NOW });
    assert.notDeepEqual(a.events.map(e => e.at), c.events.map(e => e.at));
    assert.ok(c.customers.every((x, i) => x.email !== a.customers[i].email), 'populations of two seeds never share an email');
    const chunked = [...population({ customers: 150, days: 30, seed: 5, now: NOW, chunk: 40 })];
    assert.equal(chunked.length, 4);
    assert.deepEqual(chunked.flatMap(x => x.customers), a.customers);
  });

  test('every event is a valid Segment call from its source, in the past window, ordered per customer, ids unique', () => {
    const { events, customers } = simulatePopulation({ customers: 300, days: 30, seed: 9, now: NOW });
    assert.ok(events.length > 300 * 10);
    const ids = new Set<string>();
    const last = new Map<number, number>();
    for (const e of events) {
      assert.ok(e.at >= NOW - 30 * DAY && e.at < NOW, `${e.at}`);
      assert.ok((last.get(e.customer) ?? -Infinity) <= e.at);
      last.set(e.customer, e.at);
      const id = String(e.body.messageId);
      assert.ok(!ids.has(id), id);
      ids.add(id);
      const v = validateEvent({ ...e.body, timestamp: new Date(e.at).toISOString() }, null, { receivedAt: NOW, defaultChannel: SOURCE_CHANNEL[e.source], sourceId: null });
      assert.equal(v.channel, SOURCE_CHANNEL[e.source]);
      assert.equal(v.timestamp, e.at);
    }
    const names = new Set(events.map(e => `${e.source}:${String(e.body.event ?? e.body.type)}`));
    for (const n of ['web:page', 'web:identify', 'web:Product Viewed', 'web:Product Added', 'web:Order Completed', 'app:identify', 'app:screen', 'email:Email Opened',
      'email:Email Link Clicked', 'facebook:Ad Clicked', 'marketplace:Product Viewed', 'pos:Store Visited', 'pos:Order Completed', 'messenger:Messenger Message Received',
      'web:Review Submitted']) assert.ok(names.has(n), n);
    const orders = events.filter(e => e.body.event === 'Order Completed');
    assert.equal(orders.length, customers.filter(c => c.converts).length, 'every buyer buys once, inside the window');
    const posOrder = orders.find(e => e.source === 'pos')!;
    assert.deepEqual((posOrder.body.context as { externalIds: { type: string }[] }).externalIds.map(x => x.type), ['loyalty_id']);
    assert.ok(((posOrder.body.context as { traits: { phone?: string } }).traits.phone ?? '').startsWith('+1 '));
  });

  test('the planted effects hold in a large population: showroom > email > social ads > display ≈ baseline', () => {
    const t = truthOf(simulatePopulation({ customers: 8000, days: 30, seed: 3, now: NOW }).customers);
    const base = t.baseline.buyers / t.baseline.customers;
    assert.ok(Math.abs(base - PLANTED_EFFECTS.baseRate) < 0.03, `baseline ${base}`);
    const r = t.exposures;
    assert.ok(r.showroom.rate > r.email.rate && r.email.rate > r.social_ads.rate && r.social_ads.rate > r.display.rate, JSON.stringify(r));
    // Display has no effect: its buyers are as frequent as everyone's.
    assert.ok(Math.abs(r.display.rate - t.buyers / t.customers) < 0.03, JSON.stringify(r.display));
    assert.ok(describeEffects().some(l => l.includes('store > email > social_ads > display')));
  });

  test('the sender uses each source\'s key, never reorders a customer, and waits out a 429', async () => {
    const { events } = simulatePopulation({ customers: 60, days: 10, seed: 2, now: NOW });
    const srv = fakeServer({ first429: true });
    const sender = new Sender({ url: 'http://omnis.test/', keys: KEYS, batchSize: 25, fetch: srv.fetch });
    await sender.send(events);
    assert.equal(sender.stats.sent, events.length);
    assert.equal(sender.stats.retries, 1);
    const seen = srv.requests.flatMap(r => r.batch.map(b => ({ key: r.key, b })));
    assert.equal(seen.length, events.length);
    for (const { key, b } of seen) assert.equal(key, `wk_${Object.entries(SOURCE_CHANNEL).find(([, ch]) => ch === (b.context as { channel: string }).channel)![0]}`);
    const order = new Map<string, string[]>();
    for (const { b } of seen) {
      const who = String(b.messageId).split('-').slice(0, 3).join('-');
      order.set(who, [...(order.get(who) ?? []), String(b.timestamp)]);
    }
    for (const [who, times] of order) assert.deepEqual(times, [...times].sort(), who);
  });

  test('runSimulation reports progress and the truth of what it sent; one key serves every source', async () => {
    const srv = fakeServer();
    const progress: number[] = [];
    const r = await runSimulation({ url: 'http://omnis.test', keys: 'wk_one', customers: 50, days: 7, seed: 4, now: NOW, fetch: srv.fetch, onProgress: p => progress.push(p.customers) });
    assert.equal(r.customers, 50);
    assert.equal(r.sent, r.accepted);
    assert.equal(progress.at(-1), 50);
    assert.ok(srv.requests.every(x => x.key === 'wk_one'));
    assert.equal(r.truth.customers, 50);
  });

  test('the live simulator sends at its rate, timestamped now, and stops on abort', async () => {
    const srv = fakeServer();
    const ac = new AbortController();
    const started = Date.now();
    const sim = startGentleSimulator({ url: 'http://omnis.test', keys: KEYS, rate: 40, population: 5, seed: 1, tag: 'test', signal: ac.signal, fetch: srv.fetch, adminKey: 'ak_x' });
    await new Promise(r => setTimeout(r, 600));
    ac.abort();
    await sim.done;
    const sent: SimEvent['body'][] = srv.requests.flatMap(x => x.batch);
    assert.equal(sim.stats.events, sent.length);
    assert.equal(sim.stats.errors, 0);
    // The warm start sends the first customers' earlier steps at once, then one event per tick.
    const live = sent.length - sim.stats.warmStart;
    assert.ok(sim.stats.warmStart > 0 && live >= 5 && live <= 30, `${sent.length} events, ${live} live`);
    for (const b of sent) {
      const at = Date.parse(String(b.timestamp));
      assert.ok(at >= started - 10 * 60_000 && at <= Date.now(), String(b.timestamp));
    }
  });
});

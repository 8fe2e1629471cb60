import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestOmnis, type TestOmnis } from '../testing/index.ts';
import { systemClock } from '../shared/index.ts';
import { seedDemo, runSimulation, DEMO_SEGMENTS, PLANTED_EFFECTS, type SimulationResult, type SeedResult } from './index.ts';
import { simulatePopulation } from './simulator.ts';

interface Credit { channel: string; conversions: number; offline: boolean; removalEffect?: number; roas?: number | null }

/**
 * The demo end to end: the seeded workspace on a real HTTP server, 300 simulated
 * customers over 30 days sent through the public tracking API with the demo's write keys,
 * then what the console would show.
 */
describe('demo: seeded mattress brand fed by the behaviour simulator', () => {
  let t: TestOmnis;
  let url: string;
  let seed: SeedResult;
  let sim: SimulationResult;
  const customers = 300, days = 30, simSeed = 7;
  let now: number;

  before(async () => {
    t = await startTestOmnis('pglite', { clock: systemClock });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    seed = await seedDemo(t.omnis);
    now = Date.now();
    sim = await runSimulation({ url, keys: seed.keys, customers, days, seed: simSeed, now });
    await t.omnis.idle();
    await t.omnis.settle();
  });
  after(async () => { await t?.close(); });

  test('every simulated event is accepted', () => {
    assert.equal(sim.rejected, 0, sim.errors.join('\n'));
    assert.equal(sim.accepted, sim.sent);
    assert.equal(sim.customers, customers);
    assert.ok(sim.sent > customers * 10, `${sim.sent} events`);
  });

  test('one profile per customer: web, app, email, marketplace, Messenger and POS identities meet', async () => {
    const [{ n }] = await t.omnis.db.query<{ n: number }>(`select count(*)::int as n from profiles where merged_into is null`);
    assert.equal(n, customers);
    const truth = simulatePopulation({ customers, days, seed: simSeed, now });
    const posBuyer = truth.customers.find(c => c.purchase === 'pos' && c.hasApp) ?? truth.customers.find(c => c.purchase === 'pos')!;
    const found = await t.admin('GET', `/api/v1/profiles?identifier=${encodeURIComponent(`email:${posBuyer.email}`)}`);
    assert.equal(found.status, 200, JSON.stringify(found.json));
    const p = (await t.admin('GET', `/api/v1/profiles/${found.json.id}`)).json;
    const types = new Set(p.identities.map((i: { type: string }) => i.type));
    for (const ty of ['anonymous_id', 'email', 'phone', 'user_id', 'loyalty_id']) assert.ok(types.has(ty), `${ty} in ${[...types]}`);
    assert.ok(p.seen.web && p.seen.pos, JSON.stringify(p.seen));
  });

  test('orders at the showroom POS and online, as many as the simulation planned', async () => {
    const rows = await t.omnis.db.query<{ channel: string; n: number }>(`select channel, count(*)::int as n from events where name = 'Order Completed' group by channel`);
    const by = Object.fromEntries(rows.map(r => [r.channel, r.n]));
    const planned: Record<string, number> = {};
    for (const c of simulatePopulation({ customers, days, seed: simSeed, now }).customers) if (c.purchase) planned[c.purchase] = (planned[c.purchase] ?? 0) + 1;
    assert.deepEqual(by, planned);
    assert.ok(by.pos > 0 && by.web > 0, JSON.stringify(by));
    assert.equal(rows.reduce((s, r) => s + r.n, 0), sim.truth.buyers);
  });

  test('the demo segments have members', async () => {
    const list = (await t.admin('GET', '/api/v1/segments')).json.data as { name: string; size: number }[];
    for (const s of DEMO_SEGMENTS) {
      const seg = list.find(x => x.name === s.name);
      assert.ok(seg, s.name);
      assert.ok(seg.size > 0, `${s.name}: ${seg.size} members`);
    }
  });

  test('journey messages land in the capture provider', async () => {
    let captured: { channel: string; metadata: { templateKey: string } }[] = [];
    for (let i = 0; i < 100 && captured.length === 0; i++) {
      captured = (await t.admin('GET', '/api/v1/captured-messages?limit=1000')).json.messages;
      if (!captured.length) await new Promise(r => setTimeout(r, 200));
    }
    assert.ok(captured.some(m => m.channel === 'email' && m.metadata.templateKey === 'thank-you'), JSON.stringify(captured.slice(0, 3)));
  });

  test('attribution ranks the planted effects: store well above display, email above display', async () => {
    const r = await t.admin('POST', '/api/v1/attribution', {
      models: ['markov', 'linear', 'last'], nulls: true, lookback: '30d',
      from: new Date(now - (days + 1) * 86_400_000).toISOString(), to: new Date(now + 60_000).toISOString(),
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.totals.conversions, sim.truth.buyers);
    const byModel = Object.fromEntries((r.json.models as { model: string; channels: Credit[] }[]).map(m => [m.model, m.channels]));
    const credit = (model: string, channel: string) => byModel[model].find(c => c.channel === channel)?.conversions ?? 0;
    const shown = JSON.stringify(Object.fromEntries(Object.entries(byModel).map(([m, cs]) => [m, cs.map(c => `${c.channel}=${c.conversions.toFixed(1)}`).join(' ')])));
    // Data-driven (Markov with nulls) and linear both find what was planted.
    for (const model of ['markov', 'linear']) {
      assert.ok(credit(model, 'store') > 1.5 * credit(model, 'display'), `${model}: store well above display: ${shown}`);
      assert.ok(credit(model, 'email') > credit(model, 'display'), `${model}: email above display: ${shown}`);
    }
    assert.ok(byModel.markov.find(c => c.channel === 'store')!.offline, 'the showroom is offline');
    const display = byModel.markov.find(c => c.channel === 'display')!;
    assert.equal(typeof display.roas, 'number', 'the spend the seed imported gives display a ROAS');
    assert.equal(PLANTED_EFFECTS.effects.display.lift, 1);
  });
});

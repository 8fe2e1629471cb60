import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachStore, openTestDb, startTestOmnis } from '../testing/index.ts';
import { createOmnis } from '../app/index.ts';
import { ThreadedProcessor } from '../bus/index.ts';
import { systemClock } from '../shared/index.ts';
import { H, MIN, advance, messagesOf, person, profileId, publish, setUpChannels, track } from './acceptance-helpers.ts';

/** The console's live view: who is at a step, per-step opens/clicks/conversions, list totals, and all-problems validation. */
forEachStore('journey live view', kind => {
  test('runs at a step page by arrival; stats count opens, clicks and conversions per step; the list has totals', async () => {
    const t = await startTestOmnis(kind);
    try {
      await setUpChannels(t, ['hello']);
      const id = await publish(t, {
        name: 'Welcome', entry: { event: 'Signed Up' }, goal: { event: 'Order Completed', within: '30d' }, start: 'hello',
        steps: { hello: { type: 'send', channel: 'email', template: 'hello', next: 'wait' }, wait: { type: 'wait', for: '2d', next: 'end' }, end: { type: 'exit' } },
      });
      for (const u of ['ann', 'bob', 'cy']) { await person(t, u); await track(t, u, 'Signed Up'); await t.omnis.settle(); await advance(t, H); }

      const all = await t.admin('GET', `/api/v1/journeys/${id}/steps/wait/runs`);
      assert.equal(all.status, 200, JSON.stringify(all.json));
      const ids = await Promise.all(['ann', 'bob', 'cy'].map(u => profileId(t, u)));
      assert.deepEqual(all.json.data.map((r: { profileId: string }) => r.profileId), ids, 'oldest arrival first');
      assert.ok(all.json.data.every((r: { since: string; waiting: string }) => Date.parse(r.since) > 0 && r.waiting === 'timer'));
      const first = await t.admin('GET', `/api/v1/journeys/${id}/steps/wait/runs?limit=2`);
      assert.equal(first.json.data.length, 2);
      assert.ok(first.json.nextCursor);
      const second = await t.admin('GET', `/api/v1/journeys/${id}/steps/wait/runs?limit=2&cursor=${first.json.nextCursor}`);
      assert.deepEqual(second.json.data.map((r: { profileId: string }) => r.profileId), [ids[2]]);
      assert.equal(second.json.nextCursor, null);
      assert.deepEqual((await t.admin('GET', `/api/v1/journeys/${id}/steps/hello/runs`)).json.data, [], 'nobody waits at a send');
      const bad = await t.admin('GET', `/api/v1/journeys/${id}/steps/wait/runs?cursor=nonsense`);
      assert.equal(bad.status, 400);
      assert.match(bad.json.error.message, /cursor/);
      assert.equal((await t.admin('GET', '/api/v1/journeys/jrn_nope/steps/wait/runs')).status, 404);

      const [annMail] = await messagesOf(t, 'ann');
      assert.equal(annMail.status, 'sent');
      // Two opens of one message count once.
      for (const event of ['Email Opened', 'Email Opened', 'Email Link Clicked']) await track(t, 'ann', event, { messageId: annMail.id });
      await track(t, 'bob', 'Order Completed', { total: 120 });
      await t.omnis.settle();

      const s = (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json;
      assert.deepEqual([s.steps.hello.opens, s.steps.hello.clicks, s.steps.hello.conversions, s.steps.hello.revenue], [1, 1, 1, 120]);
      assert.deepEqual([s.steps.wait.entered, s.steps.wait.waiting, s.steps.wait.conversions], [3, 2, 1]);
      assert.equal(s.steps.hello.sends.sent, 3, 'the existing counts are still there');
      const list = (await t.admin('GET', '/api/v1/journeys')).json.data;
      assert.deepEqual(list.map((j: { id: string; entered: number; converted: number }) => [j.id, j.entered, j.converted]), [[id, 3, 1]]);
    } finally { await t.close(); }
  });

  test("a run's arrival at a step is when it entered that step, not the journey", async () => {
    const t = await startTestOmnis(kind);
    try {
      const id = await publish(t, {
        name: 'Two waits', entry: { event: 'Signed Up' }, start: 'first',
        steps: { first: { type: 'wait', for: '1d', next: 'second' }, second: { type: 'wait', for: '1d', next: 'end' }, end: { type: 'exit' } },
      });
      await person(t, 'dee');
      await track(t, 'dee', 'Signed Up');
      await t.omnis.settle();
      const entered = t.clock.now();
      await advance(t, 25 * H);
      const at = (await t.admin('GET', `/api/v1/journeys/${id}/steps/second/runs`)).json.data;
      assert.deepEqual(at.map((r: { since: string }) => r.since), [new Date(entered + 24 * H).toISOString()]);
      const s = (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json;
      assert.deepEqual([s.steps.first.entered, s.steps.first.movedOn, s.steps.second.entered, s.steps.second.movedOn, s.steps.second.waiting], [1, 1, 1, 0, 1]);
    } finally { await t.close(); }
  });

  test("a looping run's trail keeps its recent steps; stats, outcomes and the export still count every step", async () => {
    // The same looping journey on two servers: one trims trails past 10 entries, one keeps them all.
    const capped = await startTestOmnis(kind, { trailCap: 10 });
    const whole = await startTestOmnis(kind, { trailCap: null });
    try {
      const seen = [];
      for (const t of [capped, whole]) {
        const id = await publish(t, {
          name: 'Hourly nudge', entry: { event: 'Signed Up' }, goal: { event: 'Order Completed', within: '30d' }, start: 'intro',
          steps: { intro: { type: 'wait', for: '1h', next: 'a' }, a: { type: 'wait', for: '1h', next: 'b' }, b: { type: 'wait', for: '1h', next: 'a' } },
        });
        await person(t, 'lou');
        await track(t, 'lou', 'Signed Up');
        await t.omnis.settle();
        await advance(t, 20 * H + MIN);
        const waiting = (await t.admin('GET', `/api/v1/journeys/${id}/steps/${'b'}/runs`)).json.data.concat((await t.admin('GET', `/api/v1/journeys/${id}/steps/a/runs`)).json.data);
        const midStats = (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json.steps;
        await track(t, 'lou', 'Order Completed', { total: 50 });
        await t.omnis.settle();
        const stats = (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json.steps;
        const pid = await profileId(t, 'lou');
        const [run] = (await t.admin('GET', `/api/v1/profiles/${pid}/export`)).json.journeyRuns;
        seen.push({ waiting: waiting.map((r: { since: string }) => r.since), midStats, stats, run });
      }
      const [c, w] = seen;
      // 20 hours: intro once, then a and b by turns, ten times each.
      assert.deepEqual([w.midStats.intro.entered, w.midStats.a.entered, w.midStats.b.entered, w.midStats.b.waiting + w.midStats.a.waiting], [1, 10, 10, 1]);
      assert.equal(w.run.steps.length, 2 + 4 * 10 - 1 + 1, 'the uncapped trail holds every transition');
      assert.equal(w.run.earlierSteps, null);
      assert.deepEqual(c.midStats, w.midStats, 'per-step counts are exact with a capped trail');
      assert.deepEqual(c.stats, w.stats, 'so are conversions per step, for steps only the tally remembers (intro)');
      assert.equal(c.stats.intro.conversions, 1);
      assert.deepEqual(c.waiting, w.waiting, 'arrival at the current step survives the trim');
      assert.ok(c.run.steps.length <= 10, `capped trail holds ${c.run.steps.length}`);
      assert.deepEqual(c.run.steps, w.run.steps.slice(-c.run.steps.length), 'the capped trail is the newest part of the whole one');
      const folded = w.run.steps.slice(0, -c.run.steps.length) as { step: string; action: string }[];
      const tally: Record<string, { entered: number; left: number }> = {};
      for (const s of folded) { tally[s.step] ??= { entered: 0, left: 0 }; tally[s.step][s.action as 'entered' | 'left']++; }
      assert.deepEqual(c.run.earlierSteps, tally, 'what left the trail is counted in earlierSteps');
    } finally { await capped.close(); await whole.close(); }
  });

  // The inline pipeline runs under the tests' virtual clock; a Postgres server with the system clock runs it on its own thread.
  if (kind === 'postgres') test('the trail cap reaches the pipeline thread', async () => {
    const t = await startTestOmnis(kind, { clock: systemClock, trailCap: 4 });
    try {
      assert.ok(t.omnis.processor instanceof ThreadedProcessor, 'the pipeline runs on its thread');
      const until = (next: string) => ({ type: 'wait_event', events: [{ event: 'Ping', next }], timeout: '30d', on_timeout: 'end' });
      const id = await publish(t, { name: 'Ping pong', entry: { event: 'Signed Up' }, start: 'a', steps: { a: until('b'), b: until('a'), end: { type: 'exit' } } });
      await person(t, 'pat');
      await track(t, 'pat', 'Signed Up');
      await t.omnis.settle();
      for (let i = 0; i < 6; i++) { await track(t, 'pat', 'Ping'); await t.omnis.settle(); }
      const s = (await t.admin('GET', `/api/v1/journeys/${id}/stats`)).json.steps;
      assert.deepEqual([s.a.entered, s.b.entered, s.a.waiting], [4, 3, 1]);
      const [run] = (await t.admin('GET', `/api/v1/profiles/${await profileId(t, 'pat')}/export`)).json.journeyRuns;
      assert.ok(run.steps.length <= 4, `the thread's trail holds ${run.steps.length} entries`);
      const earlier = Object.values(run.earlierSteps ?? {}) as { entered: number; left: number }[];
      assert.equal(run.steps.length + earlier.reduce((n, x) => n + x.entered + x.left, 0), 7 + 6, 'every entry is in the trail or the tally');
    } finally { await t.close(); }
  });

  test('a trail cap that would keep nothing is refused at start, naming the option', async () => {
    const t = await openTestDb(kind);
    try {
      for (const trailCap of [1, 0, 2.5, -10]) await assert.rejects(createOmnis({ db: t.db, trailCap }), /trailCap must be an integer of at least 2, or null; got /);
    } finally { await t.close(); }
  });

  test('validate reports every broken step at once, and what only publishing refuses', async () => {
    const t = await startTestOmnis(kind);
    try {
      const def = {
        name: 'Half done', entry: { event: 'Signed Up' }, start: 'mail',
        steps: {
          mail: { type: 'send', channel: 'email', template: '', next: 'watch' },
          watch: { type: 'wait_event', events: [{ event: '', next: 'fax' }], timeout: '1d', on_timeout: 'fax' },
          fax: { type: 'send', channel: 'fax', template: 'x', next: 'end' },
          end: { type: 'exit' },
        },
      };
      const r = await t.admin('POST', '/api/v1/journeys/validate', { definition: def });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const byStep = Object.fromEntries(r.json.problems.map((p: { step: string; path: string; publishOnly: boolean }) => [p.step, [p.path, p.publishOnly]]));
      assert.deepEqual(byStep, { mail: ['steps.mail.template', true], watch: ['steps.watch.events.0.event', false], fax: ['steps.fax.channel', false] });
      assert.deepEqual([r.json.valid, r.json.publishable], [false, false]);
      const fixed = { ...def, steps: { ...def.steps, mail: { ...def.steps.mail, template: 'hi' }, watch: { ...def.steps.watch, events: [{ event: 'Clicked', next: 'fax' }] }, fax: { ...def.steps.fax, channel: 'sms' } } };
      const ok = await t.admin('POST', '/api/v1/journeys/validate', { definition: fixed });
      assert.deepEqual(ok.json, { problems: [], valid: true, publishable: true });
      const graph = await t.admin('POST', '/api/v1/journeys/validate', { definition: { ...fixed, start: 'nowhere' } });
      assert.deepEqual(graph.json.problems.map((p: { path: string; step: string | null }) => [p.path, p.step]), [['start', null]]);
    } finally { await t.close(); }
  });
});

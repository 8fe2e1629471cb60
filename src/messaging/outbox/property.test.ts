import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { forEachStore } from '../../testing/index.ts';
import { denied, granted, openHarness, profile, WS, type Harness } from './testing.ts';
import type { PolicyDecision } from './types.ts';

const spec = fc.record({
  channel: fc.constantFrom('email', 'sms', 'push'),
  purpose: fc.constantFrom('marketing' as const, 'transactional' as const),
  consent: fc.constantFrom('granted', 'denied', 'absent'),
  reachable: fc.boolean(),
  policy: fc.constantFrom<PolicyDecision['action']>('send', 'suppress', 'delay'),
});

forEachStore('property: no provider call without consent or against the policy', kind => {
  let h: Harness;
  let run = 0;
  before(async () => {
    h = await openHarness(kind);
    for (const channel of ['email', 'sms', 'push']) await h.messaging.channels.put(WS, channel, { provider: 'capture' });
  });
  after(async () => { await h.close(); });

  test('across random messages, consents and policy answers', async () => {
    await fc.assert(fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 12 }), async specs => {
      run++;
      const ids: string[] = [];
      for (const [i, s] of specs.entries()) {
        const key = `prop${run}:${i}`;
        const consent = s.consent === 'absent' ? {} : { [s.channel]: s.consent === 'granted' ? granted() : denied() };
        h.profiles.set(key, profile(consent, s.reachable ? {} : { channels: {}, traits: {} }));
        if (s.policy === 'suppress') h.policy.set(key, { action: 'suppress', reason: 'cap' });
        if (s.policy === 'delay') h.policy.set(key, { action: 'delay', until: h.clock.now() + 3600_000 });
        ids.push(await h.enqueue({ idempotencyKey: key, profileId: key, channel: s.channel, purpose: s.purpose }));
      }
      await h.messaging.dispatcher.runOnce();
      const sent = new Set((await h.messaging.listCaptured(WS, { limit: 1000 })).map(c => c.messageId));
      for (const [i, s] of specs.entries()) {
        const allowed = (s.purpose === 'transactional' || s.consent === 'granted') && s.reachable;
        const m = await h.message(ids[i]);
        if (sent.has(ids[i])) {
          assert.ok(allowed, `sent without consent or address: ${JSON.stringify(s)}`);
          assert.equal(s.policy, 'send', `sent against the policy: ${JSON.stringify(s)}`);
        }
        // And nothing that may go is held back: every message reaches the status its inputs call for.
        const expected = !allowed ? 'suppressed' : s.policy === 'send' ? 'sent' : s.policy === 'suppress' ? 'suppressed' : 'queued';
        assert.equal(m.status, expected, JSON.stringify(s));
        assert.equal(sent.has(ids[i]), expected === 'sent');
      }
      // Delayed messages are cancelled so they do not come back in later runs.
      for (const id of ids) await h.db.query(`update messages set status = 'cancelled' where id = $1 and status = 'queued'`, [id]);
    }), { numRuns: 30 });
  });
});

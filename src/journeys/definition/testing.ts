/** Journeys for tests: the cart-abandonment journey, and a one-step wrapper. */
import { OmnisError } from './deps.ts';
import assert from 'node:assert/strict';

/** Every step type, shaped as in the issue. Valid as it stands. */
export function cartJourney(): Record<string, unknown> {
  return {
    name: 'Cart abandonment',
    entry: { event: 'Product Added', where: [] },
    reentry: { after: '30d' },
    goal: { event: 'Order Completed', within: '30d' },
    exit: [{ event: 'Unsubscribed' }],
    priority: 5,
    start: 'wait1',
    steps: {
      wait1: { type: 'wait', for: '1h', next: 'email1' },
      email1: { type: 'send', channel: 'email', template: 'cart-100', offer: { discount: 100, currency: 'USD' }, next: 'watch' },
      watch: {
        type: 'wait_event',
        events: [{ event: 'Product Viewed', where: [{ property: 'size', op: 'eq', value: 'king' }], channel: 'web', next: 'check' }],
        timeout: '7d', on_timeout: 'ads',
      },
      ads: { type: 'audience', action: 'add', audience: 'retarget-cart', platforms: ['facebook', 'instagram', 'pinterest', 'youtube'], for: '7d', frequency_cap: { max: 3, per: '1d' }, next: 'ab' },
      check: { type: 'branch', cases: [{ if: { near: { lat: 40.72, lng: -74.0 }, km: 30 }, next: 'ask' }, { if: { segment: 'seg_vip' }, next: 'set' }], else: 'ab' },
      ab: { type: 'split', paths: [{ percent: 45, next: 'ask' }, { percent: 45, next: 'set' }, { percent: 10, holdout: true }] },
      ask: { type: 'send', channel: ['email', 'messenger'], template: 'review', fallback_after: '3d', next: 'set' },
      set: { type: 'update', traits: { vip: true }, next: 'hook' },
      hook: { type: 'webhook', url: 'https://example.com/hook', next: 'until' },
      until: { type: 'wait', until: { local_time: '10:00', days: ['sat', 'sun'] }, next: 'done' },
      done: { type: 'exit' },
    },
  };
}

/** A journey whose start step is `step`, followed by an exit step "end". */
export function around(step: Record<string, unknown>, extraSteps: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'j', entry: { event: 'E' }, start: 's', steps: { s: step, ...extraSteps, end: { type: 'exit' } } };
}

/** Asserts `fn` throws an `invalid` OmnisError naming `path`, with a message matching `message`. */
export function refuses(fn: () => unknown, path: string | undefined, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OmnisError, `expected OmnisError, got ${String(e)}`);
    assert.equal(e.kind, 'invalid');
    assert.equal(e.field, path, `wrong path: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

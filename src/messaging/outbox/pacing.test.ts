import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_RETRY, retryDelay, TokenBucket } from './pacing.ts';

test('backoff: full jitter under an exponential ceiling capped at an hour; Retry-After is a floor', () => {
  assert.equal(retryDelay(1, DEFAULT_RETRY, () => 0.999999), 29_999);
  assert.equal(retryDelay(3, DEFAULT_RETRY, () => 0.5), 60_000);
  assert.equal(retryDelay(30, DEFAULT_RETRY, () => 0.5), 1_800_000);
  assert.equal(retryDelay(1, DEFAULT_RETRY, () => 0, 5_000), 5_000);
  fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
    const d = retryDelay(attempt, DEFAULT_RETRY, () => r);
    return d >= 0 && d < Math.min(DEFAULT_RETRY.capMs, DEFAULT_RETRY.baseMs * 2 ** (attempt - 1)) + 1;
  }));
});

test('token bucket: a burst of max(1, rate), then rate per second', () => {
  const b = new TokenBucket(2, 0);
  assert.deepEqual([b.take(0), b.take(0)], [{ ok: true }, { ok: true }]);
  assert.deepEqual(b.take(0), { ok: false, at: 500 });
  assert.deepEqual(b.take(499), { ok: false, at: 500 });
  assert.deepEqual(b.take(500), { ok: true });
  const slow = new TokenBucket(0.5, 0);
  assert.deepEqual(slow.take(0), { ok: true });
  assert.deepEqual(slow.take(0), { ok: false, at: 2000 });
  assert.deepEqual(slow.take(2000), { ok: true });
  // Never more than capacity + rate·t in any window.
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }), gaps => {
    const bucket = new TokenBucket(3, 0);
    let t = 0;
    let sent = 0;
    for (const g of gaps) { t += g; if (bucket.take(t).ok) sent++; }
    return sent <= 3 + (3 * t) / 1000 + 1e-9;
  }));
});

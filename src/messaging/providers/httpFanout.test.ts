import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fanOut } from './httpFanout.ts';
import { ProviderError } from './types.ts';

const dead = () => new ProviderError('gone', false, { status: 410, code: 'expired' });
const busy = (ms?: number) => new ProviderError('busy', true, { status: 429, ...(ms ? { retryAfterMs: ms } : {}) });
const bad = () => new ProviderError('bad', false, { status: 400 });

function run(outcomes: Record<string, () => string | ProviderError>) {
  return fanOut(Object.keys(outcomes), 'expired', async t => {
    const r = outcomes[t]();
    if (r instanceof ProviderError) throw r;
    return r;
  });
}

test('one success makes the send succeed and reports the dead tokens', async () => {
  assert.deepEqual(await run({ a: () => 'id-a', b: dead, c: busy }), { providerMessageId: 'id-a', deadTokens: ['b'] });
  assert.deepEqual(await run({ a: () => 'id-a' }), { providerMessageId: 'id-a' });
});

test('no success: retryable wins with the longest Retry-After; all dead throws dead; else the first other error', async () => {
  await assert.rejects(run({ a: () => busy(1000), b: () => busy(5000), c: dead }), (e: ProviderError) => e.retryable && e.opts.retryAfterMs === 5000);
  await assert.rejects(run({ a: dead, b: dead }), (e: ProviderError) => !e.retryable && e.opts.code === 'expired');
  // Not every token is dead, so the dead code must not surface (the caller would drop them all).
  await assert.rejects(run({ a: dead, b: bad }), (e: ProviderError) => !e.retryable && e.opts.status === 400);
  await assert.rejects(fanOut([], 'expired', async () => 'x'), (e: ProviderError) => e.opts.code === 'no_recipient');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchRender } from './bench.ts';

test('benchRender returns milliseconds per MJML render', async () => {
  const ms = await benchRender(5);
  assert.ok(Number.isFinite(ms) && ms > 0 && ms < 1000, String(ms));
});

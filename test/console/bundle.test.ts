// The first screen's JavaScript stays small: the sign-in page and the first screen after it
// load under 300 KB of compressed JavaScript, and the other screens arrive as their own chunks.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page, Response } from 'playwright-core';
import { chromiumProblem, startConsole, ADMIN, type Console } from './harness.ts';

const problem = chromiumProblem();
const LIMIT = 300 * 1024;

/** Every script the page fetches from now on, with the bytes that crossed the wire. */
function scripts(page: Page) {
  const seen: { url: string; bytes: number; encoding: string }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (r: Response) => {
    if (!new URL(r.url()).pathname.endsWith('.js')) return;
    pending.push((async () => {
      const sizes = await r.request().sizes();
      seen.push({ url: new URL(r.url()).pathname, bytes: sizes.responseBodySize, encoding: (await r.allHeaders())['content-encoding'] ?? 'identity' });
    })());
  });
  return { seen, settled: () => Promise.all(pending) };
}

describe('console bundle size', { skip: problem ?? false }, () => {
  let c: Console;
  before(async () => { c = await startConsole(); });
  after(async () => { await c?.close(); });

  test('sign-in and the first screen load under 300 KB of compressed JavaScript; other screens are separate chunks', { timeout: 60_000 }, async () => {
    const page = await c.newPage();
    const first = scripts(page);
    await page.goto('/login');
    await page.fill('input[type=email]', ADMIN.email);
    await page.fill('input[type=password]', ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForURL(u => u.pathname.startsWith('/journeys'));
    await page.getByRole('heading', { name: 'Journeys' }).waitFor();
    await page.waitForLoadState('networkidle');
    await first.settled();
    const total = first.seen.reduce((s, x) => s + x.bytes, 0);
    assert.ok(first.seen.length >= 2, `the first screen is its own chunk: ${JSON.stringify(first.seen)}`);
    assert.ok(first.seen.every(x => x.encoding === 'br' || x.encoding === 'gzip'), `scripts are sent compressed: ${JSON.stringify(first.seen)}`);
    assert.ok(total < LIMIT, `first screen JavaScript ${total} bytes compressed, limit ${LIMIT}`);
    console.log(`# first screen: ${first.seen.length} scripts, ${(total / 1024).toFixed(1)} KB compressed`);

    const before = new Set(first.seen.map(x => x.url));
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics' }).waitFor();
    await page.waitForLoadState('networkidle');
    await first.settled();
    const later = first.seen.filter(x => !before.has(x.url));
    assert.ok(later.length >= 1, 'the analytics screen arrived as chunks of its own, after sign-in');
  });
});

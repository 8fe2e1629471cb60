// The Journeys screen end to end: build a journey on the canvas, reload it, simulate it,
// publish it, watch live counts arrive, and a read-only user who cannot publish.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { chromiumProblem, startConsole, type Console } from './harness.ts';

const skip = chromiumProblem();
const VIEWER = { email: 'viewer@omnis.test', password: 'viewer password 12345' };

/** Node ids and edge labels on the canvas, to compare two renderings. */
async function canvasShape(page: Page) {
  const nodes = await page.locator('[data-testid^="node-"]').evaluateAll(els => els.map(e => `${e.getAttribute('data-testid')}|${e.querySelector('.jnode-text')?.textContent}`).sort());
  const edges = await page.locator('.react-flow__edge').evaluateAll(els => els.map(e => e.getAttribute('data-testid') ?? e.getAttribute('aria-label') ?? e.id).sort());
  const labels = await page.locator('[data-testid^="edge-label-"]').evaluateAll(els => els.map(e => `${e.getAttribute('data-testid')}=${e.textContent}`).sort());
  return { nodes, edges, labels };
}

/** Edges (and their labels) are drawn once React Flow has measured the nodes, a frame or more after the nodes appear. */
async function edgesDrawn(page: Page, edges: number, labels: number) {
  await page.waitForFunction(([e, l]) => document.querySelectorAll('.react-flow__edge').length >= e && document.querySelectorAll('[data-testid^="edge-label-"]').length >= l, [edges, labels]);
}

const stat = (page: Page, node: string, key: string) => page.locator(`[data-testid="stats-${node}"] [data-stat="${key}"] dd`);

describe('journeys screen', { skip: skip ?? undefined }, () => {
  let c: Console;
  let page: Page;
  let journeyId = '';

  before(async () => {
    c = await startConsole();
    await c.api('PUT', 'channels/email', { provider: 'capture', settings: {} });
    await c.api('POST', 'templates', { key: 'welcome', channel: 'email', subject: 'Welcome, {{ profile.traits.firstName | default: "friend" }}', html: '<p>Glad you are here.</p>' });
    page = await c.signedIn();
  });
  after(async () => { await c?.close(); });

  test('build entry → wait → send on the canvas, save, and reload to the same journey', async () => {
    await page.goto('/journeys');
    await page.getByText('No journeys yet').waitFor();
    await page.getByRole('button', { name: 'New journey' }).click();
    await page.getByLabel('Journey name').fill('Welcome series');
    await page.getByLabel('Entry event').fill('Signed Up');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/journeys\/jrn_/);
    journeyId = new URL(page.url()).pathname.split('/').pop() as string;
    await page.getByTestId('node-end').waitFor();

    // A wait from the palette (nothing selected: it goes first), then a send on the wait's edge with "+".
    await page.getByTestId('palette-wait').click();
    await page.getByTestId('node-wait_1').waitFor();
    await page.getByLabel('Duration').fill('5s');
    await page.getByTestId('plus-wait_1:next').click();
    await page.getByRole('menuitem', { name: 'Send' }).click();
    await page.getByTestId('node-send_1').waitFor();
    // No template chosen yet: the step is flagged and Publish is held back.
    await page.getByTestId('badge-send_1').waitFor();
    assert.match(await page.getByTestId('badge-send_1').textContent() ?? '', /unconfigured/);
    assert.equal(await page.getByRole('button', { name: 'Publish', exact: true }).isDisabled(), true);
    await c.shot(page, 'journeys-unconfigured-step');
    await page.getByLabel('Template').fill('welcome');
    await page.getByTestId('badge-send_1').waitFor({ state: 'detached' });

    // The goal, on the entry's panel.
    await page.getByTestId('node-__entry').click();
    await page.getByLabel('Goal event').fill('Order Completed');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    await c.shot(page, 'journeys-canvas');

    const saved = await c.api<{ draft: Record<string, unknown> }>('GET', `journeys/${journeyId}`);
    assert.deepEqual(saved.draft.steps, {
      wait_1: { type: 'wait', for: '5s', next: 'send_1' },
      send_1: { type: 'send', channel: 'email', template: 'welcome', purpose: 'marketing', next: 'end' },
      end: { type: 'exit' },
    });
    assert.deepEqual([saved.draft.start, saved.draft.entry, (saved.draft.goal as { event: string }).event], ['wait_1', { event: 'Signed Up' }, 'Order Completed']);

    const before = await canvasShape(page);
    assert.equal(before.nodes.length, 4);
    await page.reload();
    await page.getByTestId('node-send_1').waitFor();
    await edgesDrawn(page, before.edges.length, before.labels.length);
    assert.deepEqual(await canvasShape(page), before, 'the same nodes, edges and labels after a reload');
    const boxes = async () => Promise.all(['__entry', 'wait_1', 'send_1', 'end'].map(async id => (await page.getByTestId(`node-${id}`).boundingBox())!.y));
    const ys = await boxes();
    assert.deepEqual([...ys].sort((a, b) => a - b), ys, 'laid out top to bottom in journey order');
  });

  test('simulate the journey for an existing profile and read the trace', async () => {
    await c.track('identify', { userId: 'sim-1', traits: { firstName: 'Grace', email: 'grace@example.com' } });
    await c.settle();
    const profile = await c.api<{ id: string }>('GET', 'profiles?identifier=user_id:sim-1');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.getByLabel('Profile id').fill(profile.id);
    await page.getByRole('button', { name: 'Load traits' }).click();
    await page.waitForFunction(() => (document.querySelector('textarea[aria-label="Traits"]') as HTMLTextAreaElement).value.includes('Grace'));
    assert.equal(await page.getByLabel('Event 1 name').inputValue(), 'Signed Up');
    await page.getByRole('button', { name: 'Run simulation' }).click();
    const trace = page.getByTestId('trace');
    await trace.waitFor({ timeout: 30_000 });
    const text = await trace.innerText();
    assert.match(text, /entered step wait_1/);
    assert.match(text, /would send email message, template welcome, from step send_1/);
    assert.match(text, /Welcome, Grace/, 'the rendered message');
    assert.match(text, /run ended: completed/);
    assert.ok(text.indexOf('wait_1') < text.indexOf('send_1'), 'in order');
    await c.shot(page, 'journeys-simulate');
    assert.deepEqual((await c.api<{ messages: unknown[] }>('GET', 'captured-messages')).messages, [], 'nothing was sent');
  });

  test('publish, then 20 profiles enter and 10 buy: the canvas counts them', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByText('Published version 1.').waitFor();
    assert.match(await page.getByTestId('journey-status').innerText(), /active · v1/);
    // One batch per person, so the first ten buy while they are still at the 5 s wait.
    for (let i = 0; i < 20; i++) {
      const userId = `p${i}`;
      await c.track('batch', { batch: [
        { type: 'identify', userId, traits: { email: `${userId}@example.com`, firstName: `P${i}` }, context: { consent: { categoryPreferences: { email: true } } } },
        { type: 'track', userId, event: 'Signed Up' },
        ...(i < 10 ? [{ type: 'track', userId, event: 'Order Completed', properties: { total: 50 } }] : []),
      ] });
    }
    await c.settle();
    await stat(page, '__entry', 'entered').filter({ hasText: /^20$/ }).waitFor({ timeout: 15_000 });
    await stat(page, '__entry', 'conversions').filter({ hasText: /^10$/ }).waitFor({ timeout: 15_000 });
    assert.equal(await stat(page, '__entry', 'revenue').innerText(), '$500');
    assert.equal(await stat(page, 'wait_1', 'entered').innerText(), '20');
    assert.equal(await stat(page, 'wait_1', 'conversions').innerText(), '10');
    // The 10 who did not buy get the email once their 5 s wait is over.
    await stat(page, 'send_1', 'sends').filter({ hasText: /^10$/ }).waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: '%' }).click();
    await stat(page, '__entry', 'conversions').filter({ hasText: /^50%$/ }).waitFor();
    await c.shot(page, 'journeys-live-counts');
    await page.getByRole('button', { name: '#' }).click();
    await page.getByTestId('node-end').click();
    await page.getByText('Nobody is at this step right now.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Publish', exact: true }).isDisabled(), true, 'nothing new to publish');

    // An unsaved edit shows up in the draft-vs-published view, in words.
    await page.getByTestId('node-wait_1').click();
    await page.getByLabel('Duration').fill('10m');
    await page.getByRole('button', { name: 'Draft vs published' }).click();
    const diff = await page.getByTestId('diff').innerText();
    assert.match(diff, /step "wait_1" \(Wait\) changed/);
    assert.match(diff, /for: 5s → 10m/);
    assert.equal(await page.getByRole('button', { name: 'Publish', exact: true }).isDisabled(), false);
    await c.shot(page, 'journeys-diff');
  });

  test('a branching journey (the mattress example) draws every path with its label', async () => {
    const def = JSON.parse(readFileSync('examples/mattress/cart-journey.json', 'utf8'));
    const j = await c.api<{ id: string }>('POST', 'journeys', def);
    await page.goto(`/journeys/${j.id}`);
    await page.getByTestId('node-invite').waitFor();
    assert.equal(await page.locator('[data-testid^="node-"]').count(), Object.keys(def.steps).length + 1);
    await edgesDrawn(page, 1, 5);
    const labels = await page.locator('[data-testid^="edge-label-"]').allInnerTexts();
    for (const l of ['Product Viewed', 'everyone else after 7d', 'else', 'Checkout Started']) assert.ok(labels.includes(l), `edge label "${l}" in ${labels.join(', ')}`);
    assert.ok(labels.some(l => l.startsWith('if ')), 'the branch case');
    // Templates the workspace lacks are publish-time warnings, not problems: nothing is flagged.
    assert.equal(await page.locator('[data-testid^="badge-"]').count(), 0);
    await c.shot(page, 'journeys-branching');
  });

  test('a read-only user sees Publish disabled, and publishing with their session is refused', async () => {
    await c.api('POST', 'users', { email: VIEWER.email, role: 'read_only', password: VIEWER.password });
    const viewer = await c.signedIn(VIEWER);
    await viewer.goto(`/journeys/${journeyId}`);
    await viewer.getByTestId('node-send_1').waitFor();
    assert.equal(await viewer.getByRole('button', { name: 'Publish', exact: true }).isDisabled(), true);
    assert.equal(await viewer.getByRole('button', { name: 'Save draft' }).isDisabled(), true);
    assert.equal(await viewer.getByTestId('palette-wait').count(), 0, 'no palette');
    await c.shot(viewer, 'journeys-read-only');
    const login = await viewer.request.post('/api/v1/auth/login', { data: VIEWER });
    const { csrfToken } = await login.json() as { csrfToken: string };
    const res = await viewer.request.post(`/api/v1/journeys/${journeyId}/publish`, { headers: { 'x-csrf-token': csrfToken } });
    assert.equal(res.status(), 403, await res.text());
  });
});

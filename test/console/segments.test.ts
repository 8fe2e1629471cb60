// The segment builder end to end: a known population through the tracking API, the
// segment built in the visual editor, the live estimate checked against that truth,
// then saved, computed and listed as members.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumProblem, textIs, startConsole, type Console } from './harness.ts';

const problem = chromiumProblem();

describe('segment builder in the console', { skip: problem ?? false }, () => {
  let c: Console;
  before(async () => { c = await startConsole(); });
  after(async () => { await c?.close(); });

  test('segment builder: live estimate, reach per channel, save, compute, members, usage', { timeout: 90_000 }, async () => {
    // 30 profiles. Truth: 12 are plan=pro with >= 2 "Product Viewed" (8 of them with a phone).
    // Near misses: 5 pro with one view, 6 free with 3 views, 7 with neither.
    const batch: unknown[] = [];
    const person = (i: number, plan: string, views: number, phone: boolean) => {
      const userId = `u${String(i).padStart(2, '0')}`;
      batch.push({ type: 'identify', userId, traits: { plan, name: `Person ${i}`, email: `${userId}@example.com`, ...(phone ? { phone: `+1 212 555 01${String(i).padStart(2, '0')}` } : {}) } });
      for (let v = 0; v < views; v++) batch.push({ type: 'track', userId, event: 'Product Viewed', properties: { sku: `sku-${v}` } });
    };
    let i = 0;
    for (let k = 0; k < 12; k++) person(++i, 'pro', 2 + (k % 3), k < 8);
    for (let k = 0; k < 5; k++) person(++i, 'pro', 1, false);
    for (let k = 0; k < 6; k++) person(++i, 'free', 3, true);
    for (let k = 0; k < 7; k++) person(++i, 'free', 0, false);
    await c.track('batch', { batch });
    await c.settle();

    const page = await c.signedIn();
    await page.goto('/segments');
    await page.getByText('No segments yet').waitFor();
    await c.shot(page, 'segments-empty');
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.waitForURL('**/segments/new');
    await page.getByLabel('segment name').fill('Engaged pros');
    const count = page.getByTestId('estimate-count');
    await textIs(count, '30'); // no condition yet: everyone

    await page.getByRole('combobox', { name: 'Add condition' }).selectOption('trait');
    await page.getByLabel('trait', { exact: true }).fill('plan');
    await page.getByLabel('trait value', { exact: true }).fill('pro');
    await textIs(count, '17');

    await page.getByRole('combobox', { name: 'Add condition' }).selectOption('event');
    await page.getByLabel('event name').fill('Product Viewed');
    await page.getByLabel('count value').fill('2');
    await page.getByLabel('time window').selectOption('');
    await textIs(count, '12');
    await textIs(page.getByTestId('reach-email').locator('td').nth(1), '12');
    await textIs(page.getByTestId('reach-sms').locator('td').nth(1), '8');
    assert.equal(await page.getByRole('list', { name: 'sample profiles' }).getByRole('listitem').count(), 5);
    await c.shot(page, 'segments-editor-estimate');

    // "not": excluding the event condition leaves the 5 pros with fewer than 2 views.
    await page.getByRole('checkbox', { name: 'exclude' }).nth(1).check();
    await textIs(count, '5');
    await page.getByRole('checkbox', { name: 'exclude' }).nth(1).uncheck();
    await textIs(count, '12');

    await page.getByRole('tab', { name: 'JSON' }).click();
    const json = JSON.parse(await page.getByLabel('condition JSON').inputValue());
    assert.deepEqual(json, { all: [{ trait: 'plan', op: 'eq', value: 'pro' }, { event: 'Product Viewed', count: { op: 'gte', value: 2 } }] });
    await c.shot(page, 'segments-editor-json');
    await page.getByRole('tab', { name: 'Visual' }).click();

    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.waitForURL(/\/segments\/seg_/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    await textIs(page.getByTestId('segment-size'), '12', 30_000);
    await textIs(count, '12'); // the saved condition, estimated again on its own page
    const rows = page.getByRole('table', { name: 'segment members' }).locator('tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="segment members"] tbody tr').length === 12);
    const emails = (await rows.locator('td:nth-child(2)').allTextContents()).sort();
    assert.deepEqual(emails, Array.from({ length: 12 }, (_, k) => `u${String(k + 1).padStart(2, '0')}@example.com`));
    const api = await c.api<{ data: { profileId: string }[] }>('GET', `segments/${id}/members`);
    assert.equal(api.data.length, 12);
    assert.equal(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href'), `/api/v1/segments/${id}/members?format=csv`);
    const csv = await page.evaluate(async href => (await fetch(href)).text(), `/api/v1/segments/${id}/members?format=csv`);
    assert.equal(csv.trim().split('\n').length, 13, 'header and 12 members, fetched with the session cookie');
    await page.getByText('No journey or segment uses this segment yet').waitFor();
    await c.shot(page, 'segments-saved-members');

    // A journey entering on the segment shows up where it is used.
    await c.api('POST', 'journeys', { name: 'Pro upsell', entry: { segment: id }, start: 'done', steps: { done: { type: 'exit' } } });
    await page.reload();
    await page.getByRole('region', { name: 'where this segment is used' }).getByRole('link', { name: 'Pro upsell' }).waitFor();
    await page.goto('/segments');
    await textIs(page.getByRole('table', { name: 'segments' }).locator('tbody tr td').nth(1), '12');
    await c.shot(page, 'segments-list');

    // Every kind of condition has its own row; a nested group takes conditions too.
    await page.goto('/segments/new');
    const add = page.getByRole('combobox', { name: 'Add condition' });
    for (const kind of ['trait', 'event', 'computed', 'consent', 'reachable', 'segment', 'near', 'sample', 'any']) await add.selectOption(kind);
    await page.getByRole('combobox', { name: 'Add to group' }).selectOption('reachable');
    for (const kind of ['trait', 'event', 'computed', 'consent', 'reachable', 'segment', 'near', 'sample']) {
      assert.ok(await page.getByTestId(`cond-${kind}`).first().isVisible(), kind);
    }
    await page.getByLabel('time window').selectOption('ago');
    await page.getByRole('button', { name: '+ property filter' }).click();
    await page.getByLabel('property', { exact: true }).fill('category');
    await page.getByLabel('property operator').selectOption('in');
    await page.getByLabel('property values').fill('mattress, pillow');
    await page.getByRole('tab', { name: 'JSON' }).click();
    const all = JSON.parse(await page.getByLabel('condition JSON').inputValue()) as { all: Record<string, unknown>[] };
    assert.deepEqual(all.all.map(x => Object.keys(x)[0]), ['trait', 'event', 'computed', 'consent', 'reachable', 'segment', 'near', 'sample', 'any']);
    assert.deepEqual(all.all[1], { event: '', count: { op: 'gte', value: 1 }, ago: { from: '60d', to: '30d' }, where: [{ property: 'category', op: 'in', value: ['mattress', 'pillow'] }] });
    assert.deepEqual(all.all[5], { segment: id });
    assert.deepEqual(all.all[8], { any: [{ reachable: 'email' }] });
    await page.getByRole('tab', { name: 'Visual' }).click();
    // The empty trait and event names are refused by the API, in its words, naming the path.
    await page.getByRole('alert').filter({ hasText: 'condition.all.0.trait' }).waitFor();
    await c.shot(page, 'segments-editor-all-kinds');
  });
});

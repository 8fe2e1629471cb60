// The journey editor's pure parts: edges and their labels, the layered layout, edits on
// the graph, and the draft-vs-published diff. No browser needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allEdges, layout } from '../../web/src/pages/journeys/graph.ts';
import { deleteStep, insertAfter, insertOnEdge } from '../../web/src/pages/journeys/edit.ts';
import { diffDefinitions } from '../../web/src/pages/journeys/diff.ts';
import { ENTRY, type Definition } from '../../web/src/pages/journeys/model.ts';

const cart = JSON.parse(readFileSync('examples/mattress/cart-journey.json', 'utf8')) as Definition;

test('edges carry the labels a marketer reads: conditions, else, percents, holdout, events, everyone else', () => {
  const def: Definition = {
    name: 'x', entry: { event: 'A' }, start: 'b',
    steps: {
      b: { type: 'branch', cases: [{ if: { trait: 'vip', op: 'eq', value: true }, next: 's' }], else: 'w' },
      s: { type: 'split', paths: [{ percent: 45, next: 'w' }, { percent: 45, next: 'e' }, { percent: 10, holdout: true }] },
      w: { type: 'wait_event', events: [{ event: 'Clicked', next: 'e' }], timeout: '3d', on_timeout: 'e' },
      e: { type: 'exit' },
    },
  };
  assert.deepEqual(allEdges(def).map(e => `${e.from}>${e.to}:${e.label}`), [
    `${ENTRY}>b:`, 'b>s:if vip eq true', 'b>w:else', 's>w:45%', 's>e:45%', 's>__holdout:s:2:10% holdout', 'w>e:Clicked', 'w>e:everyone else after 3d',
  ]);
});

test('layout: every step below the steps leading to it (loops aside), and the same every time', () => {
  const placed = layout(cart);
  for (const e of allEdges(cart)) {
    const [a, b] = [placed.get(e.from)!, placed.get(e.to)!];
    assert.ok(a.layer < b.layer, `${e.from} (layer ${a.layer}) above ${e.to} (layer ${b.layer})`);
  }
  assert.equal(placed.size, Object.keys(cart.steps).length + 1);
  assert.deepEqual([...layout(structuredClone(cart)).entries()], [...placed.entries()], 'deterministic');
  const seats = new Set([...placed.values()].map(p => `${p.layer}:${p.order}`));
  assert.equal(seats.size, placed.size, 'no two nodes share a place');
  // A loop (the back edge is ignored for layering) still lays out.
  const loop: Definition = { name: 'l', entry: { event: 'A' }, start: 'w', steps: { w: { type: 'wait', for: '1d', next: 'u' }, u: { type: 'update', traits: { n: 1 }, next: 'w' } } };
  const lp = layout(loop);
  assert.ok(lp.get('w')!.layer < lp.get('u')!.layer);
});

test('insert on an edge, after a step, and delete: nothing is left unreachable', () => {
  const base: Definition = { name: 'n', entry: { event: 'A' }, start: 'end', steps: { end: { type: 'exit' } } };
  const a = insertAfter(base, null, 'wait', allEdges(base));
  assert.ok('def' in a);
  assert.equal(a.def.start, 'wait_1');
  const b = insertOnEdge(a.def, allEdges(a.def).find(e => e.from === 'wait_1')!, 'send');
  assert.deepEqual(b.def.steps.wait_1, { type: 'wait', for: '1d', next: 'send_1' });
  assert.deepEqual(b.def.steps.send_1, { type: 'send', channel: 'email', template: '', next: 'end' });
  const c = deleteStep(b.def, 'wait_1', allEdges(b.def));
  assert.ok('def' in c);
  assert.equal(c.def.start, 'send_1');
  assert.equal(c.def.steps.wait_1, undefined);
  const d = deleteStep(b.def, 'end', allEdges(b.def));
  assert.ok('error' in d && /point them elsewhere/.test(d.error), 'an exit still led to stays');
});

test('diff in words: added, removed and changed steps, and defaults are no change', () => {
  const published = structuredClone(cart);
  published.steps.email_100.purpose = 'marketing';
  const draft = structuredClone(cart);
  (draft.steps.wait_cart as Record<string, unknown>).for = '2h';
  delete draft.steps.charity;
  draft.steps.watch.on_timeout = 'ads_charity';
  draft.steps.extra = { type: 'exit' };
  const changes = diffDefinitions(published, draft).map(c => `${c.what} ${c.subject}: ${c.details.join('; ')}`);
  assert.deepEqual(changes, [
    'changed step "wait_cart" (Wait): for: 1h → 2h',
    'changed step "watch" (Wait for event): on_timeout: charity → ads_charity',
    'added step "extra" (Exit): ',
    'removed step "charity" (Send): ',
  ]);
  assert.deepEqual(diffDefinitions(published, structuredClone(cart)), [], 'purpose "marketing" is the default');
  assert.equal(diffDefinitions(null, cart)[0].what, 'added');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentReport } from './index.ts';

const arm = (path: string | null, runs: number, conversions: number, holdout = false) => ({ path, holdout, runs, conversions, rate: runs ? conversions / runs : 0, revenue: conversions * 10 });

test('arms against the holdout, with the interval worked by hand', () => {
  const r = experimentReport([arm('a', 1000, 120), arm('b', 1000, 100), arm('hold', 1000, 100, true)]);
  assert.equal(r.controlKind, 'holdout');
  assert.equal(r.control, 'hold');
  const a = r.arms.find(x => x.path === 'a')!;
  // p1 = .12, p2 = .10: se = sqrt(.12*.88/1000 + .1*.9/1000) = 0.0139857, d = .02
  assert.ok(Math.abs(a.lift!.absolute - 0.02) < 1e-12);
  assert.ok(Math.abs(a.lift!.relative! - 0.2) < 1e-12);
  assert.ok(Math.abs(a.lift!.ci95[0] - (0.02 - 1.96 * 0.0139857)) < 1e-6);
  assert.equal(a.significant, false);
  assert.equal(r.arms.find(x => x.path === 'hold')!.lift, null);
  assert.equal(r.arms.find(x => x.path === 'b')!.lift!.absolute, 0);
});

test('without a holdout the first arm is the control; a clear win is significant', () => {
  const r = experimentReport([arm('control', 2000, 100), arm('new', 2000, 200)]);
  assert.equal(r.controlKind, 'first_arm');
  const n = r.arms.find(x => x.path === 'new')!;
  assert.ok(n.significant);
  assert.ok(n.lift!.ci95[0] > 0);
  assert.equal(r.arms.find(x => x.path === 'control')!.control, true);
});

test('one path alone has nothing to compare with', () => {
  const r = experimentReport([arm(null, 10, 2)]);
  assert.equal(r.control, null);
  assert.deepEqual(r.arms.map(a => [a.path, a.lift]), [['(no split)', null]]);
});

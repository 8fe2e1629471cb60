import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MembershipCache } from './members-cache.ts';

test('the membership cache keeps a copy, forgets on eviction, and holds at most its bound', () => {
  const c = new MembershipCache(2);
  const s = new Set(['seg_a']);
  c.put('p1', s);
  s.add('seg_b'); // the caller's set changing later does not change what is cached
  assert.deepEqual([...c.get('p1')!], ['seg_a']);
  c.put('p2', new Set());
  c.put('p1', new Set(['seg_a'])); // p1 used again
  c.put('p3', new Set(['seg_c']));
  assert.deepEqual(['p1', 'p2', 'p3'].map(id => c.get(id) !== undefined), [true, false, true]);
  c.evict(['p1']);
  assert.equal(c.get('p1'), undefined);
  c.clear();
  assert.equal(c.size, 0);
});

test('the re-check due times are bounded and forgotten like the memberships', () => {
  const c = new MembershipCache(2);
  c.putTimer('p1', 10);
  c.putTimer('p2', 20);
  c.putTimer('p1', 5); // p1 used again
  c.putTimer('p3', 30);
  assert.deepEqual(['p1', 'p2', 'p3'].map(id => c.timerDue(id)), [5, undefined, 30]);
  c.evict(['p1']);
  assert.equal(c.timerDue('p1'), undefined);
  c.clear();
  assert.equal(c.timerDue('p3'), undefined);
});

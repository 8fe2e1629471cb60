import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupBy } from './group.ts';

test('groupBy keeps the order of the groups and of the items within each', () => {
  const g = groupBy([{ w: 'b', n: 1 }, { w: 'a', n: 2 }, { w: 'b', n: 3 }], x => x.w);
  assert.deepEqual([...g].map(([k, xs]) => [k, xs.map(x => x.n)]), [['b', [1, 3]], ['a', [2]]]);
  assert.equal(groupBy([], x => x).size, 0);
});

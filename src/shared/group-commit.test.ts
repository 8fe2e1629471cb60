import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupCommit } from './group-commit.ts';

/** A write that records what each call carried and finishes when told to. */
function gatedWrite(fail: (items: number[]) => boolean = () => false) {
  const calls: number[][] = [];
  const gates: (() => void)[] = [];
  const write = async (items: number[]) => {
    calls.push(items);
    await new Promise<void>(r => gates.push(r));
    if (fail(items)) throw new Error(`failed ${items.join(',')}`);
    return items.map(x => x * 10);
  };
  const release = async () => { while (!gates.length) await new Promise(r => setImmediate(r)); gates.shift()!(); };
  return { calls, write, release };
}

test('groupCommit: one write at a time carries everything that queued meanwhile, each caller gets its own result', async () => {
  const g = gatedWrite();
  const put = groupCommit(g.write);
  const first = put(1);
  const rest = [put(2), put(3), put(4)];
  await g.release();
  assert.equal(await first, 10);
  await g.release();
  assert.deepEqual(await Promise.all(rest), [20, 30, 40]);
  assert.deepEqual(g.calls, [[1], [2, 3, 4]]);
  // Idle again: the next item starts a write of its own.
  const later = put(5);
  await g.release();
  assert.equal(await later, 50);
  assert.deepEqual(g.calls.at(-1), [5]);
});

test('groupCommit: maxWeight splits what waits, in order; an item heavier than the limit goes alone', async () => {
  const g = gatedWrite();
  const put = groupCommit(g.write, { maxWeight: 5, weight: x => x });
  const all = [put(1), put(2), put(3), put(1), put(9), put(2)];
  for (let i = 0; i < 5; i++) await g.release();
  assert.deepEqual(await Promise.all(all), [10, 20, 30, 10, 90, 20]);
  assert.deepEqual(g.calls, [[1], [2, 3], [1], [9], [2]]);
});

test('groupCommit: a write that answers nothing resolves each caller once its item is written', async () => {
  const written: string[][] = [];
  const put = groupCommit<string>(async items => { written.push(items); });
  assert.deepEqual(await Promise.all([put('a'), put('b'), put('c')]), [undefined, undefined, undefined]);
  assert.deepEqual(written, [['a'], ['b', 'c']]);
});

test('groupCommit: a failed write rejects each of its callers and no other; the next write goes ahead', async () => {
  const g = gatedWrite(items => items.includes(2));
  const put = groupCommit(g.write);
  const a = put(1);
  const failed = [put(2), put(3)];
  const settled = Promise.allSettled(failed);
  await g.release();
  assert.equal(await a, 10);
  await g.release();
  const outcome = await settled;
  assert.deepEqual(outcome.map(o => o.status), ['rejected', 'rejected']);
  assert.match(String((outcome[0] as PromiseRejectedResult).reason), /failed 2,3/);
  const b = put(4);
  await g.release();
  assert.equal(await b, 40);
});

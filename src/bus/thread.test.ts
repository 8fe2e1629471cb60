import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThreadedProcessor } from './thread.ts';

const settled = (p: Promise<void>, ms = 500) => Promise.race([p.then(() => true), new Promise<boolean>(r => setTimeout(() => r(false), ms))]);
const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i }));

test('the API side waits for its own appends, whichever arrives first: their append or the pipeline reporting them processed', async () => {
  const tp = ThreadedProcessor.onWorker(new URL('./thread-echo-worker.mjs', import.meta.url), {}, e => { throw e; });
  await tp.start();
  const worker = (tp as unknown as { port: { postMessage(m: unknown): void } }).port;
  const say = async (message: object) => { worker.postMessage({ type: 'say', message }); await new Promise(r => setTimeout(r, 50)); };
  try {
    // The pipeline read seqs 1..10 from the log and processed them before the appender's own
    // copy of them arrived here (the race under load): nothing is left to wait for.
    await say({ type: 'processed', seq: 10 });
    tp.enqueue(seqs(1, 10));
    assert.equal(tp.lag(), 0);
    assert.ok(await settled(tp.idle()), 'idle resolves');

    tp.enqueue(seqs(11, 14));
    assert.equal(tp.lag(), 4);
    const waiting = tp.idle();
    await say({ type: 'processed', seq: 12 });
    assert.equal(tp.lag(), 2);
    assert.equal(await settled(waiting, 100), false, 'still waiting for 13 and 14');
    await say({ type: 'processed', seq: 14 });
    assert.ok(await settled(waiting), 'idle resolves once they are processed');

    // Events this process did not append (another process's, fired timers) count as the pipeline reports them.
    await say({ type: 'backlog', backlog: 3 });
    assert.equal(tp.lag(), 3);
    const more = tp.idle();
    await say({ type: 'backlog', backlog: 0 });
    assert.ok(await settled(more));
  } finally { await tp.stop(); }
});

test('a pipeline thread that dies is reported, and one that was asked to stop is not', async () => {
  const errors: string[] = [];
  let reported!: () => void;
  const first = new Promise<void>(r => (reported = r));
  const tp = ThreadedProcessor.onWorker(new URL('./thread-echo-worker.mjs', import.meta.url), {}, e => { errors.push(String((e as Error).message)); reported(); });
  await tp.start();
  (tp as unknown as { port: { postMessage(m: unknown): void } }).port.postMessage({ type: 'crash' });
  // Waits for the report itself, not for a guessed while: on a loaded machine a worker may take longer to exit.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([first, new Promise((_, fail) => { timer = setTimeout(() => fail(new Error('the dead thread was not reported within 30 s')), 30_000); })]);
  clearTimeout(timer);
  assert.deepEqual(errors, ['pipeline worker exited with 3']);
  const calm = ThreadedProcessor.onWorker(new URL('./thread-echo-worker.mjs', import.meta.url), {}, e => errors.push(String(e)));
  await calm.start();
  await calm.stop();
  assert.equal(errors.length, 1);
});

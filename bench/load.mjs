// Load generator, run in a worker thread so the client's JSON work does not sit on the
// server's event loop. Modes: "burst" (send everything as fast as `concurrency` allows)
// and "steady" (a batch of `batchSize` every `intervalMs`, recording each request's latency).
// It reports when its first request left (`startedAt`, ms since the epoch, comparable across
// threads), so that the thread's start and its encoding of the bodies are not timed as the server's.
// `warm` batches go first, at the same interval, and are not timed: a fresh thread's first
// requests open its connections and compile its fetch (24-44 ms each on two cores, against 3-4
// after), which is the client's start, not the server's latency.
import { parentPort, workerData } from 'node:worker_threads';

const { url, writeKey, batches, warm = [], mode, concurrency = 4, intervalMs = 10 } = workerData;
const auth = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
const send = async body => {
  const t0 = performance.now();
  const r = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${r.status} ${text.slice(0, 200)}`);
  return performance.now() - t0;
};
const bodies = batches.map(b => JSON.stringify({ batch: b }));
for (const b of warm) {
  const t = performance.now();
  await send(JSON.stringify({ batch: b }));
  const rest = intervalMs - (performance.now() - t);
  if (rest > 0) await new Promise(r => setTimeout(r, rest));
}
const latencies = [];
const t0 = performance.now();
const startedAt = performance.timeOrigin + t0;
if (mode === 'burst') {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < bodies.length) await send(bodies[next++]); }));
} else {
  const inflight = [];
  for (let i = 0; i < bodies.length; i++) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise(r => setTimeout(r, wait));
    inflight.push(send(bodies[i]).then(ms => { latencies[i] = ms; }));
  }
  await Promise.all(inflight);
}
parentPort.postMessage({ startedAt, elapsedMs: performance.now() - t0, latencies });

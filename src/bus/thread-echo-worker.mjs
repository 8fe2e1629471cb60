// A stand-in for the pipeline thread in thread.test.ts: it says it is ready, then sends back
// whatever the test asks it to say, so the test controls the order of the pipeline's reports.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', m => {
  if (m.type === 'say') parentPort.postMessage(m.message);
  else if (m.type === 'stop' || m.type === 'crash') process.exit(m.type === 'stop' ? 0 : 3);
});
parentPort.postMessage({ type: 'ready', backlog: 0, seq: 0 });

import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/index.ts';
import { systemClock } from '../shared/index.ts';
import { WorkspaceSettings } from './workspaces.ts';
import { buildPipeline } from './pipeline.ts';

// Entry of the pipeline thread (bus/thread.ts): its own connections, the same stages.
const { databaseUrl, schema, batchSize, trailCap } = workerData as { databaseUrl: string; schema?: string; batchSize?: number; trailCap?: number | null };
const db = await openStore({ databaseUrl, schema, poolSize: 4 });
const settings = new WorkspaceSettings(db, systemClock);
const pipeline = buildPipeline(db, systemClock, settings, {
  batchSize, trailCap, onError: e => parentPort!.postMessage({ type: 'error', error: String((e as Error)?.stack ?? e) }),
});
const { processor } = pipeline;
processor.onProcessed = seq => parentPort!.postMessage({ type: 'processed', seq, backlog: processor.lag() });
processor.onBacklog = backlog => parentPort!.postMessage({ type: 'backlog', backlog });
processor.onEmitted = () => parentPort!.postMessage({ type: 'backlog', backlog: processor.lag() });
await pipeline.start();
parentPort!.on('message', async (m: { type: string; count?: number }) => {
  if (m.type === 'appended') processor.notify(m.count ?? 0);
  else if (m.type === 'jobs') processor.pokeJobs();
  else if (m.type === 'stop') { await pipeline.stop(); await db.close(); process.exit(0); }
});
parentPort!.postMessage({ type: 'ready', backlog: processor.lag(), seq: processor.processed() });

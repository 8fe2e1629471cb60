import type { MessagePort } from 'node:worker_threads';
import type { Db, GuestArgs } from '../store/index.ts';
import { systemClock } from '../shared/index.ts';
import { WorkspaceSettings } from './workspaces.ts';
import { buildPipeline } from './pipeline.ts';

export interface PipelineThreadData { batchSize?: number; trailCap?: number | null }
type Port = Pick<MessagePort, 'postMessage' | 'on'>;

/**
 * The pipeline on a thread of its own, talking to the API side (bus/thread.ts) over `port`:
 * on the pipeline worker with its own Postgres connections (pipeline-worker.ts), or on the
 * thread that owns embedded PGlite, as its guest (this module's default export). Answers
 * "stopped" once the pipeline has stopped; `onStopped` then runs (the worker closes its
 * connections and exits).
 */
export async function runPipelineThread(db: Db, port: Port, data: PipelineThreadData, onStopped: () => Promise<void> = async () => {}): Promise<void> {
  const settings = new WorkspaceSettings(db, systemClock);
  const pipeline = buildPipeline(db, systemClock, settings, {
    batchSize: data.batchSize, trailCap: data.trailCap, onError: e => port.postMessage({ type: 'error', error: String((e as Error)?.stack ?? e) }),
  });
  const { processor } = pipeline;
  processor.onProcessed = seq => port.postMessage({ type: 'processed', seq, backlog: processor.lag() });
  processor.onBacklog = backlog => port.postMessage({ type: 'backlog', backlog });
  processor.onEmitted = () => port.postMessage({ type: 'backlog', backlog: processor.lag() });
  await pipeline.start();
  port.on('message', async (m: { type: string; count?: number }) => {
    if (m.type === 'appended') processor.notify(m.count ?? 0);
    else if (m.type === 'jobs') processor.pokeJobs();
    else if (m.type === 'stop') { await pipeline.stop(); port.postMessage({ type: 'stopped' }); await onStopped(); }
  });
  port.postMessage({ type: 'ready', backlog: processor.lag(), seq: processor.processed() });
}

/** Entry of the pipeline as a guest of the PGlite thread (Db.startGuest). */
export default function guest({ db, port, data }: GuestArgs): Promise<void> {
  return runPipelineThread(db, port, data as PipelineThreadData);
}

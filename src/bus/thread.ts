import { Worker } from 'node:worker_threads';

/**
 * The pipeline on its own thread. With a Postgres server, the API's event loop then only
 * parses, validates and appends, and the pipeline's work runs on the other core: it reads
 * new events from the log itself, told only how many arrived. (PGlite lives in one thread,
 * so embedded mode keeps the pipeline inline.)
 */
export class ThreadedProcessor {
  private worker: Worker | null = null;
  private backlog = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped: Promise<void> | null = null;

  /** `entry` is a module that runs the pipeline in the worker (see app/pipeline-worker.ts). */
  constructor(private entry: URL, private data: Record<string, unknown>, private onError: (e: unknown) => void) {}

  async start() {
    this.worker = new Worker(this.entry, { workerData: this.data });
    this.worker.on('error', e => this.onError(e));
    await new Promise<void>((resolve, reject) => {
      this.worker!.on('message', (m: { type: string; backlog?: number; count?: number; error?: string }) => {
        if (m.type === 'ready') { this.backlog += m.backlog ?? 0; resolve(); }
        else if (m.type === 'emitted') this.backlog += m.count ?? 0;
        else if (m.type === 'processed') { this.backlog = Math.max(0, this.backlog - (m.count ?? 0)); this.wakeIdle(); }
        else if (m.type === 'error') this.onError(new Error(m.error));
      });
      this.worker!.once('exit', code => reject(new Error(`pipeline worker exited with ${code}`)));
    });
    this.stopped = new Promise(r => this.worker!.once('exit', () => r()));
  }

  enqueue(events: { seq: number }[]) {
    if (!events.length) return;
    this.backlog += events.length;
    this.worker?.postMessage({ type: 'appended', count: events.length });
  }

  lag() { return this.backlog; }

  pokeJobs() { this.worker?.postMessage({ type: 'jobs' }); }

  /** Timers fire on the pipeline thread; waiting for the backlog is all the API side can do. */
  settle() { return this.idle(); }

  idle(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise(r => this.idleWaiters.push(r));
  }

  async stop() {
    if (!this.worker) return;
    this.worker.postMessage({ type: 'stop' });
    await this.stopped;
    this.worker = null;
  }

  private wakeIdle() {
    if (this.backlog !== 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    w.forEach(f => f());
  }
}

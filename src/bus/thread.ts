import { Worker } from 'node:worker_threads';

/**
 * The pipeline on its own thread. With a Postgres server, the API's event loop then only
 * parses, validates and appends, and the pipeline's work runs on the other core: it reads
 * new events from the log itself, told only how many arrived. (PGlite lives in one thread,
 * so embedded mode keeps the pipeline inline.)
 */
export class ThreadedProcessor {
  private worker: Worker | null = null;
  /** Seqs this process appended that the pipeline has not reported processed, in order (from `head`). */
  private mine: number[] = [];
  private head = 0;
  private processedSeq = 0;
  /** The pipeline's own count of unprocessed events (any process's appends, fired timers, emits), re-counted from the log when it idles. */
  private reported = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped: Promise<void> | null = null;

  /** `entry` is a module that runs the pipeline in the worker (see app/pipeline-worker.ts). */
  constructor(private entry: URL, private data: Record<string, unknown>, private onError: (e: unknown) => void) {}

  async start() {
    this.worker = new Worker(this.entry, { workerData: this.data });
    this.worker.on('error', e => this.onError(e));
    await new Promise<void>((resolve, reject) => {
      this.worker!.on('message', (m: { type: string; backlog?: number; seq?: number; error?: string }) => {
        if (m.type === 'ready') { this.reported = m.backlog ?? 0; this.passed(m.seq ?? 0); resolve(); }
        else if (m.type === 'backlog') { this.reported = m.backlog ?? 0; this.wakeIdle(); }
        else if (m.type === 'processed') { this.reported = m.backlog ?? 0; this.passed(m.seq ?? 0); }
        else if (m.type === 'error') this.onError(new Error(m.error));
      });
      this.worker!.once('exit', code => reject(new Error(`pipeline worker exited with ${code}`)));
    });
    this.stopped = new Promise(r => this.worker!.once('exit', () => r()));
  }

  /**
   * This process appended these events. The pipeline may read them from the log (and report
   * them processed) before this call: seqs it has already passed are not waited for, so the
   * two messages may arrive in either order.
   */
  enqueue(events: { seq: number }[]) {
    if (!events.length) return;
    for (const e of events) if (e.seq > this.processedSeq) this.mine.push(e.seq);
    this.worker?.postMessage({ type: 'appended', count: events.length });
  }

  /** Events accepted but not yet processed: this process's own appends, or what the pipeline counts, whichever is more. */
  lag() { return Math.max(this.mine.length - this.head, this.reported); }

  pokeJobs() { this.worker?.postMessage({ type: 'jobs' }); }

  /** Timers fire on the pipeline thread; waiting for the backlog is all the API side can do. */
  settle() { return this.idle(); }

  idle(): Promise<void> {
    if (this.lag() === 0) return Promise.resolve();
    return new Promise(r => this.idleWaiters.push(r));
  }

  async stop() {
    if (!this.worker) return;
    this.worker.postMessage({ type: 'stop' });
    await this.stopped;
    this.worker = null;
  }

  private passed(seq: number) {
    this.processedSeq = Math.max(this.processedSeq, seq);
    while (this.head < this.mine.length && this.mine[this.head] <= this.processedSeq) this.head++;
    if (this.head > 1024 && this.head * 2 > this.mine.length) { this.mine = this.mine.slice(this.head); this.head = 0; }
    this.wakeIdle();
  }

  private wakeIdle() {
    if (this.lag() !== 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    w.forEach(f => f());
  }
}

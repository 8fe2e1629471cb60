import { Worker, type MessagePort } from 'node:worker_threads';

/**
 * The pipeline on its own thread. With a Postgres server, the API's event loop then only
 * parses, validates and appends, and the pipeline's work runs on the other core: it reads
 * new events from the log itself, told only how many arrived. With embedded PGlite on its
 * own thread, the pipeline runs on that thread, beside the database (Db.startGuest).
 */
export class ThreadedProcessor {
  private port: Worker | MessagePort | null = null;
  /** Seqs this process appended that the pipeline has not reported processed, in order (from `head`). */
  private mine: number[] = [];
  private head = 0;
  private processedSeq = 0;
  /** The pipeline's own count of unprocessed events (any process's appends, fired timers, emits), re-counted from the log when it idles. */
  private reported = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped: Promise<void> | null = null;

  /** `connect` starts the pipeline's thread (or guest) and gives the way to talk to it; see onWorker. */
  constructor(private connect: () => Promise<Worker | MessagePort>, private onError: (e: unknown) => void) {}

  /** The pipeline on a worker thread of its own: `entry` is a module that runs it there (see app/pipeline-worker.ts). */
  static onWorker(entry: URL, data: Record<string, unknown>, onError: (e: unknown) => void): ThreadedProcessor {
    return new ThreadedProcessor(async () => new Worker(entry, { workerData: data }), onError);
  }

  async start() {
    const port = (this.port = await this.connect());
    const worker = port instanceof Worker ? port : null;
    worker?.on('error', e => this.onError(e));
    let stopped!: () => void;
    this.stopped = new Promise(r => (stopped = r));
    await new Promise<void>((resolve, reject) => {
      port.on('message', (m: { type: string; backlog?: number; seq?: number; error?: string }) => {
        if (m.type === 'ready') { this.reported = m.backlog ?? 0; this.passed(m.seq ?? 0); resolve(); }
        else if (m.type === 'backlog') { this.reported = m.backlog ?? 0; this.wakeIdle(); }
        else if (m.type === 'processed') { this.reported = m.backlog ?? 0; this.passed(m.seq ?? 0); }
        else if (m.type === 'error') this.onError(new Error(m.error));
        // A worker has stopped once it exits (its connections closed); a guest, once it says so.
        else if (m.type === 'stopped' && !worker) stopped();
      });
      // The thread ended. Asked to stop, that is the end of stopping; otherwise the pipeline is
      // gone, and saying so beats callers waiting on idle() for ever.
      const gone = (e: Error) => { stopped(); reject(e); if (!this.stopping) this.onError(e); };
      if (worker) worker.once('exit', code => gone(new Error(`pipeline worker exited with ${code}`)));
      else port.once('close', () => gone(new Error('the pipeline\'s thread has gone')));
    });
  }

  /**
   * This process appended these events. The pipeline may read them from the log (and report
   * them processed) before this call: seqs it has already passed are not waited for, so the
   * two messages may arrive in either order.
   */
  enqueue(events: { seq: number }[]) {
    if (!events.length) return;
    for (const e of events) if (e.seq > this.processedSeq) this.mine.push(e.seq);
    this.port?.postMessage({ type: 'appended', count: events.length });
  }

  /** Events accepted but not yet processed: this process's own appends, or what the pipeline counts, whichever is more. */
  lag() { return Math.max(this.mine.length - this.head, this.reported); }

  pokeJobs() { this.port?.postMessage({ type: 'jobs' }); }

  /** Timers fire on the pipeline thread; waiting for the backlog is all the API side can do. */
  settle() { return this.idle(); }

  idle(): Promise<void> {
    if (this.lag() === 0) return Promise.resolve();
    return new Promise(r => this.idleWaiters.push(r));
  }

  private stopping = false;

  async stop() {
    if (!this.port) return;
    this.stopping = true;
    this.port.postMessage({ type: 'stop' });
    await this.stopped;
    if (!(this.port instanceof Worker)) this.port.close();
    this.port = null;
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

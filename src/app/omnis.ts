import type { Db } from '../store/index.ts';
import { migrate } from '../store/index.ts';
import { EventLog, ThreadedProcessor, backlogAfter } from '../bus/index.ts';
import { IngestService, KeyCache } from '../ingest/index.ts';
import { systemClock, type Clock } from '../shared/index.ts';
import { WorkspaceSettings, ensureWorkspace, DEFAULT_WORKSPACE } from './workspaces.ts';
import { buildPipeline } from './pipeline.ts';
import { SegmentService } from '../segments/index.ts';

export interface OmnisOptions {
  db: Db;
  clock?: Clock;
  /** Run the pipeline in this process (default true; a pure API process in cluster mode sets false). */
  worker?: boolean;
  /**
   * Where the pipeline runs: 'thread' (its own thread; Postgres only) or 'inline'. Default:
   * thread with Postgres on the system clock, inline otherwise (PGlite is single-threaded,
   * and a virtual clock must drive the pipeline it controls).
   */
  pipeline?: 'thread' | 'inline';
  /** Default events/s per write key. */
  rateLimit?: number;
  batchSize?: number;
  logError?: (e: unknown) => void;
}

/**
 * The composition root: builds every module with its dependencies passed in. Nothing in
 * the domain reaches for a global; tests build an Omnis on a VirtualClock and a throwaway
 * database with the same call production uses.
 */
export async function createOmnis(opts: OmnisOptions) {
  const { db } = opts;
  const clock = opts.clock ?? systemClock;
  await migrate(db);
  await ensureWorkspace(db, DEFAULT_WORKSPACE, 'Default workspace');
  const settings = new WorkspaceSettings(db, clock);
  const keys = new KeyCache(db, clock);
  const log = new EventLog(db);
  const onError = opts.logError ?? (e => console.error('pipeline:', e));
  const threaded = (opts.pipeline ?? (db.connection && clock === systemClock ? 'thread' : 'inline')) === 'thread';
  if (threaded && !db.connection) throw new Error('the threaded pipeline needs a Postgres server');
  const processor = threaded
    ? new ThreadedProcessor(new URL('./pipeline-worker.mjs', import.meta.url), { ...db.connection, batchSize: opts.batchSize }, onError)
    : buildPipeline(db, clock, settings, { batchSize: opts.batchSize, onError });
  const worker = opts.worker ?? true;
  if (worker) log.onAppend(events => processor.enqueue(events));
  const ingest = new IngestService({ log, keys, clock, defaultRateLimit: opts.rateLimit });
  const segments = new SegmentService(db, clock, () => processor.pokeJobs());

  return {
    db, clock, settings, keys, log, processor, ingest, segments,
    async start() { if (worker) await processor.start(); },
    /** Waits until every accepted event has gone through the pipeline. */
    idle: () => processor.idle(),
    /** Fires due timers (after a virtual clock moved) and waits for everything that follows. */
    settle: () => processor.settle(),
    async lag(): Promise<number> {
      return worker ? processor.lag() : backlogAfter(db);
    },
    async stop() { await processor.stop(); },
  };
}

export type Omnis = Awaited<ReturnType<typeof createOmnis>>;

import type { Db } from '../store/index.ts';
import { Processor, TimerLoop, type Stage, type Job } from '../bus/index.ts';
import { resolveAndApply, ProfileCache } from '../profiles/index.ts';
import { segmentStage, segmentComputeJob, DefinitionCache, EventHistory, MembershipCache } from '../segments/index.ts';
import { journeyStage, JourneyCatalog, type Outbox } from '../journeys/index.ts';
import { enqueueMessages, cancelMessagesMany } from '../messaging/index.ts';
import type { Clock } from '../shared/index.ts';
import { WorkspaceSettings } from './workspaces.ts';

export interface PipelineDeps { clock: Clock; settings: WorkspaceSettings; defs: DefinitionCache; catalog: JourneyCatalog; history?: EventHistory; profiles?: ProfileCache; members?: MembershipCache; trailCap?: number | null }

/** Journeys write messages straight into the outbox table inside the pipeline's transaction. */
const outbox: Outbox = { enqueueMany: enqueueMessages, cancelMany: cancelMessagesMany };

/** The pipeline's stages in order; the one definition both the inline and the threaded pipeline use. */
export function buildStages(deps: PipelineDeps): Stage[] {
  return [
    (tx, ws, events, ctx) => resolveAndApply(tx, ws, events, { clock: deps.clock, rulesFor: (w, q) => deps.settings.rulesFor(w, q), cache: deps.profiles }, ctx),
    segmentStage({ defs: deps.defs, clock: deps.clock, history: deps.history, members: deps.members }),
    journeyStage({ clock: deps.clock, catalog: deps.catalog, outbox, trailCap: deps.trailCap }),
  ];
}

export function buildJobs(deps: PipelineDeps): Job[] {
  return [segmentComputeJob({ defs: deps.defs, clock: deps.clock, members: deps.members })];
}

/** The processor and the timer loop that tells it when timers fall due; they run together, inline or on the pipeline thread. */
export function buildPipeline(db: Db, clock: Clock, settings: WorkspaceSettings, opts: { batchSize?: number; trailCap?: number | null; onError: (e: unknown) => void }) {
  const deps = { clock, settings, trailCap: opts.trailCap, defs: new DefinitionCache(), catalog: new JourneyCatalog(), history: new EventHistory(1_000_000, { verify: false }), profiles: new ProfileCache(), members: new MembershipCache() };
  const processor = new Processor(db, buildStages(deps), { batchSize: opts.batchSize, onError: opts.onError, jobs: buildJobs(deps), caches: [deps.profiles, deps.history, deps.members] });
  const timers = new TimerLoop(db, clock, now => processor.fireTimers(now), opts.onError);
  processor.onCommitted = due => timers.poke(due);
  return {
    processor, timers,
    async start() { await processor.start(); timers.start(); },
    async stop() { await timers.stop(); await processor.stop(); },
    lag: () => processor.lag(),
    idle: () => processor.idle(),
    enqueue: (events: Parameters<Processor['enqueue']>[0]) => processor.enqueue(events),
    pokeJobs: () => processor.pokeJobs(),
    /** Fires the timers due now and waits until the pipeline has processed everything they caused. */
    async settle() {
      for (let i = 0; i < 100; i++) {
        await processor.idle();
        if (!(await timers.fireDue())) { await processor.idle(); if (!(await timers.fireDue())) return; }
      }
    },
  };
}

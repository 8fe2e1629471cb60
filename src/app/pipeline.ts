import type { Db } from '../store/index.ts';
import { Processor, type Stage } from '../bus/index.ts';
import { resolveAndApply } from '../profiles/index.ts';
import type { Clock } from '../shared/index.ts';
import { WorkspaceSettings } from './workspaces.ts';

/** The pipeline's stages in order; the one definition both the inline and the threaded pipeline use. */
export function buildStages(deps: { clock: Clock; settings: WorkspaceSettings }): Stage[] {
  return [
    (tx, ws, events) => resolveAndApply(tx, ws, events, { clock: deps.clock, rulesFor: (w, q) => deps.settings.rulesFor(w, q) }),
  ];
}

export function buildProcessor(db: Db, clock: Clock, settings: WorkspaceSettings, opts: { batchSize?: number; onError: (e: unknown) => void }) {
  return new Processor(db, buildStages({ clock, settings }), { batchSize: opts.batchSize, onError: opts.onError });
}

/**
 * "Save drop-offs as a segment": the profiles that did step N-1 of a funnel and not step N
 * become a fixed list. The condition language has no list of ids, and a condition that
 * re-describes the funnel would drift from the report (order, window, range). So each
 * profile gets an internal "Added To List" event carrying the list id, through the log
 * like any fact, and the segment is "has that event": its size is the drop-off count,
 * merges and deletions are handled like for any event, and journeys can trigger on it.
 */
import { newId, invalid, type OmnisEvent } from '../../shared/index.ts';
import { pinnedEvent, stableId } from '../../messaging/index.ts';
import type { Db } from '../../store/index.ts';
import type { SegmentView } from '../../segments/index.ts';
import { funnelReport, type FunnelQuery } from './index.ts';

export const LIST_EVENT = 'Added To List';
/** Drop-offs one save may hold: the events are appended in one go. */
export const MAX_SAVED = 100_000;
const APPEND_CHUNK = 1000;

export interface SaveDropOffsDeps {
  db: Db;
  now: () => number;
  createSegment: (workspaceId: string, input: { name: string; description?: string; condition: unknown }) => Promise<SegmentView>;
  append: (workspaceId: string, events: OmnisEvent[]) => Promise<unknown>;
}

export interface SaveDropOffsInput extends Omit<FunnelQuery, 'includeProfiles' | 'maxProfiles' | 'breakdown'> {
  /** 2..steps: those who did the step before it and not this one. */
  step: number;
  name: string;
}

export interface SavedDropOffs { segment: SegmentView; listId: string; step: number; event: string; profiles: number }

/** The segment condition that holds a saved list's members. */
export const listCondition = (listId: string) => ({
  event: LIST_EVENT, channel: 'internal', where: [{ property: 'list', op: 'eq', value: listId }],
});

export async function saveDropOffs(deps: SaveDropOffsDeps, workspaceId: string, input: SaveDropOffsInput): Promise<SavedDropOffs> {
  const n = input.steps?.length ?? 0;
  if (!Number.isInteger(input.step) || input.step < 2 || input.step > n) {
    throw invalid('step', `expected a step from 2 to ${Math.max(n, 2)}: nobody drops off before the first`);
  }
  const report = await funnelReport(deps.db, workspaceId, { ...input, includeProfiles: true, maxProfiles: MAX_SAVED + 1 });
  const at = report.steps[input.step - 1];
  const ids = at.dropOffProfileIds ?? [];
  if (at.dropOff > MAX_SAVED) throw invalid('step', `${at.dropOff} profiles dropped off here; at most ${MAX_SAVED} can be saved at once, narrow the range`);
  const listId = newId('list');
  const segment = await deps.createSegment(workspaceId, {
    name: input.name,
    description: `Dropped off at step ${input.step} (${at.event}) of a funnel: ${input.steps.map(s => s.event).join(' → ')}`,
    condition: listCondition(listId),
  });
  const now = deps.now();
  for (let i = 0; i < ids.length; i += APPEND_CHUNK) {
    await deps.append(workspaceId, ids.slice(i, i + APPEND_CHUNK).map(profileId => pinnedEvent({
      messageId: stableId('list', listId, profileId), profileId, event: LIST_EVENT, channel: 'internal', timestamp: now, now,
      properties: { list: listId, listName: input.name, source: 'funnel', step: input.step, stepEvent: at.event },
    })));
  }
  return { segment, listId, step: input.step, event: at.event, profiles: ids.length };
}

import { definitionStamp, type Queryable } from '../../store/index.ts';
import { compileWhere, type EvalEvent } from '../../segments/index.ts';
import type { EventMatch, JourneyDefinition } from '../definition/index.ts';
import { parseJourney } from '../definition/index.ts';

export interface LiveJourney { id: string; version: number; def: JourneyDefinition }

/**
 * Published journey versions. Versions never change once published, so they are cached
 * for good; which versions are live (taking entries) is re-read when any journey of the
 * workspace changes.
 */
export class JourneyCatalog {
  private versions = new Map<string, JourneyDefinition>();
  private live = new Map<string, { stamp: string; journeys: LiveJourney[]; published: boolean }>();

  async liveJourneys(q: Queryable, workspaceId: string): Promise<LiveJourney[]> {
    const stamp = await definitionStamp(q, workspaceId, 'journeys');
    const hit = this.live.get(workspaceId);
    if (hit && hit.stamp === stamp) return hit.journeys;
    const rows = await q.query<{ id: string; version: number; status: string }>(`select id, version, status from journeys where workspace_id = $1 and version > 0 order by id`, [workspaceId]);
    const published = rows.length > 0;
    const active = rows.filter(r => r.status === 'active');
    const journeys = await Promise.all(active.map(async r => ({ id: r.id, version: r.version, def: await this.version(q, r.id, r.version) })));
    this.live.set(workspaceId, { stamp, journeys, published });
    return journeys;
  }

  /**
   * Whether any journey of the workspace was ever published, as of its last liveJourneys():
   * runs exist only for published versions and journeys are never deleted, so without one
   * there is no run to look up.
   */
  everPublished(workspaceId: string): boolean { return this.live.get(workspaceId)?.published ?? true; }

  async version(q: Queryable, journeyId: string, version: number): Promise<JourneyDefinition> {
    const k = `${journeyId}@${version}`;
    let def = this.versions.get(k);
    if (!def) {
      const rows = await q.query<{ definition: unknown }>('select definition from journey_versions where journey_id = $1 and version = $2', [journeyId, version]);
      if (!rows[0]) throw new Error(`journey ${journeyId} has no version ${version}`);
      def = parseJourney(rows[0].definition);
      this.versions.set(k, def);
    }
    return def;
  }
}

const whereCache = new WeakMap<EventMatch, (e: EvalEvent) => boolean>();

/** Whether an event is the one an entry, goal, exit or wait_event names. */
export function matches(m: EventMatch, e: EvalEvent): boolean {
  if (e.event !== m.event) return false;
  if (m.channel && e.channel !== m.channel) return false;
  if (!m.where?.length) return true;
  let w = whereCache.get(m);
  if (!w) { w = compileWhere(m.where); whereCache.set(m, w); }
  return w(e);
}

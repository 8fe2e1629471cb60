/**
 * How the taxonomy names a workspace's stored events: what the console shows next to the
 * rules editor, so an analyst sees the effect of a rule before running a report.
 */
import type { Queryable } from '../../store/index.ts';
import type { Range } from '../range.ts';
import { Params } from '../sql.ts';
import { classifySql } from './classify.ts';
import { offlineChannels } from './compile.ts';
import type { Taxonomy } from './types.ts';

export interface ClassifiedEvent {
  messageId: string;
  type: string;
  name: string | null;
  /** Where the event was recorded (the event's own channel). */
  eventChannel: string;
  timestamp: string;
  /** The touchpoint channel; null when the event is not a touchpoint. */
  touchpoint: string | null;
  offline: boolean;
}

export async function classifyEvents(db: Queryable, workspaceId: string, taxonomy: Taxonomy, range: Range, limit = 100): Promise<ClassifiedEvent[]> {
  const p = new Params();
  const where = `e.workspace_id = ${p.add(workspaceId, 'text')} and e.ts >= ${p.time(range.from)} and e.ts < ${p.time(range.to)}`;
  // The same statement reports classify with, so what is shown here is what they count.
  const rows = await db.query<{ message_id: string; type: string; name: string | null; channel: string; ts: Date; touchpoint: string | null }>(
    `select e.message_id, e.type, e.name, e.channel, e.ts, c.channel as touchpoint
       from (${classifySql(taxonomy, p, where)}) c join events e on e.seq = c.seq
      order by e.ts, e.seq limit ${p.add(limit, 'int')}`, p.values);
  const offline = offlineChannels(taxonomy);
  return rows.map(r => ({
    messageId: r.message_id, type: r.type, name: r.name, eventChannel: r.channel, timestamp: new Date(r.ts).toISOString(),
    touchpoint: r.touchpoint, offline: r.touchpoint !== null && offline.has(r.touchpoint),
  }));
}

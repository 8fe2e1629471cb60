/** Streams journeys out of the database into attribution paths, split by breakdown value. */
import type { Db } from '../../store/index.ts';
import type { Path } from '../attribution/index.ts';
import { streamQuery } from '../stream.ts';
import { refreshTouches } from '../touchpoints/index.ts';
import { journeySql, type GroupedRow, type JourneySpec, type TimedRow } from './sql.ts';

/** The breakdown value of journeys that have none. */
export const NO_VALUE = '(none)';

export interface JourneyPaths {
  paths: Path[];
  /** Only with a breakdown: the same paths by breakdown value. */
  groups: Map<string, Path[]>;
}

export async function readJourneyPaths(db: Db, spec: JourneySpec): Promise<JourneyPaths> {
  await refreshTouches(db, spec.workspaceId, spec.taxonomy);
  const { sql, params } = journeySql(spec);
  const paths: Path[] = [];
  const groups = new Map<string, Path[]>();
  const add = (path: Path, bd: string | null) => {
    paths.push(path);
    if (!spec.breakdown) return;
    const key = bd ?? NO_VALUE;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(path);
  };
  if (spec.mode === 'timed') {
    await streamQuery<TimedRow>(db, sql, params, rows => {
      for (const r of rows) {
        add({
          touches: r.chs.map((channel, i) => ({ channel, at: Number(r.tss[i]) })),
          conversions: r.converted ? 1 : 0, value: r.converted ? Number(r.value) : 0, nulls: r.converted ? 0 : 1,
        }, r.bd);
      }
    });
  } else {
    // One Touch object per channel name: grouped rows repeat the same few channels.
    const touch = new Map<string, { channel: string }>();
    const of = (channel: string) => touch.get(channel) ?? touch.set(channel, { channel }).get(channel)!;
    await streamQuery<GroupedRow>(db, sql, params, rows => {
      for (const r of rows) {
        add({ touches: r.chs.map(of), conversions: Number(r.conversions), value: Number(r.value), nulls: Number(r.nulls) }, r.bd);
      }
    });
  }
  return { paths, groups };
}

/** Grouped journeys as they come: a channel sequence and what it produced. */
export async function readJourneyGroups(db: Db, spec: Omit<JourneySpec, 'mode'>, onRows: (rows: GroupedRow[]) => void): Promise<void> {
  await refreshTouches(db, spec.workspaceId, spec.taxonomy);
  const { sql, params } = journeySql({ ...spec, mode: 'grouped' });
  await streamQuery<GroupedRow>(db, sql, params, onRows);
}

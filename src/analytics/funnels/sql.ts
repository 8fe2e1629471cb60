/**
 * A funnel in SQL. Each profile enters at its first step-1 event in the range; every later
 * step is the first matching event after the previous step's (by time, then log order)
 * and within the window from step 1. The result is one row per entering profile: how far
 * it got and the time each step took, kept in a temporary table for the counts, the
 * medians and the drop-off lists.
 */
import { Params } from '../sql.ts';
import type { Range } from '../range.ts';
import { allSql, fieldSql, inlineFields, type Condition } from '../touchpoints/index.ts';

export interface FunnelStepSpec {
  event: string;
  where: Condition[];
  /** The event's own channel (web, app, pos...). */
  channel?: string;
}

export interface FunnelSpec {
  workspaceId: string;
  steps: FunnelStepSpec[];
  windowMs: number;
  /** Step 1 must fall in it; later steps may run on to the end of the window. */
  range: Range;
  /** "channel" (step 1's), `traits.x` (the profile's) or an event field of step 1. */
  breakdown?: string;
  segmentId?: string;
}

export const CREATE_REACH_SQL = 'create temp table funnel_reach (pid text not null, bd text, reached int not null, ds float8[] not null) on commit drop';

/** Fills funnel_reach: per entering profile, its breakdown value, the last step reached and
 *  the seconds each step took after the one before (ds[1] is null). */
export function funnelReachSql(s: FunnelSpec): { sql: string; params: unknown[] } {
  const p = new Params();
  const win = p.interval(s.windowMs);
  const from = p.time(s.range.from);
  const to = p.time(s.range.to);
  const hi = `${to} + ${win}`;
  const matches = s.steps.map(st => {
    const parts = [`e.name = ${p.add(st.event, 'text')}`, allSql(st.where, inlineFields(p), p)];
    if (st.channel) parts.push(`e.channel = ${p.add(st.channel, 'text')}`);
    return `(${parts.join(' and ')})`;
  });
  const onProfile = s.breakdown?.startsWith('traits.');
  const bd = !s.breakdown || onProfile ? 'null::text' : s.breakdown === 'channel' ? 'e.channel' : fieldSql(s.breakdown, p);
  const inSegment = s.segmentId ? `and pe.profile_id in (select profile_id from segment_members where segment_id = ${p.add(s.segmentId, 'text')})` : '';
  const names = p.add([...new Set(s.steps.map(st => st.event))], 'text[]');

  const ctes = [`m as materialized (
      select pe.profile_id as pid, e.ts, e.seq, ${bd} as bd, ${matches.map((x, i) => `${x} as s${i + 1}`).join(', ')}
        from events e
        join profile_events pe on pe.seq = e.seq
       where e.workspace_id = ${p.add(s.workspaceId, 'text')} and e.name = any(${names})
         and e.ts >= ${from} and e.ts < ${hi} and pe.ts >= ${from} and pe.ts < ${hi} ${inSegment}
    )`,
  `f1 as (
      select distinct on (pid) pid, bd, ts as t1, ts as t, seq as q, null::interval as dt
        from m where s1 and ts < ${to}
       order by pid, ts, seq
    )`];
  for (let k = 2; k <= s.steps.length; k++) {
    ctes.push(`f${k} as (
      select distinct on (f.pid) f.pid, f.t1, m.ts as t, m.seq as q, m.ts - f.t as dt
        from f${k - 1} f
        join m on m.pid = f.pid and m.s${k} and (m.ts, m.seq) > (f.t, f.q) and m.ts <= f.t1 + ${win}
       order by f.pid, m.ts, m.seq
    )`);
  }
  const ks = s.steps.map((_, i) => i + 1);
  const reached = ks.slice(1).map(k => `when f${k}.pid is null then ${k - 1}`).join(' ');
  const sql = `insert into funnel_reach (pid, bd, reached, ds)
    with ${ctes.join(',\n')}
    select f1.pid,
           ${onProfile ? `(pr.traits #>> ${p.add(s.breakdown!.split('.').slice(1), 'text[]')})` : 'f1.bd'} as bd,
           ${s.steps.length > 1 ? `case ${reached} else ${s.steps.length} end` : '1'} as reached,
           array[${ks.map(k => `extract(epoch from f${k}.dt)::float8`).join(', ')}] as ds
      from f1
      ${ks.slice(1).map(k => `left join f${k} on f${k}.pid = f1.pid`).join('\n      ')}
      ${onProfile ? 'left join profiles pr on pr.id = f1.pid' : ''}`;
  return { sql, params: p.values };
}

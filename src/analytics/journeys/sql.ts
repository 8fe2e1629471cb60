/**
 * One SQL statement turns a workspace's stored events into journeys: each conversion in
 * the range with the profile's touchpoints before it (within the lookback, after the
 * previous conversion), and each profile's trailing touchpoints in the range that led to
 * no conversion (a null journey, for Markov with nulls and for conversion rates).
 *
 * Touchpoints come from analytics_touches (classified once, see touchpoints/cache.ts),
 * conversions from the events table by name (indexed), both joined once to profile_events
 * for the profile that owns them now. Window functions over each profile's timeline cut
 * the journeys: a running count of conversions numbers them. Node receives one row per
 * journey, or, when no model needs touch times, one row per distinct channel sequence.
 */
import { parseDuration } from '../../shared/index.ts';
import { Params, numeric } from '../sql.ts';
import type { Range } from '../range.ts';
import { DIRECT, fieldSql, type Taxonomy } from '../touchpoints/index.ts';

export interface JourneySpec {
  workspaceId: string;
  /** Conversions (and, for null journeys, the last touch) must fall in it. */
  range: Range;
  lookbackMs: number;
  /** Its session gap; the touches themselves must be current in analytics_touches (refreshTouches). */
  taxonomy: Taxonomy;
  /** `value`: a field holding the conversion's value; default properties.revenue, else properties.total. */
  conversion: { event: string; value?: string };
  /** `traits.x` reads the profile; any other field the journey's events (the conversion's first). */
  breakdown?: string;
  /** grouped: identical channel sequences summed in SQL; timed: one row per journey, with touch times. */
  mode: 'grouped' | 'timed';
}

export interface GroupedRow { chs: string[]; conversions: number; value: number; nulls: number; bd: string | null }
export interface TimedRow { chs: string[]; tss: number[]; converted: boolean; value: number; bd: string | null }

export function journeySql(s: JourneySpec): { sql: string; params: unknown[] } {
  const p = new Params();
  const ws = p.add(s.workspaceId, 'text');
  const lo = p.time(s.range.from - s.lookbackMs);
  const hi = p.time(s.range.to);
  const value = s.conversion.value
    ? `coalesce(${numeric(fieldSql(s.conversion.value, p))}, 0)`
    : `coalesce(${numeric(`(e.body #>> '{properties,revenue}')`)}, ${numeric(`(e.body #>> '{properties,total}')`)}, 0)`;
  const onProfile = s.breakdown?.startsWith('traits.');
  const onEvent = s.breakdown !== undefined && !onProfile;
  const eventBd = onEvent ? fieldSql(s.breakdown!, p) : 'null::text';
  const gapMs = parseDuration(s.taxonomy.sessionGap, 'sessionGap');
  const direct = p.add(DIRECT, 'text');
  const continues = gapMs > 0
    ? `ch is not null and prev_ts is not null and not prev_conv and ts - prev_ts <= ${p.interval(gapMs)} and (prev_ch = ch or (ch = ${direct} and prev_ch is not null))`
    : 'false';

  const journeys = `
    with x as (
      -- A touchpoint that is also the conversion (a POS order) is two rows with one seq: the
      -- touch sorts first (conv false), so it belongs to the journey its conversion ends.
      select t.seq, t.ts, t.channel as ch, false as conv, null::float8 as value, ${onEvent ? eventBd : 'null::text'} as bd
        from analytics_touches t ${onEvent ? 'join events e on e.seq = t.seq' : ''}
       where t.workspace_id = ${ws} and t.ts >= ${lo} and t.ts < ${hi}
      union all
      select e.seq, e.ts, null::text, true, greatest(${value}, 0), ${eventBd}
        from events e
       where e.workspace_id = ${ws} and e.type = 'track' and e.name = ${p.add(s.conversion.event, 'text')} and e.ts >= ${lo} and e.ts < ${hi}
    ),
    numbered as (
      select pe.profile_id as pid, x.ts, x.seq, x.ch, x.conv, x.value, x.bd,
             coalesce(sum(x.conv::int) over (w rows between unbounded preceding and 1 preceding), 0) as grp,
             lag(x.ch) over w as prev_ch, lag(x.ts) over w as prev_ts, lag(x.conv) over w as prev_conv
        from x join profile_events pe on pe.seq = x.seq
       where pe.ts >= ${lo} and pe.ts < ${hi}
      window w as (partition by pe.profile_id order by x.ts, x.seq, x.conv)
    ),
    deduped as (
      -- Same channel again within the session gap, or a direct visit right after a touch: the same visit.
      select pid, grp, ts, seq, conv, value, bd, case when ${continues} then null else ch end as ch
        from numbered
    ),
    anchored as (
      -- A journey ends at its conversion, or (no conversion yet) at its last touch.
      select *, coalesce(max(case when conv then ts end) over g, max(case when ch is not null then ts end) over g) as anchor
        from deduped
      window g as (partition by pid, grp)
    ),
    j as (
      select pid, bool_or(conv) as converted, coalesce(max(value), 0) as value, max(anchor) as anchor,
             array_agg(ch order by ts, seq) filter (where ch is not null) as chs,
             array_agg((extract(epoch from ts) * 1000)::float8 order by ts, seq) filter (where ch is not null) as tss,
             (array_agg(bd order by conv desc, ts desc, seq desc) filter (where bd is not null))[1] as bd
        from anchored
       where ts >= anchor - ${p.interval(s.lookbackMs)}
       group by pid, grp
    ),
    kept as (
      select j.*, ${onProfile ? `(pr.traits #>> ${p.add(s.breakdown!.split('.').slice(1), 'text[]')})` : 'j.bd'} as breakdown
        from j ${onProfile ? 'left join profiles pr on pr.id = j.pid' : ''}
       where j.anchor >= ${p.time(s.range.from)} and j.anchor < ${hi} and (j.converted or j.chs is not null)
    )`;
  // A conversion with no touch in its lookback is still counted: direct, at its own time.
  const sql = s.mode === 'timed'
    ? `${journeys}
       select coalesce(chs, array[${direct}]) as chs, coalesce(tss, array[(extract(epoch from anchor) * 1000)::float8]) as tss,
              converted, value, breakdown as bd
         from kept`
    : `${journeys}
       select coalesce(chs, array[${direct}]) as chs, breakdown as bd,
              count(*) filter (where converted)::float8 as conversions,
              coalesce(sum(value) filter (where converted), 0)::float8 as value,
              count(*) filter (where not converted)::float8 as nulls
         from kept
        group by 1, 2`;
  return { sql, params: p.values };
}

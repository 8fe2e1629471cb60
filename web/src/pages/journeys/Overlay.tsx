// The live overlay: per-step counts from GET /journeys/:id/stats, polled while the screen
// is open, and "who is here now" for a step.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { get } from '../../api.ts';
import { ErrorBox, fmt, when } from '../../ui.tsx';
import { ENTRY } from './model.ts';

export interface StepStats { entered: number; waiting: number; movedOn: number; sends: Record<string, number>; opens: number; clicks: number; conversions: number; revenue: number }
interface Rate { runs: number; conversions: number; rate: number; revenue: number }
export interface Stats { runs: Record<string, number>; steps: Record<string, StepStats>; conversions: { treated: Rate; holdout: Rate } }
export type StatMode = 'abs' | 'pct';

const POLL_MS = 3000;

/** Polls the journey's stats while `on`; the last good answer stays up when a poll fails. */
export function useStats(journeyId: string, on: boolean): { stats: Stats | null; error: unknown } {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!on) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => get<Stats>(`journeys/${journeyId}/stats`)
      .then(s => { if (live) { setStats(s); setError(undefined); } }, e => { if (live) setError(e); })
      .finally(() => { if (live) timer = setTimeout(tick, POLL_MS); });
    void tick();
    return () => { live = false; clearTimeout(timer); };
  }, [journeyId, on]);
  return { stats, error };
}

const sent = (s: StepStats) => (s.sends.sent ?? 0) + (s.sends.delivered ?? 0);
const share = (n: number, of: number) => (of ? `${((n / of) * 100).toFixed(0)}%` : '–');
const money = (n: number) => `$${fmt(n, 2)}`;

export function NodeStats({ id, stats, mode }: { id: string; stats: Stats; mode: StatMode }) {
  const total = Object.values(stats.runs).reduce((a, b) => a + b, 0);
  let cells: [string, string, string][];
  if (id === ENTRY) {
    const conv = stats.conversions.treated.conversions + stats.conversions.holdout.conversions;
    const revenue = stats.conversions.treated.revenue + stats.conversions.holdout.revenue;
    cells = [['entered', 'entered', fmt(total)], ['conversions', 'conversions', mode === 'pct' ? share(conv, total) : fmt(conv)], ['revenue', 'revenue', money(revenue)]];
  } else {
    const s = stats.steps[id] ?? { entered: 0, waiting: 0, movedOn: 0, sends: {}, opens: 0, clicks: 0, conversions: 0, revenue: 0 };
    const of = (n: number, base: number) => (mode === 'pct' ? share(n, base) : fmt(n));
    cells = [
      ['entered', 'entered', mode === 'pct' ? share(s.entered, total) : fmt(s.entered)],
      ['waiting', 'waiting now', of(s.waiting, s.entered)],
      ['movedOn', 'moved on', of(s.movedOn, s.entered)],
    ];
    if (Object.keys(s.sends).length) {
      const n = sent(s);
      cells.push(['sends', 'sends', of(n, s.entered)], ['opens', 'opens', of(s.opens, n)], ['clicks', 'clicks', of(s.clicks, n)]);
      const held = (s.sends.suppressed ?? 0) + (s.sends.failed ?? 0);
      if (held) cells.push(['suppressed', 'not sent', of(held, s.entered)]);
    }
    cells.push(['conversions', 'conversions', of(s.conversions, s.entered)], ['revenue', 'revenue', money(s.revenue)]);
  }
  return (
    <dl className="jstats" data-testid={`stats-${id}`}>
      {cells.map(([key, label, value]) => <div key={key} data-stat={key}><dt>{label}</dt><dd>{value}</dd></div>)}
    </dl>
  );
}

interface RunsPage { data: { runId: string; profileId: string; version: number; since: string; waiting: string | null }[]; nextCursor: string | null }

/** Profiles whose run is at this step now, oldest arrival first, a page at a time. */
export function WhoIsHere({ journeyId, step }: { journeyId: string; step: string }) {
  const [pages, setPages] = useState<RunsPage[]>([]);
  const [error, setError] = useState<unknown>();
  const load = (cursor: string | null) => get<RunsPage>(`journeys/${journeyId}/steps/${encodeURIComponent(step)}/runs?limit=25${cursor ? `&cursor=${cursor}` : ''}`)
    .then(p => { setPages(ps => (cursor ? [...ps, p] : [p])); setError(undefined); }, setError);
  useEffect(() => { setPages([]); void load(null); }, [journeyId, step]);
  const rows = pages.flatMap(p => p.data);
  const more = pages[pages.length - 1]?.nextCursor ?? null;
  return (
    <section className="jwho" aria-label="Who is here now">
      <h4>Who is here now <button className="link" onClick={() => void load(null)}>refresh</button></h4>
      <ErrorBox error={error} />
      {!rows.length && !error ? <p className="muted">Nobody is at this step right now.</p> : (
        <ul data-testid="who-is-here">
          {rows.map(r => <li key={r.runId}><Link to={`/customers/${r.profileId}`}>{r.profileId}</Link> <span className="muted">since {when(r.since)}{r.waiting ? ` · waiting for ${r.waiting}` : ''}</span></li>)}
        </ul>
      )}
      {more && <button onClick={() => void load(more)}>Show more</button>}
    </section>
  );
}

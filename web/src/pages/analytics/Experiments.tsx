import { useState } from 'react';
import { Link } from 'react-router';
import { Empty, ErrorBox, Loading, fmt, pct, useGet } from '../../ui.tsx';

interface Journey { id: string; name: string; status: string; version: number | null }
interface Lift { absolute: number; relative: number | null; ci95: [number, number] }
interface Arm { path: string; holdout: boolean; control: boolean; runs: number; conversions: number; rate: number; revenue: number; lift: Lift | null; significant: boolean }
interface Report {
  journeyId: string; name: string; control: string | null; controlKind: 'holdout' | 'first_arm' | null; arms: Arm[];
  overall: { treated: { runs: number; conversions: number; rate: number }; holdout: { runs: number; conversions: number; rate: number }; lift: Lift | null };
}

const pts = (d: number) => `${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)} pts`;

export function Experiments() {
  const journeys = useGet<{ data: Journey[] }>('journeys');
  const [picked, setPicked] = useState<string>('');
  const list = journeys.data?.data ?? [];
  const id = picked || list.find(j => j.version != null)?.id || '';
  const report = useGet<Report>(id ? `analytics/experiments/${encodeURIComponent(id)}` : null);
  if (journeys.error) return <ErrorBox error={journeys.error} />;
  if (!journeys.data) return <Loading />;
  if (!list.length) return <Empty>No journeys yet. <Link to="/journeys">Build a journey</Link> with a split (and a holdout) to measure its lift here.</Empty>;
  const r = report.data;
  return (
    <section aria-label="Journeys and experiments" data-testid="experiments">
      <div className="row an-controls">
        <label>Journey <select aria-label="Journey" value={id} onChange={e => setPicked(e.target.value)}>
          {list.map(j => <option key={j.id} value={j.id}>{j.name} ({j.status})</option>)}
        </select></label>
      </div>
      <ErrorBox error={report.error} />
      {!r ? (report.loading ? <Loading /> : null) : (
        <>
          <div className="stats row">
            <Stat label="In the journey" value={`${pct(r.overall.treated.rate)}`} sub={`${fmt(r.overall.treated.conversions)} of ${fmt(r.overall.treated.runs)} converted`} />
            <Stat label="Holdout" value={r.overall.holdout.runs ? pct(r.overall.holdout.rate) : '–'} sub={r.overall.holdout.runs ? `${fmt(r.overall.holdout.conversions)} of ${fmt(r.overall.holdout.runs)}` : 'no holdout path'} />
            <Stat label="Lift" value={r.overall.lift ? pts(r.overall.lift.absolute) : '–'}
              sub={r.overall.lift ? `95% interval ${pts(r.overall.lift.ci95[0])} to ${pts(r.overall.lift.ci95[1])}` : 'needs runs in and out of the holdout'} />
          </div>
          {r.arms.length === 0 ? <Empty>Nobody has entered this journey yet.</Empty> : (
            <div className="card">
              <h3>Paths {r.control && <span className="muted">— compared with {r.controlKind === 'holdout' ? 'the holdout' : 'the first path'} ({r.control})</span>}</h3>
              <table data-testid="arms">
                <thead><tr><th>Path</th><th className="num">Runs</th><th className="num">Converted</th><th className="num">Rate</th><th className="num">Revenue</th><th className="num">Lift</th><th>95% interval</th></tr></thead>
                <tbody>{r.arms.map(a => (
                  <tr key={`${a.holdout}-${a.path}`}>
                    <td>{a.path}{a.holdout && <span className="tag">holdout</span>}{a.control && !a.holdout && <span className="tag">control</span>}</td>
                    <td className="num">{fmt(a.runs)}</td><td className="num">{fmt(a.conversions)}</td><td className="num">{pct(a.rate)}</td><td className="num">{fmt(a.revenue, 2)}</td>
                    <td className="num">{a.lift ? <>{pts(a.lift.absolute)}{a.lift.relative != null && <span className="muted"> ({(a.lift.relative * 100).toFixed(0)}%)</span>}</> : '–'}</td>
                    <td>{a.lift ? <Interval ci={a.lift.ci95} significant={a.significant} /> : ''}</td>
                  </tr>
                ))}</tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

function Stat({ label, value, sub }: { label: string; value: string; sub: string }) {
  return <div className="stat card"><div className="muted">{label}</div><div className="big">{value}</div><div className="muted small">{sub}</div></div>;
}

/** The interval drawn on a ±scale around zero, so "crosses zero" is visible at a glance. */
function Interval({ ci, significant }: { ci: [number, number]; significant: boolean }) {
  const scale = Math.max(0.05, Math.abs(ci[0]), Math.abs(ci[1]));
  const x = (v: number) => 50 + (v / scale) * 50;
  return (
    <span className="interval" title={`${pts(ci[0])} to ${pts(ci[1])}`}>
      <svg width="120" height="14" aria-hidden="true">
        <line x1="60" x2="60" y1="0" y2="14" stroke="#adb5bd" />
        <line x1={x(ci[0]) * 1.2} x2={x(ci[1]) * 1.2} y1="7" y2="7" stroke={significant ? '#2f9e44' : '#7a8394'} strokeWidth="4" strokeLinecap="round" />
      </svg>
      <span className="small">{pts(ci[0])} … {pts(ci[1])}{significant ? ' ✓' : ''}</span>
    </span>
  );
}

import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Empty, ErrorBox, Loading, fmt, useGet } from '../../ui.tsx';
import type { DateRange } from './RangePicker.tsx';
import { COLORS } from './labels.ts';

interface Point { period: string; conversions: number; revenue: number; byChannel: Record<string, number> }
interface Report { interval: string; event: string; channels: string[]; series: Point[]; totals: { conversions: number; revenue: number } }

export function Revenue({ range }: { range: DateRange }) {
  const [interval, setInterval] = useState<'day' | 'week' | 'month'>('day');
  const { data, error, loading } = useGet<Report>(`analytics/revenue?from=${range.from}&to=${range.to}&interval=${interval}`);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const rows = data.series.map(p => ({ period: p.period, total: round(p.revenue), ...Object.fromEntries(data.channels.map(c => [c, round(p.byChannel[c] ?? 0)])) }));
  return (
    <section aria-label="Revenue" data-testid="revenue">
      <div className="row an-controls">
        <label>By <select aria-label="Interval" value={interval} onChange={e => setInterval(e.target.value as typeof interval)}>
          <option value="day">day</option><option value="week">week</option><option value="month">month</option>
        </select></label>
        {loading && <span className="muted">Updating…</span>}
        <span className="muted">{fmt(data.totals.revenue, 2)} from {fmt(data.totals.conversions)} “{data.event}” events</span>
      </div>
      {data.totals.conversions === 0 ? <Empty>No “{data.event}” events in this range. Widen the range, or send orders through the tracking API (Settings → Sources).</Empty> : (
        <div className="card chart" data-testid="revenue-chart">
          <ResponsiveContainer width="100%" height={340}>
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="period" />
              <YAxis />
              <Tooltip formatter={(v) => fmt(Number(v), 2)} />
              <Legend />
              <Line type="linear" dataKey="total" name="All channels" stroke="#1d2433" strokeWidth={2} dot={false} isAnimationActive={false} />
              {data.channels.map((c, i) => <Line key={c} type="linear" dataKey={c} stroke={COLORS[i % COLORS.length]} dot={false} isAnimationActive={false} />)}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}

const round = (n: number) => Math.round(n * 100) / 100;

import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Empty, ErrorBox, Loading, fmt } from '../../ui.tsx';
import type { DateRange } from './RangePicker.tsx';
import { usePost } from './usePost.ts';
import { COLORS, modelLabel } from './labels.ts';

interface ChannelReport { channel: string; offline: boolean; conversions: number; value: number; spend?: number; roas?: number | null }
interface Split { conversions: number; value: number }
interface ModelReport { model: string; order?: number; channels: ChannelReport[]; online: Split; offline: Split }
interface Report { models: ModelReport[]; totals: { conversions: number; value: number; nulls: number; spend?: number } }

type Metric = 'conversions' | 'value';

export function Attribution({ range }: { range: DateRange }) {
  const [metric, setMetric] = useState<Metric>('conversions');
  const [lookback, setLookback] = useState('30d');
  const { data, error, loading } = usePost<Report>('attribution', { ...range, lookback });
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const models = data.models;
  const channels = [...new Set(models.flatMap(m => m.channels.map(c => c.channel)))];
  const offline = new Set(models.flatMap(m => m.channels.filter(c => c.offline).map(c => c.channel)));
  const cell = (m: ModelReport, ch: string) => m.channels.find(c => c.channel === ch)?.[metric] ?? 0;
  // Channels ordered by their average credit, so the biggest lead the chart.
  channels.sort((a, b) => models.reduce((s, m) => s + cell(m, b), 0) - models.reduce((s, m) => s + cell(m, a), 0));
  const rows = channels.map(ch => ({ channel: ch, ...Object.fromEntries(models.map(m => [m.model, round(cell(m, ch))])) }));
  const digits = metric === 'value' ? 2 : 1;

  return (
    <section aria-label="Attribution" data-testid="attribution">
      <div className="row an-controls">
        <label>Credit <select aria-label="Metric" value={metric} onChange={e => setMetric(e.target.value as Metric)}>
          <option value="conversions">conversions</option><option value="value">revenue</option>
        </select></label>
        <label>Lookback <select aria-label="Lookback" value={lookback} onChange={e => setLookback(e.target.value)}>
          {['7d', '14d', '30d', '60d', '90d'].map(v => <option key={v}>{v}</option>)}
        </select></label>
        {loading && <span className="muted">Updating…</span>}
        <span className="muted">{fmt(data.totals.conversions)} conversions · {fmt(data.totals.value, 2)} revenue · {fmt(data.totals.nulls)} journeys without one</span>
      </div>
      {data.totals.conversions === 0 ? (
        <Empty>No conversions in this range. Widen the date range, or check that orders are tracked as the conversion event (Settings → Sources).</Empty>
      ) : (
        <>
          <div className="card chart" data-testid="attribution-chart">
            <ResponsiveContainer width="100%" height={340}>
              <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="channel" />
                <YAxis />
                <Tooltip formatter={(v) => fmt(Number(v), digits)} />
                <Legend formatter={(v: string) => modelLabel(v)} />
                {models.map((m, i) => <Bar key={m.model} dataKey={m.model} name={m.model} fill={COLORS[i % COLORS.length]} isAnimationActive={false} />)}
              </BarChart>
            </ResponsiveContainer>
          </div>
          <div className="card">
            <table data-testid="attribution-table">
              <thead><tr><th>Channel</th>{models.map(m => <th key={m.model} className="num" data-model={m.model}>{modelLabel(m.model)}</th>)}</tr></thead>
              <tbody>
                {channels.map(ch => (
                  <tr key={ch}>
                    <td>{ch}{offline.has(ch) && <span className="tag">offline</span>}</td>
                    {models.map(m => <td key={m.model} className="num" data-cell={`${ch}/${m.model}`}>{fmt(cell(m, ch), digits)}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="card">
            <h3>Online vs offline</h3>
            <table data-testid="attribution-split">
              <thead><tr><th>Model</th><th className="num">Online</th><th className="num">Offline</th><th className="num">Offline share</th></tr></thead>
              <tbody>
                {models.map(m => {
                  const on = m.online[metric], off = m.offline[metric];
                  return (
                    <tr key={m.model}>
                      <td>{modelLabel(m.model)}</td><td className="num">{fmt(on, digits)}</td><td className="num">{fmt(off, digits)}</td>
                      <td className="num">{on + off > 0 ? `${((off / (on + off)) * 100).toFixed(1)}%` : '–'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

const round = (n: number) => Math.round(n * 100) / 100;

import { useState } from 'react';
import { Layer, Rectangle, ResponsiveContainer, Sankey, Tooltip } from 'recharts';
import { Empty, ErrorBox, Loading, fmt, pct } from '../../ui.tsx';
import type { DateRange } from './RangePicker.tsx';
import { usePost } from './usePost.ts';
import { COLORS } from './labels.ts';

interface PathStat { channels: string[]; truncated: boolean; journeys: number; conversions: number; value: number; conversionRate: number }
interface Report {
  totals: { journeys: number; conversions: number; value: number; conversionRate: number };
  topPaths: PathStat[];
  sankey: { nodes: { id: string; name: string; step: number | null }[]; links: { source: string; target: string; value: number }[] };
  stalls: { channel: string; journeys: number; share: number }[];
}

export function JourneyMap({ range }: { range: DateRange }) {
  const [maxSteps, setMaxSteps] = useState(4);
  const { data, error, loading } = usePost<Report>('paths', { ...range, maxSteps, limit: 15 });
  if (error) return <ErrorBox error={error} />;
  if (!data) return <Loading />;
  const { nodes, links } = data.sankey;
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const sankey = {
    nodes: nodes.map(n => ({ name: n.step == null ? n.name : `${n.step}. ${n.name}` })),
    links: links.map(l => ({ source: index.get(l.source)!, target: index.get(l.target)!, value: l.value })),
  };
  return (
    <section aria-label="Journey map" data-testid="journey-map">
      <div className="row an-controls">
        <label>Touches shown <select aria-label="Touches shown" value={maxSteps} onChange={e => setMaxSteps(Number(e.target.value))}>
          {[2, 3, 4, 5, 6].map(n => <option key={n}>{n}</option>)}
        </select></label>
        {loading && <span className="muted">Updating…</span>}
        <span className="muted">{fmt(data.totals.journeys)} journeys · {fmt(data.totals.conversions)} converted ({pct(data.totals.conversionRate)})</span>
      </div>
      {links.length === 0 ? <Empty>No journeys in this range: nothing touched a channel. Widen the date range or check Settings → Sources.</Empty> : (
        <div className="card chart" data-testid="sankey">
          <ResponsiveContainer width="100%" height={Math.max(320, nodes.length * 22)}>
            <Sankey data={sankey} nodePadding={24} nodeWidth={12} margin={{ top: 8, right: 160, bottom: 8, left: 8 }} node={<SankeyNode />} link={{ stroke: '#b9c4e8' }} iterations={32}>
              <Tooltip />
            </Sankey>
          </ResponsiveContainer>
        </div>
      )}
      {data.topPaths.length > 0 && (
        <div className="grid2">
          <div className="card">
            <h3>Top paths to conversion</h3>
            <table>
              <thead><tr><th>Path</th><th className="num">Journeys</th><th className="num">Converted</th><th className="num">Rate</th></tr></thead>
              <tbody>{data.topPaths.map((p, i) => (
                <tr key={i}><td>{p.truncated ? '… → ' : ''}{p.channels.join(' → ')}</td><td className="num">{fmt(p.journeys)}</td><td className="num">{fmt(p.conversions)}</td><td className="num">{pct(p.conversionRate)}</td></tr>
              ))}</tbody>
            </table>
          </div>
          <div className="card">
            <h3>Where journeys stall</h3>
            <table>
              <thead><tr><th>Last channel</th><th className="num">Journeys</th><th className="num">Share</th></tr></thead>
              <tbody>{data.stalls.map(s => <tr key={s.channel}><td>{s.channel}</td><td className="num">{fmt(s.journeys)}</td><td className="num">{pct(s.share)}</td></tr>)}</tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

interface NodeProps { x?: number; y?: number; width?: number; height?: number; index?: number; payload?: { name: string; value: number } }

function SankeyNode({ x = 0, y = 0, width = 0, height = 0, index = 0, payload }: NodeProps) {
  const name = payload?.name ?? '';
  const fill = name === 'conversion' ? '#2f9e44' : name === 'no conversion' ? '#adb5bd' : COLORS[index % COLORS.length];
  return (
    <Layer>
      <Rectangle x={x} y={y} width={width} height={height} fill={fill} fillOpacity={0.9} />
      <text x={x + width + 6} y={y + height / 2} dy="0.35em" fontSize={12} fill="#1d2433">{name} ({fmt(payload?.value)})</text>
    </Layer>
  );
}

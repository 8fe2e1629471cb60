import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { post } from '../../api.ts';
import { ErrorBox, fmt, pct } from '../../ui.tsx';
import type { DateRange } from './RangePicker.tsx';
import { SaveDropOffs } from './SaveDropOffs.tsx';
import { StepEditor, toQuery, type StepDraft } from './StepEditor.tsx';
import type { FunnelQuery, FunnelStep } from './funnel.ts';


const START: StepDraft[] = [{ event: 'Product Viewed', where: [] }, { event: 'Product Added', where: [] }, { event: 'Order Completed', where: [] }];

export function Funnels({ range }: { range: DateRange }) {
  const [steps, setSteps] = useState<StepDraft[]>(START);
  const [window, setWindow] = useState('7d');
  const [result, setResult] = useState<{ query: FunnelQuery; steps: FunnelStep[] }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const run = async () => {
    const query: FunnelQuery = { ...range, steps: toQuery(steps), window };
    setBusy(true); setError(undefined);
    try { setResult({ query, steps: (await post<{ steps: FunnelStep[] }>('funnels', query)).steps }); }
    catch (e) { setError(e); }
    finally { setBusy(false); }
  };

  return (
    <section aria-label="Funnels" data-testid="funnels">
      <div className="card">
        <h3>Steps</h3>
        <StepEditor steps={steps} onChange={setSteps} />
        <div className="row">
          <label>Within <input aria-label="Window" value={window} size={5} onChange={e => setWindow(e.target.value)} /> of step 1</label>
          <button className="primary" onClick={() => void run()} disabled={busy || steps.some(s => !s.event.trim())}>{busy ? 'Running…' : 'Run funnel'}</button>
        </div>
        <ErrorBox error={error} />
      </div>
      {result && <FunnelResult result={result} />}
    </section>
  );
}

function FunnelResult({ result }: { result: { query: FunnelQuery; steps: FunnelStep[] } }) {
  const { steps, query } = result;
  if (steps[0].entered === 0) {
    return <div className="empty">Nobody did “{steps[0].event}” in this range. Check the event name (it is case-sensitive) or widen the date range.</div>;
  }
  const data = steps.map(s => ({ name: `${s.step}. ${s.event}`, entered: s.entered, dropOff: s.dropOff, label: `${fmt(s.entered)} · ${pct(s.conversionFromFirst)}` }));
  return (
    <>
      <div className="card chart" data-testid="funnel-chart">
        <ResponsiveContainer width="100%" height={300}>
          <BarChart data={data} margin={{ top: 24, right: 16, bottom: 8, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="name" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="entered" name="Reached" stackId="f" fill="#3b5bdb" isAnimationActive={false}><LabelList dataKey="label" position="top" /></Bar>
            <Bar dataKey="dropOff" name="Dropped off" stackId="f" fill="#f3b6b6" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="card">
        <table data-testid="funnel-table">
          <thead><tr><th>Step</th><th className="num">Reached</th><th className="num">From previous</th><th className="num">From first</th><th className="num">Dropped off</th><th className="num">Median time</th><th /></tr></thead>
          <tbody>
            {steps.map(s => (
              <tr key={s.step} data-testid={`funnel-step-${s.step}`}>
                <td>{s.step}. {s.event}</td>
                <td className="num">{fmt(s.entered)}</td>
                <td className="num">{pct(s.conversionFromPrevious)}</td>
                <td className="num">{pct(s.conversionFromFirst)}</td>
                <td className="num" data-testid={`dropoff-${s.step}`}>{s.step === 1 ? '–' : fmt(s.dropOff)}</td>
                <td className="num">{span(s.medianSecondsFromPrevious)}</td>
                <td>{s.step > 1 && s.dropOff > 0 && <SaveDropOffs query={query} step={s} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function span(s: number | null): string {
  if (s == null) return '–';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

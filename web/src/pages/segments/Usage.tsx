import { Link } from 'react-router';
import { ErrorBox, useGet } from '../../ui.tsx';
import type { Usage } from './types.ts';

/** "draft.steps.b.cases.0.if.segment" → "draft: step b (branch)": where in a journey, in words. */
function place(path: string): string {
  const parts = path.split('.');
  const version = parts[0] === 'published' ? 'live version' : parts[0] === 'draft' ? 'draft' : '';
  const rest = version ? parts.slice(1) : parts;
  const where = rest[0] === 'entry' ? 'entry'
    : rest[0] === 'steps' ? `step ${rest[1]}${rest.includes('cases') ? ' (branch)' : ''}`
      : rest[0] === 'condition' ? 'condition' : rest.join('.');
  return version ? `${version}: ${where}` : where;
}

export function UsagePanel({ id }: { id: string }) {
  const { data, error } = useGet<Usage>(`segments/${id}/usage`, [id]);
  return (
    <section className="card" aria-label="where this segment is used">
      <h3>Where it is used</h3>
      <ErrorBox error={error} />
      {data && !data.journeys.length && !data.segments.length && <p className="muted">No journey or segment uses this segment yet: changing it affects nothing else.</p>}
      {data && data.journeys.length > 0 && (
        <>
          <h4>Journeys</h4>
          <ul>{data.journeys.map(j => <li key={j.id}><Link to={`/journeys/${j.id}`}>{j.name}</Link> <span className="muted">({j.status})</span> — {[...new Set(j.paths.map(place))].join(', ')}</li>)}</ul>
        </>
      )}
      {data && data.segments.length > 0 && (
        <>
          <h4>Segments</h4>
          <ul>{data.segments.map(s => <li key={s.id}><Link to={`/segments/${s.id}`}>{s.name}</Link></li>)}</ul>
        </>
      )}
    </section>
  );
}

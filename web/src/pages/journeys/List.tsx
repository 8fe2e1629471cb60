// /journeys — every journey with its status, version and results so far, and "New journey".
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { can, post } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { Empty, ErrorBox, Loading, fmt, pct, useGet, when } from '../../ui.tsx';
import { blankJourney } from './edit.ts';

interface Row { id: string; name: string; status: string; version: number; entered: number; converted: number; updatedAt: string }

function NewJourney({ onCancel }: { onCancel: () => void }) {
  const nav = useNavigate();
  const [name, setName] = useState('');
  const [event, setEvent] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const j = await post<{ id: string }>('journeys', blankJourney(name.trim(), event.trim()));
      nav(`/journeys/${j.id}`);
    } catch (err) { setError(err); }
  };
  return (
    <form className="card jnew" onSubmit={e => void submit(e)} aria-label="New journey">
      <label className="jfield"><span>Name</span><input aria-label="Journey name" required value={name} onChange={e => setName(e.target.value)} placeholder="Abandoned cart" /></label>
      <label className="jfield"><span>Profiles enter when they do</span><input aria-label="Entry event" required value={event} onChange={e => setEvent(e.target.value)} placeholder="Product Added" /></label>
      <div className="row"><button type="submit">Create</button><button type="button" onClick={onCancel}>Cancel</button></div>
      <ErrorBox error={error} />
    </form>
  );
}

export function JourneyList() {
  const { user } = useAuth();
  const { data, error, loading } = useGet<{ data: Row[] }>('journeys');
  const [creating, setCreating] = useState(false);
  const rows = data?.data ?? [];
  return (
    <div>
      <div className="row jlist-head">
        <h1>Journeys</h1>
        <span className="spacer" />
        {can(user, 'write') && !creating && <button className="primary" onClick={() => setCreating(true)}>New journey</button>}
      </div>
      {creating && <NewJourney onCancel={() => setCreating(false)} />}
      <ErrorBox error={error} />
      {loading && !data ? <Loading /> : !rows.length ? (
        <Empty>No journeys yet. {can(user, 'write') ? 'Press “New journey”, name what starts it (an event like “Product Added”), then add steps on the canvas.' : 'A marketer or admin can create one.'}</Empty>
      ) : (
        <table aria-label="Journeys">
          <thead><tr><th>Name</th><th>Status</th><th>Version</th><th>Entered</th><th>Converted</th><th>Updated</th></tr></thead>
          <tbody>
            {rows.map(j => (
              <tr key={j.id}>
                <td><Link to={`/journeys/${j.id}`}>{j.name}</Link></td>
                <td><span className={`status status-${j.status}`}>{j.status}</span></td>
                <td>{j.version ? `v${j.version}` : 'never published'}</td>
                <td>{fmt(j.entered)}</td>
                <td>{fmt(j.converted)}{j.entered ? <span className="muted"> ({pct(j.converted / j.entered)})</span> : null}</td>
                <td>{when(j.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

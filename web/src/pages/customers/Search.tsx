import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, get } from '../../api.ts';
import { Empty, ErrorBox, Loading } from '../../ui.tsx';
import type { SearchHit } from './types.ts';

/** One box for whatever the customer gives: email, phone, loyalty card, user id, or a profile id. */
export function CustomerSearch() {
  const [params, setParams] = useSearchParams();
  const nav = useNavigate();
  const [q, setQ] = useState(params.get('q') ?? '');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const run = async (raw: string) => {
    const text = raw.trim();
    if (!text) return;
    setBusy(true); setError(undefined); setHits(null);
    try {
      const r = await get<{ data: SearchHit[] }>(`profiles/search?q=${encodeURIComponent(text)}`);
      if (r.data.length === 1) { nav(`/customers/${r.data[0].profileId}`); return; }
      if (!r.data.length && /^prof_\S+$/.test(text)) {
        // A profile id pasted from elsewhere in the console.
        try { await get(`profiles/${encodeURIComponent(text)}`); nav(`/customers/${text}`); return; } catch (err) { if (!(err instanceof ApiError && err.status === 404)) throw err; }
      }
      // Only a list is remembered in the address: after a jump straight to the one match, Back returns to an empty box, not into a loop.
      setParams({ q: text }, { replace: true });
      setHits(r.data);
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const search = async (e: FormEvent) => { e.preventDefault(); await run(q); };
  // A link to /customers?q=… (or coming back to the results) searches once, on arrival.
  const initial = params.get('q');
  useEffect(() => { if (initial) void run(initial); }, []);

  return (
    <div className="cu-search-page">
      <h1>Customers</h1>
      <form className="cu-search" onSubmit={e => void search(e)} role="search">
        <input aria-label="find a customer" autoFocus value={q} onChange={e => setQ(e.target.value)}
          placeholder="Email, phone, loyalty card, user id…" />
        <button type="submit" disabled={busy || !q.trim()}>{busy ? 'Searching…' : 'Find'}</button>
      </form>
      <p className="muted">Type exactly what the customer tells you: “(646) 555-0199”, “Dana@Example.com” and “7700123” all work. Add a type to narrow it down, e.g. <code>loyalty_id:7700123</code>.</p>
      <ErrorBox error={error} />
      {busy && <Loading />}
      {hits && hits.length === 0 && <Empty>No customer holds “{q.trim()}”. Check the spelling, or try another identifier such as their email or phone number.</Empty>}
      {hits && hits.length > 1 && (
        <table aria-label="matching customers">
          <thead><tr><th>Customer</th><th>Matched</th><th>Identifiers</th></tr></thead>
          <tbody>
            {hits.map(h => (
              <tr key={h.profileId}>
                <td><Link to={`/customers/${h.profileId}`}>{h.name ?? h.profileId}</Link></td>
                <td>{h.matched.type.replace('_', ' ')}</td>
                <td className="muted">{h.identities.filter(i => i.type !== 'anonymous_id').map(i => `${i.type}: ${i.value}`).join(' · ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

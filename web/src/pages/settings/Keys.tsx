import { useState } from 'react';
import { can, post } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorBox, Loading, useGet, when } from '../../ui.tsx';

export interface ApiKeyView { id: string; kind: 'write' | 'admin'; name: string; source: string | null; channel: string | null; prefix: string; rateLimit: number | null; createdAt: number; revokedAt: number | null }

export function Keys() {
  const { user } = useAuth();
  const admin = can(user, 'admin');
  const keys = useGet<{ data: ApiKeyView[] }>(admin ? 'keys' : null);
  const [form, setForm] = useState({ kind: 'admin' as 'admin' | 'write', name: '', rateLimit: '' });
  const [created, setCreated] = useState<ApiKeyView & { secret: string }>();
  const [error, setError] = useState<unknown>();
  if (!admin) return <p className="note">Only admins see and manage API keys.</p>;

  const create = async () => {
    setError(undefined);
    try {
      setCreated(await post('keys', { kind: form.kind, ...(form.name.trim() ? { name: form.name.trim() } : {}), ...(form.rateLimit ? { rateLimit: Number(form.rateLimit) } : {}) }));
      setForm({ ...form, name: '' });
      keys.reload();
    } catch (e) { setError(e); }
  };
  const revoke = async (k: ApiKeyView) => {
    if (!confirm(`Revoke "${k.name}"? Anything using it stops working at once.`)) return;
    try { await post(`keys/${k.id}/revoke`); keys.reload(); } catch (e) { setError(e); }
  };
  return (
    <section aria-label="Keys" className="stack">
      <form className="card row" onSubmit={e => { e.preventDefault(); void create(); }} aria-label="Create a key">
        <label>Kind <select aria-label="Kind" value={form.kind} onChange={e => setForm({ ...form, kind: e.target.value as 'admin' | 'write' })}>
          <option value="admin">admin (management API)</option><option value="write">write (tracking API)</option>
        </select></label>
        <label>Name <input aria-label="Key name" value={form.name} onChange={e => setForm({ ...form, name: e.target.value })} /></label>
        <label>Rate limit <input aria-label="Key rate limit" type="number" min="1" placeholder="events/s" value={form.rateLimit} onChange={e => setForm({ ...form, rateLimit: e.target.value })} /></label>
        <button type="submit">Create key</button>
      </form>
      <ErrorBox error={error} />
      {created && (
        <div className="card" role="status">
          <h3>New {created.kind} key “{created.name}”</h3>
          <p>Copy the secret now: it is shown only this once.</p>
          <div className="secret" data-testid="new-secret">{created.secret}</div>
        </div>
      )}
      <ErrorBox error={keys.error} />
      {!keys.data ? <Loading /> : (
        <table data-testid="keys">
          <thead><tr><th>Name</th><th>Kind</th><th>Key</th><th>Source</th><th>Rate limit</th><th>Created</th><th>Status</th><th /></tr></thead>
          <tbody>{keys.data.data.map(k => (
            <tr key={k.id}>
              <td>{k.name}</td><td>{k.kind}</td><td><code>{k.prefix}…</code></td><td>{k.source ?? '–'}</td><td>{k.rateLimit ? `${k.rateLimit}/s` : '–'}</td>
              <td>{when(new Date(k.createdAt).toISOString())}</td>
              <td>{k.revokedAt ? <span className="badge off">revoked {when(new Date(k.revokedAt).toISOString())}</span> : <span className="badge">active</span>}</td>
              <td>{!k.revokedAt && <button className="link" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`}>Revoke</button>}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}

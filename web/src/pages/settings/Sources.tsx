import { useState } from 'react';
import { can, post } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { Empty, ErrorBox, Loading, useGet, when } from '../../ui.tsx';
import { Snippets } from './Snippets.tsx';
import type { ApiKeyView } from './Keys.tsx';

const SOURCES = ['web', 'app', 'server', 'pos', 'crm', 'marketplace'];

/** Write keys per source: where events come from, and the code to send them. */
export function Sources() {
  const { user } = useAuth();
  const admin = can(user, 'admin');
  const keys = useGet<{ data: ApiKeyView[] }>(admin ? 'keys' : null);
  const [created, setCreated] = useState<ApiKeyView & { secret: string }>();
  const [form, setForm] = useState({ name: '', source: 'web', channel: '' });
  const [error, setError] = useState<unknown>();
  const origin = window.location.origin;

  const create = async () => {
    setError(undefined);
    try {
      const k = await post<ApiKeyView & { secret: string }>('keys', {
        kind: 'write', name: form.name.trim() || `${form.source} source`, source: form.source, ...(form.channel.trim() ? { channel: form.channel.trim() } : {}),
      });
      setCreated(k); keys.reload();
    } catch (e) { setError(e); }
  };

  const writeKeys = (keys.data?.data ?? []).filter(k => k.kind === 'write');
  return (
    <section aria-label="Sources" className="stack">
      {!admin ? <p className="note">Write keys are managed by admins. Ask one for your source's key; the snippets below show where it goes.</p> : (
        <>
          <div className="card">
            <h3>Sources</h3>
            <ErrorBox error={keys.error} />
            {!keys.data ? <Loading /> : writeKeys.length === 0 ? <Empty>No sources yet. Add one below to get a write key and the code to send events.</Empty> : (
              <table data-testid="sources">
                <thead><tr><th>Name</th><th>Source</th><th>Default channel</th><th>Key</th><th>Created</th><th>Status</th></tr></thead>
                <tbody>{writeKeys.map(k => (
                  <tr key={k.id}><td>{k.name}</td><td>{k.source ?? '–'}</td><td>{k.channel ?? '(from the library)'}</td><td><code>{k.prefix}…</code></td><td>{when(new Date(k.createdAt).toISOString())}</td>
                    <td>{k.revokedAt ? <span className="badge off">revoked</span> : <span className="badge">active</span>}</td></tr>
                ))}</tbody>
              </table>
            )}
          </div>
          <form className="card row" onSubmit={e => { e.preventDefault(); void create(); }} aria-label="Add a source">
            <label>Source <select aria-label="Source" value={form.source} onChange={e => setForm({ ...form, source: e.target.value })}>{SOURCES.map(s => <option key={s}>{s}</option>)}</select></label>
            <label>Name <input aria-label="Source name" value={form.name} placeholder={`${form.source} source`} onChange={e => setForm({ ...form, name: e.target.value })} /></label>
            <label>Default channel <input aria-label="Default channel" value={form.channel} placeholder="e.g. pos" size={10} onChange={e => setForm({ ...form, channel: e.target.value })} /></label>
            <button type="submit">Add source</button>
            <ErrorBox error={error} />
          </form>
        </>
      )}
      {created && (
        <div className="card" role="status">
          <h3>Write key for {created.name}</h3>
          <p>Copy it now: it is shown only this once.</p>
          <div className="secret" data-testid="new-secret">{created.secret}</div>
        </div>
      )}
      <div className="card">
        <h3>Send events {created ? `with ${created.name}'s key` : ''}</h3>
        <Snippets writeKey={created?.secret ?? 'YOUR_WRITE_KEY'} origin={origin} />
      </div>
    </section>
  );
}

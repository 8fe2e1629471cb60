import { useState } from 'react';
import { can, del, patch, post, type Role } from '../../api.ts';
import { useAuth } from '../../auth.tsx';
import { ErrorBox, Loading, useGet, when } from '../../ui.tsx';

interface UserView { id: string; email: string; name: string | null; role: Role; disabled: boolean; createdAt: string }
const ROLES: [Role, string][] = [['admin', 'everything'], ['marketer', 'journeys, segments, templates, offers'], ['analyst', 'reads, analytics, saving segments'], ['read_only', 'reads']];

export function Users() {
  const { user } = useAuth();
  const admin = can(user, 'admin');
  const users = useGet<{ data: UserView[] }>(admin ? 'users' : null);
  const [form, setForm] = useState({ email: '', name: '', role: 'marketer' as Role, password: '' });
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | null>(null);
  if (!admin) return <p className="note">Only admins manage users. Ask an admin to add a colleague or change a role.</p>;

  const act = async (f: () => Promise<unknown>, message: string) => {
    setError(undefined); setDone(null);
    try { await f(); setDone(message); users.reload(); } catch (e) { setError(e); }
  };
  const create = () => act(async () => {
    await post('users', { email: form.email.trim(), role: form.role, password: form.password, ...(form.name.trim() ? { name: form.name.trim() } : {}) });
    setForm({ email: '', name: '', role: form.role, password: '' });
  }, `Added ${form.email.trim()}.`);

  return (
    <section aria-label="Users" className="stack">
      <form className="card row" aria-label="Add a user" onSubmit={e => { e.preventDefault(); void create(); }}>
        <label>Email <input aria-label="Email" type="email" required value={form.email} onChange={e => setForm({ ...form, email: e.target.value })} /></label>
        <label>Name <input aria-label="Name" value={form.name} onChange={e => setForm({ ...form, name: e.target.value })} /></label>
        <label>Role <select aria-label="Role" value={form.role} onChange={e => setForm({ ...form, role: e.target.value as Role })}>
          {ROLES.map(([r, what]) => <option key={r} value={r}>{r.replace('_', '-')} — {what}</option>)}
        </select></label>
        <label>Password <input aria-label="Password" type="password" autoComplete="new-password" required value={form.password} onChange={e => setForm({ ...form, password: e.target.value })} /></label>
        <button type="submit">Add user</button>
      </form>
      <ErrorBox error={error ?? users.error} />
      {done && <div className="ok" role="status">{done}</div>}
      {!users.data ? <Loading /> : (
        <table data-testid="users">
          <thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Status</th><th>Added</th><th /></tr></thead>
          <tbody>{users.data.data.map(u => (
            <tr key={u.id} data-testid={`user-${u.email}`}>
              <td>{u.email}{u.id === user!.id && <span className="badge">you</span>}</td>
              <td>{u.name ?? '–'}</td>
              <td>
                <select aria-label={`Role of ${u.email}`} value={u.role} onChange={e => void act(() => patch(`users/${u.id}`, { role: e.target.value }), `${u.email} is now ${e.target.value.replace('_', '-')}.`)}>
                  {ROLES.map(([r]) => <option key={r} value={r}>{r.replace('_', '-')}</option>)}
                </select>
              </td>
              <td>{u.disabled ? <span className="badge off">disabled</span> : <span className="badge">active</span>}</td>
              <td>{when(u.createdAt)}</td>
              <td className="actions">
                <button className="link" onClick={() => void act(() => patch(`users/${u.id}`, { disabled: !u.disabled }), `${u.email} ${u.disabled ? 'enabled' : 'disabled'}.`)}>{u.disabled ? 'Enable' : 'Disable'}</button>
                <button className="link" aria-label={`Delete ${u.email}`} onClick={() => { if (confirm(`Delete ${u.email}? They can no longer sign in.`)) void act(() => del(`users/${u.id}`), `Deleted ${u.email}.`); }}>Delete</button>
              </td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}

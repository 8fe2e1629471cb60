import { Navigate, NavLink, Route, Routes } from 'react-router';
import { Channels } from './Channels.tsx';
import { Sources } from './Sources.tsx';
import { Policy } from './Policy.tsx';
import { Keys } from './Keys.tsx';
import { Users } from './Users.tsx';
import './settings.css';

const TABS: [string, string][] = [['channels', 'Channels'], ['sources', 'Sources'], ['policy', 'Contact policy'], ['keys', 'Keys'], ['users', 'Users']];

export default function SettingsPage() {
  return (
    <div className="settings">
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings">
        {TABS.map(([to, label]) => <NavLink key={to} to={`/settings/${to}`}>{label}</NavLink>)}
      </nav>
      <Routes>
        <Route index element={<Navigate to="/settings/channels" replace />} />
        <Route path="channels" element={<Channels />} />
        <Route path="sources" element={<Sources />} />
        <Route path="policy" element={<Policy />} />
        <Route path="keys" element={<Keys />} />
        <Route path="users" element={<Users />} />
      </Routes>
    </div>
  );
}

import { lazy, Suspense } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { useAuth } from './auth.tsx';
import { Login } from './pages/Login.tsx';
import { Loading } from './ui.tsx';

// Every screen but sign-in is its own chunk, so the first screen stays small.
const Journeys = lazy(() => import('./pages/journeys/index.tsx'));
const Segments = lazy(() => import('./pages/segments/index.tsx'));
const Customers = lazy(() => import('./pages/customers/index.tsx'));
const Analytics = lazy(() => import('./pages/analytics/index.tsx'));
const Templates = lazy(() => import('./pages/templates/index.tsx'));
const Settings = lazy(() => import('./pages/settings/index.tsx'));

const NAV: [string, string][] = [
  ['/journeys', 'Journeys'], ['/segments', 'Segments'], ['/customers', 'Customers'],
  ['/analytics', 'Analytics'], ['/templates', 'Templates'], ['/settings', 'Settings'],
];

export function App() {
  const { user, loading, signOut } = useAuth();
  const loc = useLocation();
  if (loading) return <Loading />;
  if (!user) {
    if (loc.pathname !== '/login') return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
    return <Login />;
  }
  if (loc.pathname === '/login') return <Navigate to={new URLSearchParams(loc.search).get('next') || '/journeys'} replace />;
  return (
    <div className="shell">
      <nav className="sidebar">
        <div className="brand">Omnis</div>
        {NAV.map(([to, label]) => <NavLink key={to} to={to}>{label}</NavLink>)}
        <div className="who">
          <div title={user.email}>{user.email}</div>
          <div className="muted">{user.role.replace('_', '-')}</div>
          <button className="link" onClick={() => void signOut()}>Sign out</button>
        </div>
      </nav>
      <main className="content">
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Navigate to="/journeys" replace />} />
            <Route path="/journeys/*" element={<Journeys />} />
            <Route path="/segments/*" element={<Segments />} />
            <Route path="/customers/*" element={<Customers />} />
            <Route path="/analytics/*" element={<Analytics />} />
            <Route path="/templates/*" element={<Templates />} />
            <Route path="/settings/*" element={<Settings />} />
            <Route path="*" element={<p>Nothing here. Pick a screen on the left.</p>} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}

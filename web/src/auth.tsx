import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { get, post, setCsrfToken, type User } from './api.ts';

interface AuthState { user: User | null; loading: boolean; signIn: (email: string, password: string) => Promise<void>; signOut: () => Promise<void> }
const Ctx = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    get<{ user: User; csrfToken: string }>('auth/me')
      .then(r => { setCsrfToken(r.csrfToken); setUser(r.user); })
      .catch(() => setUser(null))
      .finally(() => setLoading(false));
    const out = () => { setCsrfToken(null); setUser(null); };
    window.addEventListener('omnis:signed-out', out);
    return () => window.removeEventListener('omnis:signed-out', out);
  }, []);
  const signIn = useCallback(async (email: string, password: string) => {
    const r = await post<{ user: User; csrfToken: string }>('auth/login', { email, password });
    setCsrfToken(r.csrfToken); setUser(r.user);
  }, []);
  const signOut = useCallback(async () => {
    try { await post('auth/logout'); } finally { setCsrfToken(null); setUser(null); }
  }, []);
  return <Ctx.Provider value={{ user, loading, signIn, signOut }}>{children}</Ctx.Provider>;
}

export function useAuth(): AuthState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

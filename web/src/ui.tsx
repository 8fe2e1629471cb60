import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError, get } from './api.ts';

export const Loading = () => <div className="loading" role="status">Loading…</div>;

/** An API error in words: the API's message, and the field it names when there is one. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  return <div className="error" role="alert">{msg}</div>;
}

export const Empty = ({ children }: { children: ReactNode }) => <div className="empty">{children}</div>;

/** Loads a GET path; `reload` fetches it again. `path` null waits. */
export function useGet<T>(path: string | null, deps: unknown[] = []): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    get<T>(path).then(d => { if (live) { setData(d); setError(undefined); } }, e => { if (live) setError(e); }).finally(() => { if (live) setLoading(false); });
    return () => { live = false; };
  }, [path, n, ...deps]);
  const reload = useCallback(() => setN(x => x + 1), []);
  return { data, error, loading, reload };
}

export const fmt = (n: number | null | undefined, digits = 0) => n == null ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits });
export const pct = (n: number | null | undefined) => n == null ? '–' : `${(n * 100).toFixed(1)}%`;
export const when = (iso: string | null | undefined) => iso ? new Date(iso).toLocaleString() : '–';

import { useEffect, useState } from 'react';
import { post } from '../../api.ts';

/** POSTs a report query whenever its JSON changes; null waits. Stale answers are dropped. */
export function usePost<T>(path: string, body: unknown | null): { data: T | undefined; error: unknown; loading: boolean } {
  const key = body === null ? null : JSON.stringify(body);
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: false });
  useEffect(() => {
    if (key === null) return;
    let live = true;
    setState(s => ({ ...s, loading: true }));
    post<T>(path, JSON.parse(key)).then(
      data => { if (live) setState({ data, loading: false }); },
      error => { if (live) setState({ error, loading: false }); },
    );
    return () => { live = false; };
  }, [path, key]);
  return { data: state.data, error: state.error, loading: state.loading };
}

// The console talks only to the public management API, with the session cookie set at
// sign-in. Every request that changes something carries the session's CSRF token.

export interface User { id: string; email: string; name: string | null; role: Role; workspaceId: string }
export type Role = 'admin' | 'marketer' | 'analyst' | 'read_only';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) { super(message); }
}

let csrfToken: string | null = null;
export const setCsrfToken = (t: string | null) => { csrfToken = t; };

/** Calls the API; errors come back as ApiError carrying the API's own words. */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path.startsWith('/') ? path : `/api/v1/${path}`, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try { json = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (res.status === 401 && !path.includes('auth/')) window.dispatchEvent(new Event('omnis:signed-out'));
    throw new ApiError(res.status, err?.code ?? 'error', err?.message ?? (text || `${res.status} ${res.statusText}`), err?.details);
  }
  return json as T;
}

export const get = <T,>(path: string) => api<T>('GET', path);
export const post = <T,>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const put = <T,>(path: string, body: unknown) => api<T>('PUT', path, body);
export const patch = <T,>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = <T,>(path: string) => api<T>('DELETE', path);

/** What a role may do, mirrored from the server (which enforces it) to hide what would fail. */
export const can = (user: User | null, action: 'write' | 'publish' | 'admin' | 'create_segment'): boolean => {
  if (!user) return false;
  if (action === 'admin') return user.role === 'admin';
  // Analysts save what they find (new segments, funnel drop-offs) but change nothing else.
  if (action === 'create_segment') return user.role !== 'read_only';
  return user.role === 'admin' || user.role === 'marketer';
};

import type { TestOmnis } from './omnis.ts';

export interface TestSession { status: number; json: any; token: string; csrf: string; headers: Record<string, unknown>; cookie?: { name: string; value: string; httpOnly?: boolean; secure?: boolean; sameSite?: string; path?: string; maxAge?: number; expires?: Date } } // eslint-disable-line @typescript-eslint/no-explicit-any

/** Signs in through POST /api/v1/auth/login; returns the cookie's token and the CSRF token. */
export async function signIn(t: Pick<TestOmnis, 'app'>, email: string, password: string, headers: Record<string, string> = {}): Promise<TestSession> {
  const r = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers });
  const cookie = r.cookies.find(c => c.name === 'omnis_session');
  const json = r.json();
  return { status: r.statusCode, json, headers: r.headers, cookie, token: cookie?.value ?? '', csrf: json.csrfToken };
}

/** Calls the API as a signed-in browser does: the cookie, and the CSRF header unless `headers` says otherwise. */
export const asUser = (t: Pick<TestOmnis, 'app'>, s: { token: string; csrf: string }) =>
  async (method: string, url: string, body?: unknown, headers: Record<string, string> = { 'x-csrf-token': s.csrf }) => {
    const r = await t.app.inject({ method: method as 'GET', url, payload: body as object | undefined, headers: { cookie: `omnis_session=${s.token}`, ...headers } });
    return { status: r.statusCode, json: r.body ? r.json() : undefined, headers: r.headers };
  };

import type { FastifyInstance } from 'fastify';
import { createOmnis, DEFAULT_WORKSPACE, type Omnis } from '../app/index.ts';
import { buildServer } from '../api/index.ts';
import { createKey } from '../ingest/index.ts';
import { VirtualClock, type Clock } from '../shared/index.ts';
import type { Db, Tx } from '../store/index.ts';
import { openTestDb } from './stores.ts';

export interface TestOmnis {
  omnis: Omnis; app: FastifyInstance; clock: Clock; writeKey: string; adminKey: string;
  /** POST to the tracking API with the write key as Basic auth. */
  track(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Record<string, unknown> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Call the management API with the admin key. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

/** The profile holding this user_id, as GET /api/v1/profiles?identifier= answers it. */
export async function profileOf(t: Pick<TestOmnis, 'admin'>, userId: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return (await t.admin('GET', `/api/v1/profiles?identifier=user_id:${encodeURIComponent(userId)}`)).json;
}

/** A whole Omnis (API and pipeline) on a throwaway database, driven through app.inject. */
export async function startTestOmnis(kind: 'pglite' | 'postgres', opts: { clock?: Clock; rateLimit?: number; trailCap?: number | null; observe?: (sql: string) => void } = {}): Promise<TestOmnis> {
  const t = await openTestDb(kind);
  const clock = opts.clock ?? new VirtualClock(Date.parse('2026-03-02T09:00:00Z'));
  const omnis = await createOmnis({ db: opts.observe ? observed(t.db, opts.observe) : t.db, clock, rateLimit: opts.rateLimit, trailCap: opts.trailCap, logError: e => console.error(e) });
  await omnis.start();
  const app = await buildServer(omnis);
  const writeKey = (await createKey(t.db, { workspaceId: DEFAULT_WORKSPACE, kind: 'write', name: 'web', source: 'web', channel: 'web' })).secret;
  const adminKey = (await createKey(t.db, { workspaceId: DEFAULT_WORKSPACE, kind: 'admin', name: 'test' })).secret;
  const basic = 'Basic ' + Buffer.from(`${writeKey}:`).toString('base64');
  return {
    omnis, app, clock, writeKey, adminKey,
    async track(path, body, headers = {}) {
      const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const r = await app.inject({ method: 'POST', url: path, payload, headers: { 'content-type': 'application/json', authorization: basic, ...headers } });
      return { status: r.statusCode, json: safeJson(r.body), headers: r.headers };
    },
    async admin(method, path, body) {
      const r = await app.inject({ method: method as 'GET', url: path, payload: body === undefined ? undefined : JSON.stringify(body),
        headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } });
      return { status: r.statusCode, json: safeJson(r.body) };
    },
    async close() { await app.close(); await omnis.stop(); await t.close(); },
  };
}

/** The same database, telling `observe` every statement run through it (tests count what a change costs in statements). */
function observed(db: Db, observe: (sql: string) => void): Db {
  const wrap = <Q extends Tx>(q: Q): Q => ({ ...q, query: (sql: string, params?: unknown[]) => { observe(sql); return q.query(sql, params); } });
  return { ...wrap(db), transaction: fn => db.transaction(tx => fn(wrap(tx))) };
}

function safeJson(s: string): unknown { try { return JSON.parse(s); } catch { return undefined; } }
